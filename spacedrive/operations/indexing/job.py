"""IndexerJob: discovery and processing, aggregation, content identification (spec: indexing.md).

Phases, each resumable:

1. **discovery + processing**: the walker process streams rows; a first scan inserts them straight
   away, a rescan stages them and applies a set-based diff (see ``store``). Interrupted here, the job
   walks again on resume; the diff makes the second pass converge to the same result.
2. **aggregation**: folder sizes and counts come from the walk itself; this phase writes the
   location's totals and scan state.
3. **content** (``content`` and ``deep`` modes): files without a content id are hashed (sampled
   BLAKE3, DESIGN.md section 5) on all cores in batches, grouped into content identities with their
   kind (extension plus magic bytes). The checkpoint is the last entry id done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacedrive.domain import events as ev
from spacedrive.domain.location import IndexMode
from spacedrive.infrastructure.jobs import Job, JobCancelledError, JobContext
from spacedrive.operations.indexing import content, store
from spacedrive.operations.indexing.rules import IndexerRules
from spacedrive.operations.indexing.stream import Piece, Written, stream_walk
from spacedrive.operations.indexing.walker import WalkStats
from spacedrive.operations.media.job import queue_thumbnails

log = logging.getLogger(__name__)


@dataclass
class IndexerJob(Job):
    NAME = "indexer"
    PRIORITY = 5

    location_id: int
    path: bytes
    location_name: str = ""
    mode: str = IndexMode.SHALLOW.value
    force: bool = False
    phase: str = "discovery"
    content_after_id: int = 0
    stats: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"Indexing {self.location_name or os.fsdecode(self.path)}"

    async def run(self, ctx: JobContext) -> None:
        import spacedrive.operations.locations as locations

        try:
            await self._run_phases(ctx)
        except BaseException as e:
            # A scan that failed or was cancelled must not look like one still running.
            failed = isinstance(e, Exception) and not isinstance(e, JobCancelledError)
            with contextlib.suppress(Exception):
                await locations.end_scan(
                    ctx.library, self.location_id, str(e) or type(e).__name__ if failed else None
                )
            raise

    async def _run_phases(self, ctx: JobContext) -> None:
        library = ctx.library
        if self.phase == "discovery":
            await self._discover(ctx, library)
            self.phase = "aggregation"
            await ctx.checkpoint()
        if self.phase == "aggregation":
            await self._aggregate(ctx, library)
            self.phase = "content" if self.mode != IndexMode.SHALLOW.value else "done"
            await ctx.checkpoint()
        if self.phase == "content":
            await self._content(ctx, library)
            self.phase = "done"
            await ctx.checkpoint()
            await queue_thumbnails(ctx, self.location_id, self.path, self.mode, self.location_name)

    async def _discover(self, ctx: JobContext, library: Any) -> None:
        import spacedrive.operations.locations as locations

        await locations.set_scan_state(library, self.location_id, "scanning")
        rules = IndexerRules.from_dict(await locations.get_rules(library, self.location_id))
        now = time.time_ns()
        first_scan = await store.count_entries(library.db, self.location_id) == 0
        table = store.new_staging_table()
        await store.reset_staging(library.db, table)
        seen = 0
        bytes_seen = 0
        inserted = 0
        walk_stats = WalkStats()
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        # The walkers write their rows into scratch databases on their own cores, a piece at a time;
        # this process copies each finished piece in C while they walk on: into entries on a first
        # scan, into the staging table on a rescan.
        scratch_dir = library.path / "scan" / str(ctx.job_id)  # its own: scans may run side by side
        await loop.run_in_executor(None, _clear_scratch, scratch_dir)
        try:
            async with contextlib.aclosing(
                stream_walk(self.path, rules, scratch_dir=str(scratch_dir))
            ) as items:
                async for item in items:
                    if isinstance(item, WalkStats):
                        walk_stats = item
                        continue
                    await ctx.check_interrupt()
                    if isinstance(item, Piece):
                        if first_scan:
                            inserted += await store.insert_piece(library.db, self.location_id, now, item.path)
                        else:
                            await store.load_scratch(library.db, table, [item.path])
                        await loop.run_in_executor(None, os.remove, item.path)
                        continue
                    if isinstance(item, Written):
                        seen += item.count
                        bytes_seen += item.bytes
                    else:  # rows handed over directly (a walk that kept no scratch database)
                        await store.stage_rows(library.db, table, item)
                        seen += len(item)
                        bytes_seen += sum(r[4] for r in item)
                    ctx.progress(
                        seen, 0, phase="discovery", message=f"{seen:,} entries", bytes_completed=bytes_seen
                    )
            walked = time.perf_counter() - started
            ctx.progress(seen, seen, phase="processing", message="writing the index")
            if first_scan:
                inserted += await store.finish_first_scan(library.db, self.location_id, now, table)
                result = store.ApplyResult(inserted=inserted)
            else:
                result = await store.apply_staging(library.db, self.location_id, now, table, force=self.force)
                if result.updated or result.deleted:
                    await content.drop_orphan_identities(library.db)  # shallow mode has no content phase
        except BaseException as e:
            with contextlib.suppress(Exception):  # the staged rows would otherwise stay until close
                await store.drop_staging(library.db, table)
            if first_scan and (isinstance(e, Exception) or ctx.cancel_requested):
                # Cancelled or failed: the location is left as before its first scan. (Stopped with the
                # process or the library, the job resumes later and its rescan keeps what was copied.)
                with contextlib.suppress(Exception):
                    await store.discard_first_scan(library.db, self.location_id, now)
            raise
        finally:
            await loop.run_in_executor(None, shutil.rmtree, scratch_dir, True)
        self.stats = {
            "walk_seconds": round(walked, 3),
            "write_seconds": round(time.perf_counter() - started - walked, 3),
            "entries": seen,
            "files": walk_stats.files,
            "dirs": walk_stats.dirs,
            "bytes": walk_stats.bytes,
            "skipped": walk_stats.skipped,
            "warnings": walk_stats.warnings[:100],
            "warning_count": len(walk_stats.warnings),
            "inserted": result.inserted,
            "updated": result.updated,
            "moved": result.moved,
            "deleted": result.deleted,
        }
        for warning in walk_stats.warnings[:20]:
            log.warning("%s", warning)
        if result.inserted or result.updated or result.moved or result.deleted:
            ctx.services["bus"].emit(
                ev.EntriesChanged(
                    library_id=library.id,
                    location_id=self.location_id,
                    relative_path="",
                    created=result.inserted,
                    modified=result.updated,
                    deleted=result.deleted,
                    moved=result.moved,
                )
            )

    async def _aggregate(self, ctx: JobContext, library: Any) -> None:
        import spacedrive.operations.locations as locations

        ctx.progress(0, 1, phase="aggregation")
        if "files" in self.stats:  # the walk counted them (reading 1M entries back takes ~0.35 s)
            files, size = int(self.stats["files"]), int(self.stats["bytes"])
        else:
            files, size = await store.location_totals(library.db, self.location_id)
        warnings = int(self.stats.get("warning_count", 0))
        error = f"{warnings} folder(s) could not be read" if warnings else None
        await locations.finish_scan(library, self.location_id, files, size, error)
        ctx.progress(1, 1, phase="aggregation")

    async def _content(self, ctx: JobContext, library: Any) -> None:
        total = await content.pending_count(library.db, self.location_id)
        done = 0
        bytes_done = 0
        async with content.ContentIdentifier(library.db, self.location_id, self.path) as identifier:
            while True:
                await ctx.check_interrupt()
                batch = await identifier.next_batch(self.content_after_id)
                if not batch:
                    break
                bytes_done += await identifier.identify(batch)
                done += len(batch)
                self.content_after_id = batch[-1][0]
                ctx.progress(
                    done,
                    max(total, done),
                    phase="content",
                    message="content identification",
                    bytes_completed=bytes_done,
                )
                await ctx.checkpoint()
        await content.drop_orphan_identities(library.db)


def _clear_scratch(folder: Path) -> None:
    """Empty a scan's scratch folder (what an interrupted run of the same job left, too)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
