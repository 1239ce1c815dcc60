"""A connected socket for bulk data, driven from worker threads.

Spacedrop's payload is the one place where per-byte cost matters. Through asyncio's TLS transport every
chunk is copied through memory BIOs and encrypted on the event loop's thread; measured here that moved
a 1 GiB file at ~350 MiB/s. A blocking ``ssl.SSLSocket`` read or written from a worker thread encrypts
in OpenSSL with the GIL released and no extra copies (~750 MiB/s with hashing on both sides), so the
data channel is a plain blocking socket (TLS or not) used from threads, with an async facade for the
few control frames around the bytes. One thread at a time uses a channel.

Every blocking call has a deadline (the socket timeout), so a peer that stops sending cannot hold a
thread; ``abort()`` from any thread ends a transfer at once (the blocked call fails).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

from spacedrive.infrastructure.net.framing import (
    HEADER_SIZE,
    MAX_FRAME,
    READ_TIMEOUT,
    ProtocolError,
    decode_frame,
    encode_frame,
    frame_size,
)
from spacedrive.infrastructure.net.transport import Peer

ExpectedTypes = str | tuple[str, ...] | None
T = TypeVar("T")


class Channel:
    def __init__(
        self,
        sock: socket.socket,
        peer: Peer | None = None,
        timeout: float = READ_TIMEOUT,
        executor: Executor | None = None,
    ) -> None:
        self.sock = sock
        self.peer = peer
        self.timeout = timeout
        #: Where the async facade runs its blocking calls (None: the loop's default executor).
        self.executor = executor
        sock.settimeout(timeout)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._aborted = False

    # ---- blocking: call from a worker thread ------------------------------------------------------------

    def recv_exactly_into(self, view: memoryview) -> None:
        """Fill ``view`` completely; ProtocolError if the peer stops, hangs up or the deadline passes."""
        got, want = 0, len(view)
        try:
            while got < want:
                n = self.sock.recv_into(view[got:])
                if not n:
                    raise ProtocolError("peer hung up in the middle of the data" if got else "peer hung up")
                got += n
        except TimeoutError as e:
            raise ProtocolError(f"peer sent nothing for {self.timeout:.0f} s") from e
        except (ssl.SSLError, OSError) as e:
            raise ProtocolError(self._lost(e)) from e

    def sendall(self, data: bytes | bytearray | memoryview) -> None:
        if self._aborted:
            raise ProtocolError("the transfer was stopped")
        try:
            self.sock.sendall(data)
        except TimeoutError as e:
            raise ProtocolError(f"peer took nothing for {self.timeout:.0f} s") from e
        except (ssl.SSLError, OSError) as e:
            raise ProtocolError(self._lost(e)) from e

    def read_frame_sync(
        self, expect: ExpectedTypes = None, max_size: int = MAX_FRAME, timeout: float | None = None
    ) -> dict[str, Any]:
        """The next frame (see framing.read_frame); ``timeout`` overrides the deadline for its start."""
        header = bytearray(HEADER_SIZE)
        if timeout is not None and timeout != self.timeout:
            self.sock.settimeout(timeout)
            try:
                self.recv_exactly_into(memoryview(header))
            finally:
                self.sock.settimeout(self.timeout)
        else:
            self.recv_exactly_into(memoryview(header))
        body = bytearray(frame_size(bytes(header), max_size))
        self.recv_exactly_into(memoryview(body))
        return decode_frame(bytes(body), expect)

    def write_frame_sync(self, message: dict[str, Any]) -> None:
        self.sendall(encode_frame(message))

    def abort(self) -> None:
        """End the connection now, from any thread: a call blocked on it fails."""
        self._aborted = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def _lost(self, e: Exception) -> str:
        return "the transfer was stopped" if self._aborted else f"connection lost: {e}"

    # ---- async facade: the control frames around the data ------------------------------------------------

    async def read_frame(
        self,
        expect: ExpectedTypes = None,
        max_size: int = MAX_FRAME,
        timeout: float | None = None,  # noqa: ASYNC109 - the peer's deadline, kept by the socket
    ) -> dict[str, Any]:
        return await self.run(self.read_frame_sync, expect, max_size, timeout)

    async def write_frame(self, message: dict[str, Any]) -> None:
        await self.run(self.write_frame_sync, message)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on this channel's executor. A cancelled caller aborts the channel and waits for
        the call to end (it fails at once), so nothing it uses (a file descriptor) is closed under it."""
        future = asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            self.abort()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(future), 30)
            raise

    async def send_error(self, reason: str) -> None:
        """Tell the peer why we stop, best effort: it may already be gone."""
        with contextlib.suppress(ProtocolError):
            await asyncio.wait_for(self.write_frame({"t": "error", "reason": reason[:500]}), 2.0)

    async def aclose(self) -> None:
        await self.run(self.close)


def channel_pair() -> tuple[Channel, Channel]:
    """Two connected plain channels (a socket pair), for tests and in-process use."""
    a, b = socket.socketpair()
    return Channel(a), Channel(b)
