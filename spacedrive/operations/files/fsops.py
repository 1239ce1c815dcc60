"""Blocking file-system primitives the file operations are built from (run them off the loop).

Temp and aside names, a rename that never replaces, fsync of files, folders and whole file systems,
the identity of a file (to tell later whether it is still the one we put there), "name (2).ext"
names, and the typed error an ``OSError`` means for a user.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import stat
import sys
from collections.abc import Callable
from typing import Any

from spacedrive.errors import (
    FileOperationError,
    InvalidName,
    NotEnoughSpace,
    PermissionDenied,
    ReadOnly,
    SourceVanished,
)
from spacedrive.infrastructure.fs.paths import display, split_name

NAME_MAX = 255
TEMP_TAG = b".sdtmp-"
ASIDE_TAG = b".sdold-"
_RENAME_NOREPLACE = 1
_AT_FDCWD = -100

_libc: Any = None
_libc_loaded = False


def _c() -> Any:
    global _libc, _libc_loaded
    if not _libc_loaded:
        _libc_loaded = True
        name = ctypes.util.find_library("c")
        try:
            _libc = ctypes.CDLL(name, use_errno=True) if name else None
        except OSError:
            _libc = None
    return _libc


def _tagged(path: bytes, tag: bytes, job_id: str) -> bytes:
    folder, name = os.path.split(path.rstrip(b"/"))
    suffix = tag + job_id[:8].encode()
    return os.path.join(folder, b"." + name[: NAME_MAX - 1 - len(suffix)] + suffix)


def temp_path(dst: bytes, job_id: str) -> bytes:
    """Where ``dst`` is written before it is renamed into place: hidden, in the same folder."""
    return _tagged(dst, TEMP_TAG, job_id)


def aside_path(dst: bytes, job_id: str) -> bytes:
    """Where a replaced folder waits while its replacement is renamed into place."""
    return _tagged(dst, ASIDE_TAG, job_id)


def is_temp_name(name: bytes) -> bool:
    return name.startswith(b".") and (TEMP_TAG in name or ASIDE_TAG in name)


def rename_noreplace(src: bytes, dst: bytes) -> None:
    """Rename, failing with ``FileExistsError`` rather than replacing what is at ``dst``.

    ``renameat2(RENAME_NOREPLACE)`` makes the check and the rename one step; where the kernel or the
    file system lacks it, a check then a rename (a small window, as every file manager has).
    """
    libc = _c()
    fn = getattr(libc, "renameat2", None) if libc is not None else None
    if fn is not None:
        if fn(_AT_FDCWD, src, _AT_FDCWD, dst, _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(err, os.strerror(err), os.fsdecode(src), None, os.fsdecode(dst))
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fsdecode(dst))
    os.rename(src, dst)


def fsync_dir(path: bytes) -> None:
    """Make a rename or a new name inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as e:  # some file systems (and tmpfs on old kernels) cannot fsync folders
        if e.errno not in (errno.EINVAL, errno.EROFS):
            raise
    finally:
        os.close(fd)


def syncfs(path: bytes) -> None:
    """Flush the whole file system holding ``path``: one call instead of an fsync per file of a tree."""
    libc = _c()
    fn = getattr(libc, "syncfs", None) if libc is not None else None
    if fn is None:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if fn(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), os.fsdecode(path))
    finally:
        os.close(fd)


def identity(path: bytes) -> list[int] | None:
    """What tells later whether ``path`` is still what we put there; None when nothing is there.

    Files and links: device, inode, size, mtime (ns). Folders: device and inode (their size and mtime
    change whenever something inside does).
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return identity_of(st)


def identity_of(st: os.stat_result) -> list[int]:
    if stat.S_ISDIR(st.st_mode):
        return [st.st_dev, st.st_ino]
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


_NUMBERED = re.compile(rb"^(.*) \((\d+)\)$")


def numbered_name(name: bytes, n: int, is_dir: bool) -> bytes:
    """``name (n).ext``; a name already ending in `` (k)`` is renumbered, not stacked."""
    stem, ext = split_name(name, is_dir)
    m = _NUMBERED.match(stem)
    if m:
        stem = m.group(1)
    tail = b" (%d)" % n + (b"." + ext if ext else b"")
    return stem[: NAME_MAX - len(tail)] + tail


def free_name(path: bytes, is_dir: bool) -> bytes:
    """The first ``name (n).ext`` (n >= 2) that does not exist next to ``path``."""
    folder, name = os.path.split(path)
    m = _NUMBERED.match(split_name(name, is_dir)[0])
    n = int(m.group(2)) + 1 if m else 2
    while True:
        candidate = os.path.join(folder, numbered_name(name, n, is_dir))
        if not os.path.lexists(candidate):
            return candidate
        n += 1


def check_name(name: bytes) -> bytes:
    """A valid single file name, or ``InvalidName`` saying why not."""
    if not name:
        raise InvalidName("a name cannot be empty")
    if b"/" in name or b"\0" in name:
        raise InvalidName(f"{display(name)!r}: a name cannot contain '/' or NUL")
    if name in (b".", b".."):
        raise InvalidName(f"{display(name)!r} is not a usable name")
    if len(name) > NAME_MAX:
        raise InvalidName(f"a name is at most {NAME_MAX} bytes ({len(name)} given)")
    return name


def remove_tree(path: bytes) -> None:
    """Delete a file, link or folder tree; read-only folders inside are made writable first."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path)
        return

    def retry(fn: Callable[..., Any], p: Any, _exc: Any) -> None:
        parent = os.path.dirname(p)
        os.chmod(parent, os.lstat(parent).st_mode | stat.S_IWUSR | stat.S_IXUSR)
        fn(p)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry)
    else:
        shutil.rmtree(path, onerror=retry)


def tree_size(path: bytes) -> tuple[int, int, int]:
    """(files, folders, bytes) under ``path`` (itself included); links and specials count as files."""
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        return 1, 0, st.st_size if stat.S_ISREG(st.st_mode) else 0
    files, folders, size = 0, 1, 0
    stack = [path]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    folders += 1
                    stack.append(entry.path)
                else:
                    files += 1
                    if entry.is_file(follow_symlinks=False):
                        size += entry.stat(follow_symlinks=False).st_size
    return files, folders, size


def is_within(inner: bytes, outer: bytes) -> bool:
    outer = outer.rstrip(b"/") or b"/"
    return inner == outer or inner.startswith(outer if outer.endswith(b"/") else outer + b"/")


def error_for(e: OSError, src: bytes, dst: bytes) -> FileOperationError:
    """The typed error a user should see for ``e`` while copying ``src`` to ``dst``."""
    where = display(dst)
    if e.errno == errno.ENOSPC or e.errno == errno.EDQUOT:
        return NotEnoughSpace(f"no space left to write {where}")
    if e.errno == errno.EROFS:
        return ReadOnly(f"{display(os.path.dirname(dst))} is on a read-only file system")
    if e.errno in (errno.EACCES, errno.EPERM):
        culprit = os.fsencode(e.filename) if e.filename else dst
        return PermissionDenied(f"permission denied: {display(culprit)}")
    if e.errno == errno.ENOENT and (e.filename is None or os.fsencode(e.filename).startswith(src)):
        gone = os.fsencode(e.filename) if e.filename else src
        return SourceVanished(f"{display(gone)} disappeared while it was being worked on")
    if e.errno == errno.ENAMETOOLONG:
        return InvalidName(f"the name is too long for {display(os.path.dirname(dst))}")
    return FileOperationError(f"{where}: {e.strerror or e}")
