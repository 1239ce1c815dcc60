"""The file jobs: copy / move / duplicate (``TransferJob``) and trash / delete (``DeleteJob``).

Each works through a list of top-level items and checkpoints after each one. Before an item touches
the disk its decision (destination, temp name, what it replaces) is checkpointed at once, so after a
kill the resumed job finds the item exactly as the protocol in ``transfer`` left it: not yet placed
(its temp is removed or continued) or placed (a move then removes its source). An item that fails
(full disk, read-only or vanished source...) is listed with its error and the job goes on; it ends
failed with that list, and ``file.retry`` runs the failed items again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from dataclasses import dataclass, field
from typing import Any

from spacedrive.domain import events as ev
from spacedrive.errors import (
    ConflictAborted,
    DestinationInvalid,
    FileOperationError,
    ItemsFailed,
    SourceVanished,
)
from spacedrive.infrastructure.fs.paths import display
from spacedrive.infrastructure.jobs import Job, JobContext
from spacedrive.operations.files import follow, trash
from spacedrive.operations.files.conflicts import ASK, FAIL, QUESTIONS, Choice, question
from spacedrive.operations.files.fsops import (
    aside_path,
    error_for,
    free_name,
    identity,
    is_within,
    remove_tree,
    temp_path,
    tree_size,
)
from spacedrive.operations.files.strategies import Control
from spacedrive.operations.files.transfer import Item, discard, finish_interrupted, transfer
from spacedrive.operations.files.worker import run_in_thread

log = logging.getLogger(__name__)


def failure(src: bytes, dst: bytes, e: Exception) -> dict[str, Any]:
    if isinstance(e, OSError):
        e = error_for(e, src, dst)
    code = e.code if isinstance(e, FileOperationError) else "error"
    message = e.message if isinstance(e, FileOperationError) else str(e)
    return {"src": src, "dst": dst, "code": code, "message": message}


async def notify(library: Any, what: str, *args: Any) -> None:
    """Tell the library (when one is open) what changed; its failure never undoes the file operation."""
    if library is None:
        return
    try:
        await getattr(follow, what)(library, *args)
    except Exception:
        log.exception("the library could not follow %s %s; the watcher will catch up", what, args[:2])


def _measure(paths: list[bytes]) -> list[list[int]]:
    sizes = []
    for path in paths:
        try:
            files, _folders, size = tree_size(path)
        except OSError:
            files, size = 0, 0
        sizes.append([files, size])
    return sizes


@dataclass
class TransferJob(Job):
    """Copy, move or duplicate ``pairs`` of [source, wanted destination path]."""

    NAME = "file.transfer"
    operation: str  # "copy" | "move" | "duplicate"
    pairs: list[list[bytes]]
    file_policy: str = ASK
    folder_policy: str = ASK
    verify: bool = False
    #: Undo and redo run jobs too; those do not land on the undo stack as new operations.
    origin: str = "user"
    sizes: list[list[int]] = field(default_factory=list)
    cursor: int = 0
    current: dict[str, Any] | None = None
    done: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[bytes] = field(default_factory=list)
    merged: list[bytes] = field(default_factory=list)
    files_done: int = 0
    bytes_done: int = 0
    aborted: bool = False

    def describe(self) -> str:
        verb = {"copy": "Copying", "move": "Moving", "duplicate": "Duplicating"}[self.operation]
        first = display(os.path.basename(self.pairs[0][0])) if self.pairs else ""
        what = first if len(self.pairs) == 1 else f"{len(self.pairs)} items"
        if self.operation == "duplicate" or not self.pairs:
            return f"{verb} {what}"
        return f"{verb} {what} to {display(os.path.dirname(self.pairs[0][1])) or '/'}"

    async def run(self, ctx: JobContext) -> None:
        if len(self.sizes) < len(self.pairs):
            ctx.progress(0, 0, phase="measuring")
            pending = [src for src, _ in self.pairs[len(self.sizes) :]]
            self.sizes += await asyncio.to_thread(_measure, pending)
            await ctx.checkpoint()
        if self.current is not None:
            await self._resume_current(ctx)
        while self.cursor < len(self.pairs) and not self.aborted:
            await ctx.check_interrupt()
            src, dst = self.pairs[self.cursor]
            try:
                item = await self._decide(ctx, src, dst)
            except (OSError, FileOperationError) as e:
                self.failed.append(failure(src, dst, e))
                item = None
            if item is not None:
                await self._do(ctx, item)
            self._advance(ctx)
            await ctx.checkpoint()
        if self.operation == "move":
            await asyncio.to_thread(_remove_emptied, self.merged)
        await self._end(ctx)

    async def _end(self, ctx: JobContext) -> None:
        self._report(ctx, None)
        if self.aborted:
            await ctx.checkpoint(force=True)
            raise ConflictAborted(f"stopped at a conflict; {len(self.done)} item(s) done were kept")
        if self.failed:
            await ctx.checkpoint(force=True)
            first = self.failed[0]["message"]
            raise ItemsFailed(f"{len(self.failed)} of {len(self.pairs)} item(s) failed: {first}")

    def _advance(self, ctx: JobContext) -> None:
        files, size = self.sizes[self.cursor] if self.cursor < len(self.sizes) else (0, 0)
        self.files_done += files
        self.bytes_done += size
        self.cursor += 1
        self._report(ctx, None)

    def _report(self, ctx: JobContext, control: Control | None, message: str = "") -> None:
        files_total = sum(f for f, _ in self.sizes)
        bytes_total = sum(b for _, b in self.sizes)
        files, size = (control.files, control.bytes) if control is not None else (0, 0)
        ctx.progress(
            min(self.files_done + files, files_total),
            files_total,
            phase=self.operation,
            message=message,
            bytes_completed=min(self.bytes_done + size, bytes_total),
            bytes_total=bytes_total,
        )

    async def _resume_current(self, ctx: JobContext) -> None:
        assert self.current is not None
        item = Item.from_dict(self.current)
        try:
            record = await asyncio.to_thread(finish_interrupted, item)
        except (OSError, FileOperationError) as e:
            self.failed.append(failure(item.src, item.dst, e))
            record = None
            self.current = None
        if record is not None:
            await self._completed(ctx, record)
        elif self.current is not None:
            await self._do(ctx, item)
        self._advance(ctx)
        await ctx.checkpoint()

    async def _decide(self, ctx: JobContext, src: bytes, dst: bytes) -> Item | None:
        """What to do with ``src``: an item to transfer, or None (skipped, merged, aborted, failed)."""
        job_id = str(ctx.job_id)
        try:
            src_st = await asyncio.to_thread(os.lstat, src)
        except FileNotFoundError:
            raise SourceVanished(f"{display(src)} no longer exists") from None
        if src == dst and self.operation == "move":
            self.skipped.append(src)  # moved onto itself: nothing to do
            return None
        move = self.operation == "move"
        if src == dst or self.operation == "duplicate":
            dst = await asyncio.to_thread(free_name, dst, stat.S_ISDIR(src_st.st_mode))
        old = await asyncio.to_thread(identity, dst)
        if old is None:
            return Item(
                src, dst, temp_path(dst, job_id), aside_path(dst, job_id), "new", None, move, self.verify
            )
        if is_within(src, dst):
            raise DestinationInvalid(f"{display(dst)} cannot be replaced by something inside it")
        both_dirs = len(old) == 2 and stat.S_ISDIR(src_st.st_mode)
        policy = self.folder_policy if both_dirs else self.file_policy
        if policy == ASK:
            policy = await self._ask(ctx, src, dst)
        if policy == FAIL:
            self.failed.append({"src": src, "dst": dst, "code": "destination_exists",
                                "message": f"{display(dst)} already exists"})  # fmt: skip
        elif policy == Choice.SKIP:
            self.skipped.append(src)
        elif policy == Choice.ABORT:
            self.aborted = True
        elif policy == Choice.KEEP_BOTH:
            dst = await asyncio.to_thread(free_name, dst, stat.S_ISDIR(src_st.st_mode))
            return Item(
                src, dst, temp_path(dst, job_id), aside_path(dst, job_id), "new", None, move, self.verify
            )
        elif policy == Choice.MERGE and both_dirs:
            await self._merge(src, dst)
        else:  # replace (merge asked for a file is a replace: there is nothing to merge into)
            return Item(
                src, dst, temp_path(dst, job_id), aside_path(dst, job_id), "replace", old, move, self.verify
            )
        return None

    async def _ask(self, ctx: JobContext, src: bytes, dst: bytes) -> str:
        library_id = ctx.services["jobs"].library_id
        asked = await asyncio.to_thread(question, library_id, ctx.job_id, src, dst)
        ctx.progress(self.files_done, 0, phase="waiting", message=f"{display(dst)} already exists")
        choice, apply_to_all = await QUESTIONS.ask(ctx.services["bus"], asked)
        ctx.services["bus"].emit(ev.ConflictResolved(library_id, ctx.job_id, choice.value, apply_to_all))
        if apply_to_all:
            if choice is not Choice.MERGE:
                self.file_policy = choice.value
            if choice is not Choice.KEEP_BOTH or asked.can_merge:
                self.folder_policy = choice.value
        return choice.value

    async def _merge(self, src: bytes, dst: bytes) -> None:
        """Merge folder ``src`` into the existing ``dst``: its children become items of their own."""
        names = sorted(await asyncio.to_thread(os.listdir, src))
        children = [[os.path.join(src, n), os.path.join(dst, n)] for n in names]
        self.pairs += children
        self.sizes += await asyncio.to_thread(_measure, [c[0] for c in children])
        self.sizes[self.cursor] = [0, 0]
        self.merged.append(src)

    async def _do(self, ctx: JobContext, item: Item) -> None:
        self.current = item.to_dict()
        await ctx.checkpoint(force=True)
        control = Control()
        name = display(os.path.basename(item.src))
        try:
            record = await run_in_thread(
                ctx, control, lambda: self._report(ctx, control, name), transfer, item, control
            )
        except (OSError, FileOperationError) as e:
            await asyncio.to_thread(_discard_quietly, item)
            self.failed.append(failure(item.src, item.dst, e))
            self.current = None
            return
        except BaseException:
            await asyncio.shield(asyncio.to_thread(_discard_quietly, item))
            raise
        self.current = None
        await self._completed(ctx, record)

    async def _completed(self, ctx: JobContext, record: dict[str, Any]) -> None:
        self.done.append(record)
        if self.operation == "move":
            await notify(ctx.library, "file_moved", record["src"], record["dst"])
        else:
            await notify(ctx.library, "file_copied", record["src"], record["dst"], record["cas_id"])


def _discard_quietly(item: Item) -> None:
    try:
        discard(item)
    except OSError:
        log.exception("could not remove the temp of %r", item.tmp)


def _remove_emptied(folders: list[bytes]) -> None:
    """After a merging move, the source folders whose every child moved are removed (deepest first)."""
    for folder in sorted(folders, key=len, reverse=True):
        with contextlib.suppress(OSError):  # something inside was skipped or failed: it stays
            os.rmdir(folder)


@dataclass
class DeleteJob(Job):
    """Move ``paths`` to the system trash, or delete them for good with ``permanent``."""

    NAME = "file.delete"
    paths: list[bytes]
    permanent: bool = False
    origin: str = "user"
    cursor: int = 0
    #: The trash slot reserved for the item in progress (its info file is already written).
    current: dict[str, Any] | None = None
    done: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        what = (
            display(os.path.basename(self.paths[0])) if len(self.paths) == 1 else f"{len(self.paths)} items"
        )
        return f"Deleting {what}" if self.permanent else f"Moving {what} to the trash"

    async def run(self, ctx: JobContext) -> None:
        total = len(self.paths)
        while self.cursor < total:
            await ctx.check_interrupt()
            path = self.paths[self.cursor]
            ctx.progress(self.cursor, total, phase="delete" if self.permanent else "trash",
                         message=display(os.path.basename(path)))  # fmt: skip
            try:
                if self.permanent:
                    await self._delete(ctx, path)
                else:
                    await self._trash(ctx, path)
            except (OSError, FileOperationError) as e:
                self.failed.append(failure(path, path, e))
            self.current = None
            self.cursor += 1
            await ctx.checkpoint()
        ctx.progress(total, total, phase="delete" if self.permanent else "trash")
        if self.failed:
            await ctx.checkpoint(force=True)
            first = self.failed[0]["message"]
            raise ItemsFailed(f"{len(self.failed)} of {total} item(s) were not deleted: {first}")

    async def _delete(self, ctx: JobContext, path: bytes) -> None:
        if not await asyncio.to_thread(os.path.lexists, path):
            raise SourceVanished(f"{display(path)} does not exist")
        await asyncio.to_thread(remove_tree, path)
        self.done.append({"path": path})
        await notify(ctx.library, "file_removed", path)

    async def _trash(self, ctx: JobContext, path: bytes) -> None:
        if self.current is None:
            if not await asyncio.to_thread(os.path.lexists, path):
                raise SourceVanished(f"{display(path)} does not exist")
            item = await asyncio.to_thread(trash.reserve, path)
            self.current = {"name": item.name, "trash_dir": item.trash_dir, "deleted_at": item.deleted_at}
            await ctx.checkpoint(force=True)
        item = trash.TrashedItem(
            self.current["name"], self.current["trash_dir"], path, self.current["deleted_at"]
        )
        if not await asyncio.to_thread(os.path.lexists, item.file):
            if not await asyncio.to_thread(os.path.lexists, path):
                await asyncio.to_thread(trash.purge, item)  # only the orphan info file is left
                raise SourceVanished(f"{display(path)} does not exist")
            await asyncio.to_thread(trash.move_in, item)
        self.done.append(
            {
                "path": path,
                "trash_name": item.name,
                "trash_dir": item.trash_dir,
                "identity": await asyncio.to_thread(identity, item.file),
            }  # fmt: skip
        )
        # A move, not a removal: a tagged file keeps its tags in the trash (a loose entry) and has them
        # back when it is restored.
        await notify(ctx.library, "file_moved", path, item.file)
