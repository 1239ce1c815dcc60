"""Running a file job's blocking I/O in a thread while the job stays pausable and cancellable.

The thread counts bytes and files in a ``Control``; the job's coroutine reports them as progress ten
times a second, pauses the thread (between chunks) when the job is paused, and on cancellation tells
it to stop and waits until it has, so nothing writes behind the job's back while it cleans up.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from spacedrive.domain.jobs import JobStatus
from spacedrive.infrastructure.jobs import JobContext
from spacedrive.operations.files.strategies import Control

_T = TypeVar("_T")
TICK = 0.1


async def run_in_thread(
    ctx: JobContext,
    control: Control,
    report: Callable[[], None],
    fn: Callable[..., _T],
    *args: Any,
) -> _T:
    """``fn(*args)`` in a worker thread; ``report()`` every tick; pause and cancel reach the thread."""
    future = asyncio.get_running_loop().run_in_executor(None, fn, *args)
    jobs = ctx.services.get("jobs")
    try:
        while True:
            done, _ = await asyncio.wait({future}, timeout=TICK)
            report()
            if done:
                return future.result()
            if jobs is not None and (await jobs.info(ctx.job_id)).status is JobStatus.PAUSED:
                control.running.clear()
                try:
                    await ctx.check_interrupt()
                finally:
                    control.running.set()
    except BaseException:
        control.stop = True
        control.running.set()
        with contextlib.suppress(BaseException):
            await asyncio.shield(future)
        raise
