"""One open library: its folder, ``library.json``, lock, database and job manager.

Folder layout (spec: library.md)::

    Name.sdlibrary/
        library.json        versioned config and metadata
        database.db         SQLite (WAL), schema by Alembic
        thumbnails/
        .sdlibrary.lock     OS lock held while open
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from spacedrive.domain.device import Device
from spacedrive.errors import LibraryCorrupt, LibraryLocked, LibraryNotFound, SchemaTooNew
from spacedrive.infrastructure.db.database import Database
from spacedrive.infrastructure.db.models import DeviceRow, EntryRow, JobRow, LocationRow
from spacedrive.infrastructure.events import EventBus
from spacedrive.infrastructure.fs.atomic import write_json_atomic
from spacedrive.infrastructure.fs.lock import FileLock, LockHeld
from spacedrive.infrastructure.jobs.manager import JobManager
from spacedrive.operations.indexing.watcher import LocationWatcher

LIBRARY_EXT = ".sdlibrary"
CONFIG_FILE = "library.json"
DB_FILE = "database.db"
LOCK_FILE = ".sdlibrary.lock"
LIBRARY_CONFIG_VERSION = 2


def read_library_config(folder: Path) -> dict[str, Any]:
    """Read and check ``library.json`` without opening the library."""
    path = folder / CONFIG_FILE
    if not folder.is_dir():
        raise LibraryNotFound(f"no library folder at {folder}")
    if not path.is_file():
        raise LibraryNotFound(f"{folder} is not a Spacedrive library (no {CONFIG_FILE})")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        UUID(str(raw["id"]))
        str(raw["name"])
    except (OSError, ValueError, KeyError) as e:
        raise LibraryCorrupt(f"{path} is unreadable ({e}); the library was left untouched") from e
    version = raw.get("version", 1)
    if not isinstance(version, int) or version > LIBRARY_CONFIG_VERSION:
        raise SchemaTooNew(
            f"{path} is version {version}, newer than this Spacedrive understands "
            f"({LIBRARY_CONFIG_VERSION}); the library was left untouched"
        )
    return raw


def new_library_config(name: str, description: str = "") -> dict[str, Any]:
    now = int(time.time())
    return {
        "version": LIBRARY_CONFIG_VERSION,
        "id": str(uuid.uuid4()),
        "name": name,
        "description": description,
        "created_at": now,
        "updated_at": now,
        "settings": {"generate_thumbnails": True, "thumbnail_quality": 85, "sync_enabled": False},
    }


class Library:
    """An open library. Create with ``await Library.open(folder, bus, device)``; ``close()`` when done."""

    def __init__(
        self,
        folder: Path,
        config: dict[str, Any],
        lock: FileLock,
        db: Database,
        bus: EventBus,
        device: Device,
        background: bool = True,
    ) -> None:
        self.path = folder
        self.device_id = device.id
        self._config = config
        self._lock = lock
        self.db = db
        self.bus = bus
        self.jobs = JobManager(self.id, db, bus, services={"library": self}, run_jobs=background)
        self.watcher = LocationWatcher(self)
        self.watcher.enabled = background
        self.closed = False

    @classmethod
    async def open(cls, folder: Path, bus: EventBus, device: Device, background: bool = True) -> Library:
        """Open ``folder``. ``background``: run queued jobs and watch locations (daemon, GUI)."""
        folder = folder.absolute()
        read_library_config(folder)  # fail early with a clear message, before taking the lock
        lock = FileLock(folder / LOCK_FILE)
        try:
            lock.acquire()
        except LockHeld as e:
            raise LibraryLocked(
                f"library at {folder} is in use by another Spacedrive process ({e.holder or 'unknown'}); "
                "close it there, or run this command through that process"
            ) from e
        except OSError as e:
            raise LibraryCorrupt(f"cannot lock {folder}: {e.strerror or e}") from e
        try:
            config = read_library_config(folder)
            (folder / "thumbnails").mkdir(exist_ok=True)
            db = await Database.open(folder / DB_FILE)
        except BaseException:
            lock.release()
            raise
        library = cls(folder, config, lock, db, bus, device, background)
        try:
            await library._register_device(device)
            from spacedrive.operations.locations import reset_interrupted_scans

            await reset_interrupted_scans(library)
            await library.jobs.start()
            await library.watcher.start()
        except BaseException:
            await library.close()
            raise
        return library

    @property
    def id(self) -> UUID:
        return UUID(str(self._config["id"]))

    @property
    def name(self) -> str:
        return str(self._config["name"])

    @property
    def description(self) -> str:
        return str(self._config.get("description", ""))

    @property
    def config(self) -> dict[str, Any]:
        return dict(self._config)

    @property
    def thumbnails_dir(self) -> Path:
        return self.path / "thumbnails"

    def watched_location_ids(self) -> set[int]:
        return self.watcher.watched_ids()

    async def start_watching(self, location_id: int) -> None:
        await self.watcher.watch(location_id)

    async def stop_watching(self, location_id: int) -> None:
        await self.watcher.unwatch(location_id)

    async def rename(self, name: str) -> None:
        self._config = {**self._config, "name": name, "updated_at": int(time.time())}
        await self._save_config()

    async def _save_config(self) -> None:
        await asyncio.get_running_loop().run_in_executor(
            None, write_json_atomic, self.path / CONFIG_FILE, self._config
        )

    async def _register_device(self, device: Device) -> None:
        now = int(time.time())
        async with self.db.write() as session:
            row = await session.scalar(select(DeviceRow).where(DeviceRow.uuid == device.id.bytes))
            if row is None:
                row = DeviceRow(uuid=device.id.bytes, created_at=now)
                session.add(row)
            row.name = device.name
            row.os = device.os
            row.os_version = device.os_version
            row.hardware_model = device.hardware_model
            row.is_online = True
            row.last_seen_at = now
            row.updated_at = now

    async def statistics(self) -> dict[str, int]:
        async with self.db.read() as session:
            locations = await session.scalar(select(func.count()).select_from(LocationRow))
            entries = await session.scalar(select(func.count()).select_from(EntryRow))
            jobs = await session.scalar(select(func.count()).select_from(JobRow))
        size = sum(p.stat().st_size for p in self.path.glob(f"{DB_FILE}*") if p.is_file())
        return {
            "locations": locations or 0,
            "entries": entries or 0,
            "jobs": jobs or 0,
            "database_bytes": size,
        }

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self.watcher.stop()
            await self.jobs.shutdown()
        finally:
            try:
                await self.db.close()
            finally:
                self._lock.release()
