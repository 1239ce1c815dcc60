"""JobManager: one per open library. Queue with priorities and a concurrency limit, persisted in ``jobs``.

Every status change is written to the library database before the matching event leaves, so a reader
of the table and a listener on the bus agree. When a library opens, jobs that were queued or running
when their process died are picked up again: resumable ones continue from their last checkpoint,
others are marked failed with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select, update

from spacedrive.domain import events as ev
from spacedrive.domain.jobs import JobInfo, JobStatus, Progress
from spacedrive.errors import JobNotFound, JobStateError, SpacedriveError
from spacedrive.infrastructure.db.database import Database
from spacedrive.infrastructure.db.models import JobRow
from spacedrive.infrastructure.events import EventBus
from spacedrive.infrastructure.jobs.base import Job, JobCancelledError, job_class
from spacedrive.infrastructure.jobs.context import JobContext

log = logging.getLogger(__name__)

#: Checkpoints closer together than this are coalesced (the newest state wins at the next one).
CHECKPOINT_INTERVAL = 0.2


@dataclass(eq=False)
class _Handle:
    manager: JobManager
    id: UUID
    job: Job
    status: JobStatus
    priority: int
    created_at: int
    progress: Progress = field(default_factory=Progress)
    error: str = ""
    started_at: int | None = None
    finished_at: int | None = None
    resumed_count: int = 0
    task: asyncio.Task[None] | None = None
    cancel_requested: bool = False
    shutdown_requested: bool = False
    resume_event: asyncio.Event = field(default_factory=asyncio.Event)
    done_event: asyncio.Event = field(default_factory=asyncio.Event)
    last_checkpoint: float = 0.0

    def __post_init__(self) -> None:
        self.resume_event.set()

    def info(self, library_id: UUID) -> JobInfo:
        return JobInfo(
            id=self.id,
            library_id=library_id,
            name=self.job.NAME,
            status=self.status,
            progress=self.progress,
            priority=self.priority,
            error=self.error,
            created_at=self.created_at,
            started_at=self.started_at,
            finished_at=self.finished_at,
            resumed_count=self.resumed_count,
            title=self.job.describe(),
        )


class JobManager:
    """Runs a library's jobs. ``services`` is handed to every job's context (library, bus, ...)."""

    def __init__(
        self,
        library_id: UUID,
        db: Database,
        bus: EventBus,
        services: dict[str, Any] | None = None,
        concurrency: int = 2,
        run_jobs: bool = True,
    ) -> None:
        self.library_id = library_id
        self._db = db
        self._bus = bus
        self._services = services or {}
        self._concurrency = concurrency
        self._handles: dict[UUID, _Handle] = {}
        self._closing = False
        #: False in short-lived CLI processes: jobs are queued and kept, and run where Spacedrive runs.
        self.run_jobs = run_jobs

    # ---- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load unfinished jobs from the table and resume those that can be resumed."""
        async with self._db.read() as session:
            rows = (
                await session.scalars(
                    select(JobRow).where(
                        JobRow.status.in_([JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED])
                    )
                )
            ).all()
        for row in rows:
            await self._restore(row)
        self._schedule()

    async def _restore(self, row: JobRow) -> None:
        was = JobStatus(row.status)
        try:
            cls = job_class(row.name)
            if was is JobStatus.RUNNING and not cls.RESUMABLE:
                raise SpacedriveError("interrupted when its process stopped (this job cannot resume)")
            if row.state is None:
                raise SpacedriveError("no saved state to resume from")
            job = cls.deserialize(row.state)
        except Exception as e:  # unknown type, bad state: record why, keep the row
            await self._write(row.id, status=JobStatus.FAILED, error=str(e), finished_at=_now())
            return
        handle = _Handle(
            manager=self,
            id=UUID(row.id),
            job=job,
            status=JobStatus.PAUSED if was is JobStatus.PAUSED else JobStatus.QUEUED,
            priority=row.priority,
            created_at=row.created_at,
            progress=Progress.from_dict(json.loads(row.progress) if row.progress else None),
            started_at=row.started_at,
            resumed_count=row.resumed_count + (1 if was is JobStatus.RUNNING else 0),
        )
        if handle.status is JobStatus.PAUSED:
            handle.resume_event.clear()
        self._handles[handle.id] = handle
        await self._write(row.id, status=handle.status, resumed_count=handle.resumed_count)
        log.info("job %s (%s) restored as %s", row.id, row.name, handle.status)

    async def shutdown(self) -> None:
        """Stop running jobs; resumable ones stay queued in the table and continue on the next open."""
        self._closing = True
        running = [h for h in self._handles.values() if h.task is not None and not h.task.done()]
        for handle in running:
            handle.shutdown_requested = True
            handle.resume_event.set()
            assert handle.task is not None
            handle.task.cancel()
        for handle in running:
            assert handle.task is not None
            with contextlib.suppress(asyncio.CancelledError):
                await handle.task

    # ---- commands --------------------------------------------------------------------------------------

    async def dispatch(self, job: Job, priority: int | None = None) -> UUID:
        """Queue a job; it starts as soon as a slot is free."""
        handle = _Handle(
            manager=self,
            id=uuid.uuid4(),
            job=job,
            status=JobStatus.QUEUED,
            priority=job.PRIORITY if priority is None else priority,
            created_at=_now(),
        )
        async with self._db.write() as session:
            session.add(
                JobRow(
                    id=str(handle.id),
                    name=job.NAME,
                    title=job.describe(),
                    status=handle.status.value,
                    priority=handle.priority,
                    state=job.serialize(),
                    progress=json.dumps(handle.progress.to_dict()),
                    created_at=handle.created_at,
                )
            )
        self._handles[handle.id] = handle
        self._bus.emit(ev.JobQueued(library_id=self.library_id, id=handle.id, name=job.NAME))
        self._schedule()
        return handle.id

    async def pause(self, job_id: UUID) -> JobInfo:
        handle = self._live(job_id)
        if handle.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            raise JobStateError(f"job {job_id} is {handle.status}, it cannot be paused")
        handle.resume_event.clear()
        await self._set_status(handle, JobStatus.PAUSED, ev.JobPaused)
        return handle.info(self.library_id)

    async def resume(self, job_id: UUID) -> JobInfo:
        handle = self._live(job_id)
        if handle.status is not JobStatus.PAUSED:
            raise JobStateError(f"job {job_id} is {handle.status}, not paused")
        running = handle.task is not None and not handle.task.done()
        await self._set_status(handle, JobStatus.RUNNING if running else JobStatus.QUEUED, ev.JobResumed)
        handle.resume_event.set()
        self._schedule()
        return handle.info(self.library_id)

    async def cancel(self, job_id: UUID) -> JobInfo:
        handle = self._live(job_id)
        handle.cancel_requested = True
        handle.resume_event.set()
        if handle.task is not None and not handle.task.done():
            handle.task.cancel()
            # A task cancelled before it ever ran ends without finishing the job: that is done below.
            with contextlib.suppress(asyncio.CancelledError):
                await handle.task
        if not handle.status.is_finished:
            await self._finish(handle, JobStatus.CANCELLED)
        return handle.info(self.library_id)

    async def wait(self, job_id: UUID) -> JobInfo:
        """Wait until the job finishes (completed, failed or cancelled)."""
        handle = self._handles.get(job_id)
        if handle is not None:
            await handle.done_event.wait()
        return await self.info(job_id)

    # ---- queries ---------------------------------------------------------------------------------------

    async def info(self, job_id: UUID) -> JobInfo:
        handle = self._handles.get(job_id)
        if handle is not None:
            return handle.info(self.library_id)
        async with self._db.read() as session:
            row = await session.get(JobRow, str(job_id))
        if row is None:
            raise JobNotFound(f"no job {job_id} in this library")
        return self._row_info(row)

    async def list(self, status: JobStatus | None = None, limit: int = 200) -> list[JobInfo]:
        """Live jobs first, then the most recent finished ones from the table."""
        live = [h.info(self.library_id) for h in self._handles.values()]
        async with self._db.read() as session:
            query = select(JobRow).where(JobRow.id.not_in([str(i.id) for i in live]))
            rows = (await session.scalars(query.order_by(JobRow.created_at.desc()).limit(limit))).all()
        jobs = sorted(live, key=lambda j: j.created_at, reverse=True) + [self._row_info(r) for r in rows]
        if status is not None:
            jobs = [j for j in jobs if j.status is status]
        return jobs[:limit]

    async def job_state(self, job_id: UUID) -> Job | None:
        """The job object (its dataclass state) of a live job, or as last checkpointed."""
        handle = self._handles.get(job_id)
        if handle is not None:
            return handle.job
        async with self._db.read() as session:
            row = await session.get(JobRow, str(job_id))
        if row is None or row.state is None:
            return None
        try:
            return job_class(row.name).deserialize(row.state)
        except Exception:
            return None

    def start_running(self) -> None:
        """Run queued jobs from now on (a CLI command that waits for its job)."""
        self.run_jobs = True
        self._schedule()

    def active_count(self) -> int:
        return sum(1 for h in self._handles.values() if h.status is JobStatus.RUNNING)

    # ---- internals -------------------------------------------------------------------------------------

    def _live(self, job_id: UUID) -> _Handle:
        handle = self._handles.get(job_id)
        if handle is None:
            raise JobNotFound(f"no unfinished job {job_id} in this library")
        return handle

    def _row_info(self, row: JobRow) -> JobInfo:
        return JobInfo(
            id=UUID(row.id),
            library_id=self.library_id,
            name=row.name,
            status=JobStatus(row.status),
            progress=Progress.from_dict(json.loads(row.progress) if row.progress else None),
            priority=row.priority,
            error=row.error or "",
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            resumed_count=row.resumed_count,
            title=row.title or row.name,
        )

    def _schedule(self) -> None:
        if self._closing or not self.run_jobs:
            return
        running = sum(1 for h in self._handles.values() if h.task is not None and not h.task.done())
        waiting = sorted(
            (h for h in self._handles.values() if h.status is JobStatus.QUEUED and h.task is None),
            key=lambda h: (-h.priority, h.created_at),
        )
        for handle in waiting[: max(0, self._concurrency - running)]:
            handle.task = asyncio.create_task(self._run(handle), name=f"job-{handle.job.NAME}-{handle.id}")

    async def _run(self, handle: _Handle) -> None:
        handle.started_at = handle.started_at or _now()
        await self._write(str(handle.id), status=JobStatus.RUNNING, started_at=handle.started_at)
        handle.status = JobStatus.RUNNING
        self._bus.emit(ev.JobStarted(library_id=self.library_id, id=handle.id, name=handle.job.NAME))
        ctx = JobContext(handle, {**self._services, "bus": self._bus, "jobs": self})
        try:
            await handle.job.run(ctx)
        except (JobCancelledError, asyncio.CancelledError):
            if handle.shutdown_requested and not handle.cancel_requested:
                await self._interrupted(handle)
            else:
                await self._finish(handle, JobStatus.CANCELLED)
            return
        except SpacedriveError as e:  # a failure the job explains itself: no traceback
            log.info("job %s (%s) failed: %s", handle.id, handle.job.NAME, e.message)
            await self._finish(handle, JobStatus.FAILED, error=e.message)
            return
        except Exception as e:
            log.exception("job %s (%s) failed", handle.id, handle.job.NAME)
            await self._finish(handle, JobStatus.FAILED, error=str(e) or type(e).__name__)
            return
        await self._finish(handle, JobStatus.COMPLETED)

    async def _interrupted(self, handle: _Handle) -> None:
        """The library is closing: keep a resumable job queued for the next open."""
        if handle.job.RESUMABLE:
            status = JobStatus.PAUSED if handle.status is JobStatus.PAUSED else JobStatus.QUEUED
            await self._write(str(handle.id), status=status, progress=json.dumps(handle.progress.to_dict()))
        else:
            await self._write(
                str(handle.id),
                status=JobStatus.FAILED,
                error="interrupted: the library was closed",
                finished_at=_now(),
            )
        handle.done_event.set()

    async def _finish(self, handle: _Handle, status: JobStatus, error: str = "") -> None:
        finished_at = _now()
        values: dict[str, Any] = {
            "status": status,
            "error": error or None,
            "finished_at": finished_at,
            "progress": json.dumps(handle.progress.to_dict()),
        }
        if status is JobStatus.COMPLETED:
            values["state"] = handle.job.serialize()
        await self._write(str(handle.id), **values)
        # Only once it is on disk: a caller that sees the job ended may stop this process at once (a CLI
        # command), and an end still being written would then be lost (the job left "running" or "queued").
        handle.status, handle.error, handle.finished_at = status, error, finished_at
        self._handles.pop(handle.id, None)
        name = handle.job.NAME
        if status is JobStatus.COMPLETED:
            self._bus.emit(ev.JobCompleted(library_id=self.library_id, id=handle.id, name=name))
        elif status is JobStatus.CANCELLED:
            self._bus.emit(ev.JobCancelled(library_id=self.library_id, id=handle.id, name=name))
        else:
            self._bus.emit(ev.JobFailed(library_id=self.library_id, id=handle.id, name=name, error=error))
        handle.done_event.set()
        self._schedule()

    async def _set_status(self, handle: _Handle, status: JobStatus, event: Callable[..., ev.Event]) -> None:
        handle.status = status
        await self._write(str(handle.id), status=status)
        self._bus.emit(event(library_id=self.library_id, id=handle.id, name=handle.job.NAME))

    async def _persist_checkpoint(self, handle: _Handle, state: bytes | None, force: bool = False) -> None:
        now = time.monotonic()
        if state is not None and not force and now - handle.last_checkpoint < CHECKPOINT_INTERVAL:
            return
        handle.last_checkpoint = now
        values: dict[str, Any] = {
            "progress": json.dumps(handle.progress.to_dict()),
            "checkpointed_at": _now(),
        }
        if state is not None:
            values["state"] = state
        await self._write(str(handle.id), **values)

    def _emit_progress(self, handle: _Handle) -> None:
        self._bus.emit(
            ev.JobProgress(
                library_id=self.library_id, id=handle.id, name=handle.job.NAME, progress=handle.progress
            )
        )

    async def _write(self, job_id: str, **values: Any) -> None:
        values = {k: (v.value if isinstance(v, JobStatus) else v) for k, v in values.items()}
        async with self._db.write() as session:
            await session.execute(update(JobRow).where(JobRow.id == job_id).values(**values))


def _now() -> int:
    return int(time.time())
