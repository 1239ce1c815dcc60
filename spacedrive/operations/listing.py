"""One listing for every path: inside a location from the index, anywhere else live from disk (with the
tags of loose entries)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import threading
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from uuid import UUID, SafeUUID

from spacedrive.domain.entry import Entry
from spacedrive.errors import InvalidArgument, NoCurrentLibrary
from spacedrive.infrastructure.fs.kinds import kind_from_extension
from spacedrive.infrastructure.fs.paths import join_name
from spacedrive.operations.api import Params, _req, command
from spacedrive.operations.locations import list_locations

if TYPE_CHECKING:
    from spacedrive.core import Core
    from spacedrive.operations.libraries import Library

CHUNK = 2000
_KINDS = {0: "file", 1: "directory", 2: "symlink", 3: "other"}


#: stat's file type -> the listing's kind; anything else (FIFOs, sockets, devices) is "other".
_IFMT_KINDS = {stat.S_IFDIR: "directory", stat.S_IFREG: "file", stat.S_IFLNK: "symlink"}
#: Extension bytes -> content kind, remembered: a folder of 100k files has a handful of extensions.
_EXT_KINDS: dict[bytes, str] = {}


def _ext_kind(name: bytes, kind: str) -> str | None:
    if kind != "file":
        return None
    dot = name.rfind(b".")
    if dot <= 0 or dot == len(name) - 1:
        return None
    ext = name[dot + 1 :]
    found = _EXT_KINDS.get(ext)
    if found is None:
        found = kind_from_extension(ext.decode("utf-8", "replace")).value
        if len(_EXT_KINDS) < 4096:
            _EXT_KINDS[ext] = found
    return found


async def _location_for(library: Library, path: bytes) -> tuple[int, bytes] | None:
    """(location id, path relative to it) when ``path`` is inside a location that has been scanned.

    Until its first scan is written, a location's folders list live from disk, not as empty.
    """
    for loc in await list_locations(library):
        root = os.fsencode(loc.path).rstrip(b"/") or b"/"
        prefix = root if root.endswith(b"/") else root + b"/"
        if path != root and not path.startswith(prefix):
            continue
        if loc.last_scan_at is None:
            return None
        return loc.id, b"" if path == root else path[len(prefix) :]
    return None


async def iter_listing(core: Core, path: str | bytes) -> AsyncIterator[list[Entry]]:
    """The folder's entries in chunks: from the index when the folder is indexed, else from disk."""
    raw = os.fsencode(
        os.path.abspath(os.fsdecode(path) if isinstance(path, bytes) else os.path.expanduser(path))
    )
    try:
        library = core.libraries.current()
    except NoCurrentLibrary:
        library = None
    # Locations are stored by their real path: the same folder reached through a symlink (a linked
    # home folder, a mount alias) is still the indexed one. Entries keep the path as asked.
    found = await _location_for(library, os.path.realpath(raw)) if library is not None else None
    if library is not None and found is not None and await _is_indexed(library, found[0], found[1]):
        async for chunk in _from_index(library, found[0], found[1], raw):
            yield chunk
        return
    async for chunk in _from_disk(raw, await _loose_in(library, raw) if library is not None else {}):
        yield chunk


async def _is_indexed(library: Library, location_id: int, rel: bytes) -> bool:
    """The folder has been scanned: its own entry exists (or it is the location root)."""
    if not rel:
        return True
    parent, _, name = rel.rpartition(b"/")
    async with library.db.read() as session:
        conn = await session.connection()
        found = await conn.exec_driver_sql(
            "SELECT 1 FROM entries WHERE location_id = ? AND relative_path = ? AND name = ? AND kind = 1",
            (location_id, parent, name),
        )
        return found.first() is not None


_INDEX_SQL = """
    SELECT e.uuid, e.name, e.extension, e.kind, e.size, e.aggregate_size, e.file_count,
           e.modified_at, e.created_at, e.hidden, c.cas_id, k.name,
           (SELECT group_concat(t.name, char(31)) FROM metadata_tag mt JOIN tags t ON t.id = mt.tag_id
             WHERE mt.metadata_id = e.metadata_id)
    FROM entries e
    LEFT JOIN content_identities c ON c.id = e.content_id
    LEFT JOIN content_kinds k ON k.id = c.kind_id
    WHERE e.location_id = ? AND e.relative_path = ?
    ORDER BY e.name, e.extension"""


async def _from_index(
    library: Library, location_id: int, rel: bytes, raw: bytes
) -> AsyncIterator[list[Entry]]:
    """The folder's entries from the index: one statement (one consistent snapshot) following the
    (location, folder, name, extension) index, read and made into entries on worker threads, a chunk at
    a time, through a plain read-only connection (the ORM's row handling cost more than the query)."""
    loop = asyncio.get_running_loop()
    read = _IndexRead(await loop.run_in_executor(None, library.db.connect_reader), location_id, rel, raw)
    try:
        while chunk := await loop.run_in_executor(None, read.chunk):
            yield chunk
    finally:
        await loop.run_in_executor(None, read.close)


class _IndexRead:
    """A listing's statement on its own connection, read a chunk at a time on executor threads.

    A listing abandoned mid-way closes the connection after the read in flight, never under it (as
    ``_Scan`` for a folder on disk): reading and closing take the same lock.
    """

    def __init__(self, conn: sqlite3.Connection, location_id: int, rel: bytes, raw: bytes) -> None:
        self._conn = conn
        self._cursor: sqlite3.Cursor | None = None
        self._args = (location_id, rel)
        self._raw = raw
        self._lock = threading.Lock()
        self._closed = False

    def chunk(self) -> list[Entry]:
        with self._lock:
            if self._closed:
                return []
            if self._cursor is None:
                self._cursor = self._conn.execute(_INDEX_SQL, self._args)
            return _index_entries(self._cursor.fetchmany(CHUNK), self._raw)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()


#: ``UUID(bytes=...)`` without ``UUID.__init__``, which checks its five ways of being called and was
#: two thirds of making 100k entries: the slots are set directly (1.05 -> 0.45 us an entry).
_new_object = object.__new__
_set_uuid_int = UUID.__dict__["int"].__set__
_set_uuid_safety = UUID.__dict__["is_safe"].__set__
_UNKNOWN_SAFETY = SafeUUID.unknown


def _index_entries(rows: list[Any], raw: bytes) -> list[Entry]:
    """Rows of ``_INDEX_SQL`` as entries (written for speed: it runs once per entry of a folder)."""
    chunk: list[Entry] = []
    append = chunk.append
    kinds = _KINDS
    from_bytes = int.from_bytes
    for (
        uuid,
        stem,
        ext,
        kind_no,
        size,
        folder_size,
        files,
        modified,
        created,
        hidden,
        cas,
        kind_name,
        tags,
    ) in rows:
        kind = kinds.get(kind_no, "other")
        name = stem + b"." + ext if ext else stem  # join_name
        is_dir = kind_no == 1
        u = _new_object(UUID)
        _set_uuid_int(u, from_bytes(uuid))
        _set_uuid_safety(u, _UNKNOWN_SAFETY)
        append(
            Entry(  # positional, as in _scan_chunk
                name,  # raw_name
                raw,  # raw_parent
                kind,
                folder_size if is_dir else size,  # size
                modified / 1e9,  # modified
                created / 1e9,  # created
                bool(hidden),  # hidden
                True,  # indexed
                u,  # uuid
                cas,  # cas_id
                kind_name or _ext_kind(name, kind),  # content_kind
                files if is_dir else None,  # file_count
                tuple(tags.split("\x1f")) if tags else (),  # tags
            )
        )
    return chunk


class _Scan:
    """A folder being read from disk in chunks on executor threads.

    A listing abandoned mid-way (the user opened another folder) must not close the directory while a
    thread is still reading it: closing a ``scandir`` iterator under a running ``readdir`` frees memory
    the reader still uses (a crash, found as an abort in the GUI tests). Reading and closing take the
    same lock; the close runs on an executor thread after the read in flight.
    """

    def __init__(self, it: Any) -> None:
        self._it = it
        self._lock = threading.Lock()
        self._closed = False

    def chunk(self, raw: bytes) -> list[Entry]:
        with self._lock:
            return [] if self._closed else _scan_chunk(self._it, raw)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._it.close()


def _scan_chunk(it: Any, raw: bytes) -> list[Entry]:
    chunk: list[Entry] = []
    kinds = _IFMT_KINDS
    for de in it:
        try:
            st = de.stat(follow_symlinks=False)
        except OSError:
            continue  # vanished
        kind = kinds.get(stat.S_IFMT(st.st_mode), "other")
        name = de.name
        # Positional: this runs once per entry of a folder (keywords cost ~15% of the listing).
        chunk.append(
            Entry(
                name,  # raw_name
                raw,  # raw_parent
                kind,
                st.st_size if kind == "file" else None,  # size
                st.st_mtime,  # modified
                st.st_ctime,  # created
                name[:1] == b".",  # hidden
                False,  # indexed
                None,  # uuid
                None,  # cas_id
                _ext_kind(name, kind),  # content_kind
            )
        )
        if len(chunk) >= CHUNK:
            break
    return chunk


async def _loose_in(library: Library, raw: bytes) -> dict[bytes, tuple[UUID, tuple[str, ...]]]:
    """The loose entries (files tagged outside any index) of a folder listed from disk, by exact name:
    their UUID and tags, in one query for the whole listing."""
    async with library.db.read() as session:
        conn = await session.connection()
        rows: list[Any] = list(
            (
                await conn.exec_driver_sql(
                    """SELECT e.name, e.extension, e.uuid,
                           (SELECT group_concat(t.name, char(31)) FROM metadata_tag mt
                             JOIN tags t ON t.id = mt.tag_id WHERE mt.metadata_id = e.metadata_id)
                    FROM entries e WHERE e.location_id IS NULL AND e.relative_path = ?""",
                    (os.path.realpath(raw),),
                )
            ).all()
        )
    return {
        join_name(r[0], r[1]): (UUID(bytes=r[2]), tuple(r[3].split("\x1f")) if r[3] else ()) for r in rows
    }


async def _from_disk(
    raw: bytes, loose: dict[bytes, tuple[UUID, tuple[str, ...]]]
) -> AsyncIterator[list[Entry]]:
    loop = asyncio.get_running_loop()
    try:
        it = await loop.run_in_executor(None, os.scandir, raw)
    except FileNotFoundError:
        raise InvalidArgument(f"{os.fsdecode(raw)} does not exist") from None
    except NotADirectoryError:
        raise InvalidArgument(f"{os.fsdecode(raw)} is not a folder") from None
    except OSError as e:
        raise InvalidArgument(f"cannot list {os.fsdecode(raw)}: {e.strerror or e}") from e
    scan = _Scan(it)
    try:
        while chunk := await loop.run_in_executor(None, scan.chunk, raw):
            if loose:
                chunk = [
                    replace(e, uuid=loose[e.raw_name][0], tags=loose[e.raw_name][1])
                    if e.raw_name in loose
                    else e
                    for e in chunk
                ]
            yield chunk
    finally:
        # Not awaited: a cancelled listing ends now; its folder is closed once no thread reads it.
        loop.run_in_executor(None, scan.close)


@command("ls")
async def _ls(core: Core, params: Params) -> Any:
    entries: list[dict[str, Any]] = []
    async for chunk in iter_listing(core, _req(params, "path")):
        entries.extend(e.to_dict() for e in chunk)
    return entries
