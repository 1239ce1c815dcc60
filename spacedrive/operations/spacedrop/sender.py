"""The sending side of Spacedrop: build an offer from chosen files and folders, then stream them.

The bytes move on worker threads over a blocking channel (bulk.py): reading and hashing one buffer
while the previous one goes out, so disk, hash and network overlap and the loop only sees frames.
"""

from __future__ import annotations

import asyncio
import os
import stat
import uuid
from collections.abc import Callable
from pathlib import Path

import blake3

from spacedrive.errors import SourceVanished
from spacedrive.infrastructure.net.channel import Channel
from spacedrive.infrastructure.net.framing import ProtocolError
from spacedrive.operations.spacedrop import bulk
from spacedrive.operations.spacedrop.names import UnsafeName, sanitize_relative
from spacedrive.operations.spacedrop.protocol import (
    MAX_FILES,
    SKIP,
    Accept,
    Offer,
    OfferedFile,
    Progress,
    Throttle,
)

#: How long the receiver may take to fsync and rename the last file before answering "ok".
FINISH_TIMEOUT = 120.0


class SourceChanged(SourceVanished):
    """A file changed size while it was being sent; the transfer is aborted rather than sent torn."""

    code = "source_changed"


def build_offer(
    paths: list[Path],
    sender_name: str,
    on_skip: Callable[[Path, str], None] | None = None,
    offer_id: str | None = None,
) -> tuple[Offer, list[Path]]:
    """The offer for ``paths`` and, aligned with its entries, the local path of each.

    Each given item is offered under its own name; folders keep their structure (every folder is an
    entry, so empty ones arrive too). A symlink given by the user is followed (they chose it); inside a
    folder, symlinks are skipped: never followed out of the folder, never sent as links (a receiver
    does not create links a sender chose). Unreadable files and folders, special files (pipes,
    devices), names the receiver would refuse, and a second top-level item of the same name are
    skipped and reported through ``on_skip(path, reason)``. ``offer_id`` re-offers under a former id
    (a restarted send). Walks the disk: run it in an executor.
    """
    files: list[OfferedFile] = []
    sources: list[Path] = []

    def skip(path: Path, reason: str) -> None:
        if on_skip is not None:
            on_skip(path, reason)

    def add(path: Path, rel: str, st: os.stat_result) -> None:
        try:
            sanitize_relative(rel, windows=False)
        except UnsafeName as e:
            skip(path, e.message)
            return
        if stat.S_ISDIR(st.st_mode):
            try:
                children = sorted(os.scandir(path), key=lambda d: d.name)
            except OSError as e:
                skip(path, f"cannot read the folder: {e.strerror}")
                return
            files.append(OfferedFile(rel, 0, st.st_mtime_ns, True))
            sources.append(path)
            for child in children:
                try:
                    cst = child.stat(follow_symlinks=False)
                except OSError as e:
                    skip(Path(child.path), f"cannot read: {e.strerror}")
                    continue
                if stat.S_ISLNK(cst.st_mode):
                    skip(Path(child.path), "symbolic links inside folders are not sent")
                    continue
                add(Path(child.path), f"{rel}/{child.name}", cst)
        elif stat.S_ISREG(st.st_mode):
            if not os.access(path, os.R_OK):
                skip(path, "not readable")
                return
            files.append(OfferedFile(rel, st.st_size, st.st_mtime_ns))
            sources.append(path)
        else:
            skip(path, "not a regular file or folder")

    top_names: set[str] = set()
    for path in paths:
        try:
            st = path.stat()
        except OSError as e:
            skip(path, f"cannot read: {e.strerror}")
            continue
        name = path.resolve().name if path.name in ("", ".", "..") else path.name
        if name in top_names:
            skip(path, "another item with the same name is already offered")
            continue
        top_names.add(name)
        add(path, name, st)
    if len(files) > MAX_FILES:
        raise ProtocolError(f"{len(files)} files: a Spacedrop offer holds at most {MAX_FILES}")
    offer = Offer(offer_id or uuid.uuid4().hex, sender_name, files, sum(f.size for f in files))
    return offer, sources


def _open_checked(path: Path, entry: OfferedFile) -> int:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    size = os.fstat(fd).st_size
    if size != entry.size:
        os.close(fd)
        raise SourceChanged(f"{entry.path!r} changed since it was offered ({entry.size} -> {size} bytes)")
    return fd


async def _send_one(
    fd: int,
    index: int,
    entry: OfferedFile,
    offset: int,
    channel: Channel,
    counter: bulk.Progress,
) -> None:
    loop = asyncio.get_running_loop()
    hasher = blake3.blake3()

    def shrank(at: int) -> SourceChanged:
        return SourceChanged(f"{entry.path!r} shrank while it was being sent (at {at} of {entry.size} bytes)")

    try:
        await loop.run_in_executor(None, bulk.hash_prefix, fd, offset, hasher, shrank)
    except SourceChanged as e:
        await channel.send_error(e.message)  # between frames: the receiver can read why we stop
        raise
    await channel.write_frame({"t": "file", "i": index, "offset": offset})

    await channel.run(bulk.send_from, channel, fd, offset, entry.size - offset, hasher, counter, shrank)
    size_now = (await loop.run_in_executor(None, os.fstat, fd)).st_size
    if size_now != entry.size:
        reason = f"{entry.path!r} changed size while it was being sent ({entry.size} -> {size_now} bytes)"
        await channel.write_frame({"t": "error", "reason": reason})
        raise SourceChanged(reason)
    await channel.write_frame({"t": "end", "i": index, "blake3": hasher.hexdigest()})


async def send_files(
    sources: list[Path],
    offer: Offer,
    accept: Accept,
    channel: Channel,
    progress: Progress | None = None,
) -> int:
    """Stream every accepted file, wait for the receiver's verdict ("ok", or its error); bytes sent.

    The count is the raw file bytes put on the wire (resumed prefixes and skipped files excluded).
    The bytes move on worker threads (bulk.py). A file that changed since it was offered aborts the
    whole transfer with SourceChanged: the receiver keeps what it has, and a new offer (new size, new
    partial) starts that file afresh. If a file shrinks mid-stream we can only hang up (the caller
    closes the channel): the receiver expects raw bytes there, not a frame. Other failures are told to
    the receiver between frames.
    """
    accept.check(offer)
    throttle = Throttle(progress, offer.total)
    sent = 0
    done = sum(off for off in accept.offsets if off != SKIP)
    done += sum(f.size for f, off in zip(offer.files, accept.offsets, strict=True) if off == SKIP)
    loop = asyncio.get_running_loop()
    name = ""

    def on_bytes(n: int) -> None:
        nonlocal done, sent
        done += n
        sent += n
        throttle(done, name)

    counter = bulk.Progress(loop, on_bytes)
    for index, (entry, offset) in enumerate(zip(offer.files, accept.offsets, strict=True)):
        if entry.is_dir or offset == SKIP:
            continue
        name = entry.path
        try:
            fd = await loop.run_in_executor(None, _open_checked, sources[index], entry)
        except OSError as e:
            await channel.send_error(f"{entry.path!r} can no longer be read")
            raise SourceVanished(f"{sources[index]}: {e.strerror}") from e
        except SourceChanged as e:
            await channel.send_error(e.message)
            raise
        try:
            await _send_one(fd, index, entry, offset, channel, counter)
        finally:
            os.close(fd)
        counter.flush()
        await asyncio.sleep(0)  # let the flushed count land before the next file
        throttle(done, name)
    await channel.write_frame({"t": "done"})
    await channel.read_frame(expect="ok", timeout=FINISH_TIMEOUT)
    throttle(done, name, final=True)
    return sent
