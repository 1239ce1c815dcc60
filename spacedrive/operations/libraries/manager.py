"""LibraryManager: finds, creates, opens, switches, renames, closes and deletes libraries.

Libraries live in ``<data dir>/libraries`` unless created or opened elsewhere; those outside are
remembered in the app config. A library the user closed stays listed but is not opened at start.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
import re
import shutil
from pathlib import Path
from uuid import UUID

from spacedrive.config import AppConfig
from spacedrive.domain import events as ev
from spacedrive.domain.device import Device
from spacedrive.domain.library import LibraryInfo
from spacedrive.errors import (
    InvalidArgument,
    LibraryExists,
    LibraryLocked,
    LibraryNotFound,
    NoCurrentLibrary,
    SpacedriveError,
)
from spacedrive.infrastructure.events import EventBus
from spacedrive.infrastructure.fs.atomic import write_json_atomic
from spacedrive.infrastructure.fs.lock import FileLock, LockHeld
from spacedrive.operations.libraries.library import (
    CONFIG_FILE,
    LIBRARY_EXT,
    LOCK_FILE,
    Library,
    new_library_config,
    read_library_config,
)

log = logging.getLogger(__name__)

#: How often open libraries are checked for a folder deleted or unmounted underneath them.
HEALTH_INTERVAL = 2.0
_UNSAFE_NAME = re.compile(r'[\x00-\x1f/\\:*?"<>|]')


class LibraryManager:
    def __init__(
        self, data_dir: Path, config: AppConfig, bus: EventBus, device: Device, background: bool = True
    ) -> None:
        #: Open libraries run their jobs and watch their locations (False for one-shot CLI commands).
        self.background = background
        self.libraries_dir = data_dir / "libraries"
        self._config = config
        self._bus = bus
        self._device = device
        self._open: dict[UUID, Library] = {}
        #: Known library folders that failed to open, with the reason.
        self._problems: dict[Path, str] = {}
        self._health_task: asyncio.Task[None] | None = None

    # ---- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.libraries_dir.mkdir(parents=True, exist_ok=True)
        for folder in self._discover():
            if self._is_closed(folder):
                continue
            try:
                await self._open_folder(folder)
            except SpacedriveError as e:
                self._problems[folder] = e.message
                log.warning("library %s not opened: %s", folder, e.message)
        current = self._config.current_library_id
        if current is None or UUID(current) not in self._open:
            self._set_current(next(iter(self._open), None))
        self._health_task = asyncio.create_task(self._watch_health(), name="library-health")

    async def stop(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health_task
        for library in list(self._open.values()):
            await self._close(library, remember=False)

    # ---- queries ---------------------------------------------------------------------------------------

    def open_libraries(self) -> builtins.list[Library]:
        return list(self._open.values())

    def current(self) -> Library:
        current = self._config.current_library_id
        if current is None or UUID(current) not in self._open:
            raise NoCurrentLibrary("no library is selected: create one or `library switch NAME`")
        return self._open[UUID(current)]

    def current_id(self) -> UUID | None:
        current = self._config.current_library_id
        return UUID(current) if current else None

    def get_open(self, library_id: UUID) -> Library:
        try:
            return self._open[library_id]
        except KeyError:
            raise LibraryNotFound(f"library {library_id} is not open") from None

    def list(self) -> builtins.list[LibraryInfo]:
        infos: builtins.list[LibraryInfo] = []
        current = self.current_id()
        for folder in self._discover():
            try:
                raw = read_library_config(folder)
            except SpacedriveError as e:
                infos.append(self._problem_info(folder, e.message))
                continue
            library_id = UUID(str(raw["id"]))
            infos.append(
                LibraryInfo(
                    id=library_id,
                    name=str(raw["name"]),
                    path=str(folder),
                    description=str(raw.get("description", "")),
                    created_at=int(raw.get("created_at", 0)),
                    updated_at=int(raw.get("updated_at", 0)),
                    is_open=library_id in self._open,
                    is_current=library_id == current,
                    problem="" if library_id in self._open else self._problems.get(folder, ""),
                )
            )
        return sorted(infos, key=lambda i: i.name.casefold())

    def resolve(self, ref: str) -> LibraryInfo:
        """Find a library by UUID, UUID prefix, name (case-insensitive) or folder path."""
        infos = self.list()
        by_id = [
            i for i in infos if str(i.id) == ref.lower() or (len(ref) >= 4 and str(i.id).startswith(ref))
        ]
        by_name = [i for i in infos if i.name.casefold() == ref.casefold()]
        by_path = [i for i in infos if Path(i.path) == Path(ref).expanduser().absolute()]
        matches = by_id or by_name or by_path
        if not matches:
            raise LibraryNotFound(f"no library matches {ref!r} (see `library list`)")
        if len({m.id for m in matches}) > 1:
            raise InvalidArgument(f"{ref!r} matches several libraries; use the library's id")
        return matches[0]

    # ---- commands --------------------------------------------------------------------------------------

    async def create(self, name: str, parent: Path | None = None, description: str = "") -> Library:
        name = name.strip()
        if not name or _UNSAFE_NAME.search(name) or name in (".", ".."):
            raise InvalidArgument(
                f'invalid library name {name!r}: use a non-empty name without / \\ : * ? " < > |'
            )
        if any(i.name.casefold() == name.casefold() for i in self.list()):
            raise LibraryExists(f"a library named {name!r} already exists")
        parent = (parent or self.libraries_dir).expanduser().absolute()
        folder = parent / f"{name}{LIBRARY_EXT}"
        if folder.exists():
            raise LibraryExists(f"{folder} already exists")
        try:
            parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir()
            write_json_atomic(folder / CONFIG_FILE, new_library_config(name, description))
        except OSError as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise InvalidArgument(f"cannot create library folder {folder}: {e.strerror or e}") from e
        try:
            library = await self._open_folder(folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._remember(folder)
        self._bus.emit(ev.LibraryCreated(id=library.id, name=library.name, path=str(folder)))
        if self.current_id() not in self._open:
            self._set_current(library.id)
        return library

    async def open_path(self, folder: Path) -> Library:
        """Open a library folder from anywhere and make it current."""
        folder = folder.expanduser().absolute()
        raw = read_library_config(folder)
        library = self._open.get(UUID(str(raw["id"])))
        if library is None:
            library = await self._open_folder(folder)
        self._remember(folder)
        self._set_current(library.id)
        return library

    async def switch(self, ref: str) -> Library:
        info = self.resolve(ref)
        library = self._open.get(info.id) or await self.open_path(Path(info.path))
        self._set_current(library.id)
        return library

    async def rename(self, ref: str, new_name: str) -> LibraryInfo:
        new_name = new_name.strip()
        if not new_name or _UNSAFE_NAME.search(new_name):
            raise InvalidArgument(f"invalid library name {new_name!r}")
        info = self.resolve(ref)
        if any(i.name.casefold() == new_name.casefold() and i.id != info.id for i in self.list()):
            raise LibraryExists(f"a library named {new_name!r} already exists")
        library = self._open.get(info.id)
        if library is None:
            library = await self._open_folder(Path(info.path))
            self._config.closed_libraries = [c for c in self._config.closed_libraries if c != info.path]
            self._config.save()
        old = library.name
        await library.rename(new_name)
        self._bus.emit(ev.LibraryRenamed(id=library.id, old_name=old, name=new_name))
        return self.resolve(str(library.id))

    async def close(self, ref: str | None = None) -> LibraryInfo:
        info = self.resolve(ref) if ref else self.resolve(str(self.current().id))
        library = self._open.get(info.id)
        if library is None:
            raise LibraryNotFound(f"library {info.name!r} is not open")
        await self._close(library, remember=True)
        return self.resolve(str(info.id))

    async def delete(self, ref: str) -> LibraryInfo:
        """Delete the library folder (its database and thumbnails; never the user's files)."""
        info = self.resolve(ref)
        folder = Path(info.path)
        library = self._open.get(info.id)
        if library is not None:
            await self._close(library, remember=False)
        lock = FileLock(folder / LOCK_FILE)
        try:
            lock.acquire()
        except LockHeld as e:
            raise LibraryLocked(
                f"library {info.name!r} is in use by another process ({e.holder}); not deleted"
            ) from e
        try:
            await asyncio.get_running_loop().run_in_executor(None, shutil.rmtree, folder)
        finally:
            lock.release()
        self._forget(folder)
        self._bus.emit(ev.LibraryDeleted(id=info.id, name=info.name))
        return info

    # ---- internals -------------------------------------------------------------------------------------

    def _discover(self) -> builtins.list[Path]:
        found: builtins.list[Path] = []
        if self.libraries_dir.is_dir():
            found.extend(sorted(p for p in self.libraries_dir.iterdir() if p.name.endswith(LIBRARY_EXT)))
        for extra in self._config.external_libraries:
            path = Path(extra)
            if path not in found:
                found.append(path)
        return found

    def _is_closed(self, folder: Path) -> bool:
        return str(folder) in self._config.closed_libraries

    def _problem_info(self, folder: Path, problem: str) -> LibraryInfo:
        return LibraryInfo(
            id=UUID(int=0),
            name=folder.name.removesuffix(LIBRARY_EXT),
            path=str(folder),
            description="",
            created_at=0,
            updated_at=0,
            is_open=False,
            is_current=False,
            problem=problem,
        )

    async def _open_folder(self, folder: Path) -> Library:
        library = await Library.open(folder, self._bus, self._device, self.background)
        if library.id in self._open:
            await library.close()
            raise LibraryExists(
                f"a library with id {library.id} is already open from {self._open[library.id].path}"
            )
        self._open[library.id] = library
        self._problems.pop(folder, None)
        self._bus.emit(ev.LibraryOpened(id=library.id, name=library.name, path=str(folder)))
        return library

    async def _close(self, library: Library, remember: bool) -> None:
        self._open.pop(library.id, None)
        await library.close()
        if remember and str(library.path) not in self._config.closed_libraries:
            self._config.closed_libraries.append(str(library.path))
        if remember:
            if self.current_id() == library.id:
                self._set_current(None)
            self._config.save()
        self._bus.emit(ev.LibraryClosed(id=library.id, name=library.name))

    def _remember(self, folder: Path) -> None:
        changed = False
        if folder.parent != self.libraries_dir and str(folder) not in self._config.external_libraries:
            self._config.external_libraries.append(str(folder))
            changed = True
        if str(folder) in self._config.closed_libraries:
            self._config.closed_libraries.remove(str(folder))
            changed = True
        if changed:
            self._config.save()

    def _forget(self, folder: Path) -> None:
        self._config.external_libraries = [p for p in self._config.external_libraries if p != str(folder)]
        self._config.closed_libraries = [p for p in self._config.closed_libraries if p != str(folder)]
        self._config.save()

    def _set_current(self, library_id: UUID | None) -> None:
        value = str(library_id) if library_id else None
        if self._config.current_library_id == value:
            return
        self._config.current_library_id = value
        self._config.save()
        self._bus.emit(ev.CurrentLibraryChanged(id=library_id))

    async def _watch_health(self) -> None:
        while True:
            await asyncio.sleep(HEALTH_INTERVAL)
            for library in list(self._open.values()):
                if (library.path / CONFIG_FILE).exists():
                    continue
                reason = f"its folder {library.path} disappeared while it was open"
                log.error("library %s closed: %s", library.name, reason)
                self._open.pop(library.id, None)
                with contextlib.suppress(Exception):
                    await library.close()
                self._problems[library.path] = reason
                if self.current_id() == library.id:
                    self._set_current(next(iter(self._open), None))
                self._bus.emit(ev.LibraryUnavailable(id=library.id, name=library.name, reason=reason))
