"""TaskSet: the asyncio work a window starts from core events, cancelled together before the core stops."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any


class TaskSet:
    """Runs coroutines started by signals (a refresh after an event, a folder opened from the sidebar).

    ``qasync.asyncSlot`` would start them too, but nothing could wait for them: one still reading the
    library when the app quits would finish against a stopped core and a deleted window. The session
    calls ``cancel_all()`` after closing the window and before stopping the core; coroutines handed in
    after that are dropped unstarted. Errors go to ``sys.excepthook`` (the crash reporter), as they do
    from ``asyncSlot``.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        if self._closed:
            coro.close()
            return
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            sys.excepthook(type(error), error, error.__traceback__)

    def __len__(self) -> int:
        return len(self._tasks)

    async def cancel_all(self) -> None:
        """Cancel every running task, wait until they have all ended, and start no more."""
        self._closed = True
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
