"""What a running job sees: progress reporting, pause/cancel points and checkpoints."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any
from uuid import UUID

from spacedrive.domain.jobs import Progress
from spacedrive.infrastructure.jobs.base import JobCancelledError

if TYPE_CHECKING:
    from spacedrive.infrastructure.jobs.manager import _Handle

#: At most this many progress events per second per job leave the source.
PROGRESS_HZ = 10.0


class JobContext:
    """Handed to ``Job.run``. ``services`` carries what the job may use (the library, the bus...)."""

    def __init__(self, handle: _Handle, services: dict[str, Any]) -> None:
        self._handle = handle
        self.services = services
        self._last_emit = 0.0
        self._rate_mark: tuple[float, int] | None = None
        self._rate = 0.0
        self._phase = ""

    @property
    def job_id(self) -> UUID:
        return self._handle.id

    @property
    def library(self) -> Any:
        return self.services.get("library")

    @property
    def cancel_requested(self) -> bool:
        """The user cancelled the job (a shutdown is no cancel: the job resumes when the library opens)."""
        return self._handle.cancel_requested

    def progress(
        self,
        completed: int,
        total: int = 0,
        *,
        phase: str = "",
        message: str = "",
        bytes_completed: int = 0,
        bytes_total: int = 0,
    ) -> None:
        """Record progress; an event leaves at most ``PROGRESS_HZ`` times a second, and always at the end."""
        now = time.monotonic()
        if phase != self._phase or (self._rate_mark is not None and completed < self._rate_mark[1]):
            # A new phase counts something else: its rate starts afresh.
            self._phase, self._rate_mark, self._rate = phase, None, 0.0
        if self._rate_mark is None:
            self._rate_mark = (now, completed)
        elif now - self._rate_mark[0] >= 1.0:
            t0, c0 = self._rate_mark
            self._rate = (completed - c0) / (now - t0)
            self._rate_mark = (now, completed)
        self._handle.progress = Progress(
            completed=completed,
            total=total,
            phase=phase,
            message=message,
            bytes_completed=bytes_completed,
            bytes_total=bytes_total,
            rate=round(self._rate, 1),
        )
        finished = total > 0 and completed >= total
        if finished or now - self._last_emit >= 1.0 / PROGRESS_HZ:
            self._last_emit = now
            self._handle.manager._emit_progress(self._handle)

    async def check_interrupt(self) -> None:
        """A pause/cancel point: waits while paused, raises ``JobCancelledError`` when cancelled."""
        handle = self._handle
        if handle.cancel_requested:
            raise JobCancelledError()
        if not handle.resume_event.is_set():
            await handle.manager._persist_checkpoint(handle, state=None)
            await handle.resume_event.wait()
            if handle.cancel_requested:
                raise JobCancelledError()
        await asyncio.sleep(0)

    async def checkpoint(self, force: bool = False) -> None:
        """Persist the job's state so an interrupted run continues from here.

        Checkpoints are coalesced; ``force`` writes now (a job about to act on a decision it must
        find again after a kill).
        """
        await self._handle.manager._persist_checkpoint(
            self._handle, state=self._handle.job.serialize(), force=force
        )
