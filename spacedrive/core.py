"""Core: the one entry point. ``Core(data_dir)`` wires the services; ``start()`` / ``stop()`` run them."""

from __future__ import annotations

import asyncio
import importlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from spacedrive.config import AppConfig, ensure_data_dir
from spacedrive.domain import events as ev
from spacedrive.domain.device import Device
from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.device import load_or_create_device
from spacedrive.infrastructure.events import EventBus
from spacedrive.infrastructure.fs.volumes import VolumeManager
from spacedrive.operations.files.actions import ActionManager
from spacedrive.operations.libraries import Library, LibraryManager
from spacedrive.operations.volumes import VolumeRecorder

if TYPE_CHECKING:
    from spacedrive.operations.network.service import NetworkService

log = logging.getLogger(__name__)

DEFAULT_LIBRARY_NAME = "My Library"
#: What networking loads: imported off the loop when it starts.
NETWORK_MODULES = (
    "spacedrive.operations.network.jobs",
    "spacedrive.infrastructure.net.discovery",
    "spacedrive.operations.spacedrop.receiver",
    "spacedrive.operations.spacedrop.sender",
)


class Core:
    """Every service of one Spacedrive instance, bound to one data dir.

    The core is pure asyncio and does not know which loop runs it (qasync in the GUI, plain asyncio in
    the daemon and the CLI).
    """

    def __init__(self, data_dir: str | Path, mode: str = "embedded", background: bool | None = None) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        #: Who runs this core: "embedded" (a CLI command), "daemon" or "gui"; shown by `status`.
        self.mode = mode
        #: Run jobs and watch locations. Off by default only for one-shot CLI commands ("embedded"),
        #: which leave queued work to the daemon or window (or run it when they wait for it).
        self.background = mode != "embedded" if background is None else background
        self.bus = EventBus()
        self.volumes = VolumeManager(self.bus)
        self._volume_recorder: VolumeRecorder | None = None
        self._started = False
        #: File operations (copy, move, trash...), their audit log and the session's undo stack.
        self.files = ActionManager(self)
        self.config: AppConfig
        self.device: Device
        self.libraries: LibraryManager
        self._network: NetworkService | None = None

    async def start(self, ensure_default_library: bool = False) -> None:
        """Load config and identity, open libraries (resuming their jobs).

        With ``ensure_default_library`` (the GUI's first start) a library named "My Library" is created
        when there is none.
        """
        ensure_data_dir(self.data_dir)
        self.config = AppConfig.load(self.data_dir)
        self.device = load_or_create_device(self.data_dir)
        self.libraries = LibraryManager(self.data_dir, self.config, self.bus, self.device, self.background)
        await self.libraries.start()
        await self.files.start()
        await self.volumes.start()
        self._volume_recorder = VolumeRecorder(self.bus, self.volumes, self.libraries, self.device)
        await self._volume_recorder.start()
        self._started = True
        if ensure_default_library and not self.libraries.list():
            await self.libraries.create(DEFAULT_LIBRARY_NAME)
        self.bus.emit(ev.CoreStarted(device_id=self.device.id))
        if self.config.networking_enabled and self.mode != "embedded":
            try:
                await self.start_network()
            except SpacedriveError as e:  # the files stay usable; the status says why devices are not
                log.warning("networking did not start: %s", e.message)
        log.info("core started in %s", self.data_dir)

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        self.bus.emit(ev.CoreShutdown(device_id=self.device.id))
        if self._network is not None:
            await self._network.stop()
        if self._volume_recorder is not None:
            await self._volume_recorder.stop()
        await self.volumes.stop()
        await self.files.stop()
        await self.libraries.stop()
        self.bus.close()
        log.info("core stopped")

    @property
    def network(self) -> NetworkService:
        """Pairing, paired devices and Spacedrop (imported on first use: it loads the TLS and QUIC stacks)."""
        if self._network is None:
            from spacedrive.operations.network.service import NetworkService

            self._network = NetworkService(self)
        return self._network

    async def start_network(
        self,
        port: int | None = None,
        auto_accept_dir: str | None = None,
        remember: bool = False,
        password: str | None = None,
    ) -> NetworkService:
        """Start networking on ``port`` (else the configured one); ``remember`` turns it on for next time.

        A key encrypted by ``network init --password`` needs ``password`` (or ``$SPACEDRIVE_KEY_PASSWORD``);
        without it, or with a wrong one, this raises KeyLocked (code "identity_locked") and nothing starts.
        """
        # The TLS and QUIC stacks take ~0.2 s to import: not on the loop, where the window would freeze.
        for module in NETWORK_MODULES:
            await asyncio.to_thread(importlib.import_module, module)
        service = self.network
        await service.start(port=port if port is not None else self.config.network_port, password=password)
        if auto_accept_dir:
            service.auto_accept_dir = Path(auto_accept_dir)
        if remember and not self.config.networking_enabled:
            self.config.networking_enabled = True
            self.config.save()
        return service

    @property
    def started(self) -> bool:
        return self._started

    def current_library(self) -> Library:
        return self.libraries.current()
