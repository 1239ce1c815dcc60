"""Content ids of the files the library follows: carried over from a copy's source, linked from the
copy's own ``cas_id``, or sampled now; identities grouped and counted as the indexer does."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from spacedrive.operations.entry_paths import Place, below_clause, key_clause, subtree_clause
from spacedrive.operations.indexing import content
from spacedrive.operations.indexing.store import _raw

if TYPE_CHECKING:
    from spacedrive.operations.libraries import Library


async def carry_content(d: Any, source: Place, target: Place, token: int) -> None:
    """Copied files take the content id of the entry they were copied from, when that entry still
    describes the same bytes (same size; the copy kept the modification time)."""
    assert source.location is not None and target.location is not None
    same_file = (
        "s.kind = 0 AND s.content_id IS NOT NULL AND s.size = entries.size "
        "AND abs(s.modified_at - entries.modified_at) < 1000"  # µs: a copy may set times as floats
    )
    key_names = " OR ".join("(s.name = ? AND s.extension = ?)" for _ in source.names())
    key_args = tuple(part for pair in source.names() for part in pair)
    where, args = key_clause(target)
    await d.execute(
        f"""UPDATE entries SET content_id = (SELECT s.content_id FROM entries s WHERE s.location_id = ?
            AND s.relative_path = ? AND ({key_names}) AND {same_file})
        WHERE {where} AND kind = 0 AND content_id IS NULL AND indexed_at = ?""",
        (source.location.id, source.key_folder, *key_args, *args, token),
    )
    below, below_args = below_clause(target)
    await d.execute(
        f"""UPDATE entries SET content_id = (SELECT s.content_id FROM entries s WHERE s.location_id = ?
            AND s.relative_path = CAST(? || substr(entries.relative_path, ?) AS BLOB)
            AND s.name = entries.name AND s.extension = entries.extension AND {same_file})
        WHERE {below} AND kind = 0 AND content_id IS NULL AND indexed_at = ?""",
        (source.location.id, source.child_folder, len(target.child_folder) + 1, *below_args, token),
    )


async def link_cas_id(d: Any, target: Place, cas_id: str, sniffed: tuple[str, str | None], size: int) -> None:
    """The copy computed the file's cas_id: link it, adding its content identity if the library lacks it."""
    kind, mime = sniffed
    kind_id = await _lookup(d, "content_kinds", "name", kind)
    mime_id = await _lookup(d, "mime_types", "mime", mime) if mime else None
    await d.execute(
        "INSERT OR IGNORE INTO content_identities (uuid, cas_id, kind_id, mime_type_id, size, entry_count, "
        "first_seen_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
        (uuid.uuid4().bytes, cas_id, kind_id, mime_id, size, int(time.time())),
    )
    where, args = key_clause(target)
    await d.execute(
        "UPDATE entries SET content_id = (SELECT id FROM content_identities WHERE cas_id = ?) "
        f"WHERE {where} AND kind = 0 AND content_id IS NULL",
        (cas_id, *args),
    )


async def _lookup(d: Any, table: str, column: str, value: str) -> int:
    await d.execute(f"INSERT OR IGNORE INTO {table} ({column}) VALUES (?)", (value,))
    cur = await d.execute(f"SELECT id FROM {table} WHERE {column} = ?", (value,))
    return int((await cur.fetchone())[0])


async def release(d: Any, identities: set[int], metadata: set[int]) -> None:
    """Recount these content identities (dropping unused ones); drop user metadata no entry has."""
    for i in range(0, len(identities), 500):
        chunk = sorted(identities)[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        await d.execute(
            "UPDATE content_identities SET entry_count = (SELECT count(*) FROM entries "
            f"WHERE entries.content_id = content_identities.id) WHERE id IN ({marks})",
            chunk,
        )
        await d.execute(f"DELETE FROM content_identities WHERE id IN ({marks}) AND entry_count = 0", chunk)
    for i in range(0, len(metadata), 500):
        chunk = sorted(metadata)[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        await d.execute(
            f"DELETE FROM user_metadata WHERE id IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM entries WHERE entries.metadata_id = user_metadata.id)",
            chunk,
        )


async def identify(library: Library, target: Place) -> int:
    """Sampled content ids for the files at ``target`` that have none (new to the library)."""
    assert target.location is not None
    where, args = subtree_clause(target)
    async with library.db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            "SELECT id, relative_path, name, extension, size FROM entries "
            f"WHERE {where} AND kind = 0 AND size > 0 AND content_id IS NULL ORDER BY id",
            args,
        )
        pending: list[Any] = [tuple(r) for r in result.all()]
    if not pending:
        return 0
    async with content.ContentIdentifier(library.db, target.location.id, target.root) as identifier:
        for i in range(0, len(pending), content.BATCH):
            await identifier.identify(pending[i : i + content.BATCH])
    async with library.db.write() as session:
        d = await _raw(await session.connection())
        await release(d, await _identities(d, target), set())
    return len(pending)


async def _identities(d: Any, place: Place) -> set[int]:
    where, args = subtree_clause(place)
    cur = await d.execute(
        f"SELECT DISTINCT content_id FROM entries WHERE {where} AND content_id IS NOT NULL", args
    )
    return {int(r[0]) for r in await cur.fetchall()}
