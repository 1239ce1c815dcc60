"""ActionManager: every file operation goes validate -> preview -> commit, with an audit log row.

One per core (``core.files``). Jobs run in the current library's job manager; with no library open
they run in a job manager of their own on ``file-operations.db`` in the data dir, so a copy between
two ephemeral folders is resumable and pausable all the same. Each action writes an ``audit_log`` row
(action name, targets, status, error) which is finished when its job ends. The manager also keeps the
session's undo stack and routes answers to the conflict questions jobs ask.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import update

from spacedrive.domain import events as ev
from spacedrive.domain.events import ConflictAsked
from spacedrive.domain.jobs import JobInfo
from spacedrive.errors import JobNotFound, NoCurrentLibrary, NotEnoughSpace, SpacedriveError
from spacedrive.infrastructure.db.database import Database
from spacedrive.infrastructure.db.models import AuditLogRow
from spacedrive.infrastructure.events import Subscription
from spacedrive.infrastructure.fs.paths import exact
from spacedrive.infrastructure.jobs import Job, JobManager
from spacedrive.operations.files.conflicts import QUESTIONS, policies_for
from spacedrive.operations.files.file_actions import (
    CreateAction,
    DeleteAction,
    Done,
    FileAction,
    Preview,
    RenameAction,
    RestoreAction,
    TransferAction,
    transfer_pairs,
)
from spacedrive.operations.files.jobs import DeleteJob, TransferJob, notify
from spacedrive.operations.files.links import LinkAction
from spacedrive.operations.files.sdpath import PathLike, SdPath
from spacedrive.operations.files.undo import UndoStack

if TYPE_CHECKING:
    from spacedrive.core import Core
    from spacedrive.operations.libraries import Library

log = logging.getLogger(__name__)

#: The library id of file jobs run while no library is open.
NO_LIBRARY = UUID(int=0)
SCRATCH_DB = "file-operations.db"
STOP_TIMEOUT = 5.0
FILE_JOBS = (TransferJob.NAME, DeleteJob.NAME)

Paths = PathLike | SdPath


def raw(path: Paths) -> bytes:
    return path.path if isinstance(path, SdPath) else SdPath.local(path).path


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ``ActionManager.run`` did: the audit row, the job it queued or the paths it made."""

    action: str
    audit_id: UUID
    job_id: UUID | None = None
    paths: tuple[bytes, ...] = ()
    preview: Preview | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "audit_id": str(self.audit_id),
            "job_id": str(self.job_id) if self.job_id else None,
            "paths": [exact(p) for p in self.paths],
            "preview": self.preview.to_dict() if self.preview else None,
        }


class ActionManager:
    def __init__(self, core: Core) -> None:
        self._core = core
        self._scratch: JobManager | None = None
        self._scratch_db: Database | None = None
        self._watch: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None
        #: Jobs this session committed, done once their end is in the audit log and on the undo stack.
        self._mine: dict[UUID, asyncio.Future[None]] = {}
        self.undo = UndoStack(self.run)

    # ---- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Resume file jobs interrupted while no library was open; follow job ends for audit and undo."""
        subscription = self._core.bus.subscribe(
            maxsize=4096,
            event_filter=lambda e: (
                isinstance(e, ev.JobCompleted | ev.JobFailed | ev.JobCancelled) and e.name in FILE_JOBS
            ),
        )
        self._subscription = subscription
        self._watch = asyncio.create_task(self._follow_jobs(subscription), name="file-actions")
        if (self._core.data_dir / SCRATCH_DB).exists():
            await self._scratch_jobs()

    async def stop(self) -> None:
        if self._scratch is not None:
            await self._scratch.shutdown()
        if self._watch is not None:
            # Job ends already emitted are still recorded; then the watcher ends.
            if self._subscription is not None:
                self._subscription.close()
            try:
                await asyncio.wait_for(self._watch, STOP_TIMEOUT)
            except TimeoutError:
                log.warning("file job ends were still being recorded at shutdown")
        if self._scratch_db is not None:
            await self._scratch_db.close()
        self._scratch = self._scratch_db = None

    def library(self) -> Library | None:
        try:
            return self._core.libraries.current()
        except NoCurrentLibrary:
            return None

    def job_managers(self) -> list[JobManager]:
        """Where file jobs may be: the open libraries' managers and the one for no library."""
        managers = [lib.jobs for lib in self._core.libraries.open_libraries()]
        return managers + ([self._scratch] if self._scratch is not None else [])

    async def _scratch_jobs(self) -> JobManager:
        if self._scratch is None:
            self._scratch_db = await Database.open(self._core.data_dir / SCRATCH_DB)
            self._scratch = JobManager(
                NO_LIBRARY,
                self._scratch_db,
                self._core.bus,
                {"library": None},
                run_jobs=self._core.background,
            )
            await self._scratch.start()
        return self._scratch

    async def _jobs_and_db(self) -> tuple[JobManager, Database]:
        library = self.library()
        if library is not None:
            return library.jobs, library.db
        jobs = await self._scratch_jobs()
        assert self._scratch_db is not None
        return jobs, self._scratch_db

    # ---- the action protocol ---------------------------------------------------------------------------

    async def preview(self, action: FileAction) -> Preview:
        await action.validate()
        return await action.preview()

    async def run(self, action: FileAction) -> Outcome:
        """Validate, preview (refusing what does not fit), commit, and record it in the audit log."""
        jobs, db = await self._jobs_and_db()
        audit_id = uuid.uuid4()
        try:
            await action.validate()
            preview = await action.preview()
            if not preview.fits:
                raise NotEnoughSpace(
                    f"this needs {_size(preview.bytes_needed)} but only {_size(preview.free_bytes or 0)} "
                    "is free on the destination"
                )
            done = await asyncio.to_thread(action.commit)
        except SpacedriveError as e:
            await self._audit(db, audit_id, action, "failed", error=e.message, finished=True)
            raise
        if done.job is None:
            await self._audit(db, audit_id, action, "completed", finished=True, paths=done.paths)
            self.undo.record(action.origin, action=action, done=done)
            await self._follow_inline(action, done)
            return Outcome(action.action_name, audit_id, paths=done.paths, preview=preview)
        job_id = await jobs.dispatch(done.job)
        self._mine[job_id] = asyncio.get_running_loop().create_future()
        await self._audit(db, audit_id, action, "queued", job_id=job_id)
        return Outcome(action.action_name, audit_id, job_id=job_id, preview=preview)

    async def _follow_inline(self, action: FileAction, done: Done) -> None:
        library = self.library()
        if isinstance(action, RenameAction):
            await notify(library, "file_moved", action.path, done.paths[0])
        elif isinstance(action, CreateAction) and action.folder:
            await notify(library, "folder_created", done.paths[0])
        elif isinstance(action, CreateAction):
            await notify(library, "file_copied", done.paths[0], done.paths[0], None)
        elif isinstance(action, LinkAction):
            for link in done.paths:
                await notify(library, "file_copied", link, link, None)
        elif isinstance(action, RestoreAction):
            for trashed, path, _identity in done.steps:
                await notify(library, "file_moved", trashed, path)  # a trashed file's tags come back

    async def _audit(
        self,
        db: Database,
        audit_id: UUID,
        action: FileAction,
        status: str,
        error: str | None = None,
        job_id: UUID | None = None,
        finished: bool = False,
        paths: tuple[bytes, ...] = (),
    ) -> None:
        now = int(time.time())
        async with db.write() as session:
            session.add(
                AuditLogRow(
                    uuid=audit_id.bytes,
                    action=action.action_name,
                    device_id=self._core.device.id.bytes,
                    targets=json.dumps(action.targets()),
                    status=status,
                    error=error,
                    result=json.dumps({"paths": [exact(p) for p in paths]}) if paths else None,
                    job_id=str(job_id) if job_id else None,
                    created_at=now,
                    completed_at=now if finished else None,
                )
            )

    # ---- job ends --------------------------------------------------------------------------------------

    async def _follow_jobs(self, subscription: Any) -> None:
        async for event in subscription:
            try:
                await self._job_ended(event)
            except Exception:
                log.exception("could not record the end of file job %s", getattr(event, "id", "?"))
            finally:
                recorded = self._mine.pop(event.id, None)
                if recorded is not None and not recorded.done():
                    recorded.set_result(None)

    async def wait(self, job_id: UUID) -> JobInfo:
        """Wait until a file job ends and its end is recorded (audit log, undo stack)."""
        for jobs in self.job_managers():
            with contextlib.suppress(JobNotFound):
                await jobs.info(job_id)
                info = await jobs.wait(job_id)
                recorded = self._mine.get(job_id)
                if recorded is not None:
                    await asyncio.shield(recorded)
                return info
        raise JobNotFound(f"no file job {job_id}")

    async def _job_ended(self, event: ev.JobCompleted | ev.JobFailed | ev.JobCancelled) -> None:
        found = self._manager_of(event.library_id)
        if found is None:
            return
        jobs, db = found
        job = await jobs.job_state(event.id)
        status = {ev.JobCompleted: "completed", ev.JobFailed: "failed"}.get(type(event), "cancelled")
        result = job_report(job) if job is not None else None
        async with db.write() as session:
            await session.execute(
                update(AuditLogRow)
                .where(AuditLogRow.job_id == str(event.id), AuditLogRow.completed_at.is_(None))
                .values(
                    status=status,
                    error=getattr(event, "error", None) or None,
                    result=json.dumps(result) if result else None,
                    completed_at=int(time.time()),
                )
            )
        if event.id in self._mine and isinstance(job, TransferJob | DeleteJob):
            self.undo.record(job.origin, job=job)

    def _manager_of(self, library_id: UUID) -> tuple[JobManager, Database] | None:
        if library_id == NO_LIBRARY:
            if self._scratch is None or self._scratch_db is None:
                return None
            return self._scratch, self._scratch_db
        for library in self._core.libraries.open_libraries():
            if library.id == library_id:
                return library.jobs, library.db
        return None

    async def _find(self, job_id: UUID) -> tuple[JobManager, Job]:
        for jobs in self.job_managers():
            with contextlib.suppress(JobNotFound):
                await jobs.info(job_id)
                job = await jobs.job_state(job_id)
                if job is not None:
                    return jobs, job
        raise JobNotFound(f"no file job {job_id}")

    # ---- shortcuts for callers (GUI, API) --------------------------------------------------------------

    async def copy(
        self, sources: list[Paths], destination: Paths, conflict: str = "ask", verify: bool = False
    ) -> Outcome:
        """Copy ``sources`` into the folder ``destination``."""
        return await self.run(_transfer("copy", sources, destination, conflict, verify))

    async def move(
        self, sources: list[Paths], destination: Paths, conflict: str = "ask", verify: bool = False
    ) -> Outcome:
        return await self.run(_transfer("move", sources, destination, conflict, verify))

    async def preview_transfer(self, operation: str, sources: list[Paths], destination: Paths) -> Preview:
        """What copying or moving ``sources`` into ``destination`` would do (nothing is written)."""
        return await self.preview(_transfer(operation, sources, destination, "ask", False))

    async def duplicate(self, paths: list[Paths]) -> Outcome:
        """A copy of each next to it, named "name (2).ext"."""
        return await self.run(
            TransferAction("duplicate", [[raw(p), raw(p)] for p in paths], "keep-both", "keep-both")
        )

    async def rename(self, path: Paths, new_name: str | bytes) -> Outcome:
        return await self.run(RenameAction(raw(path), os.fsencode(new_name)))

    async def create_folder(self, parent: Paths, name: str | bytes) -> Outcome:
        return await self.run(CreateAction(raw(parent), os.fsencode(name), folder=True))

    async def create_file(self, parent: Paths, name: str | bytes) -> Outcome:
        return await self.run(CreateAction(raw(parent), os.fsencode(name), folder=False))

    async def create_link(self, targets: list[Paths], parent: Paths) -> Outcome:
        """A symbolic link in the folder ``parent`` to each of ``targets`` (Alt+drop in the GUI)."""
        return await self.run(LinkAction([raw(t) for t in targets], raw(parent)))

    async def trash(self, paths: list[Paths]) -> Outcome:
        return await self.run(DeleteAction([raw(p) for p in paths]))

    async def delete_permanently(self, paths: list[Paths]) -> Outcome:
        return await self.run(DeleteAction([raw(p) for p in paths], permanent=True))

    async def restore(self, refs: list[Paths | str]) -> Outcome:
        """Restore trashed items by their path in the trash, their trash name, or where they were."""
        return await self.run(RestoreAction([_ref(r) for r in refs]))

    def resolve_conflict(self, job_id: UUID, choice: str, apply_to_all: bool = False) -> ConflictAsked:
        """Answer the question job ``job_id`` is waiting on (see ``conflicts``)."""
        return QUESTIONS.answer(job_id, choice, apply_to_all)

    def pending_conflicts(self) -> list[ConflictAsked]:
        return QUESTIONS.pending()

    async def retry(self, job_id: UUID, conflict: str | None = None) -> Outcome:
        """Run the failed items of a finished file job again (with another conflict policy if given)."""
        _jobs, job = await self._find(job_id)
        if isinstance(job, TransferJob):
            file_policy, folder_policy = (
                policies_for(conflict) if conflict else (job.file_policy, job.folder_policy)
            )
            pairs = [[f["src"], f["dst"]] for f in job.failed]
            if job.aborted:
                pairs += [list(p) for p in job.pairs[job.cursor :]]
            action: FileAction = TransferAction(job.operation, pairs, file_policy, folder_policy, job.verify)
        elif isinstance(job, DeleteJob):
            action = DeleteAction([f["src"] for f in job.failed], job.permanent)
        else:
            raise JobNotFound(f"job {job_id} is not a file job")
        return await self.run(action)

    async def report(self, job_id: UUID) -> dict[str, Any]:
        """What a file job did so far: items done, skipped and failed with their errors."""
        _jobs, job = await self._find(job_id)
        return job_report(job)


def _transfer(
    operation: str, sources: list[Paths], destination: Paths, conflict: str, verify: bool
) -> TransferAction:
    file_policy, folder_policy = policies_for(conflict)
    pairs = transfer_pairs([raw(s) for s in sources], raw(destination))
    return TransferAction(operation, pairs, file_policy, folder_policy, verify)


def _ref(ref: Paths | str) -> bytes:
    if isinstance(ref, SdPath):
        return ref.path
    data = os.fsencode(ref)
    return raw(data) if data.startswith((b"/", b"~", b".")) else data


def job_report(job: Job) -> dict[str, Any]:
    if isinstance(job, TransferJob):
        return {
            "operation": job.operation,
            "done": [{"source": exact(d["src"]), "destination": exact(d["dst"])} for d in job.done],
            "skipped": [exact(s) for s in job.skipped],
            "failed": [_failure(f) for f in job.failed],
            "aborted": job.aborted,
        }
    if isinstance(job, DeleteJob):
        return {
            "operation": "delete" if job.permanent else "trash",
            "done": [
                {"path": exact(d["path"]), "trash_name": exact(d.get("trash_name", b""))} for d in job.done
            ],
            "failed": [_failure(f) for f in job.failed],
        }
    return {}


def _failure(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": exact(f["src"]),
        "destination": exact(f["dst"]),
        "code": f["code"],
        "message": f["message"],
    }


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"
