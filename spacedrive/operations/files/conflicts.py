"""What happens when a copied or moved item meets an existing one, and how a job asks a person.

A job carries its policy as state: one for files and one for folders, each ``ask`` or a choice (skip,
replace, keep-both, merge for folders, abort), or ``fail`` (the item fails with ``destination_exists``,
for scripts that said nothing). Asking: the job emits ``ConflictAsked`` and awaits a future in
``QUESTIONS``; ``answer()`` (the ``file.resolve_conflict`` command, or the GUI through the action
manager) resolves it, so a window shows a dialog and awaits the user, never running a nested loop.
"Apply to all" turns the answer into the job's policy, persisted with it. A job killed while asking
asks again when it resumes; a cancelled one stops waiting.
"""

from __future__ import annotations

import asyncio
import enum
import os
import stat
from uuid import UUID

from spacedrive.domain import events as ev
from spacedrive.errors import InvalidArgument, JobNotFound
from spacedrive.infrastructure.events import EventBus
from spacedrive.infrastructure.fs.paths import exact


class Choice(enum.StrEnum):
    SKIP = "skip"
    REPLACE = "replace"
    KEEP_BOTH = "keep-both"
    MERGE = "merge"
    ABORT = "abort"


ASK = "ask"
FAIL = "fail"
#: Every value a policy may hold.
POLICIES = (ASK, FAIL, *(c.value for c in Choice))


def policies_for(conflict: str) -> tuple[str, str]:
    """(file policy, folder policy) from one ``--conflict`` value.

    ``merge`` merges folders and asks about files inside them; ``replace`` replaces a folder whole.
    """
    if conflict not in POLICIES:
        raise InvalidArgument(f"unknown conflict policy {conflict!r} (one of: {', '.join(POLICIES)})")
    if conflict == Choice.MERGE:
        return ASK, Choice.MERGE.value
    return conflict, conflict


def question(library_id: UUID, job_id: UUID, src: bytes, dst: bytes) -> ev.ConflictAsked:
    s, d = os.lstat(src), os.lstat(dst)
    s_dir, d_dir = stat.S_ISDIR(s.st_mode), stat.S_ISDIR(d.st_mode)
    return ev.ConflictAsked(
        library_id=library_id,
        job_id=job_id,
        source=exact(src),
        destination=exact(dst),
        source_is_dir=s_dir,
        destination_is_dir=d_dir,
        source_size=s.st_size,
        destination_size=d.st_size,
        source_mtime=int(s.st_mtime),
        destination_mtime=int(d.st_mtime),
        can_merge=s_dir and d_dir,
    )


class ConflictQuestions:
    """The questions file jobs of this process are waiting on, by job id."""

    def __init__(self) -> None:
        self._waiting: dict[UUID, tuple[ev.ConflictAsked, asyncio.Future[tuple[Choice, bool]]]] = {}

    async def ask(self, bus: EventBus, asked: ev.ConflictAsked) -> tuple[Choice, bool]:
        """Emit ``asked`` and wait for ``answer()``: (choice, apply to all)."""
        future: asyncio.Future[tuple[Choice, bool]] = asyncio.get_running_loop().create_future()
        self._waiting[asked.job_id] = (asked, future)
        bus.emit(asked)
        try:
            return await future
        finally:
            self._waiting.pop(asked.job_id, None)

    def answer(self, job_id: UUID, choice: str, apply_to_all: bool = False) -> ev.ConflictAsked:
        """Resolve job ``job_id``'s question; returns it. Merge is only an answer for two folders."""
        waiting = self._waiting.get(job_id)
        if waiting is None:
            raise JobNotFound(f"job {job_id} is not waiting for an answer")
        asked, future = waiting
        try:
            picked = Choice(choice)
        except ValueError:
            raise InvalidArgument(
                f"unknown choice {choice!r} (one of: {', '.join(c.value for c in Choice)})"
            ) from None
        if picked is Choice.MERGE and not asked.can_merge:
            raise InvalidArgument("merge is only possible when both are folders")
        if not future.done():
            future.set_result((picked, apply_to_all))
        return asked

    def pending(self) -> list[ev.ConflictAsked]:
        """Unanswered questions (a window that opens late shows them)."""
        return [asked for asked, future in self._waiting.values() if not future.done()]


#: One per process: job ids are unique, and every job of the process asks here.
QUESTIONS = ConflictQuestions()
