"""Content identity compatible with Spacedrive V2: sampled BLAKE3 ``cas_id`` and full-file hashes.

``cas_id`` = the first 16 hex chars of BLAKE3 over the size (little-endian u64) then the data. Files of
at most ``SAMPLE_THRESHOLD`` bytes are hashed whole; larger ones by a header, four evenly spaced samples
and a footer, so a 10 GiB video costs the same 57 KiB of reads as a 200 KiB photo. The sampled id finds
duplicates fast; anything destructive confirms with ``full_hash_of_file`` first (DESIGN.md section 5).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import multiprocessing
import os
import stat
import struct
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Self, TypeVar

from blake3 import blake3

from spacedrive.domain.kinds import ContentKind
from spacedrive.infrastructure.fs.kinds import SNIFF_SIZE, detect_kind
from spacedrive.infrastructure.processes import bare_main

__all__ = [
    "SAMPLE_THRESHOLD",
    "ContentHasher",
    "HashResult",
    "Identity",
    "cas_id_of_bytes",
    "cas_id_of_file",
    "full_hash_of_file",
]

#: Files up to this size are hashed whole.
SAMPLE_THRESHOLD = 102_400
_HEADER_OR_FOOTER = 8_192
_SAMPLE_SIZE = 10_240
_SAMPLE_COUNT = 4
_CAS_ID_BYTES = 8  # 16 hex chars
_FULL_HASH_BLOCK = 1 << 20

# O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: a symlink is never hashed as its
# target (the target has its own entry). Both are absent on Windows, where neither case arises this way.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_pack_size = struct.Struct("<Q").pack

PathArg = str | bytes | os.PathLike[str] | os.PathLike[bytes]
#: (cas_id, error): one is set, or neither for an empty file.
HashResult = tuple[str | None, str | None]
#: (cas_id, kind, mime, error)
Identity = tuple[str | None, ContentKind | None, str | None, str | None]
_R = TypeVar("_R")


def _sample_ranges(size: int) -> list[tuple[int, int]]:
    """(offset, length) of the parts of a file larger than ``SAMPLE_THRESHOLD`` that enter its cas_id."""
    jump = (size - 2 * _HEADER_OR_FOOTER) // _SAMPLE_COUNT
    return [
        (0, _HEADER_OR_FOOTER),
        *((_HEADER_OR_FOOTER + i * jump, _SAMPLE_SIZE) for i in range(_SAMPLE_COUNT)),
        (size - _HEADER_OR_FOOTER, _HEADER_OR_FOOTER),
    ]


def cas_id_of_bytes(data: bytes) -> str | None:
    """The cas_id ``data`` would have as a file; None for empty data."""
    size = len(data)
    if size == 0:
        return None
    if size <= SAMPLE_THRESHOLD:
        return blake3(_pack_size(size) + data).hexdigest(_CAS_ID_BYTES)
    hasher = blake3(_pack_size(size))
    view = memoryview(data)
    for offset, length in _sample_ranges(size):
        hasher.update(view[offset : offset + length])
    return hasher.hexdigest(_CAS_ID_BYTES)


def _open_regular(path: PathArg) -> tuple[int, int]:
    """Open ``path`` for reading without following a final symlink or blocking; return (fd, size)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        if e.errno == errno.ELOOP and os.path.islink(path):
            raise OSError(errno.ELOOP, "is a symbolic link", os.fsdecode(path)) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fsdecode(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def _changed(path: PathArg) -> OSError:
    return OSError(errno.EIO, "file changed while hashing", os.fsdecode(path))


def cas_id_of_file(path: PathArg) -> str | None:
    """The cas_id of the regular file at ``path``; None when it is empty.

    Raises OSError for anything that is not a regular file (directory, FIFO, device, symlink) and when
    the file shrinks while it is read.
    """
    return _read_cas_id(path)[0]


def _read_cas_id(path: PathArg) -> tuple[str | None, bytes]:
    """The cas_id and the first bytes read (the whole file when small), for kind detection."""
    fd, size = _open_regular(path)
    try:
        if size == 0:
            return None, b""
        if size <= SAMPLE_THRESHOLD:
            data = os.pread(fd, size, 0)
            if len(data) != size:
                raise _changed(path)
            return blake3(_pack_size(size) + data).hexdigest(_CAS_ID_BYTES), data
        hasher = blake3(_pack_size(size))
        header = b""
        for offset, length in _sample_ranges(size):
            chunk = os.pread(fd, length, offset)
            if len(chunk) != length:
                raise _changed(path)
            hasher.update(chunk)
            header = header or chunk
        return hasher.hexdigest(_CAS_ID_BYTES), header
    finally:
        os.close(fd)


def full_hash_of_file(path: PathArg) -> str:
    """Full BLAKE3 (64 hex chars) of the whole file, for copy verification and destructive dedupe."""
    # A plain read loop, one thread: ~4 GB/s warm here, like `b3sum --num-threads 1`. Multithreaded
    # update_mmap measured 1.3-1.5x faster but dies of SIGBUS if another program truncates the file
    # mid-hash; larger reads with blake3's threads were slower than this.
    fd, _size = _open_regular(path)
    try:
        hasher = blake3()
        buf = bytearray(_FULL_HASH_BLOCK)
        view = memoryview(buf)
        while n := os.readv(fd, [buf]):
            hasher.update(view[:n])
        return hasher.hexdigest()
    finally:
        os.close(fd)


def _error_text(e: OSError | ValueError) -> str:
    return (e.strerror if isinstance(e, OSError) else None) or str(e)


def _read_as_indexed(path: bytes, size: int) -> bytes | None:
    """The whole content of a file the index says is a regular file of ``size`` bytes (at most
    ``SAMPLE_THRESHOLD``), or None when it is not that any more (or cannot be read): the caller then
    takes the careful path, which tells why.

    One read of ``size + 1`` bytes and no ``fstat``: the walk that recorded the size saw a regular file
    (lstat), the open follows no symlink and never blocks, and anything else that took the name since
    (a bigger or smaller file, a directory, a FIFO, a device) reads back a different length. This saves
    a quarter of the system-call time of a small file.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError):
        return None
    try:
        data = os.read(fd, size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) == size else None


def _hash_batch(paths: Sequence[bytes], sizes: Sequence[int] | None = None) -> list[HashResult]:
    """Worker body of ``ContentHasher.hash_files``."""
    out: list[HashResult] = []
    append = out.append
    for i, path in enumerate(paths):
        if sizes is not None and 0 < (size := sizes[i]) <= SAMPLE_THRESHOLD:
            data = _read_as_indexed(path, size)
            if data is not None:
                append((blake3(_pack_size(size) + data).hexdigest(_CAS_ID_BYTES), None))
                continue
        try:
            append((cas_id_of_file(path), None))
        except (OSError, ValueError) as e:  # ValueError: a NUL byte in the name
            append((None, _error_text(e)))
    return out


def _extension(path: bytes) -> str:
    name = os.path.basename(path)
    dot = name.rfind(b".")
    return "" if dot <= 0 else os.fsdecode(name[dot + 1 :])


def _identify_batch(paths: Sequence[bytes], sizes: Sequence[int] | None = None) -> list[Identity]:
    """Worker body of ``ContentHasher.identify_files``: one read serves the hash and the kind."""
    out: list[Identity] = []
    append = out.append
    for i, path in enumerate(paths):
        head = None
        if sizes is not None and 0 < (size := sizes[i]) <= SAMPLE_THRESHOLD:
            head = _read_as_indexed(path, size)
            if head is not None:
                cas_id: str | None = blake3(_pack_size(size) + head).hexdigest(_CAS_ID_BYTES)
        if head is None:
            try:
                cas_id, head = _read_cas_id(path)
            except (OSError, ValueError) as e:
                append((None, None, None, _error_text(e)))
                continue
        kind, mime = detect_kind(_extension(path), head[:SNIFF_SIZE])
        append((cas_id, kind, mime, None))
    return out


def _lower_priority() -> None:
    """Worker initializer: hashing is background work; the GUI and the event loop come first."""
    with contextlib.suppress(AttributeError, OSError):  # no nice() on Windows; a sandbox may forbid it
        os.nice(10)


#: Worker processes at most. Two per core by default: warm, hashing is bound by the CPU and the second
#: process per core costs next to nothing; cold, each worker waits on the disk for one file at a time,
#: and twice the reads in flight hashed 100k cold small files 1.6x as fast here (14.7k -> 23k/s).
MAX_WORKERS = 8


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # a container or taskset may allow fewer than the machine has
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _pool_context() -> multiprocessing.context.BaseContext:
    # Never "fork": the parent runs threads (asyncio executors, Qt), and forking those is unsafe.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class ContentHasher:
    """Computes cas_ids (and kinds) of many files off the event loop, on every core.

    Large batches go to a process pool (hashing warm small files is bound by the GIL), in chunks big
    enough to amortise the IPC; small batches run in a thread, which is cheaper than a round trip.
    The pool starts on first use and lives until ``close()``; its workers run at a lower priority.
    Per-file failures (vanished, unreadable, not a regular file, changed while read) come back as
    messages; they never fail the batch. As with any process pool, the program's main module must be
    safe to import (``if __name__ == "__main__":``), and a frozen app calls ``freeze_support()``.
    """

    #: Batches smaller than this are hashed in a thread of the loop's default executor.
    THREAD_BATCH = 64
    #: Paths per task sent to a worker: large enough to amortise pickling, small enough to balance.
    MAX_CHUNK = 2_048

    def __init__(self, workers: int | None = None) -> None:
        self._workers = max(1, workers or min(MAX_WORKERS, 2 * _usable_cpus()))
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    async def hash_files(self, paths: list[bytes], sizes: list[int] | None = None) -> list[HashResult]:
        """Per path, in order: ``(cas_id, None)``, ``(None, error_message)``, or ``(None, None)`` if empty.

        ``sizes``, when given, are the sizes an index recorded for the paths (regular files): small files
        that still have that size are then read without an ``fstat`` (``_read_as_indexed``).
        """
        return await self._map(_hash_batch, paths, sizes)

    async def identify_files(self, paths: list[bytes], sizes: list[int] | None = None) -> list[Identity]:
        """Per path, in order: ``(cas_id, kind, mime, None)`` or ``(None, None, None, error_message)``.

        Kind and MIME type come from ``detect_kind`` over the bytes the hash already read; an empty
        file has no cas_id and a kind from its extension. ``sizes`` as for ``hash_files``.
        """
        return await self._map(_identify_batch, paths, sizes)

    async def _map(
        self,
        batch_fn: Callable[[Sequence[bytes], Sequence[int] | None], list[_R]],
        paths: list[bytes],
        sizes: list[int] | None,
    ) -> list[_R]:
        if sizes is not None and len(sizes) != len(paths):
            raise ValueError("one size per path")
        if self._closed:
            raise RuntimeError("ContentHasher is closed")
        loop = asyncio.get_running_loop()
        if len(paths) < self.THREAD_BATCH:
            return await loop.run_in_executor(None, batch_fn, paths, sizes)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._workers, mp_context=_pool_context(), initializer=_lower_priority
            )
        pool = self._pool
        # Four chunks per worker at least, so one slow chunk (a cold directory) does not idle the rest.
        chunk = min(self.MAX_CHUNK, max(self.THREAD_BATCH, -(-len(paths) // (self._workers * 4))))
        with bare_main():  # submitting may start the workers
            futures = [
                loop.run_in_executor(
                    pool, batch_fn, paths[i : i + chunk], None if sizes is None else sizes[i : i + chunk]
                )
                for i in range(0, len(paths), chunk)
            ]
        try:
            chunks = await asyncio.gather(*futures)
        except BrokenProcessPool:
            # A worker died (OOM killer, a signal): the next batch gets a fresh pool, and this one is
            # finished in a thread rather than failed file by file.
            if self._pool is pool:
                self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            return await loop.run_in_executor(None, batch_fn, paths, sizes)
        return [result for chunk in chunks for result in chunk]

    async def close(self) -> None:
        """Stop the worker processes; waits off the loop for them to exit."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
