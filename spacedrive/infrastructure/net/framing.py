"""Length-prefixed msgpack frames over an asyncio stream (a QUIC stream or a TLS socket).

A frame is a 4-byte big-endian length then a msgpack map with a ``"t"`` (type) key. Every read has a
size cap and a deadline, so a peer can neither make us allocate without bound nor hold a handler
forever by sending slowly (slow loris).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from typing import Any

import msgpack

from spacedrive.errors import SpacedriveError

MAX_FRAME = 256 * 1024
READ_TIMEOUT = 15.0
_LEN = struct.Struct(">I")
HEADER_SIZE = _LEN.size


class ProtocolError(SpacedriveError):
    """The peer broke the protocol: a bad frame, an unexpected message, too much data, too slow."""

    code = "protocol"


def encode_frame(message: dict[str, Any]) -> bytes:
    body: bytes = msgpack.packb(message, use_bin_type=True)
    if len(body) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(body)} bytes is over the {MAX_FRAME}-byte limit")
    return _LEN.pack(len(body)) + body


async def write_frame(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    writer.write(encode_frame(message))
    await writer.drain()


async def read_frame(
    reader: asyncio.StreamReader,
    expect: str | tuple[str, ...] | None = None,
    timeout: float = READ_TIMEOUT,  # noqa: ASYNC109 - a per-read deadline is the point
    max_size: int = MAX_FRAME,
) -> dict[str, Any]:
    """The next frame; ``expect`` names the type(s) allowed here (anything else is a ProtocolError).

    A peer that answers ``{"t": "error", "reason": ...}`` raises a ProtocolError carrying its reason.
    """
    try:
        async with asyncio.timeout(timeout):
            size = frame_size(await reader.readexactly(_LEN.size), max_size)
            body = await reader.readexactly(size)
    except TimeoutError as e:
        raise ProtocolError(f"peer sent nothing for {timeout:.0f} s") from e
    except asyncio.IncompleteReadError as e:
        raise ProtocolError("peer closed the connection mid-message" if e.partial else "peer hung up") from e
    except (ConnectionError, OSError) as e:
        raise ProtocolError(f"connection lost: {e}") from e
    return decode_frame(body, expect)


def frame_size(header: bytes, max_size: int) -> int:
    """The body length a 4-byte header announces; ProtocolError past ``max_size``."""
    (size,) = _LEN.unpack(header)
    if size > max_size:
        raise ProtocolError(f"peer sent a frame of {size} bytes (limit {max_size})")
    return int(size)


def decode_frame(body: bytes, expect: str | tuple[str, ...] | None = None) -> dict[str, Any]:
    """A frame's body as a message of an expected type (see ``read_frame``)."""
    try:
        message = msgpack.unpackb(body, raw=False, strict_map_key=True)
    except (ValueError, msgpack.UnpackException) as e:
        raise ProtocolError(f"peer sent a malformed frame: {e}") from e
    if not isinstance(message, dict) or not isinstance(message.get("t"), str):
        raise ProtocolError("peer sent a frame without a type")
    kind = message["t"]
    if kind == "error" and expect != "error":
        raise ProtocolError(f"peer refused: {message.get('reason', 'no reason given')}")
    if expect is not None and kind not in ((expect,) if isinstance(expect, str) else expect):
        raise ProtocolError(f"peer sent {kind!r} where {expect!r} was expected")
    return message


async def send_error(writer: asyncio.StreamWriter, reason: str) -> None:
    """Tell the peer why we stop, best effort: it may already be gone."""
    with contextlib.suppress(OSError, ConnectionError, TimeoutError, ProtocolError):
        await asyncio.wait_for(write_frame(writer, {"t": "error", "reason": reason[:500]}), 2.0)
