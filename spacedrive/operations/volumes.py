"""Volumes as use cases: the ``volume.*`` commands, and each library's record of the volumes it saw."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from spacedrive.domain import events as ev
from spacedrive.domain.device import Device
from spacedrive.domain.volume import Volume
from spacedrive.errors import LibraryNotFound
from spacedrive.infrastructure.db.models import DeviceRow, VolumeRow
from spacedrive.infrastructure.events import EventBus, Subscription
from spacedrive.operations.api import Params, command

if TYPE_CHECKING:
    from spacedrive.core import Core
    from spacedrive.infrastructure.fs.volumes import VolumeManager
    from spacedrive.operations.libraries import Library, LibraryManager

log = logging.getLogger(__name__)


def volume_to_dict(volume: Volume) -> dict[str, Any]:
    return {**volume.to_dict(), "used_percent": volume.used_percent}


@command("volume.list")
async def volume_list(core: Core, params: Params) -> Any:
    return [volume_to_dict(v) for v in core.volumes.list()]


async def record_volumes(library: Library, volumes: Iterable[Volume], device: Device | None = None) -> None:
    """Upsert ``volumes`` into the library's ``volumes`` table, by fingerprint, as seen now by ``device``."""
    volumes = list(volumes)
    if not volumes:
        return
    now = int(time.time())
    async with library.db.write() as session:
        device_id = None
        if device is not None:
            device_id = await session.scalar(select(DeviceRow.id).where(DeviceRow.uuid == device.id.bytes))
        rows = await session.scalars(
            select(VolumeRow).where(VolumeRow.fingerprint.in_([v.fingerprint for v in volumes]))
        )
        existing = {row.fingerprint: row for row in rows}
        for v in volumes:
            row = existing.get(v.fingerprint)
            if row is None:
                row = VolumeRow(uuid=uuid.uuid4().bytes, fingerprint=v.fingerprint, created_at=now)
                session.add(row)
                existing[v.fingerprint] = row
            row.device_id = device_id
            row.name = v.name
            row.mount_point = v.mount_point
            row.file_system = v.file_system
            row.total_capacity = v.total_capacity
            row.available_capacity = v.available_capacity
            row.is_removable = v.is_removable
            row.is_network = v.is_network
            row.is_read_only = v.is_read_only
            row.is_system = v.is_system
            row.last_seen_at = now


class VolumeRecorder:
    """Keeps each open library's ``volumes`` table current: every volume when the library opens, and
    each volume that appears while it is open."""

    def __init__(
        self, bus: EventBus, volumes: VolumeManager, libraries: LibraryManager, device: Device
    ) -> None:
        self._bus = bus
        self._volumes = volumes
        self._libraries = libraries
        self._device = device
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Subscribe before recording the libraries already open, so one opening meanwhile is not missed.
        self._subscription = self._bus.subscribe(
            event_filter=lambda e: isinstance(e, ev.LibraryOpened | ev.VolumeAdded)
        )
        for library in self._libraries.open_libraries():
            await self._record(library, self._volumes.list())
        self._task = asyncio.create_task(self._follow(self._subscription), name="volume-recorder")

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _follow(self, subscription: Subscription) -> None:
        async for event in subscription:
            if isinstance(event, ev.LibraryOpened):
                with contextlib.suppress(LibraryNotFound):  # closed again before we got to it
                    await self._record(self._libraries.get_open(event.id), self._volumes.list())
            elif isinstance(event, ev.VolumeAdded) and (volume := self._volumes.get(event.fingerprint)):
                for library in self._libraries.open_libraries():
                    await self._record(library, [volume])

    async def _record(self, library: Library, volumes: list[Volume]) -> None:
        if library.closed:
            return
        try:
            await record_volumes(library, volumes, self._device)
        except Exception:  # a library closing underneath is not worth failing the core for
            log.warning("volumes not recorded in library %s", library.name, exc_info=True)
