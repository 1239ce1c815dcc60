"""A real process copying or moving files, for the kill -9 tests.

``python -m tests.e2e.fileopsrunner DATA_DIR start copy|move SRC DST_FOLDER``: start a core, commit the
operation, print "dispatched", wait for it. ``python -m tests.e2e.fileopsrunner DATA_DIR resume``: start
a core (which resumes what was interrupted) and wait until no file job is left unfinished.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from spacedrive import Core
from spacedrive.domain.jobs import JobStatus


async def main(data_dir: str, mode: str, args: list[str]) -> int:
    core = Core(Path(data_dir), background=True)
    await core.start(ensure_default_library=True)
    try:
        if mode == "start":
            operation, src, dst = args
            run = core.files.copy if operation == "copy" else core.files.move
            outcome = await run([src], dst, conflict="fail")
            print(f"dispatched {outcome.job_id}", flush=True)
        status = 0
        for jobs in core.files.job_managers():
            for job in await jobs.list():
                if job.status.is_finished:
                    continue
                info = await jobs.wait(job.id)
                print(f"finished {info.id} {info.status.value} {info.error}", flush=True)
                status |= info.status is not JobStatus.COMPLETED
        return status
    finally:
        await core.stop()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:])))
