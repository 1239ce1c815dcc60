"""GuiSession: the GUI's core, control server, bridge and window, started and stopped in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import psutil
from PySide6.QtCore import QCoreApplication, QSettings

from spacedrive.core import Core
from spacedrive.errors import DaemonError
from spacedrive.infrastructure.ipc import registry
from spacedrive.infrastructure.ipc.client import SocketClient
from spacedrive.infrastructure.ipc.server import ControlServer
from ui.bridge import CoreBridge
from ui.views.main_window import MainWindow
from ui.widgets.view_mode import ViewMode

log = logging.getLogger(__name__)

#: How long a daemon serving the data dir gets to stop before the GUI gives up starting.
TAKEOVER_TIMEOUT = 10.0


class GuiAlreadyRunning(DaemonError):
    """Another GUI already serves this data dir."""

    code = "gui_running"


def _process_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


async def claim_data_dir(data_dir: Path, grace: float = TAKEOVER_TIMEOUT) -> None:
    """Make sure no other process serves ``data_dir``: a daemon is asked to stop, another GUI is an error.

    The daemon holds the libraries' locks until its process ends, so this waits (up to ``grace``
    seconds) for the process, not only for its control socket to go away.
    """
    record = registry.find_server(data_dir)
    if record is None:
        return
    if record.kind != "daemon":
        raise GuiAlreadyRunning(
            QCoreApplication.translate(
                "GuiSession", "Spacedrive is already open for the data folder {data_dir} (process {pid})."
            ).format(data_dir=data_dir, pid=record.pid)
        )
    log.info("asking the daemon (pid %d) serving %s to stop", record.pid, data_dir)
    client = SocketClient(record)
    try:
        await client.call("core.shutdown")
    except DaemonError as e:  # it stopped on its own meanwhile
        log.info("daemon did not answer: %s", e.message)
    finally:
        await client.close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while _process_running(record.pid):
        if loop.time() > deadline:
            raise DaemonError(
                QCoreApplication.translate(
                    "GuiSession", "The Spacedrive service (process {pid}) did not stop within {seconds} s."
                ).format(pid=record.pid, seconds=round(grace))
            )
        await asyncio.sleep(0.05)


class GuiSession:
    """Starts the in-process core and its control socket, then the window; stops them in reverse.

    ``quit_requested`` is set when the window closes, a CLI sends ``core.shutdown`` or the process gets
    SIGINT/SIGTERM (the app wires that one).
    """

    def __init__(self, data_dir: Path, instance: str | None, settings: QSettings) -> None:
        self.data_dir = data_dir
        self.instance = instance
        self.settings = settings
        self.core: Core | None = None
        self.server: ControlServer | None = None
        self.bridge: CoreBridge | None = None
        self.window: MainWindow | None = None
        self.quit_requested = asyncio.Event()
        self._watch: asyncio.Task[None] | None = None

    async def start(self, open_path: Path | None = None, view_mode: ViewMode | None = None) -> MainWindow:
        """Claim the data dir, start core and server, show the window with its first data loaded."""
        await claim_data_dir(self.data_dir)
        core = Core(self.data_dir, mode="gui")
        # Subscribed before the core starts, so the window hears about the default library being created.
        bridge = CoreBridge(core.bus)
        server = ControlServer(core, kind="gui", instance=self.instance)
        try:
            await core.start(ensure_default_library=True)
            await server.start()
        except BaseException:
            await server.stop()
            await core.stop()
            await bridge.stop()
            raise
        self.core, self.server, self.bridge = core, server, bridge
        self._watch = asyncio.create_task(self._watch_shutdown(server), name="gui-shutdown-watch")
        window = MainWindow(core, bridge, self.settings)
        self.window = window
        if view_mode is not None:
            window.set_view_mode(view_mode)
        window.closed.connect(self.quit_requested.set)
        window.show()
        await window.load(open_path)
        bridge.start()
        return window

    async def _watch_shutdown(self, server: ControlServer) -> None:
        await server.shutdown_requested.wait()
        log.info("shutdown requested through the control socket")
        self.quit_requested.set()

    async def stop(self) -> None:
        """Close the window (saving its layout), stop the control server, then the core."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        if self.window is not None and self.window.isVisible():
            self.window.close()
        # Silence the bridge first: the core's closing events need no window.
        if self.bridge is not None:
            await self.bridge.stop()
            self.bridge.deleteLater()
            self.bridge = None
        # Then end what the window still had running against the core (a refresh, a listing).
        if self.window is not None:
            await self.window.tasks.cancel_all()
            await self.window.release()
        if self.server is not None:
            await self.server.stop()
            self.server = None
        if self.core is not None:
            await self.core.stop()
            self.core = None
        if self.window is not None:
            self.window.deleteLater()
            self.window = None
