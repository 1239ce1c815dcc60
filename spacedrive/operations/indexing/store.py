"""The indexer's SQL: bulk inserts and the set-based diff of a scan against the entries table.

Bulk paths bypass the ORM: tuples go straight to the driver's ``executemany``, or rows are copied in C
from the walkers' scratch databases. A first scan copies each piece the walkers complete straight into
entries while they walk on. A rescan loads what it walked into a staging table and lets SQLite compare: moved
entries (same inode under a new name) keep their row, UUID, tags and notes; changed ones are updated
(and lose a content id that no longer matches); new ones are inserted (adopting the loose entry of
a file tagged before it was indexed); vanished ones deleted. Memory stays flat whatever the size of
the location.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from spacedrive.infrastructure.db.database import Database
from spacedrive.operations.indexing.uuids import scan_prefix, sql_uuid
from spacedrive.operations.indexing.walker import ROW_COLUMNS, Row

_COLS = ", ".join(ROW_COLUMNS)
_MARKS = ", ".join("?" for _ in ROW_COLUMNS)
_staging_ids = itertools.count(1)
_KEY = "s.relative_path = e.relative_path AND s.name = e.name AND s.extension = e.extension"


@dataclass
class ApplyResult:
    inserted: int = 0
    updated: int = 0
    moved: int = 0
    deleted: int = 0

    def add(self, other: ApplyResult) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.moved += other.moved
        self.deleted += other.deleted


async def _raw(conn: AsyncConnection) -> Any:
    raw = await conn.get_raw_connection()
    return raw.driver_connection  # the aiosqlite connection


async def count_entries(db: Database, location_id: int) -> int:
    async with db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            "SELECT count(*) FROM entries WHERE location_id = ?", (location_id,)
        )
        return int(result.scalar_one())


#: The entry columns from a walker's compact scratch rows (``walker.SCRATCH_COLUMNS``): a file's
#: aggregates are its size and zeros, and a name starting with a dot is hidden.
_FROM_SCRATCH = ", ".join(
    {
        "aggregate_size": "coalesce(aggregate_size, size)",
        "child_count": "coalesce(child_count, 0)",
        "file_count": "coalesce(file_count, 0)",
        "hidden": "substr(name, 1, 1) = X'2E'",
    }.get(column, column)
    for column in ROW_COLUMNS
)


async def insert_piece(db: Database, location_id: int, indexed_at: int, piece: str) -> int:
    """A first scan: copy one scratch database a walker completed into entries.

    One short transaction per piece, while the walk goes on: the indexes stay in place (rows arrive
    folder by folder, so the key index is updated at a few places at a time, and the walkers' UUIDs
    ascend, so the uuid index is appended to). A crash leaves the entries copied so far, with their
    indexes intact; the resumed job then rescans, and the diff converges on the uninterrupted result.
    An entry another writer put at the same key meanwhile (a copy into the location, followed) is kept.
    """
    name = f"scan_piece_{next(_staging_ids)}"  # unique: scans run side by side
    attached = False
    try:
        async with db.write() as session:
            d = await _raw(await session.connection())
            await d.execute(f"ATTACH DATABASE ? AS {name}", (piece,))  # before a write opens a transaction
            attached = True
            cur = await d.execute(
                f"INSERT OR IGNORE INTO entries (location_id, indexed_at, uuid, {_COLS}) "
                f"SELECT {int(location_id)}, {int(indexed_at)}, uuid, {_FROM_SCRATCH} "
                f"FROM {name}.rows ORDER BY rowid"
            )
            return max(int(cur.rowcount), 0)
    finally:
        if attached:
            async with db.write() as session:
                d = await _raw(await session.connection())
                await d.execute(f"DETACH DATABASE {name}")


async def finish_first_scan(db: Database, location_id: int, indexed_at: int, table: str) -> int:
    """A first scan's end: rows staged directly (a walk without scratch databases) go into entries,
    and loose entries at the location's paths are adopted. Returns the rows inserted here."""
    new_uuid = sql_uuid(scan_prefix(), "rowid")
    async with db.write() as session:
        d = await _raw(await session.connection())
        cur = await d.execute(
            f"INSERT OR IGNORE INTO entries (location_id, indexed_at, uuid, {_COLS}) "
            f"SELECT {int(location_id)}, {int(indexed_at)}, coalesce(uuid, {new_uuid}), {_COLS} "
            f"FROM temp.{table} ORDER BY rowid"
        )
        inserted = max(int(cur.rowcount), 0)
        await adopt_loose(d, int(location_id))
        await d.execute(f"DROP TABLE temp.{table}")
    return inserted


async def discard_first_scan(db: Database, location_id: int, indexed_at: int, chunk: int = 20_000) -> None:
    """Take out what an abandoned first scan copied (a cancel, a failure), a chunk per transaction so
    the write lock is never held long: the location is left as it was before."""
    while True:
        async with db.write() as session:
            d = await _raw(await session.connection())
            cur = await d.execute(
                "DELETE FROM entries WHERE id IN (SELECT id FROM entries WHERE location_id = ? "
                "AND indexed_at = ? LIMIT ?)",
                (int(location_id), int(indexed_at), chunk),
            )
            if cur.rowcount < chunk:
                return


def new_staging_table() -> str:
    """A staging table name of its own for one scan: scans of other locations, and the watcher, may
    stage at the same time on the same write connection."""
    return f"scan_staging_{next(_staging_ids)}"


async def reset_staging(db: Database, table: str) -> None:
    """(Re)create the staging table on the write connection (a TEMP table: gone if the process dies)."""
    async with db.write() as session:
        driver = await _raw(await session.connection())
        await driver.execute(f"DROP TABLE IF EXISTS temp.{table}")
        await driver.execute(
            f"CREATE TEMP TABLE {table} (relative_path BLOB, name BLOB, extension BLOB, "
            "kind INT, size INT, aggregate_size INT, child_count INT, file_count INT, inode INT, "
            "permissions INT, hidden INT, created_at INT, modified_at INT, "
            "agg_known INT NOT NULL DEFAULT 1, uuid BLOB)"
        )


async def load_scratch(db: Database, table: str, files: list[str]) -> None:
    """Copy the rows walkers wrote into scratch databases into a staging table (in C, no Python per row)."""
    if not files:
        return
    names = [f"{table}_scratch{i}" for i in range(len(files))]  # unique: scans load side by side
    attached: list[str] = []
    try:
        async with db.write() as session:
            d = await _raw(await session.connection())
            for name, path in zip(names, files, strict=True):
                await d.execute(f"ATTACH DATABASE ? AS {name}", (path,))  # before a write opens a transaction
                attached.append(name)
            for name in names:
                await d.execute(
                    f"INSERT INTO temp.{table} ({_COLS}, uuid) SELECT {_FROM_SCRATCH}, uuid FROM {name}.rows"
                )
    finally:
        if attached:
            async with db.write() as session:
                d = await _raw(await session.connection())
                for name in attached:
                    await d.execute(f"DETACH DATABASE {name}")


async def drop_staging(db: Database, table: str) -> None:
    """Forget a scan's staged rows (an interrupted scan; applying drops the table itself)."""
    async with db.write() as session:
        driver = await _raw(await session.connection())
        await driver.execute(f"DROP TABLE IF EXISTS temp.{table}")


async def stage_rows(db: Database, table: str, rows: list[Row], aggregates_known: bool = True) -> None:
    """Stage walked rows. A one-level listing does not know its sub-folders' sizes: those keep theirs."""
    known = 1 if aggregates_known else 0
    async with db.write() as session:
        driver = await _raw(await session.connection())
        await driver.executemany(
            f"INSERT INTO temp.{table} ({_COLS}, agg_known) VALUES ({_MARKS}, {known})", rows
        )


#: A part of a location a partial scan answers for: (relative path of a folder, recursive?).
Scope = tuple[bytes, bool]


def _scope_clause(scopes: list[Scope] | None) -> tuple[str, tuple[Any, ...]]:
    """SQL limiting entries to the scanned scopes (None: the whole location).

    A folder's scope covers its children; a recursive one also everything deeper (a blob range:
    "path/" up to "path0", '0' being the byte after '/').
    """
    if scopes is None:
        return "", ()
    parts: list[str] = []
    args: list[Any] = []
    for path, recursive in scopes:
        if recursive and not path:
            return "", ()
        if recursive:
            parts.append("e.relative_path = ? OR (e.relative_path >= ? AND e.relative_path < ?)")
            args += [path, path + b"/", path + b"0"]
        else:
            parts.append("e.relative_path = ?")
            args.append(path)
    return " AND (" + " OR ".join(f"({p})" for p in parts) + ")", tuple(args)


async def apply_staging(
    db: Database,
    location_id: int,
    indexed_at: int,
    table: str,
    scopes: list[Scope] | None = None,
    force: bool = False,
) -> ApplyResult:
    """Make the location's entries (within ``scopes``) equal to what was staged, in one transaction."""
    loc = int(location_id)
    where_scope, scope_args = _scope_clause(scopes)
    result = ApplyResult()
    async with db.write() as session:
        d = await _raw(await session.connection())
        await d.execute(f"CREATE INDEX temp.ix_{table}_key ON {table} (relative_path, name, extension)")
        await d.execute(f"CREATE INDEX temp.ix_{table}_inode ON {table} (inode)")
        # 1. Moves: an entry whose inode (plus size and mtime for files) is no longer at its key (gone,
        #    or taken by another file: `mv a b; touch a`) but at another one not already holding that
        #    inode (a hard link). Each side is used once. The entry follows its file, UUID and all.
        await d.execute("DROP TABLE IF EXISTS temp.scan_moves")
        await d.execute("CREATE TEMP TABLE scan_moves (entry_id INTEGER UNIQUE, srow INTEGER UNIQUE)")
        await d.execute(
            f"""INSERT OR IGNORE INTO temp.scan_moves (entry_id, srow)
            SELECT e.id, s.rowid FROM entries e JOIN temp.{table} s
              ON s.inode = e.inode AND s.kind = e.kind
             AND (e.kind = 1 OR (s.size = e.size AND s.modified_at = e.modified_at))
            WHERE e.location_id = {loc}{where_scope}
              AND NOT EXISTS (SELECT 1 FROM temp.{table} k WHERE k.relative_path = e.relative_path
                              AND k.name = e.name AND k.extension = e.extension AND k.inode = e.inode)
              AND NOT EXISTS (SELECT 1 FROM entries x WHERE x.location_id = {loc}
                              AND x.relative_path = s.relative_path AND x.name = s.name
                              AND x.extension = s.extension AND x.inode = s.inode)
            ORDER BY e.id""",
            scope_args,
        )
        cur = await d.execute("SELECT count(*) FROM temp.scan_moves")
        moved_row = await cur.fetchone()
        result.moved = int(moved_row[0]) if moved_row else 0
        if result.moved:
            # Park moved rows on unique placeholder paths first, so swaps never collide on the key.
            await d.execute(
                "UPDATE entries SET relative_path = X'00' || uuid "
                "WHERE id IN (SELECT entry_id FROM temp.scan_moves)"
            )
            # An entry still at a key a moved one takes was replaced (`mv -f a b`: b's file is gone).
            cur = await d.execute(
                f"""DELETE FROM entries WHERE id IN (
                    SELECT x.id FROM temp.scan_moves m JOIN temp.{table} s ON s.rowid = m.srow
                    JOIN entries x ON x.location_id = {loc} AND x.relative_path = s.relative_path
                     AND x.name = s.name AND x.extension = s.extension)"""
            )
            result.deleted = max(cur.rowcount, 0)
            await d.execute(
                f"""UPDATE entries SET relative_path = s.relative_path, name = s.name,
                    extension = s.extension, size = s.size,
                    aggregate_size = CASE WHEN s.agg_known THEN s.aggregate_size
                                     ELSE entries.aggregate_size END,
                    child_count = CASE WHEN s.agg_known THEN s.child_count ELSE entries.child_count END,
                    file_count = CASE WHEN s.agg_known THEN s.file_count ELSE entries.file_count END,
                    inode = s.inode,
                    permissions = s.permissions, hidden = s.hidden, created_at = s.created_at,
                    modified_at = s.modified_at, indexed_at = {int(indexed_at)}
                FROM temp.scan_moves m JOIN temp.{table} s ON s.rowid = m.srow
                WHERE entries.id = m.entry_id"""
            )
        # 2. Changed in place. atime is not a change. A new size or mtime invalidates the content id.
        changed = (
            ""
            if force
            else (
                " AND (e.size != s.size OR e.modified_at != s.modified_at OR e.inode IS NOT s.inode"
                " OR e.kind != s.kind OR e.permissions IS NOT s.permissions OR e.hidden != s.hidden"
                " OR (s.agg_known AND (e.aggregate_size != s.aggregate_size OR e.child_count != s.child_count"
                " OR e.file_count != s.file_count)))"
            )
        )
        content = (
            "NULL"
            if force
            else (
                "CASE WHEN e.size != s.size OR e.modified_at != s.modified_at OR e.kind != s.kind "
                "THEN NULL ELSE e.content_id END"
            )
        )
        cur = await d.execute(
            f"""UPDATE entries AS e SET kind = s.kind, size = s.size,
                aggregate_size = CASE WHEN s.agg_known THEN s.aggregate_size ELSE e.aggregate_size END,
                child_count = CASE WHEN s.agg_known THEN s.child_count ELSE e.child_count END,
                file_count = CASE WHEN s.agg_known THEN s.file_count ELSE e.file_count END,
                inode = s.inode,
                permissions = s.permissions, hidden = s.hidden, created_at = s.created_at,
                modified_at = s.modified_at, indexed_at = {int(indexed_at)},
                content_id = {content}
            FROM temp.{table} s
            WHERE e.location_id = {loc} AND {_KEY}{changed}"""
        )
        result.updated = max(cur.rowcount, 0) - (result.moved if force else 0)
        # 3. New.
        new_uuid = f"coalesce(s.uuid, {sql_uuid(scan_prefix(), 's.rowid')})"  # walkers number theirs
        cur = await d.execute(
            f"""INSERT INTO entries (location_id, indexed_at, uuid, {_COLS})
            SELECT {loc}, {int(indexed_at)}, {new_uuid}, {", ".join("s." + c for c in ROW_COLUMNS)}
            FROM temp.{table} s
            WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.location_id = {loc} AND {_KEY})
            ORDER BY s.rowid"""
        )
        result.inserted = max(cur.rowcount, 0)
        await adopt_loose(d, loc)
        # 4. Gone.
        cur = await d.execute(
            f"""DELETE FROM entries WHERE id IN (
                SELECT e.id FROM entries e WHERE e.location_id = {loc}{where_scope}
                AND NOT EXISTS (SELECT 1 FROM temp.{table} s WHERE {_KEY}))""",
            scope_args,
        )
        result.deleted += max(cur.rowcount, 0)
        await d.execute("DROP TABLE temp.scan_moves")
        await d.execute(f"DROP TABLE temp.{table}")
    return result


async def adopt_loose(d: Any, location_id: int) -> int:
    """Loose entries at a path the location now indexes become its entries; returns how many.

    A file tagged while no location covered it (or before its location's first scan was written) has
    a loose entry keyed by its absolute folder path. When the index gets an entry at that path, the
    indexed row takes the loose entry's UUID and user metadata (tags, notes) and the loose row goes,
    so tags survive a folder being added to the library. Loose rows are few and found through the
    key index (``location_id IS NULL`` and a range of folder paths), so this costs next to nothing.
    """
    cur = await d.execute("SELECT path FROM locations WHERE id = ?", (location_id,))
    row = await cur.fetchone()
    if row is None:
        return 0
    root = bytes(row[0]).rstrip(b"/") or b"/"
    prefix = root if root.endswith(b"/") else root + b"/"
    await d.execute("DROP TABLE IF EXISTS temp.adopt_loose")
    await d.execute(
        """CREATE TEMP TABLE adopt_loose AS
        SELECT e.id AS entry_id, l.id AS loose_id, l.uuid AS uuid, l.metadata_id AS metadata_id
        FROM entries l JOIN entries e ON e.location_id = ? AND e.name = l.name
         AND e.extension = l.extension
         AND e.relative_path = CASE WHEN l.relative_path = ? THEN X'' ELSE substr(l.relative_path, ?) END
        WHERE l.location_id IS NULL AND e.metadata_id IS NULL
          AND (l.relative_path = ? OR (l.relative_path >= ? AND l.relative_path < ?))""",
        (location_id, root, len(prefix) + 1, root, prefix, prefix[:-1] + b"0"),
    )
    cur = await d.execute("SELECT count(*) FROM temp.adopt_loose")
    adopted = int((await cur.fetchone())[0])
    if adopted:
        await d.execute("DELETE FROM entries WHERE id IN (SELECT loose_id FROM temp.adopt_loose)")
        await d.execute(
            "UPDATE entries SET uuid = a.uuid, metadata_id = a.metadata_id "
            "FROM temp.adopt_loose a WHERE entries.id = a.entry_id"
        )
    await d.execute("DROP TABLE temp.adopt_loose")
    return adopted


async def location_totals(db: Database, location_id: int) -> tuple[int, int]:
    """(files, bytes) of regular files in the location."""
    async with db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            "SELECT count(*), coalesce(sum(size), 0) FROM entries WHERE location_id = ? AND kind = 0",
            (location_id,),
        )
        files, size = cast(tuple[int, int], tuple(result.one()))
        return int(files), int(size)


async def refresh_ancestor_aggregates(db: Database, location_id: int, relative_path: bytes) -> None:
    """Recompute size and file counts of the folders above a changed folder, up to the location root."""
    parts = relative_path.split(b"/") if relative_path else []
    async with db.write() as session:
        d = await _raw(await session.connection())
        for depth in range(len(parts), 0, -1):
            parent, name = b"/".join(parts[: depth - 1]), parts[depth - 1]
            inner = b"/".join(parts[:depth])
            await d.execute(
                """UPDATE entries SET
                    aggregate_size = (SELECT coalesce(sum(size), 0) FROM entries c
                        WHERE c.location_id = ? AND c.kind = 0
                        AND (c.relative_path = ? OR (c.relative_path >= ? AND c.relative_path < ?))),
                    file_count = (SELECT count(*) FROM entries c
                        WHERE c.location_id = ? AND c.kind = 0
                        AND (c.relative_path = ? OR (c.relative_path >= ? AND c.relative_path < ?))),
                    child_count = (SELECT count(*) FROM entries c
                        WHERE c.location_id = ? AND c.relative_path = ?)
                WHERE location_id = ? AND relative_path = ? AND name = ? AND extension = X'' AND kind = 1""",
                (
                    location_id,
                    inner,
                    inner + b"/",
                    inner + b"0",
                    location_id,
                    inner,
                    inner + b"/",
                    inner + b"0",
                    location_id,
                    inner,
                    location_id,
                    parent,
                    name,
                ),
            )
