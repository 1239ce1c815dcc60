"""The two byte pumps of Spacedrop, run on worker threads over a blocking ``Channel``.

Each pump is a two-stage pipeline over a few reused 4 MiB buffers: on the receiving side one thread
takes bytes off the socket while another writes and hashes the previous buffer; on the sending side
one thread reads and hashes while another puts the previous buffer on the socket. TLS, ``pread``,
``pwrite`` and BLAKE3 all release the GIL on buffers this large, so the two stages really overlap, and
the event loop only hears about progress (at most ten times a second).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import mmap
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator

import blake3

from spacedrive.infrastructure.fs.writeback import Writeback
from spacedrive.infrastructure.net.channel import Channel

BULK_CHUNK = 4 * 1024 * 1024
#: Offsets, lengths and buffers of direct writes are multiples of this (the largest common block size).
DIRECT_ALIGN = 4096
BUFFERS = 3
#: Below this a file moves in one step on one thread (a second thread costs more than it saves).
PIPELINE_FROM = 2 * BULK_CHUNK


class Progress:
    """Counts bytes from worker threads and reports them on the loop at most every ``interval``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, report: Callable[[int], None], interval: float = 0.1):
        self._loop = loop
        self._report = report
        self._interval = interval
        self._pending = 0
        self._last = 0.0
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self._pending += n
            now = time.monotonic()
            if now - self._last < self._interval:
                return
            self._last, n, self._pending = now, self._pending, 0
        self._loop.call_soon_threadsafe(self._report, n)

    def flush(self) -> None:
        with self._lock:
            n, self._pending = self._pending, 0
        if n:
            self._loop.call_soon_threadsafe(self._report, n)


def _read_hashed(
    fd: int, pos: int, length: int, hasher: blake3.blake3, on_short: Callable[[int], BaseException]
) -> Iterator[bytes]:
    """``length`` bytes of ``fd`` from ``pos`` in chunks, each fed to ``hasher`` as it is read;
    ``on_short(at)`` makes the error for a file that ends early."""
    while length:
        chunk = os.pread(fd, min(length, BULK_CHUNK), pos)
        if not chunk:
            raise on_short(pos)
        hasher.update(chunk)
        yield chunk
        pos, length = pos + len(chunk), length - len(chunk)


def hash_prefix(
    fd: int, length: int, hasher: blake3.blake3, on_short: Callable[[int], BaseException]
) -> None:
    """Feed the first ``length`` bytes of ``fd`` to ``hasher`` (a resumed file's part already sent)."""
    for _ in _read_hashed(fd, 0, length, hasher, on_short):
        pass


def _pwrite_all(fd: int, view: memoryview, pos: int) -> None:
    while view:
        written = os.pwrite(fd, view, pos)
        view = view[written:]
        pos += written


def receive_into(
    channel: Channel, fd: int, pos: int, length: int, hasher: blake3.blake3, progress: Progress
) -> None:
    """Take exactly ``length`` bytes off ``channel`` into ``fd`` at ``pos``, hashing them in order.

    Never reads a byte past ``length``: what follows on the channel is the sender's next frame.
    """
    if length <= PIPELINE_FROM:
        whole = memoryview(bytearray(min(length, BULK_CHUNK) or 1))
        while length:
            n = min(length, len(whole))
            channel.recv_exactly_into(whole[:n])
            _pwrite_all(fd, whole[:n], pos)
            hasher.update(whole[:n])
            pos, length = pos + n, length - n
            progress.add(n)
        return
    free: queue.Queue[mmap.mmap] = queue.Queue()
    full: queue.Queue[tuple[mmap.mmap, int, int] | None] = queue.Queue()
    for _ in range(BUFFERS):
        free.put(mmap.mmap(-1, BULK_CHUNK))  # page-aligned, as direct I/O needs
    failure: list[BaseException] = []
    sink = _Sink(fd, pos)

    def disk() -> None:
        while (item := full.get()) is not None:
            buf, n, at = item
            if not failure:
                try:
                    view = memoryview(buf)[:n]
                    sink.write(view, at)
                    hasher.update(view)
                    progress.add(n)
                except BaseException as e:
                    failure.append(e)
            free.put(buf)

    writer = threading.Thread(target=disk, name="spacedrop-disk", daemon=True)
    writer.start()
    try:
        while length and not failure:
            buf = free.get()
            # The first piece ends on a chunk boundary, so every later one starts block-aligned.
            n = min(length, BULK_CHUNK - pos % BULK_CHUNK)
            try:
                channel.recv_exactly_into(memoryview(buf)[:n])
            except BaseException:
                free.put(buf)
                raise
            full.put((buf, n, pos))
            pos, length = pos + n, length - n
    finally:
        full.put(None)
        writer.join()
        sink.close()
    if failure:
        raise failure[0]


class _Sink:
    """Writes a received file: block-aligned stretches with direct I/O where the system has it, the
    rest (an unaligned start or end) through the page cache.

    Direct I/O (Linux ``O_DIRECT``, through a second descriptor on the same file) skips copying every
    byte into the page cache and leaves nothing dirty for the closing fsync, which measured 1.4-1.7 s
    per GiB here against 1.8-3.6 s buffered. Where it is refused (tmpfs, other systems), writes go
    through the page cache, with writeback started as they go.
    """

    def __init__(self, fd: int, pos: int) -> None:
        self._fd = fd
        self._writeback = Writeback(fd, pos)
        self._direct = _open_direct(fd)

    def write(self, view: memoryview, at: int) -> None:
        n, direct = len(view), self._direct
        aligned = n - n % DIRECT_ALIGN if direct is not None and at % DIRECT_ALIGN == 0 else 0
        if direct is not None and aligned:
            try:
                _pwrite_all(direct, view[:aligned], at)
            except OSError as e:
                if e.errno != errno.EINVAL:
                    raise
                self.close()  # the file system takes no direct writes after all
                aligned = 0
        if aligned < n:
            _pwrite_all(self._fd, view[aligned:], at + aligned)
            self._writeback.wrote(n - aligned)

    def close(self) -> None:
        if self._direct is not None:
            os.close(self._direct)
            self._direct = None


def _open_direct(fd: int) -> int | None:
    flag = getattr(os, "O_DIRECT", 0)
    if not flag or not sys.platform.startswith("linux"):
        return None
    try:
        return os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | flag | os.O_CLOEXEC)
    except OSError:
        return None


def send_from(
    channel: Channel,
    fd: int,
    pos: int,
    length: int,
    hasher: blake3.blake3,
    progress: Progress,
    on_short: Callable[[int], BaseException],
) -> None:
    """Put ``length`` bytes of ``fd`` from ``pos`` on ``channel``, hashing them in order.

    ``on_short(at)`` makes the error for a file that ends early (it shrank while being sent).
    """
    if length <= PIPELINE_FROM:
        for chunk in _read_hashed(fd, pos, length, hasher, on_short):
            channel.sendall(chunk)
            progress.add(len(chunk))
        return
    ready: queue.Queue[bytes | None] = queue.Queue(maxsize=BUFFERS)
    stop = threading.Event()
    failure: list[BaseException] = []

    def disk() -> None:
        try:
            for data in _read_hashed(fd, pos, length, hasher, on_short):
                if stop.is_set():
                    break
                ready.put(data)
        except BaseException as e:
            failure.append(e)
        finally:
            ready.put(None)

    reader = threading.Thread(target=disk, name="spacedrop-read", daemon=True)
    reader.start()
    try:
        while (data := ready.get()) is not None:
            channel.sendall(data)
            progress.add(len(data))
    finally:
        stop.set()
        while reader.is_alive():  # let a reader blocked on a full queue finish
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.05)
        reader.join()
    if failure:
        raise failure[0]
