"""How one file's bytes get from source to destination, and how the result is checked.

Strategy per pair (DESIGN.md section 7): a move on one volume is a rename (no bytes move); a copy on
one volume first tries a reflink clone (``FICLONE``: Btrfs, XFS, bcachefs share the blocks until one
side changes) and falls back silently where the file system says no; otherwise the kernel copies
(``copy_file_range``, then ``sendfile``) in large chunks, and plain read/write is the last resort.
With verification the bytes pass through Python once, hashed on the way, and the destination is then
dropped from the page cache and read back from disk to be hashed again.
"""

from __future__ import annotations

import enum
import errno
import fcntl
import os
import threading

from blake3 import blake3

from spacedrive.errors import SourceVanished, VerifyFailed
from spacedrive.infrastructure.fs.content_id import full_hash_of_file
from spacedrive.infrastructure.fs.paths import display
from spacedrive.infrastructure.fs.writeback import Writeback

#: ``_IOW(0x94, 9, int)``: clone all of one file's extents into another (Linux).
FICLONE = 0x40049409
#: Bytes per kernel copy call: large enough to be fast, small enough to pause and cancel promptly.
KERNEL_CHUNK = 32 << 20
#: Buffer of the read/write path (verification, or where the kernel cannot copy).
BUFFER = 4 << 20

_NOT_SUPPORTED = {errno.EOPNOTSUPP, errno.ENOTTY, errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EBADF}


class Strategy(enum.StrEnum):
    RENAME = "rename"
    CLONE = "clone"
    STREAM = "stream"


def choose(src_dev: int, dst_dev: int, move: bool) -> Strategy:
    """The first strategy to try for a pair of devices; clone and rename fall back on refusal."""
    if src_dev == dst_dev:
        return Strategy.RENAME if move else Strategy.CLONE
    return Strategy.STREAM


class Interrupted(Exception):
    """The job asked the copying thread to stop (cancel, or the process is closing)."""


class Control:
    """Shared between a job and the thread doing its I/O: byte/file counters, stop and pause."""

    def __init__(self) -> None:
        self.bytes = 0
        self.files = 0
        self.stop = False
        self.running = threading.Event()
        self.running.set()

    def add(self, n: int) -> None:
        """Count ``n`` bytes done; a pause and cancel point between chunks."""
        self.bytes += n
        if not self.running.is_set():
            self.running.wait()
        if self.stop:
            raise Interrupted()


#: Devices whose file system refused a clone: not asked again for every file of a tree.
_NO_CLONE: set[int] = set()


def try_clone(src_fd: int, dst_fd: int, device: int = -1) -> bool:
    """Reflink ``src_fd`` into ``dst_fd``; False when this file system (or this pair) cannot."""
    if device in _NO_CLONE:
        return False
    try:
        fcntl.ioctl(dst_fd, FICLONE, src_fd)
    except OSError as e:
        if e.errno in _NOT_SUPPORTED:
            _NO_CLONE.add(device)
            return False
        raise
    return True


def kernel_copy(src_fd: int, dst_fd: int, control: Control) -> int:
    """Copy with ``copy_file_range`` (or ``sendfile``, or read/write); returns the bytes copied."""
    total = 0
    use_range = hasattr(os, "copy_file_range")
    writeback = Writeback(dst_fd)
    while True:
        try:
            if use_range:
                n = os.copy_file_range(src_fd, dst_fd, KERNEL_CHUNK)
            else:
                n = os.sendfile(dst_fd, src_fd, None, KERNEL_CHUNK)
        except OSError as e:
            if e.errno not in _NOT_SUPPORTED or total:
                raise
            if use_range:
                use_range = False  # EXDEV across file system types on Linux >= 5.19
                continue
            return stream_copy(src_fd, dst_fd, control)
        if n == 0:
            return total
        total += n
        writeback.wrote(n)
        control.add(n)


def stream_copy(src_fd: int, dst_fd: int, control: Control, hasher: blake3 | None = None) -> int:
    """Read/write with a large buffer, feeding ``hasher`` on the way."""
    buf = bytearray(BUFFER)
    view = memoryview(buf)
    total = 0
    writeback = Writeback(dst_fd)
    while n := os.readv(src_fd, [buf]):
        chunk = view[:n]
        if hasher is not None:
            hasher.update(chunk)
        written = 0
        while written < n:
            written += os.write(dst_fd, chunk[written:])
        total += n
        writeback.wrote(n)
        control.add(n)
    return total


def copy_file(
    src: bytes,
    dst: bytes,
    control: Control,
    *,
    clone: bool,
    verify: bool,
    sync: bool = True,
    truncate: bool = False,
) -> None:
    """Copy a regular file's bytes, mode and times to ``dst`` (a new name unless ``truncate``).

    ``sync`` fsyncs it (a tree written into a temp folder is flushed once, by ``syncfs``). With
    ``verify`` the destination is read back from disk and must hash like the source did.
    """
    src_fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(src_fd)
        flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        flags |= os.O_TRUNC if truncate else os.O_EXCL
        dst_fd = os.open(dst, flags, 0o600)
        try:
            source_hash = None
            if verify:
                hasher = blake3()
                copied = stream_copy(src_fd, dst_fd, control, hasher)
                source_hash = hasher.hexdigest()
            elif clone and try_clone(src_fd, dst_fd, st.st_dev):
                copied = st.st_size
                control.add(copied)
            else:
                copied = kernel_copy(src_fd, dst_fd, control)
            if copied != st.st_size:
                raise SourceVanished(f"{display(src)} changed size while it was being copied")
            os.fchmod(dst_fd, st.st_mode & 0o7777)
            os.utime(dst_fd, ns=(st.st_atime_ns, st.st_mtime_ns))
            if sync or verify:
                os.fsync(dst_fd)
        finally:
            os.close(dst_fd)
        if source_hash is not None and read_back(dst) != source_hash:
            raise VerifyFailed(f"{display(dst)} does not read back like {display(src)}; it was not kept")
    finally:
        os.close(src_fd)
    _check_still_there(src, st)
    control.files += 1


def _check_still_there(src: bytes, st: os.stat_result) -> None:
    try:
        now = os.lstat(src)
    except FileNotFoundError:
        raise SourceVanished(f"{display(src)} disappeared while it was being copied") from None
    if now.st_ino != st.st_ino or now.st_size != st.st_size or now.st_mtime_ns != st.st_mtime_ns:
        raise SourceVanished(f"{display(src)} changed while it was being copied")


def read_back(path: bytes) -> str:
    """Full BLAKE3 of ``path`` as stored: its cached pages are dropped first, so the read hits the disk."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return full_hash_of_file(path)


def copy_metadata(src_st: os.stat_result, dst: bytes) -> None:
    """Mode and times of a folder or link (files get theirs through their descriptor)."""
    if not os.path.islink(dst):
        os.chmod(dst, src_st.st_mode & 0o7777)
    os.utime(dst, ns=(src_st.st_atime_ns, src_st.st_mtime_ns), follow_symlinks=False)
