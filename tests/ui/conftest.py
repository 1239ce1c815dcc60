"""GUI test setup: a qasync loop per test, coroutines run with ``run(...)``, private data and sockets.

The loop counts as running for the whole test, as it does for the app's whole life, so Qt events
processed by pytest-qt between steps (it does so around every test phase) always find a running loop
for the coroutines they resume. ``run`` schedules a coroutine and lets Qt process events until it is
done; nothing ever waits for a signal or a dialog from inside a coroutine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.app import create_event_loop
from ui.session import GuiSession
from ui.settings import open_settings

T = TypeVar("T")
Runner = Callable[..., Any]


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Control sockets of one test never meet another's, nor a real Spacedrive's."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("run")))


@pytest.fixture(scope="session")
def qasync_loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """One loop for the whole session, as the app has one for its whole life.

    A loop per test would leave each old loop's timer object to the garbage collector, which may run
    in a worker thread; Qt cannot unregister timers from there, and a late timer then fires on freed
    memory.
    """
    # Closing a window must not quit the application; the app itself decides when to quit.
    qapp.setQuitOnLastWindowClosed(False)
    event_loop = create_event_loop(qapp)
    try:
        yield event_loop
    finally:
        event_loop.close()


@pytest.fixture
def loop(qasync_loop: qasync.QEventLoop) -> Iterator[qasync.QEventLoop]:
    """The session's loop, current and running for this test.

    Its callbacks run whenever Qt processes events, so it is marked running (as qasync's run_forever
    does) rather than started with already_running=True, whose stop() calls QApplication.exit() and
    so makes every later QEventLoop.exec() of the session (qtbot's waits) return at once. Outside GUI
    tests no loop is marked running, so asyncio tests in the same session are unaffected.
    """
    asyncio.set_event_loop(qasync_loop)
    asyncio._set_running_loop(qasync_loop)
    try:
        yield qasync_loop
    finally:
        asyncio._set_running_loop(None)
        asyncio.set_event_loop(None)


@pytest.fixture
def run(loop: qasync.QEventLoop, qtbot: QtBot) -> Runner:
    """``run(coro, timeout=10)``: run a coroutine on the qasync loop and return its result."""

    def runner(coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        task = loop.create_task(coro)
        try:
            qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        except BaseException:
            task.cancel()
            raise
        return task.result()

    return runner


@pytest.fixture
def wait(loop: qasync.QEventLoop, qtbot: QtBot) -> Callable[..., None]:
    """``wait(predicate, timeout=5)``: let Qt and the loop work until ``predicate()`` holds."""

    def waiter(predicate: Callable[[], object], timeout: float = 5.0) -> None:
        qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout * 1000))

    return waiter


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A small folder to show in the content area (the tests never list the real home folder)."""
    folder = tmp_path / "files"
    folder.mkdir()
    for name in ("photo 10.jpg", "photo 2.jpg", "notes.txt"):
        (folder / name).write_text(name)
    (folder / "Albums").mkdir()
    return folder


@pytest.fixture
def session(run: Runner, tmp_path: Path, files: Path) -> Iterator[GuiSession]:
    """A started GUI session (core, control socket, window) on a fresh data dir."""
    data_dir = tmp_path / "data"
    gui = GuiSession(data_dir, None, open_settings(data_dir))
    run(gui.start(open_path=files))
    try:
        yield gui
    finally:
        run(gui.stop())
