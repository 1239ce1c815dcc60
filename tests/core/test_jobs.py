from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path

import msgpack
import pytest

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.domain.jobs import JobStatus
from spacedrive.errors import JobStateError
from tests.core.conftest import CountJob, FailingJob, OneShotJob


async def _progress_reaches(core: Core, job_id: uuid.UUID, completed: int) -> None:
    """Wait (10 s at most, however loaded the machine) until the job reports ``completed`` steps."""
    sub = core.bus.subscribe()
    try:
        async with asyncio.timeout(10):
            async for event in sub:
                if (
                    isinstance(event, ev.JobProgress)
                    and event.id == job_id
                    and event.progress.completed >= completed
                ):
                    return
    finally:
        sub.close()


async def _drain(sub) -> list[ev.Event]:  # type: ignore[no-untyped-def]
    out = []
    while (e := sub.get_nowait()) is not None:
        out.append(e)
    return out


async def test_job_runs_to_completion_with_events_in_order(core: Core) -> None:
    sub = core.bus.subscribe(maxsize=100_000)
    jobs = core.current_library().jobs
    job_id = await jobs.dispatch(CountJob(total=50))
    info = await asyncio.wait_for(jobs.wait(job_id), 10)
    assert info.status is JobStatus.COMPLETED
    assert (info.progress.completed, info.progress.total) == (50, 50)
    names = [type(e).__name__ for e in await _drain(sub) if getattr(e, "id", None) == job_id]
    assert names[0:2] == ["JobQueued", "JobStarted"] and names[-1] == "JobCompleted"
    assert "JobProgress" in names


async def test_progress_is_throttled_at_the_source(core: Core) -> None:
    sub = core.bus.subscribe(maxsize=100_000)
    jobs = core.current_library().jobs
    started = time.monotonic()
    job_id = await jobs.dispatch(CountJob(total=400, delay=0.002))
    await asyncio.wait_for(jobs.wait(job_id), 20)
    elapsed = time.monotonic() - started
    reports = [e for e in await _drain(sub) if isinstance(e, ev.JobProgress)]
    assert len(reports) <= elapsed * 10 + 3, (len(reports), elapsed)
    assert reports[-1].progress.completed == 400  # the final report always leaves


async def test_pause_and_resume(core: Core) -> None:
    jobs = core.current_library().jobs
    job_id = await jobs.dispatch(CountJob(total=200, delay=0.005))
    await asyncio.sleep(0.1)
    paused = await jobs.pause(job_id)
    assert paused.status is JobStatus.PAUSED
    await asyncio.sleep(0.1)
    at_pause = (await jobs.info(job_id)).progress.completed
    await asyncio.sleep(0.3)
    assert (await jobs.info(job_id)).progress.completed <= at_pause + 1  # nothing moves while paused
    with pytest.raises(JobStateError):
        await jobs.pause(job_id)
    await jobs.resume(job_id)
    info = await asyncio.wait_for(jobs.wait(job_id), 20)
    assert info.status is JobStatus.COMPLETED


async def test_cancel_running_and_queued_jobs(core: Core) -> None:
    lib = core.current_library()
    running = [await lib.jobs.dispatch(CountJob(total=10_000, delay=0.01)) for _ in range(2)]
    queued = await lib.jobs.dispatch(CountJob(total=10))
    await asyncio.sleep(0.1)
    assert (await lib.jobs.info(queued)).status is JobStatus.QUEUED  # concurrency limit is 2
    assert (await lib.jobs.cancel(queued)).status is JobStatus.CANCELLED
    info = await lib.jobs.cancel(running[0])
    assert info.status is JobStatus.CANCELLED
    await lib.jobs.cancel(running[1])
    listed = {j.id: j.status for j in await lib.jobs.list()}
    assert all(listed[j] is JobStatus.CANCELLED for j in [*running, queued])


async def test_priority_decides_who_runs_next(core: Core) -> None:
    lib = core.current_library()
    sub = core.bus.subscribe(maxsize=100_000)
    blockers = [await lib.jobs.dispatch(CountJob(total=3, delay=0.05)) for _ in range(2)]
    low = await lib.jobs.dispatch(CountJob(total=1), priority=0)
    high = await lib.jobs.dispatch(CountJob(total=1), priority=10)
    for job_id in (*blockers, low, high):
        assert (await asyncio.wait_for(lib.jobs.wait(job_id), 10)).status is JobStatus.COMPLETED
    started = [e.id for e in await _drain(sub) if isinstance(e, ev.JobStarted)]
    assert started.index(high) < started.index(low)


async def test_failure_is_recorded_with_its_reason(core: Core) -> None:
    lib = core.current_library()
    sub = core.bus.subscribe()
    job_id = await lib.jobs.dispatch(FailingJob())
    info = await lib.jobs.wait(job_id)
    assert info.status is JobStatus.FAILED and info.error == "disk on fire"
    assert any(isinstance(e, ev.JobFailed) and e.error == "disk on fire" for e in await _drain(sub))


async def test_closing_the_library_keeps_a_resumable_job_for_next_time(tmp_path: Path) -> None:
    core = Core(tmp_path / "d", background=True)
    await core.start(ensure_default_library=True)
    jobs = core.current_library().jobs
    job_id = await jobs.dispatch(CountJob(total=100, delay=0.01))
    await _progress_reaches(core, job_id, 10)
    await asyncio.sleep(0.3)  # past the checkpoint coalescing interval
    await core.stop()
    core = Core(tmp_path / "d", background=True)
    await core.start()
    try:
        jobs = core.current_library().jobs
        restored = await jobs.info(job_id)
        assert restored.progress.completed > 0  # continued from its checkpoint, not from zero
        info = await asyncio.wait_for(jobs.wait(job_id), 20)
        assert info.status is JobStatus.COMPLETED and info.progress.completed == 100
    finally:
        await core.stop()


def _insert_job(db: Path, name: str, status: str, state: dict[str, object]) -> str:
    job_id = str(uuid.uuid4())
    conn = sqlite3.connect(db)
    conn.execute(
        "insert into jobs (id, name, status, priority, state, progress, resumed_count, created_at)"
        " values (?, ?, ?, 0, ?, ?, 0, ?)",
        (
            job_id,
            name,
            status,
            msgpack.packb(state),
            json.dumps({"completed": 3, "total": 9}),
            int(time.time()),
        ),
    )
    conn.commit()
    conn.close()
    return job_id


async def test_after_a_crash_jobs_resume_or_fail_with_a_reason(tmp_path: Path) -> None:
    core = Core(tmp_path / "d", background=True)
    await core.start(ensure_default_library=True)
    db = core.current_library().path / "database.db"
    await core.stop()
    # The rows a killed process leaves behind: status still "running".
    resumable = _insert_job(db, "test.count", "running", {"total": 9, "delay": 0.0, "done": 3, "seen": []})
    oneshot = _insert_job(db, "test.oneshot", "running", {"delay": 1.0})
    unknown = _insert_job(db, "plugin.gone", "queued", {})
    assert OneShotJob.RESUMABLE is False
    core = Core(tmp_path / "d", background=True)
    await core.start()
    try:
        jobs = core.current_library().jobs
        done = await asyncio.wait_for(jobs.wait(uuid.UUID(resumable)), 10)
        assert done.status is JobStatus.COMPLETED and done.resumed_count == 1
        failed = await jobs.info(uuid.UUID(oneshot))
        assert failed.status is JobStatus.FAILED and "cannot resume" in failed.error
        missing = await jobs.info(uuid.UUID(unknown))
        assert missing.status is JobStatus.FAILED and "plugin.gone" in missing.error
    finally:
        await core.stop()


async def test_paused_job_stays_paused_across_restarts(tmp_path: Path) -> None:
    core = Core(tmp_path / "d", background=True)
    await core.start(ensure_default_library=True)
    jobs = core.current_library().jobs
    job_id = await jobs.dispatch(CountJob(total=1000, delay=0.01))
    await asyncio.sleep(0.2)
    await jobs.pause(job_id)
    await asyncio.sleep(0.1)
    await core.stop()
    core = Core(tmp_path / "d", background=True)
    await core.start()
    try:
        jobs = core.current_library().jobs
        assert (await jobs.info(job_id)).status is JobStatus.PAUSED
        await asyncio.sleep(0.2)
        before = (await jobs.info(job_id)).progress.completed
        assert (await jobs.info(job_id)).status is JobStatus.PAUSED
        await jobs.resume(job_id)
        await _progress_reaches(core, job_id, before + 1)  # moves again once resumed
        await jobs.cancel(job_id)
    finally:
        await core.stop()


async def test_cancel_right_after_dispatch_does_not_hang(core: Core) -> None:
    jobs = core.current_library().jobs
    job_id = await jobs.dispatch(CountJob(total=10_000, delay=0.01))
    info = await asyncio.wait_for(jobs.cancel(job_id), 5)  # its task exists but never ran
    assert info.status is JobStatus.CANCELLED
    assert (await jobs.info(job_id)).status is JobStatus.CANCELLED
