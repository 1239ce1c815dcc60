"""Spacedrop messages: offer, accept, decline, and the frames that carry them.

An exchange (DESIGN.md section 8): the sender offers files; the receiver accepts with, per file, how
many bytes it already holds (a resumed transfer) or declines with a reason. Then, on the data channel,
for each file to send: ``{"t": "file", "i", "offset"}``, exactly ``size - offset`` raw bytes, then
``{"t": "end", "i", "blake3"}`` (the hash of the whole file); finally ``{"t": "done"}`` answered by
``{"t": "ok"}`` or ``{"t": "error", "reason"}``. Everything received is validated here, before any
decision is made on it.
"""

from __future__ import annotations

import asyncio
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgpack

from spacedrive.infrastructure.net.framing import ProtocolError, read_frame
from spacedrive.operations.spacedrop.names import sanitize_relative

MAX_FILES = 100_000
#: An offer is the one big frame: 100k entries of a few hundred bytes each.
MAX_OFFER_FRAME = 48 * 1024 * 1024
#: ``Accept.offsets`` value for an entry the receiver will not take (it already has it, or a folder).
SKIP = -1
#: Bytes per raw data chunk: large, so that per-chunk Python work is negligible at 500 MB/s.
CHUNK = 1024 * 1024

_ID = re.compile(r"^[0-9a-f]{32}$")
_LEN = struct.Struct(">I")

#: ``progress(bytes_done, bytes_total, current_name)``; done counts bytes already held from before.
Progress = Callable[[int, int, str], None]


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise ProtocolError(f"invalid offer or answer: {what}")


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_id(value: Any) -> str:
    _require(isinstance(value, str) and bool(_ID.match(value)), "the id is not 32 lowercase hex digits")
    return str(value)


@dataclass(frozen=True, slots=True)
class OfferedFile:
    """One entry of an offer: a file, or a folder (``is_dir``, size 0) so that empty folders arrive.

    ``mtime_ns`` (nanoseconds) is given to the received file, and lets a re-sent offer recognise files
    that already arrived (same size and time, as rsync's quick check).
    """

    path: str
    size: int
    mtime_ns: int
    is_dir: bool = False

    def to_wire(self) -> list[Any]:
        return [self.path, self.size, self.mtime_ns, self.is_dir]

    @classmethod
    def from_wire(cls, item: Any) -> OfferedFile:
        _require(isinstance(item, list) and len(item) == 4, "a file entry is not [path, size, mtime, dir]")
        path, size, mtime_ns, is_dir = item
        _require(_int(size) and size >= 0, f"size {size!r} is not a non-negative integer")
        _require(_int(mtime_ns), "mtime is not an integer")
        _require(isinstance(is_dir, bool) and not (is_dir and size), "a folder entry has a size")
        # UnsafeName propagates: the offer is refused as a whole with that reason.
        return cls(sanitize_relative(path), size, mtime_ns, is_dir)


@dataclass(frozen=True, slots=True)
class Offer:
    """What a sender proposes; ``total`` is the byte count the user is asked to accept."""

    id: str
    sender_name: str
    files: list[OfferedFile]
    total: int

    def to_frame(self) -> dict[str, Any]:
        return {
            "t": "offer",
            "id": self.id,
            "sender": self.sender_name,
            "files": [f.to_wire() for f in self.files],
            "total": self.total,
        }

    @classmethod
    def from_frame(cls, frame: dict[str, Any]) -> Offer:
        """A validated offer; ProtocolError for a malformed one, UnsafeName for a dangerous name."""
        offer_id = _check_id(frame.get("id"))
        sender = frame.get("sender")
        if not isinstance(sender, str) or not 0 < len(sender) <= 255:
            raise ProtocolError("invalid offer: the sender name is empty or too long")
        _require(not any(ord(c) < 0x20 or ord(c) == 0x7F for c in sender), "control characters in the name")
        items = frame.get("files")
        if not isinstance(items, list):
            raise ProtocolError("invalid offer: no file list")
        _require(len(items) <= MAX_FILES, f"{len(items)} files (at most {MAX_FILES} per offer)")
        files = [OfferedFile.from_wire(item) for item in items]
        total = frame.get("total")
        _require(total == sum(f.size for f in files), "the total is not the sum of sizes")
        _check_tree(files)
        return cls(offer_id, sender, files, sum(f.size for f in files))


def _check_tree(files: list[OfferedFile]) -> None:
    """Each path once, and no file used as a folder of another entry ("a" and "a/b")."""
    seen: set[str] = set()
    file_paths: set[str] = set()
    for f in files:
        _require(f.path not in seen, f"{f.path!r} is offered twice")
        seen.add(f.path)
        if not f.is_dir:
            file_paths.add(f.path)
    for f in files:
        parts = f.path.split("/")
        for n in range(1, len(parts)):
            _require("/".join(parts[:n]) not in file_paths, f"{f.path!r} is inside the file {parts[n - 1]!r}")


@dataclass(frozen=True, slots=True)
class Accept:
    """The receiver's yes: per entry the bytes it already holds (or SKIP), and a data-channel token.

    The token (32 random bytes) is what the data connection presents to be tied to this offer.
    """

    id: str
    offsets: list[int]
    token: bytes

    def to_frame(self) -> dict[str, Any]:
        return {"t": "accept", "id": self.id, "offsets": self.offsets, "token": self.token}

    @classmethod
    def from_frame(cls, frame: dict[str, Any], offer: Offer | None = None) -> Accept:
        """A well-formed answer; with ``offer``, also checked against it (see ``check``)."""
        offsets = frame.get("offsets")
        if not isinstance(offsets, list) or not all(_int(o) for o in offsets):
            raise ProtocolError("invalid answer: offsets are not integers")
        token = frame.get("token")
        if not isinstance(token, bytes) or len(token) != 32:
            raise ProtocolError("invalid answer: the token is not 32 bytes")
        accept = cls(_check_id(frame.get("id")), list(offsets), bytes(token))
        if offer is not None:
            accept.check(offer)
        return accept

    def check(self, offer: Offer) -> None:
        """ProtocolError unless this answers ``offer``: one offset per entry, none past its size."""
        _require(self.id == offer.id, "the answer is for another offer")
        _require(len(self.offsets) == len(offer.files), "not one offset per file")
        for off, f in zip(self.offsets, offer.files, strict=True):
            _require(off == SKIP or 0 <= off <= f.size, f"offset {off} for {f.path!r}")
            _require(not f.is_dir or off == SKIP, "an offset for a folder")


@dataclass(frozen=True, slots=True)
class Decline:
    """The receiver's no, with a reason shown to the sender's user."""

    id: str
    reason: str

    def to_frame(self) -> dict[str, Any]:
        return {"t": "decline", "id": self.id, "reason": self.reason[:500]}

    @classmethod
    def from_frame(cls, frame: dict[str, Any]) -> Decline:
        reason = frame.get("reason")
        return cls(_check_id(frame.get("id")), reason if isinstance(reason, str) else "no reason given")


async def write_offer(writer: asyncio.StreamWriter, offer: Offer) -> None:
    """Send an offer: the one frame allowed above ``framing.MAX_FRAME`` (see MAX_OFFER_FRAME)."""
    body = msgpack.packb(offer.to_frame(), use_bin_type=True)
    if len(body) > MAX_OFFER_FRAME:
        raise ProtocolError(f"the offer is {len(body)} bytes (at most {MAX_OFFER_FRAME})")
    writer.write(_LEN.pack(len(body)) + body)
    await writer.drain()


async def read_offer(reader: asyncio.StreamReader) -> Offer:
    """Receive and validate an offer (ProtocolError or UnsafeName: answer with a Decline)."""
    return Offer.from_frame(await read_frame(reader, expect="offer", max_size=MAX_OFFER_FRAME))


class Throttle:
    """Calls ``progress`` at most ten times a second, and always for the final figure."""

    def __init__(self, progress: Progress | None, total: int, interval: float = 0.1) -> None:
        self._progress = progress
        self._total = total
        self._interval = interval
        self._last = 0.0

    def __call__(self, done: int, name: str, final: bool = False) -> None:
        if self._progress is None:
            return
        now = time.monotonic()
        if final or now - self._last >= self._interval:
            self._last = now
            self._progress(done, self._total, name)
