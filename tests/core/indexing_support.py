"""Independent measurements the indexing tests compare the index against: a plain lstat walk, cas_ids
computed here from DESIGN.md section 5, and the rows of a location as stored."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

from blake3 import blake3

from spacedrive import Core
from spacedrive.operations.libraries import Library
from spacedrive.operations.locations import add_location

FILE, DIR, SYMLINK, OTHER = 0, 1, 2, 3

#: (relative_path, name, extension): where an entry sits in its location, as the entries table keys it.
Key = tuple[bytes, bytes, bytes]


def split(name: bytes, is_dir: bool) -> tuple[bytes, bytes]:
    """Stem and extension as a user reads them: folders and dotfiles have none."""
    dot = name.rfind(b".")
    if is_dir or dot <= 0 or dot == len(name) - 1:
        return name, b""
    return name[:dot], name[dot + 1 :]


def disk_view(root: str | bytes, skip: Callable[[bytes, bytes], bool] | None = None) -> dict[Key, tuple]:
    """What an lstat walk of ``root`` sees: key -> (kind, size, aggregate_size, file_count).

    ``skip(relative_path_of_parent, name)`` prunes names (and whole folders) the indexer rules skip.
    Folder aggregates are summed here from the files found, not taken from the walk.
    """
    root_b = os.fsencode(root)
    found: dict[Key, list[Any]] = {}
    files: list[tuple[bytes, int]] = []  # (relative path of the file, size)
    stack = [b""]
    while stack:
        rel = stack.pop()
        folder = os.path.join(root_b, rel) if rel else root_b
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if skip is not None and skip(rel, name):
                continue
            st = os.lstat(os.path.join(folder, name))
            mode = st.st_mode
            child = rel + b"/" + name if rel else name
            if stat.S_ISDIR(mode):
                found[(rel, name, b"")] = [DIR, 0, 0, 0]
                stack.append(child)
                continue
            kind = FILE if stat.S_ISREG(mode) else SYMLINK if stat.S_ISLNK(mode) else OTHER
            size = st.st_size if kind == FILE else 0
            stem, ext = split(name, False)
            found[(rel, stem, ext)] = [kind, size, size, 0]
            if kind == FILE:
                files.append((child, size))
    for (rel, name, _ext), row in found.items():
        if row[0] != DIR:
            continue
        inner = rel + b"/" + name if rel else name
        below = [size for path, size in files if path.startswith(inner + b"/")]
        row[2], row[3] = sum(below), len(below)
    return {key: tuple(row) for key, row in found.items()}


async def db_view(library: Library, location_id: int) -> dict[Key, tuple]:
    """The location's entries as stored: key -> (kind, size, aggregate_size, file_count)."""
    rows = await query(
        library,
        "SELECT relative_path, name, extension, kind, size, aggregate_size, file_count FROM entries "
        "WHERE location_id = ?",
        (location_id,),
    )
    return {(r[0], r[1], r[2]): (r[3], r[4], r[5], r[6]) for r in rows}


async def uuids(library: Library, location_id: int) -> dict[Key, UUID]:
    rows = await query(
        library,
        "SELECT relative_path, name, extension, uuid FROM entries WHERE location_id = ?",
        (location_id,),
    )
    return {(r[0], r[1], r[2]): UUID(bytes=r[3]) for r in rows}


async def cas_ids(library: Library, location_id: int) -> dict[Key, str | None]:
    rows = await query(
        library,
        "SELECT e.relative_path, e.name, e.extension, c.cas_id FROM entries e "
        "LEFT JOIN content_identities c ON c.id = e.content_id WHERE e.location_id = ? AND e.kind = 0",
        (location_id,),
    )
    return {(r[0], r[1], r[2]): r[3] for r in rows}


async def query(library: Library, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    async with library.db.read() as session:
        conn = await session.connection()
        return [tuple(r) for r in (await conn.exec_driver_sql(sql, args)).all()]


def expected_cas_id(data: bytes) -> str | None:
    """DESIGN.md section 5, written out again: BLAKE3 over size (u64 LE) + data, sampled above 100 KiB."""
    size = len(data)
    if size == 0:
        return None
    h = blake3(size.to_bytes(8, "little"))
    if size <= 102_400:
        h.update(data)
    else:
        jump = (size - 16_384) // 4
        h.update(data[:8192])
        for i in range(4):
            h.update(data[8192 + i * jump : 8192 + i * jump + 10_240])
        h.update(data[size - 8192 :])
    return h.hexdigest()[:16]


def write_tree(root: Path, files: dict[str, bytes | str]) -> None:
    """Files by relative path (folders are made as needed); a path ending in '/' is an empty folder."""
    for rel, data in files.items():
        path = root / rel
        if rel.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)


async def index(
    library: Library, path: Path | str | bytes, mode: str = "shallow", **kw: Any
) -> tuple[Any, Any]:
    """Add ``path`` as a location and wait for its first scan; returns (LocationInfo, finished JobInfo)."""
    info, job_id = await add_location(library, os.fsdecode(path), mode=mode, **kw)
    job = await library.jobs.wait(job_id)
    assert job.status.value == "completed", job.error
    return info, job


async def finished(library: Library, job_id: UUID) -> Any:
    """Wait for a job, check it completed, and return its final state (IndexerJob with ``stats``)."""
    job = await library.jobs.wait(job_id)
    assert job.status.value == "completed", job.error
    return await library.jobs.job_state(job_id)


async def eventually(check: Callable[[], Any], within: float = 3.0, interval: float = 0.05) -> Any:
    """Poll an async ``check`` until it returns something truthy; the last value is returned (or fails)."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(interval)


def names(entries: Iterable[Any]) -> set[bytes]:
    return {e.raw_name for e in entries}


async def listing(core: Core, path: str | bytes) -> dict[bytes, Any]:
    """A folder's listing through the one listing API, by exact name."""
    from spacedrive.operations.listing import iter_listing

    out: dict[bytes, Any] = {}
    async for chunk in iter_listing(core, path):
        for entry in chunk:
            out[entry.raw_name] = entry
    return out
