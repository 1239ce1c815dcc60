"""Undo and redo of this session's rename, move, copy, trash, new folder and new file.

Every completed operation leaves an ``UndoEntry``: its steps (where each item was, where it is, and
the identity — device, inode, size, mtime; device and inode for folders — of what we put there). Undo
first checks that the disk still holds exactly that and that the old places are free, and refuses with
``UndoRefused`` saying what changed, before touching anything. The inverse is an action of its own,
run through the ActionManager (so it is validated, audited, and a job when it moves bytes): rename
back, move back, trash the copies, restore from the trash, remove the new (still empty) folder or file.
Redo runs the original operation again. The GUI labels its menu items with ``undo_text()``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacedrive.errors import UndoRefused
from spacedrive.infrastructure.fs.paths import display
from spacedrive.infrastructure.jobs import Job
from spacedrive.operations.files.conflicts import FAIL
from spacedrive.operations.files.file_actions import (
    CreateAction,
    DeleteAction,
    Done,
    FileAction,
    RenameAction,
    RestoreAction,
    TransferAction,
)
from spacedrive.operations.files.fsops import identity
from spacedrive.operations.files.jobs import DeleteJob, TransferJob

if TYPE_CHECKING:
    from spacedrive.operations.files.actions import Outcome

#: How many operations one session can undo.
LIMIT = 100


@dataclass(frozen=True, slots=True)
class Step:
    #: Where the item was (empty for one the operation created).
    before: bytes
    #: Where it is now (for a trashed item: where it was before the trash).
    after: bytes
    identity: list[int] | None
    #: For a trashed item: its file in the trash.
    trashed: bytes = b""


@dataclass(frozen=True, slots=True)
class UndoEntry:
    kind: str  # rename, move, copy, trash, mkdir, touch
    steps: tuple[Step, ...]

    @property
    def text(self) -> str:
        """For people: "Rename “a” to “b”", "Move 3 items", "Move “x” to the trash"..."""
        first = self.steps[0]
        name = f"“{display(os.path.basename(first.after or first.before))}”"
        what = name if len(self.steps) == 1 else f"{len(self.steps)} items"
        return {
            "rename": f"Rename “{display(os.path.basename(first.before))}” to {name}",
            "move": f"Move {what}",
            "copy": f"Copy {what}",
            "trash": f"Move {what} to the trash",
            "mkdir": f"New folder {name}",
            "touch": f"New file {name}",
        }[self.kind]


def entry_for_job(job: Job) -> UndoEntry | None:
    """The undo entry of a finished job (the items it completed), or None when it is not undoable."""
    if isinstance(job, TransferJob) and job.done:
        kind = "move" if job.operation == "move" else "copy"
        return UndoEntry(kind, tuple(Step(d["src"], d["dst"], d["identity"]) for d in job.done))
    if isinstance(job, DeleteJob) and not job.permanent and job.done:
        steps = tuple(
            Step(d["path"], d["path"], d["identity"], os.path.join(d["trash_dir"], b"files", d["trash_name"]))
            for d in job.done
        )
        return UndoEntry("trash", steps)
    return None


def entry_for_inline(action: FileAction, done: Done) -> UndoEntry | None:
    if isinstance(action, RenameAction):
        kind = "rename"
    elif isinstance(action, CreateAction):
        kind = "mkdir" if action.folder else "touch"
    else:
        return None
    return UndoEntry(kind, tuple(Step(b, a, i) for b, a, i in done.steps))


def _check_undo(entry: UndoEntry) -> None:
    for step in entry.steps:
        here = step.trashed or step.after
        if identity(here) != step.identity:
            where = "in the trash" if step.trashed else "there"
            raise UndoRefused(
                f"cannot undo “{entry.text}”: {display(step.after)} changed since (it is not what was put "
                f"{where}); nothing was undone"
            )
        if entry.kind in ("rename", "move", "trash") and os.path.lexists(step.before):
            raise UndoRefused(
                f"cannot undo “{entry.text}”: something else is now at {display(step.before)}; "
                "nothing was undone"
            )
        if entry.kind == "mkdir" and os.listdir(step.after):
            raise UndoRefused(f"cannot undo “{entry.text}”: the folder is no longer empty")


def _check_redo(entry: UndoEntry) -> None:
    for step in entry.steps:
        if step.before and not os.path.lexists(step.before):
            raise UndoRefused(f"cannot redo “{entry.text}”: {display(step.before)} is gone")
        if entry.kind != "trash" and os.path.lexists(step.after):
            raise UndoRefused(f"cannot redo “{entry.text}”: {display(step.after)} exists now")


def _inverse(entry: UndoEntry) -> FileAction:
    steps = entry.steps
    if entry.kind == "rename":
        return RenameAction(steps[0].after, os.path.basename(steps[0].before), origin="undo")
    if entry.kind == "move":
        return TransferAction("move", [[s.after, s.before] for s in steps], FAIL, FAIL, origin="undo")
    if entry.kind == "copy":
        return DeleteAction([s.after for s in steps], origin="undo")
    if entry.kind == "trash":
        return RestoreAction([s.trashed for s in steps], origin="undo")
    return DeleteAction([s.after for s in steps], permanent=True, origin="undo")


def _again(entry: UndoEntry) -> FileAction:
    steps = entry.steps
    if entry.kind == "rename":
        return RenameAction(steps[0].before, os.path.basename(steps[0].after), origin="redo")
    if entry.kind in ("move", "copy"):
        pairs = [[s.before, s.after] for s in steps]
        return TransferAction(entry.kind, pairs, FAIL, FAIL, origin="redo")
    if entry.kind == "trash":
        return DeleteAction([s.after for s in steps], origin="redo")
    after = steps[0].after
    return CreateAction(os.path.dirname(after), os.path.basename(after), entry.kind == "mkdir", origin="redo")


class UndoStack:
    """The session's undo and redo stacks; ``run`` is ``ActionManager.run``."""

    def __init__(self, run: Callable[[FileAction], Awaitable[Outcome]]) -> None:
        self._run = run
        self._undo: list[UndoEntry] = []
        self._redo: list[UndoEntry] = []

    def push(self, entry: UndoEntry, origin: str = "user") -> None:
        """A completed operation; a new one (not a redo) forgets what could be redone."""
        self._undo = [*self._undo[-(LIMIT - 1) :], entry]
        if origin == "user":
            self._redo.clear()

    def record(self, origin: str, job: Job | None = None, action: Any = None, done: Any = None) -> None:
        if origin == "undo":
            return
        entry = entry_for_job(job) if job is not None else entry_for_inline(action, done)
        if entry is not None:
            self.push(entry, origin)

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_text(self) -> str:
        """What Undo would undo ("" when nothing); the GUI shows it as "Undo <text>"."""
        return self._undo[-1].text if self._undo else ""

    def redo_text(self) -> str:
        return self._redo[-1].text if self._redo else ""

    async def undo(self) -> Outcome:
        """Undo the last operation, or raise ``UndoRefused`` (nothing to undo, or the disk changed)."""
        if not self._undo:
            raise UndoRefused("there is nothing to undo")
        entry = self._undo[-1]
        await asyncio.to_thread(_check_undo, entry)
        outcome = await self._run(_inverse(entry))
        self._undo.pop()
        self._redo.append(entry)
        return outcome

    async def redo(self) -> Outcome:
        """Do the last undone operation again (it is undoable again once done)."""
        if not self._redo:
            raise UndoRefused("there is nothing to redo")
        entry = self._redo[-1]
        await asyncio.to_thread(_check_redo, entry)
        outcome = await self._run(_again(entry))
        self._redo.pop()
        return outcome
