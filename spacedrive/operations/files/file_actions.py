"""The file operations as Actions: validate, preview, commit (a job, or done inline when instant).

``ActionManager.run`` calls them in that order and keeps the audit log; the GUI and the CLI build them
through the manager's shortcuts (``copy``, ``move``, ``rename``...). Paths are absolute raw bytes.
"""

from __future__ import annotations

import asyncio
import os
import stat
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from spacedrive.errors import (
    DestinationExists,
    DestinationInvalid,
    InvalidArgument,
    PermissionDenied,
    ReadOnly,
    RestoreConflict,
    SourceNotFound,
)
from spacedrive.infrastructure.fs.paths import display, exact
from spacedrive.infrastructure.jobs import Job
from spacedrive.operations.files import trash
from spacedrive.operations.files.conflicts import POLICIES, Choice
from spacedrive.operations.files.fsops import (
    check_name,
    fsync_dir,
    identity,
    is_within,
    rename_noreplace,
    tree_size,
)
from spacedrive.operations.files.jobs import DeleteJob, TransferJob


@dataclass(frozen=True, slots=True)
class Preview:
    """What an action will do: items, bytes, conflicts, and the space it needs against what is free."""

    files: int = 0
    folders: int = 0
    size: int = 0
    #: Bytes the destination volume must take (a rename needs none).
    bytes_needed: int = 0
    free_bytes: int | None = None
    #: (source, what already exists where it would go)
    conflicts: tuple[tuple[bytes, bytes], ...] = ()

    @property
    def fits(self) -> bool:
        return self.free_bytes is None or self.bytes_needed <= self.free_bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "folders": self.folders,
            "bytes": self.size,
            "bytes_needed": self.bytes_needed,
            "free_bytes": self.free_bytes,
            "fits": self.fits,
            "conflicts": [{"source": exact(s), "destination": exact(d)} for s, d in self.conflicts],
        }


@dataclass(frozen=True, slots=True)
class Done:
    """An action's commit: the job it queued, or the paths an inline action produced."""

    job: Job | None = None
    paths: tuple[bytes, ...] = ()
    #: For undo: what each inline step did, as (before, after, identity of after).
    steps: tuple[tuple[bytes, bytes, list[int] | None], ...] = ()


class FileAction(ABC):
    #: "user", or "undo"/"redo" when the undo stack runs it (then it is not a new undoable step).
    origin: str

    @property
    @abstractmethod
    def action_name(self) -> str:
        """The audit log's action name ("file.copy")."""

    @abstractmethod
    def targets(self) -> dict[str, Any]:
        """What the action is about, as JSON for the audit log."""

    @abstractmethod
    def check(self) -> None:
        """Validate (blocking: runs in a thread); raise a typed error saying what is wrong."""

    def measure(self) -> Preview:
        """Preview (blocking); actions that write nothing new have nothing to measure."""
        return Preview()

    @abstractmethod
    def commit(self) -> Done:
        """Do it inline, or build the job that does it (blocking)."""

    async def validate(self) -> None:
        await asyncio.to_thread(self.check)

    async def preview(self) -> Preview:
        return await asyncio.to_thread(self.measure)


def _exists(path: bytes) -> os.stat_result:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        raise SourceNotFound(f"{display(path)} does not exist") from None


def _writable_folder(path: bytes) -> os.stat_result:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DestinationInvalid(f"{display(path)} does not exist") from None
    if not stat.S_ISDIR(st.st_mode):
        raise DestinationInvalid(f"{display(path)} is not a folder")
    if os.statvfs(path).f_flag & os.ST_RDONLY:
        raise ReadOnly(f"{display(path)} is on a read-only file system")
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionDenied(f"you cannot write in {display(path)}")
    return st


@dataclass
class TransferAction(FileAction):
    """Copy, move or duplicate: ``pairs`` of [source, destination path] (see ``transfer_pairs``)."""

    operation: str
    pairs: list[list[bytes]]
    file_policy: str = "ask"
    folder_policy: str = "ask"
    verify: bool = False
    origin: str = "user"

    @property
    def action_name(self) -> str:
        return f"file.{self.operation}"

    def targets(self) -> dict[str, Any]:
        return {
            "pairs": [[exact(s), exact(d)] for s, d in self.pairs],
            "conflict": [self.file_policy, self.folder_policy],
            "verify": self.verify,
        }

    def check(self) -> None:
        if self.operation not in ("copy", "move", "duplicate"):
            raise InvalidArgument(f"unknown transfer {self.operation!r}")
        if self.file_policy not in POLICIES or self.file_policy == Choice.MERGE:
            raise InvalidArgument(f"{self.file_policy!r} is not a policy for files")
        if self.folder_policy not in POLICIES:
            raise InvalidArgument(f"unknown conflict policy {self.folder_policy!r}")
        if not self.pairs:
            raise InvalidArgument("nothing to copy or move")
        for src, dst in self.pairs:
            src_st = _exists(src)
            check_name(os.path.basename(dst))
            _writable_folder(os.path.dirname(dst))
            if stat.S_ISDIR(src_st.st_mode) and is_within(dst, src) and dst != src:
                raise DestinationInvalid(f"cannot put {display(src)} inside itself")

    def measure(self) -> Preview:
        files = folders = size = needed = 0
        conflicts = []
        for src, dst in self.pairs:
            f, d, b = tree_size(src)
            files, folders, size = files + f, folders + d, size + b
            same_volume = os.lstat(src).st_dev == os.stat(os.path.dirname(dst)).st_dev
            if not (self.operation == "move" and same_volume):
                needed += b
            if self.operation != "duplicate" and src != dst and os.path.lexists(dst):
                conflicts.append((src, dst))
        folder = os.path.dirname(self.pairs[0][1])
        vfs = os.statvfs(folder)
        return Preview(files, folders, size, needed, vfs.f_bavail * vfs.f_frsize, tuple(conflicts))

    def commit(self) -> Done:
        return Done(
            job=TransferJob(
                operation=self.operation,
                pairs=[list(p) for p in self.pairs],
                file_policy=self.file_policy,
                folder_policy=self.folder_policy,
                verify=self.verify,
                origin=self.origin,
            )
        )


def transfer_pairs(sources: list[bytes], destination: bytes) -> list[list[bytes]]:
    """[source, destination/name] for sources dropped into the folder ``destination``."""
    return [[src, os.path.join(destination, os.path.basename(src.rstrip(b"/")))] for src in sources]


@dataclass
class DeleteAction(FileAction):
    paths: list[bytes]
    permanent: bool = False
    origin: str = "user"

    @property
    def action_name(self) -> str:
        return "file.delete" if self.permanent else "file.trash"

    def targets(self) -> dict[str, Any]:
        return {"paths": [exact(p) for p in self.paths], "permanent": self.permanent}

    def check(self) -> None:
        if not self.paths:
            raise InvalidArgument("nothing to delete")
        for path in self.paths:
            _exists(path)
            if path == b"/" or path == os.fsencode(os.path.expanduser("~")):
                raise InvalidArgument(f"refusing to delete {display(path)}")
            _writable_folder(os.path.dirname(path))

    def measure(self) -> Preview:
        totals = [tree_size(p) for p in self.paths]
        return Preview(sum(t[0] for t in totals), sum(t[1] for t in totals), sum(t[2] for t in totals))

    def commit(self) -> Done:
        return Done(job=DeleteJob(paths=list(self.paths), permanent=self.permanent, origin=self.origin))


@dataclass
class RenameAction(FileAction):
    path: bytes
    new_name: bytes
    origin: str = "user"

    @property
    def action_name(self) -> str:
        return "file.rename"

    def targets(self) -> dict[str, Any]:
        return {"path": exact(self.path), "new_name": exact(self.new_name)}

    @property
    def target(self) -> bytes:
        return os.path.join(os.path.dirname(self.path), self.new_name)

    def check(self) -> None:
        _exists(self.path)
        check_name(self.new_name)
        _writable_folder(os.path.dirname(self.path))
        if os.path.lexists(self.target) and self.target != self.path:
            raise DestinationExists(f"{display(self.target)} already exists")

    def commit(self) -> Done:
        try:
            rename_noreplace(self.path, self.target)
        except FileExistsError:
            raise DestinationExists(f"{display(self.target)} already exists") from None
        fsync_dir(os.path.dirname(self.target))
        return Done(paths=(self.target,), steps=((self.path, self.target, identity(self.target)),))


@dataclass
class CreateAction(FileAction):
    """A new folder, or a new empty file (``folder=False``), named ``name`` in ``parent``."""

    parent: bytes
    name: bytes
    folder: bool = True
    origin: str = "user"

    @property
    def action_name(self) -> str:
        return "file.mkdir" if self.folder else "file.touch"

    @property
    def target(self) -> bytes:
        return os.path.join(self.parent, self.name)

    def targets(self) -> dict[str, Any]:
        return {"path": exact(self.target)}

    def check(self) -> None:
        check_name(self.name)
        _writable_folder(self.parent)
        if os.path.lexists(self.target):
            raise DestinationExists(f"{display(self.target)} already exists")

    def commit(self) -> Done:
        try:
            if self.folder:
                os.mkdir(self.target)
            else:
                os.close(os.open(self.target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666))
        except FileExistsError:
            raise DestinationExists(f"{display(self.target)} already exists") from None
        fsync_dir(self.parent)
        return Done(paths=(self.target,), steps=((b"", self.target, identity(self.target)),))


@dataclass
class RestoreAction(FileAction):
    """Put trashed items back: by their path in the trash, their trash name or where they were."""

    refs: list[bytes]
    origin: str = "user"
    _items: list[trash.TrashedItem] = field(default_factory=list)

    @property
    def action_name(self) -> str:
        return "file.restore"

    def targets(self) -> dict[str, Any]:
        return {"refs": [exact(r) for r in self.refs]}

    def check(self) -> None:
        self._items = [trash.find(ref) for ref in self.refs]
        for item in self._items:
            if os.path.lexists(item.original):
                raise RestoreConflict(
                    f"cannot restore {display(item.original)}: something else is there now; "
                    "move or rename it, then restore again"
                )

    def commit(self) -> Done:
        steps = []
        for item in self._items:
            path = trash.restore(item)
            steps.append((item.file, path, identity(path)))
        return Done(paths=tuple(s[1] for s in steps), steps=tuple(steps))
