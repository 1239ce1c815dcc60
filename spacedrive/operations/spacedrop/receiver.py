"""The receiving side of Spacedrop: decide where each offered entry goes, then take the bytes in.

Every file is written to a hidden partial next to its final place (``.<name>.<key>.sdpart``), exactly
up to its declared size, hashed as it arrives, checked against the sender's BLAKE3, fsynced and only
then renamed into place, never over an existing file. The partial's key is a hash of (sender device,
offered path, size, mtime), so an offer of the same files by the same device resumes where the last
one stopped, even after this process was killed, and nothing else ever resumes from it.

Existing destinations (decided in ``prepare``): a folder of the same name is merged into; a file of the
same name, size and modification time is taken as already received (SKIP: an interrupted folder
transfer offered again does not duplicate what arrived before the interruption); any other existing
file or link is kept and the new one arrives as "name (2).ext", as the file operations' "keep both".
"""

from __future__ import annotations

import asyncio
import errno
import os
import secrets
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import blake3

from spacedrive.errors import (
    DestinationInvalid,
    FileOperationError,
    NotEnoughSpace,
    SpacedriveError,
    VerifyFailed,
)
from spacedrive.infrastructure.net.channel import Channel
from spacedrive.infrastructure.net.framing import READ_TIMEOUT, ProtocolError
from spacedrive.operations.files.fsops import fsync_dir, numbered_name, rename_noreplace
from spacedrive.operations.spacedrop import bulk
from spacedrive.operations.spacedrop.names import MAX_COMPONENT_BYTES, resolve_inside
from spacedrive.operations.spacedrop.protocol import (
    SKIP,
    Accept,
    Offer,
    OfferedFile,
    Progress,
    Throttle,
)

#: Left free after the transfer: a disk filled to the last byte breaks everything else on it.
SPACE_RESERVE = 16 * 1024 * 1024
#: The sender hashes a resumed prefix before it announces the file: allow it this rate (bytes/s).
PREFIX_HASH_RATE = 50 * 1024 * 1024
PARTIAL_SUFFIX = ".sdpart"


@dataclass(slots=True)
class _Planned:
    """Where entry ``index`` goes: local folder (relative to the target, "" = the target), names."""

    index: int
    entry: OfferedFile
    folder: str
    name: str
    partial: str
    offset: int


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def partial_name(name: str, key: str) -> str:
    """``.<name>.<key>.sdpart``, the name cut (at a character boundary) to fit in 255 bytes."""
    tail = f".{key}{PARTIAL_SUFFIX}"
    budget = MAX_COMPONENT_BYTES - 1 - len(tail)
    return "." + name.encode()[:budget].decode(errors="ignore") + tail


class Receiver:
    """Receives one accepted offer into ``target_dir``; ``prepare`` first, then ``receive``."""

    def __init__(self, target_dir: Path, offer: Offer, sender_device_id: str) -> None:
        self.target_dir = target_dir
        self.offer = offer
        self.sender_device_id = sender_device_id
        #: Presented by the data connection to prove it belongs to this accepted offer.
        self.token = secrets.token_bytes(32)
        #: Final paths of the files that arrived (in offer order), for the UI.
        self.received: list[Path] = []
        self._root: Path | None = None
        self._plan: list[_Planned] = []
        self._folders: list[str] = []

    def _key(self, entry: OfferedFile) -> str:
        material = f"{self.sender_device_id}\0{entry.path}\0{entry.size}\0{entry.mtime_ns}"
        return blake3.blake3(material.encode()).hexdigest()[:16]

    def _place(self, folder: str, name: str) -> Path:
        """``folder/name`` below the target, refused (UnsafeName) if a link takes it outside."""
        assert self._root is not None
        resolve_inside(self._root, _join(folder, name))
        parent = resolve_inside(self._root, folder) if folder else self._root
        return parent / name

    def _make_plan(self) -> int:
        """Decide every entry's place and resume offset; returns the bytes still to receive."""
        if not self.target_dir.is_dir():
            raise DestinationInvalid(f"{self.target_dir} is not a folder")
        self._root = self.target_dir.resolve(strict=True)
        folders: dict[str, str] = {"": ""}
        taken: set[str] = set()

        def local_folder(rel: str) -> str:
            if rel in folders:
                return folders[rel]
            parent_rel, _, name = rel.rpartition("/")
            parent = local_folder(parent_rel)
            n, candidate = 1, name
            while True:
                where = self._place(parent, candidate)
                free = not os.path.lexists(where) or stat.S_ISDIR(os.lstat(where).st_mode)
                if free and _join(parent, candidate) not in taken:
                    break
                n += 1
                candidate = os.fsdecode(numbered_name(os.fsencode(name), n, True))
            folders[rel] = _join(parent, candidate)
            taken.add(folders[rel])
            self._folders.append(folders[rel])
            return folders[rel]

        needed = 0
        for index, entry in enumerate(self.offer.files):
            if entry.is_dir:
                local_folder(entry.path)
                continue
            parent_rel, _, name = entry.path.rpartition("/")
            folder = local_folder(parent_rel)
            partial = partial_name(name, self._key(entry))
            n, candidate, offset = 1, name, 0
            while True:
                where = self._place(folder, candidate)
                if _join(folder, candidate) not in taken:
                    try:
                        st = os.lstat(where)
                    except FileNotFoundError:
                        break
                    if stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) == (
                        entry.size,
                        entry.mtime_ns,
                    ):
                        offset = SKIP
                        break
                n += 1
                candidate = os.fsdecode(numbered_name(os.fsencode(name), n, False))
            taken.add(_join(folder, candidate))
            if offset != SKIP:
                try:
                    st = os.lstat(self._place(folder, partial))
                    # A partial longer than declared is not ours to trust: start over.
                    if stat.S_ISREG(st.st_mode) and st.st_size <= entry.size:
                        offset = st.st_size
                except FileNotFoundError:
                    pass
                needed += entry.size - offset
            self._plan.append(_Planned(index, entry, folder, candidate, partial, offset))
        return needed

    def prepare(self) -> Accept:
        """Plan every entry and check free space: the Accept to send, or a typed error to decline with.

        Nothing is written here (the user may still say no). It stats the target folder once per entry,
        so it blocks: run it in an executor (``asyncio.to_thread``). A typed error (UnsafeName when a
        link in the target leads outside it, NotEnoughSpace, DestinationInvalid) is the reason to
        decline with. Planning is deterministic: a new Receiver for the same offer and folder makes
        the same decisions.
        """
        self._plan, self._folders = [], []
        needed = self._make_plan()
        free = shutil.disk_usage(self.target_dir).free
        if needed + SPACE_RESERVE > free:
            raise NotEnoughSpace(
                f"not enough free space in {self.target_dir}: {needed} bytes needed, {free} bytes free"
            )
        offsets = [SKIP] * len(self.offer.files)
        for item in self._plan:
            offsets[item.index] = item.offset
        return Accept(self.offer.id, offsets, self.token)

    def _make_folders(self) -> None:
        for folder in self._folders:  # parents come before their children
            assert self._root is not None
            path = resolve_inside(self._root, folder)
            try:
                os.mkdir(path)
            except FileExistsError:
                if not stat.S_ISDIR(os.lstat(path).st_mode):
                    raise DestinationInvalid(f"{path} changed since the offer was accepted") from None
                continue
            fsync_dir(os.fsencode(path.parent))

    async def receive(self, channel: Channel, progress: Progress | None = None) -> None:
        """Take every accepted file in offer order, then answer "ok"; on failure tell the sender why.

        The bytes move on worker threads (bulk.py); the loop handles the frames around them. Partials
        stay on a broken connection (the next offer resumes them) and are deleted when their content
        fails the hash check.
        """
        if self._root is None:
            raise RuntimeError("Receiver.receive() before prepare()")
        loop = asyncio.get_running_loop()
        throttle = Throttle(progress, self.offer.total)
        done = sum(p.entry.size if p.offset == SKIP else p.offset for p in self._plan)
        name = ""

        def moved(n: int) -> None:
            nonlocal done
            done += n
            throttle(done, name)

        counter = bulk.Progress(loop, moved)
        try:
            await loop.run_in_executor(None, self._make_folders)
            for item in self._plan:
                if item.offset == SKIP:
                    continue
                name = item.entry.path
                deadline = READ_TIMEOUT + item.offset / PREFIX_HASH_RATE
                frame = await channel.read_frame(expect="file", timeout=deadline)
                if frame.get("i") != item.index or frame.get("offset") != item.offset:
                    raise ProtocolError(f"expected file {item.index} from byte {item.offset}, got {frame}")
                await self._receive_one(item, channel, counter)
                counter.flush()
            await channel.read_frame(expect="done")
            await channel.write_frame({"t": "ok"})
            throttle(done, "", final=True)
        except OSError as e:
            error = _error_for(e)
            await channel.send_error(error.message)
            raise error from e
        except SpacedriveError as e:
            await channel.send_error(e.message)
            raise

    async def _receive_one(self, item: _Planned, channel: Channel, counter: bulk.Progress) -> None:
        loop = asyncio.get_running_loop()
        partial = await loop.run_in_executor(None, self._place, item.folder, item.partial)
        fd = await loop.run_in_executor(None, _open_partial, partial, item.offset)
        hasher = blake3.blake3()
        closed = False
        try:
            await loop.run_in_executor(None, bulk.hash_prefix, fd, item.offset, hasher, _partial_shrank)
            # Exactly the declared bytes: never a byte past the size the user accepted.
            await channel.run(
                bulk.receive_into, channel, fd, item.offset, item.entry.size - item.offset, hasher, counter
            )
            end = await channel.read_frame(expect="end")
            if end.get("i") != item.index or not isinstance(end.get("blake3"), str):
                raise ProtocolError(f"bad end of file {item.index}: {end}")
            if hasher.hexdigest() != end["blake3"]:
                closed = True
                os.close(fd)
                await loop.run_in_executor(None, partial.unlink)
                raise VerifyFailed(
                    f"{item.entry.path!r} arrived damaged (its BLAKE3 hash differs from the sender's); "
                    "the partial file was deleted, send it again"
                )
            closed = True
            final = await loop.run_in_executor(None, self._finish, fd, partial, item)
            self.received.append(final)
        finally:
            if not closed:
                os.close(fd)

    def _finish(self, fd: int, partial: Path, item: _Planned) -> Path:
        """fsync, give the sender's mtime, rename into place without replacing anything, fsync the folder."""
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.utime(partial, ns=(time.time_ns(), item.entry.mtime_ns))
        name, n = item.name, 1
        while True:
            final = self._place(item.folder, name)
            try:
                rename_noreplace(os.fsencode(partial), os.fsencode(final))
                break
            except FileExistsError:  # something appeared there since prepare: keep both
                n += 1
                name = os.fsdecode(numbered_name(os.fsencode(item.name), n, False))
        fsync_dir(os.fsencode(final.parent))
        return final


def _open_partial(path: Path, offset: int) -> int:
    """The partial, opened without following a link, cut back to ``offset`` bytes (the agreed resume)."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o644)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size < offset:
            raise DestinationInvalid(f"{path} changed since the offer was accepted")
        if st.st_size > offset:
            os.ftruncate(fd, offset)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _partial_shrank(at: int) -> DestinationInvalid:
    return DestinationInvalid(f"a partial file shrank while it was being resumed (at {at} bytes)")


def _error_for(e: OSError) -> FileOperationError:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return NotEnoughSpace(f"the disk is full: {e.filename or ''}")
    return FileOperationError(f"cannot write {e.filename or 'a received file'}: {e.strerror}")
