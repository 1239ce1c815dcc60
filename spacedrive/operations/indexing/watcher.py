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
import json
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any, cast

from spacedrive.domain import events as ev
from spacedrive.domain.location import IndexMode
from spacedrive.infrastructure.db.database import Database
from spacedrive.operations.indexing import content, store
from spacedrive.operations.indexing.partial_scan import moved_from, stage_scope
from spacedrive.operations.indexing.rules import IndexerRules

if TYPE_CHECKING:
    from spacedrive.operations.libraries import Library

log = logging.getLogger(__name__)

QUIET = 0.15
MAX_DELAY = 1.0
#: A burst touching more folders than this is applied as one diff of the whole location.
MAX_SCOPES = 256
#: Seconds before events of a location that is being scanned are looked at again.
RETRY = 0.25
_EVENT_TYPES: list[Any] = []


class _Location:
    def __init__(self, location_id: int, root: bytes, rules: IndexerRules, mode: str) -> None:
        self.id = location_id
        self.root = root.rstrip(b"/") or b"/"
        self.rules = rules
        self.mode = mode
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
            if info.scan_state == "complete" and not await self._live_indexers(info.id):
                await locations.rescan_location(self._library, info.id)

    async def _live_indexers(self, location_id: int) -> list[Any]:
        """The unfinished IndexerJobs of the location (queued, running or paused)."""
        found = []
        for job in await self._library.jobs.list(limit=100):  # live jobs come first
            if job.name == "indexer" and not job.status.is_finished:
                state = await self._library.jobs.job_state(job.id)
                if getattr(state, "location_id", None) == location_id:
                    found.append(state)
        return found

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
        observer = self._observer
        if not self.enabled or observer is None or location_id in self._locations:
            return
        from spacedrive.operations import locations

        info = await locations.get_location(self._library, location_id)
        loc = _Location(
            location_id, os.fsencode(info.path), IndexerRules.from_dict(info.rules), info.mode.value
        )
        if location_id in self._locations:  # watched meanwhile
            return
        self._locations[location_id] = loc
        try:
            # Scheduling adds an inotify watch per folder of the tree: tens of milliseconds for a big
            # one, on a thread so the window does not stall (watchdog's observer takes a lock).
            loc.watch = await asyncio.to_thread(
                observer.schedule,
                _Handler(self, loc),
                os.fsdecode(loc.root),
                recursive=True,
                event_filter=_EVENT_TYPES,
            )
        except OSError as e:
            log.warning("cannot watch %s: %s", info.path, e)
            if self._locations.get(location_id) is loc:
                del self._locations[location_id]
            return
        if self._locations.get(location_id) is not loc:  # unwatched while it was being scheduled
            await self._unschedule(loc)

    async def unwatch(self, location_id: int) -> None:
        loc = self._locations.pop(location_id, None)
        if loc is not None:
            await self._unschedule(loc)

    async def _unschedule(self, loc: _Location) -> None:
        observer = self._observer
        if loc.watch is not None and observer is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(observer.unschedule, loc.watch)

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
                    # Not wait_for: on Python 3.11 it can lose a cancellation (see volumes._in_thread).
                    async with asyncio.timeout(QUIET):
                        await self._wakeup.wait()
                except TimeoutError:
                    break
                if time.monotonic() - started > MAX_DELAY:
                    break
            self._wakeup.clear()
            deferred = False
            for loc in list(self._locations.values()):
                if not loc.pending:
                    continue
                if await self._refresh(loc):
                    deferred = True
                    continue
                with self._lock:
                    events, loc.pending = loc.pending, []
                try:
                    await self._apply(loc, events)
                except Exception:
                    log.exception("watcher could not apply changes in %s", os.fsdecode(loc.root))
            if deferred:
                asyncio.get_running_loop().call_later(RETRY, self._wakeup.set)

    async def _refresh(self, loc: _Location) -> bool:
        """Take the location's current rules and mode; True while an indexer has yet to write its walk.

        A scan stages what it walked and applies it at the end: changes applied meanwhile would be
        undone by that apply (or collide with its first insert), so they wait until it is written.
        """
        from spacedrive.infrastructure.db.models import LocationRow

        async with self._library.db.read() as session:
            row = await session.get(LocationRow, loc.id)
        if row is None:
            return False
        loc.rules = IndexerRules.from_dict(json.loads(row.indexer_rules) if row.indexer_rules else None)
        loc.mode = row.index_mode
        return any(getattr(job, "phase", "") == "discovery" for job in await self._live_indexers(loc.id))

    async def _apply(self, loc: _Location, events: list[tuple[str, bytes, bytes | None, bool]]) -> None:
        scopes = _scopes_for(loc, events)
        if not scopes:
            return
        if not os.path.isdir(loc.root):
            # Unmounted, or moved away: the index stays as it was (a rescan of a location whose
            # folder is back catches up); it is not emptied the way a deleted sub-folder's is.
            log.warning("location %s is not reachable; its index is kept", os.fsdecode(loc.root))
            return
        if len(scopes) > MAX_SCOPES:
            scopes = {(b"", True)}
        library = self._library
        db = library.db
        now = time.time_ns()
        table = store.new_staging_table()
        await store.reset_staging(db, table)
        for rel, recursive in sorted(scopes):
            await stage_scope(db, table, loc.root, loc.rules, rel, recursive)
        # A file or folder that came from a folder this burst did not touch: list where it was too,
        # so it moves. This happens inside a new folder (made, then filled by moves, within a moment:
        # what moved in before its watch existed is reported as created there, and as deleted where
        # it was only in a later burst); elsewhere a move is one event with both ends.
        sources: set[bytes] = set()
        if any(recursive for _, recursive in scopes) and (b"", True) not in scopes:
            sources = {rel for rel in await moved_from(db, table, loc.id) if not _covered(rel, scopes)}
        for rel in sorted(sources):
            await stage_scope(db, table, loc.root, loc.rules, rel, False)
            scopes.add((rel, False))
        ordered = sorted(scopes)
        identities_before = await _content_ids(db, loc.id, ordered)
        result = await store.apply_staging(db, loc.id, now, table, scopes=ordered)
        touched = {rel for rel, _ in scopes}
        for rel in sorted(touched, key=len, reverse=True):
            await store.refresh_ancestor_aggregates(db, loc.id, rel)
        files, size = await store.location_totals(db, loc.id)
        await _update_totals(library, loc.id, files, size)
        if result.inserted or result.updated or result.deleted or result.moved:
            self._emit_changes(loc, touched, result.inserted, result.updated, result.deleted, result.moved)
        identified = 0
        if loc.mode != IndexMode.SHALLOW.value:
            identified = await _identify(db, loc, ordered)
        if identities_before or identified:
            await _refresh_identities(db, identities_before | await _content_ids(db, loc.id, ordered))
        if identified:
            self._emit_changes(loc, touched, 0, identified, 0, 0)

    def _emit_changes(
        self, loc: _Location, touched: set[bytes], created: int, modified: int, deleted: int, moved: int
    ) -> None:
        library = self._library
        for rel in sorted(touched):
            library.bus.emit(
                ev.EntriesChanged(
                    library_id=library.id,
                    location_id=loc.id,
                    relative_path=os.fsdecode(rel),
                    created=created,
                    modified=modified,
                    deleted=deleted,
                    moved=moved,
                )
            )


async def _content_ids(db: Database, location_id: int, scopes: list[store.Scope]) -> set[int]:
    """Content identities the entries of ``scopes`` point to."""
    where, args = store._scope_clause(scopes)
    async with db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            f"SELECT DISTINCT e.content_id FROM entries e WHERE e.location_id = ? "
            f"AND e.content_id IS NOT NULL{where}",
            (location_id, *args),
        )
        return {int(r[0]) for r in result.all()}


async def _identify(db: Database, loc: _Location, scopes: list[store.Scope]) -> int:
    """Content ids for the files of ``scopes`` that have none (new or changed); returns how many."""
    where, args = store._scope_clause(scopes)
    async with db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            "SELECT e.id, e.relative_path, e.name, e.extension, e.size FROM entries e "
            f"WHERE e.location_id = ? AND e.kind = 0 AND e.size > 0 AND e.content_id IS NULL{where} "
            "ORDER BY e.id",
            (loc.id, *args),
        )
        pending: list[content.Pending] = [cast(content.Pending, tuple(r)) for r in result.all()]
    if not pending:
        return 0
    async with content.ContentIdentifier(db, loc.id, loc.root) as identifier:
        for i in range(0, len(pending), content.BATCH):
            await identifier.identify(pending[i : i + content.BATCH])
    return len(pending)


async def _refresh_identities(db: Database, ids: set[int]) -> None:
    """Recount the entries of these content identities; the ones no entry has any more go."""
    ordered = sorted(ids)
    async with db.write() as session:
        d = await store._raw(await session.connection())
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            marks = ", ".join("?" for _ in chunk)
            await d.execute(
                "UPDATE content_identities SET entry_count = (SELECT count(*) FROM entries "
                f"WHERE entries.content_id = content_identities.id) WHERE id IN ({marks})",
                chunk,
            )
            await d.execute(
                f"DELETE FROM content_identities WHERE id IN ({marks}) AND entry_count = 0", chunk
            )


def _parent(rel: bytes) -> bytes:
    cut = rel.rfind(b"/")
    return rel[:cut] if cut >= 0 else b""


def _scopes_for(loc: _Location, events: list[tuple[str, bytes, bytes | None, bool]]) -> set[store.Scope]:
    """The folders a burst touched: parents one level deep; new, moved or deleted folders, and the
    folder of a changed .gitignore, recursively."""
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
            elif loc.rules.respect_gitignore and rel.rpartition(b"/")[2] == b".gitignore":
                scopes.add((_parent(rel), True))  # what it ignores may be anywhere below its folder
    # A recursive scope covers everything below it.
    roots = {rel for rel, rec in scopes if rec}
    kept: set[store.Scope] = set()
    for rel, rec in scopes:
        inside = any(_under(rel, r) and (r != rel or not rec) for r in roots)
        if not inside:
            kept.add((rel, rec))
    return kept


def _covered(rel: bytes, scopes: set[store.Scope]) -> bool:
    """The entries of folder ``rel`` are within ``scopes``."""
    return any(rel == scope or (recursive and _under(rel, scope)) for scope, recursive in scopes)


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
