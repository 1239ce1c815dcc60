"""Live watching: keep each location's entries true while its library is open (watchdog).

File system events are collected on watchdog's thread and handed to the loop. A burst is coalesced:
the watcher waits until events pause (``QUIET``, at most ``MAX_DELAY``), turns the burst into the set
of folders it touched, and resyncs exactly those, in one staged diff, so a rename or a move keeps its
entry (same inode) and UUID. A burst that touched too many folders (an untar of 100k files) becomes
one diff of the whole location instead. Events of folders that no longer exist are harmless: a
folder that cannot be listed contributes nothing, and its old entries go.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from spacedrive.domain import events as ev
from spacedrive.operations.indexing import store
from spacedrive.operations.indexing.rules import IndexerRules
from spacedrive.operations.indexing.stream import stream_walk
from spacedrive.operations.indexing.walker import WalkStats

if TYPE_CHECKING:
    from spacedrive.operations.libraries import Library

log = logging.getLogger(__name__)

QUIET = 0.15
MAX_DELAY = 1.0
#: A burst touching more folders than this is applied as one diff of the whole location.
MAX_SCOPES = 256
_EVENT_TYPES: list[Any] = []


class _Location:
    def __init__(self, location_id: int, root: bytes, rules: IndexerRules) -> None:
        self.id = location_id
        self.root = root.rstrip(b"/") or b"/"
        self.rules = rules
        self.watch: Any = None
        self.pending: list[tuple[str, bytes, bytes | None, bool]] = []

    def relative(self, path: bytes) -> bytes | None:
        """``path`` relative to the location root, None when outside it."""
        if path == self.root:
            return b""
        prefix = self.root if self.root.endswith(b"/") else self.root + b"/"
        return path[len(prefix) :] if path.startswith(prefix) else None


class LocationWatcher:
    """Watches every location of one library while it is open."""

    def __init__(self, library: Library) -> None:
        self._library = library
        self._observer: Any = None
        self._locations: dict[int, _Location] = {}
        self._lock = threading.Lock()
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.enabled = True

    def watched_ids(self) -> set[int]:
        return set(self._locations)

    async def start(self) -> None:
        """Watch all locations, and catch up with changes made while nothing watched (a rescan each)."""
        if not self.enabled:
            return
        from watchdog.observers import Observer

        global _EVENT_TYPES
        _EVENT_TYPES = _event_types()

        from spacedrive.operations import locations

        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._observer = Observer()
        self._observer.daemon = True
        self._observer.start()
        self._task = asyncio.create_task(self._run(), name=f"watcher-{self._library.name}")
        for info in await locations.list_locations(self._library):
            await self.watch(info.id)
            if info.scan_state == "complete" and not await self._indexer_pending(info.id):
                await locations.rescan_location(self._library, info.id)

    async def _indexer_pending(self, location_id: int) -> bool:
        for job in await self._library.jobs.list(limit=10_000):
            if job.name == "indexer" and not job.status.is_finished:
                state = await self._library.jobs.job_state(job.id)
                if getattr(state, "location_id", None) == location_id:
                    return True
        return False

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._observer is not None:
            observer, self._observer = self._observer, None
            observer.stop()
            await asyncio.get_running_loop().run_in_executor(None, observer.join, 5)
        self._locations.clear()

    async def watch(self, location_id: int) -> None:
        if not self.enabled or self._observer is None or location_id in self._locations:
            return
        from spacedrive.operations import locations

        info = await locations.get_location(self._library, location_id)
        loc = _Location(location_id, os.fsencode(info.path), IndexerRules.from_dict(info.rules))
        try:
            loc.watch = self._observer.schedule(
                _Handler(self, loc), os.fsdecode(loc.root), recursive=True, event_filter=_EVENT_TYPES
            )
        except OSError as e:
            log.warning("cannot watch %s: %s", info.path, e)
            return
        self._locations[location_id] = loc

    async def unwatch(self, location_id: int) -> None:
        loc = self._locations.pop(location_id, None)
        if loc is not None and loc.watch is not None and self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.unschedule(loc.watch)

    # ---- events, on watchdog's thread --------------------------------------------------------------------

    def _queue(self, loc: _Location, kind: str, src: bytes, dest: bytes | None, is_dir: bool) -> None:
        with self._lock:
            loc.pending.append((kind, src, dest, is_dir))
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None:
            loop.call_soon_threadsafe(wakeup.set)

    # ---- the coalescing loop ------------------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            started = time.monotonic()
            while True:  # let the burst settle
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), QUIET)
                except TimeoutError:
                    break
                if time.monotonic() - started > MAX_DELAY:
                    break
            self._wakeup.clear()
            for loc in list(self._locations.values()):
                with self._lock:
                    events, loc.pending = loc.pending, []
                if events:
                    try:
                        await self._apply(loc, events)
                    except Exception:
                        log.exception("watcher could not apply changes in %s", os.fsdecode(loc.root))

    async def _apply(self, loc: _Location, events: list[tuple[str, bytes, bytes | None, bool]]) -> None:
        scopes = _scopes_for(loc, events)
        if not scopes:
            return
        if len(scopes) > MAX_SCOPES:
            scopes = {(b"", True)}
        library = self._library
        db = library.db
        now = time.time_ns()
        await store.reset_staging(db)
        for rel, recursive in sorted(scopes):
            path = os.path.join(loc.root, rel) if rel else loc.root
            try:
                async for item in stream_walk(
                    path, loc.rules, recursive=recursive, in_process=True, rel_prefix=rel
                ):
                    if not isinstance(item, WalkStats):
                        await store.stage_rows(db, item, aggregates_known=recursive)
            except OSError:
                pass  # the folder is gone: its entries go
        result = await store.apply_staging(db, loc.id, now, scopes=sorted(scopes))
        touched = {rel for rel, _ in scopes}
        for rel in sorted(touched, key=len, reverse=True):
            await store.refresh_ancestor_aggregates(db, loc.id, rel)
        files, size = await store.location_totals(db, loc.id)
        await _update_totals(library, loc.id, files, size)
        if result.inserted or result.updated or result.deleted or result.moved:
            for rel in sorted(touched):
                library.bus.emit(
                    ev.EntriesChanged(
                        library_id=library.id,
                        location_id=loc.id,
                        relative_path=os.fsdecode(rel),
                        created=result.inserted,
                        modified=result.updated,
                        deleted=result.deleted,
                        moved=result.moved,
                    )
                )


def _parent(rel: bytes) -> bytes:
    cut = rel.rfind(b"/")
    return rel[:cut] if cut >= 0 else b""


def _scopes_for(loc: _Location, events: list[tuple[str, bytes, bytes | None, bool]]) -> set[store.Scope]:
    """The folders a burst touched: parents one level deep; new, moved or deleted folders recursively."""
    scopes: set[store.Scope] = set()
    for kind, src, dest, is_dir in events:
        for path in (src, dest):
            if path is None:
                continue
            rel = loc.relative(path)
            if rel is None or rel == b"":
                if rel == b"":
                    scopes.add((b"", False))
                continue
            scopes.add((_parent(rel), False))
            if is_dir and kind != "modified":
                scopes.add((rel, True))
    # A recursive scope covers everything below it.
    roots = {rel for rel, rec in scopes if rec}
    kept: set[store.Scope] = set()
    for rel, rec in scopes:
        inside = any(_under(rel, r) and (r != rel or not rec) for r in roots)
        if not inside:
            kept.add((rel, rec))
    return kept


def _under(rel: bytes, ancestor: bytes) -> bool:
    """``rel`` is ``ancestor`` or inside it."""
    return ancestor == b"" or rel == ancestor or rel.startswith(ancestor + b"/")


async def _update_totals(library: Library, location_id: int, files: int, size: int) -> None:
    from spacedrive.infrastructure.db.models import LocationRow

    async with library.db.write() as session:
        row = await session.get(LocationRow, location_id)
        if row is not None and (row.total_file_count, row.total_byte_size) != (files, size):
            row.total_file_count, row.total_byte_size = files, size
            row.updated_at = int(time.time())
    library.bus.emit(ev.LocationUpdated(library_id=library.id, id=location_id))


def _event_types() -> list[Any]:
    """Changes only: open/close notifications would flood inotify's queue while we walk or hash."""
    from watchdog import events as we

    return [
        we.FileCreatedEvent,
        we.DirCreatedEvent,
        we.FileDeletedEvent,
        we.DirDeletedEvent,
        we.FileModifiedEvent,
        we.DirModifiedEvent,
        we.FileMovedEvent,
        we.DirMovedEvent,
        we.FileClosedEvent,
    ]


class _Handler:
    """A watchdog event handler that only forwards (on watchdog's thread)."""

    def __init__(self, watcher: LocationWatcher, loc: _Location) -> None:
        self._watcher = watcher
        self._loc = loc

    def dispatch(self, event: Any) -> None:
        kind = event.event_type
        if kind in ("opened", "closed", "closed_no_write"):
            return
        src = os.fsencode(event.src_path)
        dest = os.fsencode(event.dest_path) if getattr(event, "dest_path", "") else None
        self._watcher._queue(self._loc, kind, src, dest, bool(event.is_directory))
