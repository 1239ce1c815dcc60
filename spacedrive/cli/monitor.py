"""``job monitor``: live progress bars fed by the core's events, with a periodic resync."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from typing import Any
from uuid import UUID

from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeRemainingColumn

from spacedrive.cli.output import Output, console
from spacedrive.domain import events as ev
from spacedrive.domain.jobs import JobInfo, JobStatus
from spacedrive.infrastructure.ipc.client import Client

_STYLE = {
    JobStatus.RUNNING: "yellow",
    JobStatus.QUEUED: "cyan",
    JobStatus.PAUSED: "blue",
    JobStatus.COMPLETED: "green",
    JobStatus.FAILED: "red",
    JobStatus.CANCELLED: "magenta",
}


async def monitor(
    client: Client, out: Output, job_ref: str | None, until_idle: bool, echo_events: bool = True
) -> int:
    """Show jobs until Ctrl+C; with ``job_ref`` until that job ends; ``until_idle``: until none is left."""
    target: UUID | None = None
    if job_ref:
        target = UUID((await client.call("job.info", id=job_ref))["id"])
    jobs: dict[UUID, JobInfo] = {}
    await _resync(client, jobs)
    events = client.events()
    pending: asyncio.Future[ev.Event] = asyncio.ensure_future(anext(events))
    bars = _Bars() if not out.as_json else None
    try:
        with bars.progress if bars else contextlib.nullcontext():
            while True:
                done, _ = await asyncio.wait({pending}, timeout=1.0)
                if pending in done:
                    try:
                        event = pending.result()
                    except StopAsyncIteration:
                        return 0
                    pending = asyncio.ensure_future(anext(events))
                    if out.as_json and echo_events:
                        sys.stdout.write(json.dumps(event.to_dict()) + "\n")
                        sys.stdout.flush()
                    await _apply(client, jobs, event)
                else:
                    await _resync(client, jobs)
                if bars:
                    bars.render(jobs, target)
                if _finished(jobs, target, until_idle):
                    return 0 if target is None or jobs[target].status is JobStatus.COMPLETED else 1
    finally:
        pending.cancel()
        with contextlib.suppress(BaseException):
            await events.aclose()  # type: ignore[attr-defined]


def _finished(jobs: dict[UUID, JobInfo], target: UUID | None, until_idle: bool) -> bool:
    if target is not None:
        return target in jobs and jobs[target].status.is_finished
    return until_idle and not any(not j.status.is_finished for j in jobs.values())


async def _resync(client: Client, jobs: dict[UUID, JobInfo]) -> None:
    for data in await client.call("job.list"):
        info = JobInfo.from_dict(data)
        if info.id in jobs or not info.status.is_finished:
            jobs[info.id] = info


async def _apply(client: Client, jobs: dict[UUID, JobInfo], event: ev.Event) -> None:
    job_id = getattr(event, "id", None)
    if not isinstance(job_id, UUID) or not type(event).__name__.startswith("Job"):
        return
    if isinstance(event, ev.JobProgress) and job_id in jobs:
        current = jobs[job_id]
        jobs[job_id] = JobInfo(
            **{**_fields(current), "progress": event.progress, "status": JobStatus.RUNNING}
        )
        return
    with contextlib.suppress(Exception):
        jobs[job_id] = JobInfo.from_dict(await client.call("job.info", id=str(job_id)))


def _fields(info: JobInfo) -> dict[str, Any]:
    return {name: getattr(info, name) for name in info.__dataclass_fields__}


class _Bars:
    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=40),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[status]}"),
            TimeRemainingColumn(),
            console=console,
            refresh_per_second=8,
        )
        self._tasks: dict[UUID, TaskID] = {}
        self.progress.console.print("Spacedrive job monitor — Ctrl+C to exit")

    def render(self, jobs: dict[UUID, JobInfo], target: UUID | None) -> None:
        for job_id, job in jobs.items():
            if target is not None and job_id != target:
                continue
            total = job.progress.total or None
            style = _STYLE[job.status]
            status = f"[{style}]{job.status.value}[/{style}]"
            if job.progress.rate:
                status += f" {job.progress.rate:,.0f}/s"
            if job.error:
                status += f" — {job.error}"
            label = f"{job.title or job.name} [dim]{str(job_id)[:8]}[/dim]"
            if job_id not in self._tasks:
                self._tasks[job_id] = self.progress.add_task(label, total=total, status=status)
            completed = job.progress.completed
            if job.status is JobStatus.COMPLETED and total:
                completed = int(total)
            self.progress.update(self._tasks[job_id], total=total, completed=completed, status=status)
