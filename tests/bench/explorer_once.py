"""Open one folder in one view of the explorer, in a fresh process, and print the figures as JSON.

Used by ``bench_explorer.py``: ``python explorer_once.py FOLDER DATA_DIR VIEW [--indexed]``, VIEW being
grid, details, columns, media, ``qfilesystemmodel`` (a plain QFileSystemModel + QTreeView, the
reference), or ``indexing`` (the whole window while the folder is indexed as a new location).
A fresh process per run, so no run inherits another's caches, widgets or garbage.

Measured, all from the moment the folder is asked for:
- first rows: the view's model has its first rows and the window painted them;
- complete: every row is in the model, in order, and painted;
- longest stall: the largest lateness of a 5 ms timer over the whole run (the event loop could not
  serve input or paint for that long).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtCore import QDir, QElapsedTimer, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileSystemModel, QTreeView  # noqa: E402

from spacedrive import Core  # noqa: E402
from spacedrive.operations import locations  # noqa: E402
from ui.app import create_event_loop  # noqa: E402
from ui.gc_policy import settle_after_startup  # noqa: E402
from ui.session import GuiSession  # noqa: E402
from ui.settings import open_settings  # noqa: E402
from ui.tasks import TaskSet  # noqa: E402
from ui.views.content import ContentView  # noqa: E402
from ui.widgets.view_mode import ViewMode  # noqa: E402

PROBE_MS = 5


class LagProbe(QObject):
    """A timer that measures its own lateness: the longest time the event loop was busy elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.longest_ms = 0.0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(PROBE_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._clock.start()
        self._timer.start()

    def _tick(self) -> None:
        late = self._clock.nsecsElapsed() / 1e6 - PROBE_MS
        self.longest_ms = max(self.longest_ms, late)
        self._clock.restart()


def _paint(widget: Any) -> None:
    """Make the window paint now (offscreen, painting is otherwise deferred)."""
    widget.repaint()


async def _spacedrive(folder: Path, data_dir: Path, mode: ViewMode, indexed: bool) -> dict[str, float]:
    core = Core(data_dir, mode="gui")
    await core.start(ensure_default_library=True)
    if indexed:  # listed from the library's index rather than from the disk
        library = core.current_library()
        library.watcher.enabled = False
        _, job = await locations.add_location(library, str(folder))
        await library.jobs.wait(job)
    tasks = TaskSet()
    view = ContentView(core, tasks)
    view.resize(1200, 760)
    view.set_view_mode(mode)
    view.show()
    await asyncio.sleep(0.2)  # let the window settle before measuring
    settle_after_startup()  # as the app does once its window is up
    probe = LagProbe()
    first: list[float] = []
    model = view.model
    started = time.perf_counter()

    def on_rows(*_: object) -> None:
        if not first:
            _paint(view)
            first.append(time.perf_counter() - started)

    model.rowsInserted.connect(on_rows)
    model.modelReset.connect(lambda: model.rowCount() and on_rows())
    probe.start()
    await view.open_path(folder)
    _paint(view)
    complete = time.perf_counter() - started
    await asyncio.sleep(0.3)  # a stall right after the listing (a deferred layout) still counts
    rows = model.rowCount()
    await tasks.cancel_all()
    view.close()
    await core.stop()
    return {
        "first_rows_ms": first[0] * 1000 if first else float("nan"),
        "complete_ms": complete * 1000,
        "longest_stall_ms": probe.longest_ms,
        "rows": rows,
    }


async def _indexing(folder: Path, data_dir: Path) -> dict[str, float]:
    """The whole window (sidebar, jobs panel, status bar, the folder shown) while the folder is indexed
    as a new location: its progress, the sidebar's totals and the view's refresh all reach the loop."""
    session = GuiSession(data_dir, None, open_settings(data_dir))
    window = await session.start(folder, ViewMode.DETAILS)
    window.jobs_panel.show()
    await asyncio.sleep(0.5)
    settle_after_startup()
    library = window.core.current_library()
    probe = LagProbe()
    probe.start()
    started = time.perf_counter()
    _, job = await locations.add_location(library, str(folder))
    await library.jobs.wait(job)
    indexed = time.perf_counter() - started
    await asyncio.sleep(1.0)  # the view lists the folder again, now from the index
    rows = window.content.model.rowCount()
    await session.stop()
    return {"index_ms": indexed * 1000, "longest_stall_ms": probe.longest_ms, "rows": rows}


async def _qfilesystemmodel(folder: Path) -> dict[str, float]:
    model = QFileSystemModel()
    model.setFilter(QDir.Filter.AllEntries | QDir.Filter.NoDotAndDotDot | QDir.Filter.Hidden)
    view = QTreeView()
    view.setModel(model)
    view.setUniformRowHeights(True)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.resize(1200, 760)
    view.show()
    await asyncio.sleep(0.2)
    probe = LagProbe()
    first: list[float] = []
    loaded = asyncio.get_running_loop().create_future()
    total = sum(1 for _ in os.scandir(folder))
    started = time.perf_counter()

    def on_rows(parent: Any, *_: object) -> None:
        if not first and parent == view.rootIndex():
            _paint(view)
            first.append(time.perf_counter() - started)

    def check_done(*_: object) -> None:
        if not loaded.done() and model.rowCount(view.rootIndex()) >= total:
            loaded.set_result(None)

    model.rowsInserted.connect(on_rows)
    model.rowsInserted.connect(check_done)
    model.directoryLoaded.connect(check_done)
    probe.start()
    view.setRootIndex(model.setRootPath(str(folder)))
    await loaded
    _paint(view)
    complete = time.perf_counter() - started
    await asyncio.sleep(0.3)
    rows = model.rowCount(view.rootIndex())
    view.close()
    return {
        "first_rows_ms": first[0] * 1000 if first else float("nan"),
        "complete_ms": complete * 1000,
        "longest_stall_ms": probe.longest_ms,
        "rows": rows,
    }


def main() -> None:
    folder, data_dir, view = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    indexed = "--indexed" in sys.argv[4:]
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = create_event_loop(app)
    asyncio.set_event_loop(loop)
    if view == "qfilesystemmodel":
        coro = _qfilesystemmodel(folder)
    elif view == "indexing":
        coro = _indexing(folder, data_dir)
    else:
        coro = _spacedrive(folder, data_dir, ViewMode(view), indexed)
    with loop:
        result = loop.run_until_complete(coro)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
