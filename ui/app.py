"""``spacedrive-gui`` / ``python -m ui``: QApplication on a qasync loop around an in-process core."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import multiprocessing
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import qasync
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from spacedrive import __version__
from spacedrive.config import resolve_data_dir
from spacedrive.errors import SpacedriveError
from ui.dialogs.crash import CrashReporter
from ui.dialogs.prompts import finished, message_box
from ui.gc_policy import settle_after_startup
from ui.icons import app_icon
from ui.session import GuiSession
from ui.settings import APPLICATION, ORGANIZATION, open_settings
from ui.theme import ColorScheme, ThemeController
from ui.views.main_window import MainWindow
from ui.widgets.view_mode import ViewMode

log = logging.getLogger(__name__)

#: How long to wait for the window system to show the window before taking a screenshot anyway.
EXPOSE_TIMEOUT = 3.0
#: Extra time for pending layouts and paints (the first thumbnails) to land before a screenshot.
SETTLE_DELAY = 0.15


def create_event_loop(app: QApplication) -> qasync.QEventLoop:
    """The GUI's asyncio loop, running on Qt's event loop.

    Blocking work goes to the same kind of executor as in the daemon and the CLI (a plain thread pool,
    not qasync's QThread pool), so the core runs the same way in every process.
    """
    loop = qasync.QEventLoop(app)
    loop.set_default_executor(ThreadPoolExecutor(thread_name_prefix="spacedrive-io"))
    return loop


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spacedrive-gui", description="Spacedrive, the file manager.")
    parser.add_argument("--data-dir", metavar="DIR", help="data directory (default: the platform's)")
    parser.add_argument("--instance", metavar="NAME", help="use the isolated instance NAME of the data dir")
    parser.add_argument("--open", metavar="PATH", type=Path, help="show this folder in the window")
    parser.add_argument(
        "--view", choices=[mode.value for mode in ViewMode], help="view mode to show (and remember)"
    )
    parser.add_argument(
        "--color-scheme",
        choices=[scheme.value for scheme in ColorScheme],
        default=ColorScheme.SYSTEM.value,
        help="light or dark look, or follow the system's (default)",
    )
    parser.add_argument("--screenshot", metavar="FILE.png", type=Path, help="save a picture of the window")
    parser.add_argument(
        "--quit-after", metavar="MS", type=int, help="quit this many milliseconds after the window is ready"
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (repeat for debug)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if verbose < 2:
        logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)


async def report_fatal(message: str, automated: bool) -> None:
    """Tell the user why Spacedrive cannot run: a message box, or stderr when run by a script."""
    if automated:
        print(f"spacedrive-gui: {message}", file=sys.stderr)
        return
    box = message_box(
        None,
        QMessageBox.Icon.Critical,
        QCoreApplication.translate("App", "Spacedrive"),
        QCoreApplication.translate("App", "Spacedrive could not start."),
        message,
    )
    await finished(box)
    box.deleteLater()


async def _settle(window: MainWindow) -> None:
    """Wait until the window system shows the window and its views have laid out their items."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + EXPOSE_TIMEOUT
    while loop.time() < deadline:
        handle = window.windowHandle()
        if handle is not None and handle.isExposed():
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(SETTLE_DELAY)


async def run(args: argparse.Namespace) -> int:
    """The whole life of the GUI; returns the process exit code."""
    automated = args.screenshot is not None or args.quit_after is not None
    try:
        data_dir = resolve_data_dir(args.data_dir, args.instance)
    except SpacedriveError as e:
        await report_fatal(e.message, automated)
        return 1
    session = GuiSession(data_dir, args.instance, open_settings(data_dir))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Loops without Unix signal support (Windows; qasync off the main thread) raise one of these:
        # there Ctrl+C and the window's close button remain the ways to quit.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, session.quit_requested.set)
    code = 0
    try:
        try:
            window = await session.start(args.open, ViewMode(args.view) if args.view else None)
        except SpacedriveError as e:
            await report_fatal(e.message, automated)
            return 1
        settle_after_startup()
        if args.screenshot is not None:
            await _settle(window)
            if not window.grab().save(str(args.screenshot)):
                print(f"spacedrive-gui: cannot write the screenshot {args.screenshot}", file=sys.stderr)
                code = 1
        if args.quit_after is not None:
            loop.call_later(max(0, args.quit_after) / 1000, session.quit_requested.set)
        await session.quit_requested.wait()
    finally:
        await session.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)
    return code


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # a frozen build re-enters here in its worker processes
    parser = build_parser()
    args, qt_args = parser.parse_known_args(argv)
    _setup_logging(args.verbose)
    app = QApplication([sys.argv[0], *qt_args])
    unknown = app.arguments()[1:]  # what Qt did not take (-platform, -style...) is a user error
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("spacedrive")
    app.setWindowIcon(app_icon())
    ThemeController(app, ColorScheme(args.color_scheme)).apply()  # a child of app: lives as long
    # The session decides when to quit (window closed, CLI `stop`, a signal), after stopping the core.
    app.setQuitOnLastWindowClosed(False)
    loop = create_event_loop(app)
    asyncio.set_event_loop(loop)
    reporter = CrashReporter()
    reporter.install(loop)
    try:
        with loop:
            return loop.run_until_complete(run(args))
    finally:
        reporter.uninstall()
        asyncio.set_event_loop(None)
