"""Helpers for GUI tests: a job that counts, a fake thumbnail loader, a grid of named entries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, QObject, QSize, Signal
from PySide6.QtGui import QPixmap
from pytestqt.qtbot import QtBot

from spacedrive.domain.entry import Entry
from spacedrive.infrastructure.jobs import Job, JobContext
from ui.views.item_views import GridView


@dataclass
class StepJob(Job):
    """Counts to ``total``, ``delay`` seconds per step, with a pause/cancel point and checkpoint each."""

    NAME = "ui_test.steps"
    total: int = 1000
    delay: float = 0.01
    #: Whether progress reports say how many steps there are (else the GUI shows a busy indicator).
    report_total: bool = True
    done: int = 0

    async def run(self, ctx: JobContext) -> None:
        while self.done < self.total:
            await ctx.check_interrupt()
            self.done += 1
            ctx.progress(self.done, self.total if self.report_total else 0, message=f"step {self.done}")
            await ctx.checkpoint()
            await asyncio.sleep(self.delay)


class FakeThumbnails(QObject):
    """A thumbnail loader that serves what a test put in ``ready`` and records what was asked.

    Signals
    -------
    thumbnail_ready(bytes): the thumbnail of the file at this path was made.
    """

    thumbnail_ready = Signal(bytes)

    def __init__(self) -> None:
        super().__init__()
        self.ready: dict[bytes, QPixmap] = {}
        self.asked: list[tuple[bytes, int]] = []

    def request(self, entry: Entry, size: int) -> QPixmap | None:
        self.asked.append((entry.path, size))
        return self.ready.get(entry.path)


#: Names for entries in the cell views' tests.
WORDS = (  # noqa: SIM905 - easier read as a sentence
    "alfa bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa "
    "quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
).split()


def word_entries(names: list[str]) -> list[Entry]:
    """Files of one byte named ``names``, in a folder /data, not indexed."""
    return [
        Entry(name.encode(), b"/data", "file", 1, 1_700_000_000.0, 1_700_000_000.0, False, False)
        for name in names
    ]


def shown_grid(qtbot: QtBot, model: QAbstractItemModel) -> GridView:
    """A grid view of ``model`` in cells of 100 x 100, 8 to a line, 2.5 lines shown, active and focused."""
    view = GridView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setGridSize(QSize(100, 100))
    view.resize(8 * 100 + 50 + view.verticalScrollBar().sizeHint().width(), 250)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.setFocus()
    assert view.viewport().width() // 100 == 8
    return view
