"""What the inspector and Quick Look show beyond a listing: copies of a file's content in the library, a
folder's summary and the start of a text file, each read off the event loop."""

from __future__ import annotations

import asyncio
import codecs
import errno
import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacedrive.errors import InvalidArgument
from spacedrive.infrastructure.fs.paths import join_name

if TYPE_CHECKING:
    from spacedrive.operations.libraries import Library

#: How much of a text file a preview shows.
TEXT_PREVIEW_BYTES = 64 * 1024
#: Control bytes that do not occur in text (everything below 0x20 but tab, newlines, form feed, escape).
_BINARY_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


async def duplicates_of(library: Library, cas_id: str) -> list[bytes]:
    """Paths of every indexed entry whose content id is ``cas_id`` (the file asked about included)."""
    sql = """
        SELECT l.path, e.relative_path, e.name, e.extension
        FROM content_identities c
        JOIN entries e ON e.content_id = c.id
        JOIN locations l ON l.id = e.location_id
        WHERE c.cas_id = ?"""
    async with library.db.read() as session:
        conn = await session.connection()
        rows: list[Any] = list((await conn.exec_driver_sql(sql, (cas_id,))).all())
    paths = []
    for root, rel, stem, ext in rows:
        folder = bytes(root).rstrip(b"/")
        if rel:
            folder += b"/" + bytes(rel)
        paths.append(folder + b"/" + join_name(bytes(stem), bytes(ext)))
    return sorted(paths)


@dataclass(frozen=True, slots=True)
class FolderSummary:
    """What a folder holds directly (not counting inside its sub-folders)."""

    folders: int
    files: int
    #: Everything else: symlinks, sockets, devices.
    others: int
    #: Bytes of the files directly inside.
    size: int

    @property
    def items(self) -> int:
        return self.folders + self.files + self.others


def _summarize(path: bytes) -> FolderSummary:
    folders = files = others = size = 0
    with os.scandir(path) as it:
        for de in it:
            try:
                st = de.stat(follow_symlinks=False)
            except OSError:
                continue  # vanished meanwhile
            if stat.S_ISDIR(st.st_mode):
                folders += 1
            elif stat.S_ISREG(st.st_mode):
                files += 1
                size += st.st_size
            else:
                others += 1
    return FolderSummary(folders, files, others, size)


async def folder_summary(path: bytes) -> FolderSummary:
    """Count a folder's items from disk (in a worker thread: a folder may hold 100k names)."""
    try:
        return await asyncio.get_running_loop().run_in_executor(None, _summarize, path)
    except FileNotFoundError:
        raise InvalidArgument(f"{os.fsdecode(path)} does not exist") from None
    except NotADirectoryError:
        raise InvalidArgument(f"{os.fsdecode(path)} is not a folder") from None
    except OSError as e:
        raise InvalidArgument(f"cannot read {os.fsdecode(path)}: {e.strerror or e}") from e


@dataclass(frozen=True, slots=True)
class TextPreview:
    text: str
    #: The file goes on beyond what was read.
    truncated: bool


def looks_binary(data: bytes) -> bool:
    """NUL or other control bytes, or bytes that are not UTF-8 (a cut at the very end is allowed)."""
    if any(byte in _BINARY_BYTES for byte in data[:8192]):
        return True
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return True
    return False


def read_text_preview(path: bytes, limit: int = TEXT_PREVIEW_BYTES) -> TextPreview | None:
    """The first ``limit`` bytes of a text file as text; None when the file is binary. Blocking.

    Opened without blocking and refused unless a regular file: a FIFO would wait forever for a writer.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fsdecode(path))
        data = f.read(limit + 1)
    truncated = len(data) > limit
    data = data[:limit]
    if looks_binary(data):
        return None
    return TextPreview(data.decode("utf-8", "ignore"), truncated)


async def text_preview(path: bytes, limit: int = TEXT_PREVIEW_BYTES) -> TextPreview | None:
    """``read_text_preview`` in a worker thread; OSError (unreadable, gone) propagates."""
    return await asyncio.get_running_loop().run_in_executor(None, read_text_preview, path, limit)
