"""Copying or moving one item (a file, a link or a whole folder tree) so that nothing is ever lost.

The protocol (docs/file-operations.md): the item is written under a hidden temp name in the
destination folder; a tree is built entirely inside its temp folder, so it appears complete or not at
all. Files are fsynced (a tree's file system is flushed once with ``syncfs``), the temp is renamed into
place (never over something we did not decide to replace) and the folder is fsynced. Only then does
a move remove its source. A replaced folder is first renamed aside and deleted once its replacement
is in place. Everything here blocks: the job runs it in a worker thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from dataclasses import dataclass
from typing import Any

from spacedrive.errors import FileOperationError, SourceVanished
from spacedrive.infrastructure.fs.content_id import cas_id_of_file
from spacedrive.infrastructure.fs.paths import display
from spacedrive.operations.files.fsops import (
    fsync_dir,
    identity,
    remove_tree,
    rename_noreplace,
    syncfs,
    tree_size,
)
from spacedrive.operations.files.strategies import Control, Strategy, choose, copy_file, copy_metadata


@dataclass(slots=True)
class Item:
    """One decided item of a copy or move: where it goes, under which temp name, replacing what."""

    src: bytes
    dst: bytes
    tmp: bytes
    aside: bytes
    #: "new" (nothing was at ``dst``) or "replace" (``old`` is the identity of what was there).
    how: str
    old: list[int] | None
    move: bool
    verify: bool

    def to_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        return cls(**data)


def transfer(item: Item, control: Control) -> dict[str, Any]:
    """Copy or move ``item``; returns what was done (for the job's record, undo and the library)."""
    try:
        st = os.lstat(item.src)
    except FileNotFoundError:
        raise SourceVanished(f"{display(item.src)} no longer exists") from None
    dst_dir = os.path.dirname(item.dst)
    strategy = choose(st.st_dev, os.stat(dst_dir).st_dev, item.move)
    if strategy is Strategy.RENAME:
        try:
            _place(item.src, item, src_is_dir=stat.S_ISDIR(st.st_mode))
        except OSError as e:
            if e.errno != errno.EXDEV:  # another mount of the same file system: copy instead
                raise
            strategy = Strategy.STREAM
        else:
            fsync_dir(dst_dir)
            _count(item.dst, control)
            return _record(item, st, strategy)
    clone = strategy is Strategy.CLONE
    if stat.S_ISDIR(st.st_mode):
        copy_tree(item.src, item.tmp, control, clone=clone, verify=item.verify)
        syncfs(item.tmp)
    else:
        remove_tree(item.tmp)  # a file's temp from an interrupted run starts over
        copy_leaf(item.src, item.tmp, st, control, clone=clone, verify=item.verify, sync=True)
    _place(item.tmp, item, src_is_dir=stat.S_ISDIR(st.st_mode))
    fsync_dir(dst_dir)
    if item.move:
        remove_tree(item.src)
    return _record(item, st, strategy)


def finish_interrupted(item: Item) -> dict[str, Any] | None:
    """After a kill: complete ``item`` if it had been put in place (returns its record), else None.

    It was placed when its temp is gone and what is at ``dst`` is not what was there before. A move
    then removes its source, but only if the destination is plainly the same item.
    """
    if os.path.lexists(item.tmp) or identity(item.dst) in (None, item.old):
        return None
    dst_st = os.lstat(item.dst)
    remove_tree(item.aside)
    if item.move and os.path.lexists(item.src):
        src_st = os.lstat(item.src)
        same_kind = stat.S_IFMT(src_st.st_mode) == stat.S_IFMT(dst_st.st_mode)
        same_file = stat.S_ISDIR(src_st.st_mode) or (
            src_st.st_size == dst_st.st_size and src_st.st_mtime_ns == dst_st.st_mtime_ns
        )
        if not (same_kind and same_file):
            raise FileOperationError(
                f"{display(item.dst)} differs from {display(item.src)}; the source was kept"
            )
        remove_tree(item.src)
    return _record(item, dst_st, Strategy.STREAM)


def discard(item: Item) -> None:
    """Remove what an abandoned item left: its temp, and an aside folder put back if still needed."""
    remove_tree(item.tmp)
    if os.path.lexists(item.aside):
        if os.path.lexists(item.dst):
            remove_tree(item.aside)
        else:
            os.rename(item.aside, item.dst)


def _place(new: bytes, item: Item, src_is_dir: bool) -> None:
    """Rename ``new`` to ``item.dst``: never over anything for "new", safely over ``old`` for "replace"."""
    if item.how == "new":
        rename_noreplace(new, item.dst)
        return
    dst_is_dir = os.path.isdir(item.dst) and not os.path.islink(item.dst)
    if not os.path.lexists(item.aside):
        if not src_is_dir and not dst_is_dir:
            os.rename(new, item.dst)  # atomic: the old file stays until the new one replaces it
            return
        with contextlib.suppress(FileNotFoundError):
            os.rename(item.dst, item.aside)
    os.rename(new, item.dst)
    remove_tree(item.aside)


def _count(path: bytes, control: Control) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        files, _folders, size = tree_size(path)
        control.files += files
        control.bytes += size
    else:
        control.files += 1
        control.bytes += st.st_size if stat.S_ISREG(st.st_mode) else 0


def _record(item: Item, src_st: os.stat_result, strategy: Strategy) -> dict[str, Any]:
    is_file = stat.S_ISREG(src_st.st_mode)
    cas_id = None
    if is_file:
        try:
            cas_id = cas_id_of_file(item.dst)  # ~58 KB of reads, from the page cache just written
        except OSError:
            cas_id = None
    return {
        "src": item.src,
        "dst": item.dst,
        "replaced": item.how == "replace",
        "dir": stat.S_ISDIR(src_st.st_mode),
        "identity": identity(item.dst),
        "cas_id": cas_id,
        "strategy": strategy.value,
    }


def copy_leaf(
    src: bytes,
    dst: bytes,
    st: os.stat_result,
    control: Control,
    *,
    clone: bool,
    verify: bool,
    sync: bool,
    truncate: bool = False,
) -> None:
    """A file, link or FIFO to a new name ``dst`` (sockets and device nodes are not copied)."""
    mode = st.st_mode
    if stat.S_ISREG(mode):
        copy_file(src, dst, control, clone=clone, verify=verify, sync=sync, truncate=truncate)
        return
    if stat.S_ISLNK(mode):
        if truncate and os.path.lexists(dst):
            os.unlink(dst)
        os.symlink(os.readlink(src), dst)
    elif stat.S_ISFIFO(mode):
        if truncate and os.path.lexists(dst):
            os.unlink(dst)
        os.mkfifo(dst, mode & 0o7777)
    else:
        raise FileOperationError(f"{display(src)} is a socket or device node; those are not copied")
    copy_metadata(st, dst)
    control.files += 1


def copy_tree(src: bytes, dst: bytes, control: Control, *, clone: bool, verify: bool) -> None:
    """Copy the tree ``src`` into ``dst``, continuing a partial ``dst`` left by an interrupted run.

    ``dst`` is our private temp folder, so a file already there with the source's size and mtime is
    one we finished; anything else there is overwritten. Folder modes and times are set last, deepest
    first (creating children changes a folder's mtime, and a read-only folder could not be filled).
    """
    root_st = os.lstat(src)
    folders: list[tuple[os.stat_result, bytes]] = [(root_st, dst)]
    stack = [(src, dst, _make_writable_dir(dst))]
    while stack:
        src_dir, dst_dir, fresh = stack.pop()
        with os.scandir(src_dir) as it:
            entries = list(it)
        for entry in entries:
            target = os.path.join(dst_dir, entry.name)
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                raise SourceVanished(f"{display(entry.path)} disappeared while it was being copied") from None
            if stat.S_ISDIR(st.st_mode):
                folders.append((st, target))
                stack.append((entry.path, target, _make_writable_dir(target)))
                continue
            if not fresh and stat.S_ISREG(st.st_mode) and _finished(target, st):
                control.files += 1
                control.add(st.st_size)
                continue
            copy_leaf(
                entry.path, target, st, control, clone=clone, verify=verify, sync=False, truncate=not fresh
            )
    for st, path in reversed(folders):
        copy_metadata(st, path)


def _make_writable_dir(path: bytes) -> bool:
    """A folder we can fill: new (True), or left by an interrupted run, which may have made it
    read-only and whose files are checked one by one (False)."""
    try:
        os.mkdir(path, 0o700)
        return True
    except FileExistsError:
        if not os.path.isdir(path) or os.path.islink(path):
            os.unlink(path)
            os.mkdir(path, 0o700)
            return True
        os.chmod(path, 0o700)
        return False


def _finished(target: bytes, st: os.stat_result) -> bool:
    try:
        done = os.lstat(target)
    except FileNotFoundError:
        return False
    return stat.S_ISREG(done.st_mode) and done.st_size == st.st_size and done.st_mtime_ns == st.st_mtime_ns
