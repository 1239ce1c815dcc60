"""Content identification of a location's files: cas_ids, kinds, and content identities (dedupe)."""

from __future__ import annotations

import os
import time
import uuid
from types import TracebackType
from typing import Any, cast

from spacedrive.infrastructure.db.database import Database
from spacedrive.infrastructure.fs.content_id import ContentHasher
from spacedrive.infrastructure.fs.paths import join_name
from spacedrive.operations.indexing.store import _raw

BATCH = 2000

#: (entry id, relative_path, name, extension, size)
Pending = tuple[int, bytes, bytes, bytes, int]


async def pending_count(db: Database, location_id: int) -> int:
    async with db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            "SELECT count(*) FROM entries"
            " WHERE location_id = ? AND kind = 0 AND size > 0 AND content_id IS NULL",
            (location_id,),
        )
        return int(result.scalar_one())


class ContentIdentifier:
    """Hashes a location's files that have no content id yet, batch by batch, on all cores."""

    def __init__(self, db: Database, location_id: int, root: bytes) -> None:
        self._db = db
        self._location_id = location_id
        self._root = root
        self._hasher = ContentHasher()
        self._kind_ids: dict[str, int] = {}
        self._mime_ids: dict[str, int] = {}

    async def __aenter__(self) -> ContentIdentifier:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._hasher.close()

    async def next_batch(self, after_id: int) -> list[Pending]:
        async with self._db.read() as session:
            conn = await session.connection()
            result = await conn.exec_driver_sql(
                "SELECT id, relative_path, name, extension, size FROM entries WHERE location_id = ? "
                "AND id > ? AND kind = 0 AND size > 0 AND content_id IS NULL ORDER BY id LIMIT ?",
                (self._location_id, after_id, BATCH),
            )
            return [cast(Pending, tuple(r)) for r in result.all()]

    def _path(self, relative_path: bytes, name: bytes, extension: bytes) -> bytes:
        parent = os.path.join(self._root, relative_path) if relative_path else self._root
        return os.path.join(parent, join_name(name, extension))

    async def identify(self, batch: list[Pending]) -> int:
        """Hash the batch and link entries to content identities; returns the bytes covered."""
        paths = [self._path(rp, name, ext) for _, rp, name, ext, _ in batch]
        results = await self._hasher.identify_files(paths, [size for *_rest, size in batch])
        now = int(time.time())
        links: list[tuple[str, int]] = []
        identities: dict[str, tuple[Any, str | None, int]] = {}
        covered = 0
        for (entry_id, *_rest, size), (cas_id, kind, mime, _error) in zip(batch, results, strict=True):
            if cas_id is None:
                continue  # vanished, unreadable or changed mid-hash: the watcher or next rescan catches up
            identities.setdefault(cas_id, (kind, mime, size))
            links.append((cas_id, entry_id))
            covered += size
        if not links:
            return covered
        async with self._db.write() as session:
            d = await _raw(await session.connection())
            rows = []
            for cas_id, (kind, mime, size) in identities.items():
                rows.append(
                    (
                        uuid.uuid4().bytes,
                        cas_id,
                        await self._kind_id(d, kind),
                        await self._mime_id(d, mime),
                        size,
                        now,
                    )
                )
            await d.executemany(
                "INSERT OR IGNORE INTO content_identities (uuid, cas_id, kind_id, mime_type_id, size, "
                "entry_count, first_seen_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                rows,
            )
            await d.executemany(
                "UPDATE entries SET content_id = (SELECT id FROM content_identities WHERE cas_id = ?)"
                " WHERE id = ?",
                links,
            )
        return covered

    async def _kind_id(self, d: Any, kind: str | None) -> int | None:
        return await self._lookup(d, "content_kinds", "name", kind, self._kind_ids)

    async def _mime_id(self, d: Any, mime: str | None) -> int | None:
        return await self._lookup(d, "mime_types", "mime", mime, self._mime_ids)

    @staticmethod
    async def _lookup(
        d: Any, table: str, column: str, value: str | None, cache: dict[str, int]
    ) -> int | None:
        if value is None:
            return None
        if value not in cache:
            await d.execute(f"INSERT OR IGNORE INTO {table} ({column}) VALUES (?)", (value,))
            cur = await d.execute(f"SELECT id FROM {table} WHERE {column} = ?", (value,))
            cache[value] = (await cur.fetchone())[0]
        return cache[value]


async def drop_orphan_identities(db: Database) -> None:
    """Refresh entry counts; identities no entry points to any more are removed."""
    async with db.write() as session:
        d = await _raw(await session.connection())
        await d.execute(
            "UPDATE content_identities SET entry_count = "
            "(SELECT count(*) FROM entries WHERE entries.content_id = content_identities.id)"
        )
        await d.execute("DELETE FROM content_identities WHERE entry_count = 0")
