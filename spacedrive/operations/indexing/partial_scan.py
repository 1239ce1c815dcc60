"""A partial scan: stage what some folders of a location hold now, under the location's rules.

The watcher re-lists only the folders a burst of events touched. The walker applies the rules from
the folder it starts at downwards; what is decided above that folder (a junk, hidden or globbed
ancestor, the .gitignore files of the folders above) is applied here, so a partial scan indexes exactly
what a full scan of the location would.
"""

from __future__ import annotations

import os
from typing import Any, cast

from spacedrive.infrastructure.db.database import Database
from spacedrive.infrastructure.fs.paths import join_name
from spacedrive.operations.indexing import store
from spacedrive.operations.indexing.rules import IndexerRules, is_junk
from spacedrive.operations.indexing.stream import stream_walk
from spacedrive.operations.indexing.walker import (
    KIND_DIR,
    KIND_FILE,
    ROW_COLUMNS,
    Row,
    _load_gitignore,
    _skipped,
)

_PATH, _NAME, _EXT, _KIND, _SIZE = (
    ROW_COLUMNS.index(c) for c in ("relative_path", "name", "extension", "kind", "size")
)
_AGG, _CHILDREN, _FILES = (ROW_COLUMNS.index(c) for c in ("aggregate_size", "child_count", "file_count"))


async def stage_scope(
    db: Database, table: str, root: bytes, rules: IndexerRules, rel: bytes, recursive: bool
) -> None:
    """Stage the entries of the folder ``rel`` (everything below it when ``recursive``).

    Nothing is staged when the folder is gone or the rules skip it, so its entries go. One level deep,
    a sub-folder's totals are unknown and keep what the index has.
    """
    above = _gitignores_above(root, rules, rel)
    if rel and _skipped_by_rules(root, rules, rel, above):
        return
    path = os.path.join(root, rel) if rel else root
    taken_off: dict[bytes, list[int]] = {}
    try:
        async for item in stream_walk(path, rules, recursive=recursive, in_process=True, rel_prefix=rel):
            if not isinstance(item, list):  # the final WalkStats (no scratch databases here)
                continue
            if above:
                item = _drop_ignored(item, rel, above, taken_off)
            if recursive:
                await store.stage_rows(db, table, item)
                continue
            # A file's aggregate is its size, known like the rest of its row.
            await store.stage_rows(db, table, [r for r in item if r[_KIND] != KIND_DIR])
            await store.stage_rows(
                db, table, [r for r in item if r[_KIND] == KIND_DIR], aggregates_known=False
            )
    except OSError:
        pass  # the folder is gone


def _gitignores_above(root: bytes, rules: IndexerRules, rel: bytes) -> list[Any]:
    """The .gitignore specs of the folders above ``rel`` (the walk of ``rel`` reads its own)."""
    if not rules.respect_gitignore or not rel:
        return []
    parts = rel.split(b"/")
    specs: list[Any] = []
    for depth in range(len(parts)):
        folder_rel = b"/".join(parts[:depth])
        folder = os.path.join(root, folder_rel) if folder_rel else root
        if os.path.isfile(os.path.join(folder, b".gitignore")):
            specs += _load_gitignore(folder, folder_rel)
    return specs


def _skipped_by_rules(root: bytes, rules: IndexerRules, rel: bytes, above: list[Any]) -> bool:
    """The folder ``rel``, or one above it, is something the rules skip."""
    globs = rules.compiled_globs()
    system_root = rules.skip_system and root == b"/"
    parts = rel.split(b"/")
    for depth, name in enumerate(parts):
        inner = b"/".join(parts[: depth + 1])
        parent = b"/".join(parts[:depth])
        if (rules.skip_junk and is_junk(name)) or (rules.skip_hidden and name[:1] == b"."):
            return True
        if _skipped(name, inner, True, parent, system_root, globs, above):
            return True
    return False


def _parent(row: Row) -> bytes:
    return cast(bytes, row[_PATH])


def _full_path(row: Row) -> bytes:
    name = join_name(cast(bytes, row[_NAME]), cast(bytes, row[_EXT]))
    return _parent(row) + b"/" + name if _parent(row) else name


def _ignored_from_above(row: Row, scope: bytes, above: list[Any]) -> bool:
    """The row, or a folder between it and ``scope``, matches a .gitignore from above ``scope``."""
    full = _full_path(row)
    below = full[len(scope) + 1 :].split(b"/") if scope else full.split(b"/")
    base = scope
    for depth, part in enumerate(below):
        inner = base + b"/" + part if base else part
        is_dir = depth < len(below) - 1 or row[_KIND] == KIND_DIR
        if _skipped(part, inner, is_dir, base, False, None, above):
            return True
        base = inner
    return False


def _drop_ignored(
    rows: list[Row], scope: bytes, above: list[Any], taken_off: dict[bytes, list[int]]
) -> list[Row]:
    """Rows without the ignored ones; the folders that counted those in their totals count them out.

    A folder's row comes after everything inside it, so what was dropped below it is known by then.
    """
    kept: list[Row] = []
    for row in rows:
        if _ignored_from_above(row, scope, above):
            parent = _parent(row)
            if parent != scope:
                taken_off.setdefault(parent, [0, 0, 0])[2] += 1
            if row[_KIND] == KIND_FILE:
                folder = parent
                while folder != scope:
                    totals = taken_off.setdefault(folder, [0, 0, 0])
                    totals[0] += cast(int, row[_SIZE])
                    totals[1] += 1
                    folder = folder[: max(folder.rfind(b"/"), 0)]
            continue
        if row[_KIND] == KIND_DIR and (totals := taken_off.pop(_full_path(row), [])):
            fixed: list[Any] = list(row)
            fixed[_AGG] -= totals[0]
            fixed[_FILES] -= totals[1]
            fixed[_CHILDREN] -= totals[2]
            row = cast(Row, tuple(fixed))
        kept.append(row)
    return kept


async def moved_from(db: Database, table: str, location_id: int) -> set[bytes]:
    """Folders holding an entry whose file (same inode) was staged under a key the index lacks.

    Entries have no inode index (it would slow every bulk insert), so this is one pass over the
    location's entries, made only when something new was staged.
    """
    async with db.write() as session:  # the staging table lives on the write connection
        d = await store._raw(await session.connection())
        await d.execute("DROP TABLE IF EXISTS temp.scan_new_inodes")
        await d.execute(
            f"""CREATE TEMP TABLE scan_new_inodes AS SELECT DISTINCT s.inode AS inode FROM temp.{table} s
                WHERE NOT EXISTS (SELECT 1 FROM entries x WHERE x.location_id = ?
                  AND x.relative_path = s.relative_path AND x.name = s.name AND x.extension = s.extension)""",
            (location_id,),
        )
        cur = await d.execute("SELECT count(*) FROM temp.scan_new_inodes")
        found: set[bytes] = set()
        if (await cur.fetchone())[0]:
            cur = await d.execute(
                "SELECT DISTINCT relative_path FROM entries WHERE location_id = ? "
                "AND inode IN (SELECT inode FROM temp.scan_new_inodes)",
                (location_id,),
            )
            found = {bytes(r[0]) for r in await cur.fetchall()}
        await d.execute("DROP TABLE temp.scan_new_inodes")
        return found
