"""A real process running a job defined here, for the kill -9 and resume tests.

``python -m tests.e2e.jobrunner DATA_DIR LOG dispatch N``: start a core, queue ``StepJob(N)``, run it.
``python -m tests.e2e.jobrunner DATA_DIR LOG resume``: start a core (which resumes what was
interrupted) and wait until no job is left.
``python -m tests.e2e.jobrunner DATA_DIR LOG serve N``: like a daemon (control socket and all) with
``StepJob(N)`` queued, until ``spacedrive stop``; the CLI drives the job through the socket.
Each step appends "PID STEP" to LOG, so the test sees what ran, and in which process.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from spacedrive import Core
from spacedrive.domain.jobs import JobStatus
from spacedrive.infrastructure.ipc.server import ControlServer
from spacedrive.infrastructure.jobs import Job, JobContext


@dataclass
class StepJob(Job):
    NAME = "e2e.steps"
    total: int
    log: str
    done: int = 0

    async def run(self, ctx: JobContext) -> None:
        while self.done < self.total:
            await ctx.check_interrupt()
            step = self.done + 1
            await asyncio.to_thread(_append, self.log, f"{os.getpid()} {step}\n")
            self.done = step
            ctx.progress(self.done, self.total)
            await ctx.checkpoint()
            await asyncio.sleep(0.01)


def _append(path: str, line: str) -> None:
    with open(path, "a") as f:
        f.write(line)


async def main(data_dir: str, log: str, mode: str, total: int) -> int:
    core = Core(Path(data_dir), background=True)
    await core.start(ensure_default_library=True)
    try:
        jobs = core.current_library().jobs
        if mode == "serve":
            server = ControlServer(core, kind="daemon")
            await server.start()
            await jobs.dispatch(StepJob(total=total, log=log))
            print("serving", flush=True)
            await server.shutdown_requested.wait()
            await server.stop()
            return 0
        if mode == "dispatch":
            job_id = await jobs.dispatch(StepJob(total=total, log=log))
            print(f"dispatched {job_id}", flush=True)
        pending = [j for j in await jobs.list() if not j.status.is_finished]
        print(f"pending {len(pending)}", flush=True)
        for job in pending:
            info = await jobs.wait(job.id)
            print(f"finished {info.id} {info.status.value} resumed={info.resumed_count}", flush=True)
            if info.status is not JobStatus.COMPLETED:
                return 1
        return 0
    finally:
        await core.stop()


if __name__ == "__main__":
    total = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], total)))
