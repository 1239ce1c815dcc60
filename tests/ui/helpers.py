"""A job for GUI tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from spacedrive.infrastructure.jobs import Job, JobContext


@dataclass
class StepJob(Job):
    """Counts to ``total``, ``delay`` seconds per step, with a pause/cancel point and checkpoint each."""

    NAME = "ui_test.steps"
    total: int = 1000
    delay: float = 0.01
    #: Whether progress reports say how many steps there are (else the GUI shows a busy indicator).
    report_total: bool = True
    done: int = 0

    async def run(self, ctx: JobContext) -> None:
        while self.done < self.total:
            await ctx.check_interrupt()
            self.done += 1
            ctx.progress(self.done, self.total if self.report_total else 0, message=f"step {self.done}")
            await ctx.checkpoint()
            await asyncio.sleep(self.delay)
