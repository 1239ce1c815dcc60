"""ThumbnailJob: library thumbnails for a location's pictures and videos, queued after a deep scan."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Any

from spacedrive.domain.location import IndexMode
from spacedrive.infrastructure.fs.paths import join_name
from spacedrive.infrastructure.jobs import Job, JobContext
from spacedrive.operations.media.pool import WorkerPool
from spacedrive.operations.media.thumbnails import DEFAULT_SIZE, Thumbnailer, library_target, media_kind

__all__ = ["ThumbnailJob", "queue_thumbnails"]

log = logging.getLogger(__name__)

#: Entries read from the database per query.
BATCH = 500

_CANDIDATES = """
    FROM entries e
    JOIN content_identities c ON c.id = e.content_id
    JOIN content_kinds k ON k.id = c.kind_id
    WHERE e.location_id = ? AND e.kind = 0 AND k.name IN ('image', 'video')"""


@dataclass
class ThumbnailJob(Job):
    """Makes the library thumbnail (``DEFAULT_SIZE``) of every picture and video in a location.

    Entries are visited in id order; the checkpoint is the last one done, and content that already
    has a thumbnail (another copy, an earlier run) or a failure record costs one file lookup.
    """

    NAME = "thumbnailer"
    PRIORITY = 1  # after indexing: a scan's results matter more than its pictures

    location_id: int
    path: bytes
    location_name: str = ""
    size: int = DEFAULT_SIZE
    after_id: int = 0
    done: int = 0
    made: int = 0

    def describe(self) -> str:
        return f"Thumbnails for {self.location_name or os.fsdecode(self.path)}"

    async def run(self, ctx: JobContext) -> None:
        library = ctx.library
        total = self.done + await _count(library, self.location_id, self.after_id)
        ctx.progress(self.done, total, phase="thumbnails", message="thumbnails")
        quality = int(library.config.get("settings", {}).get("thumbnail_quality", 85))
        thumbnailer = Thumbnailer(WorkerPool(), quality=quality)
        # A few files per worker in flight: workers never idle while the next file's cache is checked.
        step = thumbnailer.pool.size * 4
        try:
            while True:
                await ctx.check_interrupt()
                rows = await _candidates(library, self.location_id, self.after_id)
                if not rows:
                    break
                for start in range(0, len(rows), step):
                    await ctx.check_interrupt()
                    chunk = rows[start : start + step]
                    made = await asyncio.gather(*(self._one(thumbnailer, library, row) for row in chunk))
                    self.made += sum(made)
                    self.done += len(chunk)
                    self.after_id = chunk[-1][0]
                    ctx.progress(self.done, max(total, self.done), phase="thumbnails", message="thumbnails")
                    await ctx.checkpoint()
        finally:
            await thumbnailer.close()
        ctx.progress(self.done, self.done, phase="thumbnails", message=f"{self.made:,} thumbnails made")

    async def _one(self, thumbnailer: Thumbnailer, library: Any, row: tuple[Any, ...]) -> bool:
        """Make one entry's thumbnail unless its content has one; True when one was made."""
        _id, cas_id, content_kind, relative_path, name, extension = row
        kind = media_kind(content_kind, os.fsdecode(extension))
        if kind is None:
            return False  # a format without a decoder here (RAW, HEIC, SVG)
        parent = os.path.join(self.path, relative_path) if relative_path else self.path
        source = os.path.join(parent, join_name(name, extension))
        target = library_target(library.thumbnails_dir, source, cas_id, kind, self.size)
        found, failed = await thumbnailer.cached(target)
        if found is not None or failed:
            return False
        return await thumbnailer.ensure(target) is not None


async def _count(library: Any, location_id: int, after_id: int) -> int:
    async with library.db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            f"SELECT count(*) {_CANDIDATES} AND e.id > ?", (location_id, after_id)
        )
        return int(result.scalar_one())


async def _candidates(library: Any, location_id: int, after_id: int) -> list[tuple[Any, ...]]:
    """(entry id, cas_id, kind name, relative_path, name, extension) of the next entries to visit."""
    async with library.db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            "SELECT e.id, c.cas_id, k.name, e.relative_path, e.name, e.extension"
            f" {_CANDIDATES} AND e.id > ? ORDER BY e.id LIMIT ?",
            (location_id, after_id, BATCH),
        )
        return [tuple(r) for r in result.all()]


async def queue_thumbnails(ctx: JobContext, location_id: int, path: bytes, mode: str, name: str = "") -> None:
    """After a scan: queue a ``ThumbnailJob`` when the location is deep-indexed and the library wants them."""
    settings = ctx.library.config.get("settings", {})
    if mode != IndexMode.DEEP.value or not settings.get("generate_thumbnails", True):
        return
    await ctx.services["jobs"].dispatch(ThumbnailJob(location_id=location_id, path=path, location_name=name))
