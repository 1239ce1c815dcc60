"""The library follows the files: entries created, moved and removed as each file operation completes.

The file operations engine calls these after every item it finished (issue 5, item 6; DESIGN.md
section 7). Inside a location the entries are written at once, as a scan would write them (the same
walker rows, the same indexer rules), so the watcher's re-scan of the same folders finds nothing to
change. Each call is one transaction on the library's single write path, and costs what the item
costs (its rows, one update per ancestor folder), never a re-listing of the folder it landed in.

- A copy is a new file: its entries get content ids carried over from the source's entries (or the
  ``cas_id`` the copy computed, or a sampled one computed now in content and deep locations), never
  the source's tags or notes (user metadata belongs to one entry; the spec creates it on demand).
- A move keeps the entry: row, UUID, tags and notes follow the file, inside a location, between
  locations, and out of them, where an entry with user metadata becomes a loose entry at its new
  absolute path (the rest are dropped) and is re-attached when the file moves back.
- While a location's scan is walking (or before its first scan is written), the scan owns its entries:
  moved entries with user metadata become loose, and the scan adopts them when it writes
  (``store.adopt_loose``), as it does for a file tagged before its folder was indexed.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from spacedrive.domain import events as ev
from spacedrive.domain.location import IndexMode
from spacedrive.infrastructure.fs.paths import split_name
from spacedrive.operations.entry_paths import (
    Place,
    key_clause,
    place_of,
    places_of,
    subtree_clause,
)
from spacedrive.operations.files import follow_content, follow_rows
from spacedrive.operations.indexing.store import _raw
from spacedrive.operations.indexing.walker import KIND_DIR, KIND_FILE, ROW_COLUMNS, Row

if TYPE_CHECKING:
    from spacedrive.operations.libraries import Library

__all__ = ["file_copied", "file_moved", "file_removed", "folder_created"]

_COLS = ", ".join(ROW_COLUMNS)
_UPSERT = (
    f"INSERT INTO entries (location_id, indexed_at, uuid, {_COLS}) "
    f"VALUES (?, ?, ?, {', '.join('?' for _ in ROW_COLUMNS)}) "
    "ON CONFLICT (location_id, relative_path, name, extension) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ROW_COLUMNS[3:])
    + ", indexed_at = excluded.indexed_at, content_id = CASE WHEN entries.size != excluded.size "
    "OR entries.modified_at != excluded.modified_at OR entries.kind != excluded.kind "
    "THEN NULL ELSE entries.content_id END"
)


@dataclass
class _Totals:
    """What an entry adds to its folders: present or not, regular files below (or itself), bytes."""

    exists: bool = False
    files: int = 0
    size: int = 0


async def file_copied(library: Library, src: bytes, dst: bytes, cas_id: str | None) -> None:
    """A file or folder tree now exists at ``dst``, copied from ``src``."""
    source, target = await places_of(library, src, dst)
    if not await _accepts(library, target):
        return  # outside the index a copy needs no record: it carries no tags
    await _write(library, target, True, source=source, cas_id=cas_id, copied=True)


async def folder_created(library: Library, path: bytes) -> None:
    """A new folder exists at ``path``."""
    target = await place_of(library, path)
    if await _accepts(library, target):
        await _write(library, target, True)


async def file_moved(library: Library, src: bytes, dst: bytes) -> None:
    """What was at ``src`` is now at ``dst``: its entries follow it, UUIDs, tags and notes included."""
    source, target = await places_of(library, src, dst)
    if source.path == target.path:
        return
    await _write(library, target, await _accepts(library, target), source=source, move=True)


async def file_removed(library: Library, path: bytes) -> None:
    """``path`` (and everything below it) is gone: its entries go, its folders' totals shrink."""
    place = await place_of(library, path)
    folder_stat = (await _off_loop(follow_rows.look, None, place, None, False)).source_stat
    async with library.db.write() as session:
        d = await _raw(await session.connection())
        before = await _totals_at(d, place) if place.location else _Totals()
        identities, metadata = await _references(d, place)
        where, args = subtree_clause(place)
        cur = await d.execute(f"DELETE FROM entries WHERE {where}", args)
        deleted = max(cur.rowcount, 0)
        if place.location is not None:
            await _adjust(d, place, -before.files, -before.size, -int(before.exists))
            await _refresh_folder(d, place, folder_stat)
        await follow_content.release(d, identities, metadata)
    if place.location is not None and deleted:
        _changed(library, place, deleted=deleted)
        library.bus.emit(ev.LocationUpdated(library_id=library.id, id=place.location.id))


# ---- the one write ---------------------------------------------------------------------------------------


async def _write(
    library: Library,
    target: Place,
    indexed: bool,
    source: Place | None = None,
    cas_id: str | None = None,
    copied: bool = False,
    move: bool = False,
) -> None:
    """Make the index hold what is at ``target`` now, moving ``source``'s entries there first."""
    moving_from = source if move and source is not None else None
    # A file new to the library gets its sampled id now, in the same trip to the disk; one copied or
    # moved from the index has its id already.
    compute = (
        indexed
        and target.location is not None
        and target.location.mode is not IndexMode.SHALLOW
        and (source is None or source.location is None)
    )
    disk = await _off_loop(follow_rows.look, target if indexed else None, moving_from, cas_id, compute)
    rows, target_stat, source_stat = disk.rows, disk.target_stat, disk.source_stat
    into_index = rows is not None  # a path the rules skip is outside the index, like an ephemeral one
    token = time.time_ns()  # written into indexed_at of every row this call writes
    moved = 0
    unidentified = False
    async with library.db.write() as session:
        d = await _raw(await session.connection())
        identities: set[int] = set()
        metadata: set[int] = set()
        src_before = _Totals()
        if moving_from is not None:
            if moving_from.location is not None:
                src_before = await _totals_at(d, moving_from)
            identities, metadata = await _references(d, moving_from)
        dst_before = await _totals_at(d, target) if into_index else _Totals()
        if into_index:
            found = await _references(d, target)
            identities |= found[0]
            metadata |= found[1]
        if moving_from is not None:
            moved = await _rekey(d, moving_from, target, into_index)
            if moving_from.location is not None:
                await _adjust(d, moving_from, -src_before.files, -src_before.size, -int(src_before.exists))
                await _refresh_folder(d, moving_from, source_stat)
        if into_index and rows is not None:
            assert target.location is not None
            await d.executemany(
                _UPSERT, [(target.location.id, token, uuid.uuid4().bytes, *row) for row in rows]
            )
            where, args = subtree_clause(target)
            await d.execute(f"DELETE FROM entries WHERE {where} AND indexed_at IS NOT ?", (*args, token))
            after = _row_totals(rows[0])
            await _adjust(
                d, target, after.files - dst_before.files, after.size - dst_before.size,
                int(after.exists) - int(dst_before.exists),
            )  # fmt: skip
            await _refresh_folder(d, target, target_stat)
            if copied and source is not None and source.location is not None:
                await follow_content.carry_content(d, source, target, token)
            if disk.cas_id and disk.sniffed is not None:
                await follow_content.link_cas_id(d, target, disk.cas_id, disk.sniffed, rows[0][4])
            linked = (await _references(d, target))[0]
            identities |= linked
            # Files still without a content id: a tree, or a file whose indexed source had none.
            unidentified = len(rows) > 1 or (rows[0][3] == KIND_FILE and rows[0][4] > 0 and not linked)
        await follow_content.release(d, identities, metadata)
    if moving_from is not None and moving_from.location is not None and (moved or src_before.exists):
        _changed(library, moving_from, deleted=0 if into_index else 1, moved=1 if into_index else 0)
        library.bus.emit(ev.LocationUpdated(library_id=library.id, id=moving_from.location.id))
    if into_index and target.location is not None:
        _changed(library, target, created=0 if moved else 1, moved=1 if moved else 0)
        library.bus.emit(ev.LocationUpdated(library_id=library.id, id=target.location.id))
        if (
            target.location.mode is not IndexMode.SHALLOW
            and unidentified
            and await follow_content.identify(library, target)
        ):
            _changed(library, target, modified=1)


async def _off_loop(fn: Any, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


async def _accepts(library: Library, place: Place) -> bool:
    """The location's index takes entries now: its first scan is written and no scan is walking it
    (a walking scan applies what it saw at the end, which would undo entries written meanwhile)."""
    loc = place.location
    if loc is None or loc.last_scan_at is None:
        return False
    async with library.db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            "SELECT id FROM jobs WHERE name = 'indexer' AND status IN ('queued', 'running', 'paused')"
        )
        scans = [UUID(r[0]) for r in result.all()]
    for job_id in scans:
        state = await library.jobs.job_state(job_id)
        if getattr(state, "location_id", None) == loc.id and getattr(state, "phase", "") == "discovery":
            return False
    return True


# ---- SQL on the write connection ----------------------------------------------------------------------


async def _totals_at(d: Any, place: Place) -> _Totals:
    where, args = key_clause(place)
    cur = await d.execute(f"SELECT kind, size, aggregate_size, file_count FROM entries WHERE {where}", args)
    totals = _Totals()
    for kind, size, aggregate, files in await cur.fetchall():
        found = _row_totals((b"", b"", b"", kind, size, aggregate, 0, files, 0, 0, 0, 0, 0))
        totals = _Totals(True, totals.files + found.files, totals.size + found.size)
    return totals


def _row_totals(row: Row) -> _Totals:
    if row[3] == KIND_FILE:
        return _Totals(True, 1, int(row[4]))
    if row[3] == KIND_DIR:
        return _Totals(True, int(row[7]), int(row[5]))
    return _Totals(True)


async def _references(d: Any, place: Place) -> tuple[set[int], set[int]]:
    """Content identities and user metadata the entries of ``place`` (and below) point to."""
    where, args = subtree_clause(place)
    cur = await d.execute(
        f"SELECT content_id, metadata_id FROM entries WHERE {where} "
        "AND (content_id IS NOT NULL OR metadata_id IS NOT NULL)",
        args,
    )
    identities: set[int] = set()
    metadata: set[int] = set()
    for content_id, metadata_id in await cur.fetchall():
        if content_id is not None:
            identities.add(int(content_id))
        if metadata_id is not None:
            metadata.add(int(metadata_id))
    return identities, metadata


async def _rekey(d: Any, source: Place, target: Place, into_index: bool) -> int:
    """Move the entries of ``source`` (and below) to ``target``; returns how many moved.

    Into the index every row moves; elsewhere only rows with user metadata do, as loose entries (a
    loose entry keeps no content id: nothing watches the file). An entry already at a new key was
    replaced on disk: it goes, handing its user metadata to the entry that replaced it if that has none.
    """
    where, args = subtree_clause(source)
    cur = await d.execute(
        f"SELECT id, relative_path, name, extension, kind, metadata_id FROM entries WHERE {where}", args
    )
    found = await cur.fetchall()
    if not found:
        return 0
    location_id = target.location_id if into_index else None
    top_folder = target.key_folder if into_index else target.folder
    dst_child = target.child_folder if into_index else target.path
    src_child = source.child_folder
    keys: list[tuple[int, int | None, bytes, bytes, bytes]] = []
    dropped: list[tuple[int]] = []
    for entry_id, rel, name, ext, kind, metadata_id in found:
        if not into_index and metadata_id is None:
            dropped.append((entry_id,))
            continue
        if rel == source.key_folder and (name, ext) in source.names():
            stem, new_ext = split_name(target.name, kind == KIND_DIR)
            keys.append((entry_id, location_id, top_folder, stem, new_ext))
        else:
            keys.append((entry_id, location_id, dst_child + bytes(rel)[len(src_child) :], name, ext))
    await d.executemany("DELETE FROM entries WHERE id = ?", dropped)
    await d.execute("DROP TABLE IF EXISTS temp.follow_keys")
    await d.execute(
        "CREATE TEMP TABLE follow_keys (id INTEGER PRIMARY KEY, location_id INT, relative_path BLOB, "
        "name BLOB, extension BLOB)"
    )
    await d.executemany("INSERT INTO follow_keys VALUES (?, ?, ?, ?, ?)", keys)
    same_loc = "o.location_id = k.location_id" if into_index else "o.location_id IS NULL"
    occupants = (
        f"FROM temp.follow_keys k JOIN entries o ON {same_loc} AND o.relative_path = k.relative_path "
        "AND o.name = k.name AND o.extension = k.extension AND o.id != k.id"
    )
    await d.execute(
        "UPDATE entries SET metadata_id = o.metadata_id "
        f"{occupants} WHERE entries.id = k.id AND entries.metadata_id IS NULL AND o.metadata_id IS NOT NULL"
    )
    await d.execute(
        f"UPDATE entries SET metadata_id = NULL WHERE id IN (SELECT o.id {occupants})"
    )  # handed over above, or to be dropped with it
    await d.execute(f"DELETE FROM entries WHERE id IN (SELECT o.id {occupants})")
    content_id = "entries.content_id" if into_index else "NULL"
    await d.execute(
        "UPDATE entries SET location_id = k.location_id, relative_path = k.relative_path, name = k.name, "
        f"extension = k.extension, content_id = {content_id} FROM temp.follow_keys k WHERE entries.id = k.id"
    )
    await d.execute("DROP TABLE temp.follow_keys")
    return len(keys)


async def _adjust(d: Any, place: Place, files: int, size: int, children: int) -> None:
    """Add to the totals of every folder above ``place`` and of its location."""
    assert place.location is not None
    if not (files or size or children):
        return
    parts = place.rel_folder.split(b"/") if place.rel_folder else []
    for depth in range(len(parts), 0, -1):
        await d.execute(
            "UPDATE entries SET aggregate_size = aggregate_size + ?, file_count = file_count + ?, "
            "child_count = child_count + ? WHERE location_id = ? AND relative_path = ? AND name = ? "
            "AND extension = X'' AND kind = 1",
            (
                size,
                files,
                children if depth == len(parts) else 0,
                place.location.id,
                b"/".join(parts[: depth - 1]),
                parts[depth - 1],
            ),
        )
    await d.execute(
        "UPDATE locations SET total_file_count = total_file_count + ?, total_byte_size = total_byte_size + ? "
        "WHERE id = ?",
        (files, size, place.location.id),
    )


async def _refresh_folder(d: Any, place: Place, folder_stat: tuple[int, int, int, int] | None) -> None:
    """The folder holding ``place`` changed on disk (its mtime): its own row says so, as a scan would."""
    if place.location is None or not place.rel_folder or folder_stat is None:
        return
    parent, _, name = place.rel_folder.rpartition(b"/")
    await d.execute(
        "UPDATE entries SET inode = ?, permissions = ?, created_at = ?, modified_at = ? "
        "WHERE location_id = ? AND relative_path = ? AND name = ? AND extension = X'' AND kind = 1",
        (*folder_stat, place.location.id, parent, name),
    )


def _changed(
    library: Library, place: Place, created: int = 0, modified: int = 0, deleted: int = 0, moved: int = 0
) -> None:
    assert place.location is not None
    library.bus.emit(
        ev.EntriesChanged(
            library_id=library.id,
            location_id=place.location.id,
            relative_path=os.fsdecode(place.rel_folder),
            created=created,
            modified=modified,
            deleted=deleted,
            moved=moved,
        )
    )
