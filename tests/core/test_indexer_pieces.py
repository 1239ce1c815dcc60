"""A first scan copied in pieces while the walkers walk: every column as lstat sees it, UUIDv7s, and a
cancelled first scan taking out what it had copied."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from spacedrive import Core
from spacedrive.operations.indexing import job as job_module
from spacedrive.operations.indexing import stream
from spacedrive.operations.indexing.rules import IndexerRules
from spacedrive.operations.indexing.walker import WalkStats
from spacedrive.operations.locations import add_location, get_location, rescan_location
from tests.core.indexing_support import disk_view, eventually, finished, index, listing, query

COLUMNS = (
    "kind, size, aggregate_size, child_count, file_count, inode, permissions, hidden, created_at, modified_at"
)


def many_folders(root: Path) -> None:
    """Eight top-level folders (each walker takes them one at a time), nested ones, dotfiles, odd modes."""
    for top in range(8):
        for sub in range(3):
            folder = root / f"top{top}" / f"sub{sub}"
            folder.mkdir(parents=True)
            for f in range(5):
                (folder / f"file{f}.txt").write_bytes(b"x" * (top * 100 + sub * 10 + f))
        (root / f"top{top}" / ".hidden").write_text("h")
    (root / "top0" / "script.sh").write_text("#!/bin/sh\n")
    os.chmod(root / "top0" / "script.sh", 0o751)
    os.chmod(root / "top1" / "sub0", 0o700)
    (root / "at-the-root.md").write_text("# root")
    os.symlink("top0/script.sh", root / "link")


def lstat_view(root: Path) -> dict[tuple[bytes, bytes, bytes], tuple[Any, ...]]:
    """Every column of every entry, from lstat and from the aggregates of an independent walk."""
    aggregates = disk_view(root)
    view = {}
    for key, (kind, size, aggregate_size, file_count) in aggregates.items():
        rel, stem, ext = key
        name = stem + (b"." + ext if ext else b"")
        path = os.path.join(os.fsencode(root), rel, name) if rel else os.path.join(os.fsencode(root), name)
        st = os.lstat(path)
        children = len(os.listdir(path)) if kind == 1 else 0
        view[key] = (
            kind,
            size,
            aggregate_size,
            children,
            file_count,
            st.st_ino,
            st.st_mode & 0o7777,
            int(name.startswith(b".")),
            st.st_ctime_ns,
            st.st_mtime_ns,
        )
    return view


async def stored(core: Core, location_id: int) -> dict[tuple[bytes, bytes, bytes], tuple[Any, ...]]:
    rows = await query(
        core.current_library(),
        f"SELECT relative_path, name, extension, {COLUMNS} FROM entries WHERE location_id = ?",
        (location_id,),
    )
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


def assert_v7(raw: list[bytes]) -> None:
    ids = [UUID(bytes=b) for b in raw]
    assert len(set(ids)) == len(ids)
    assert {u.version for u in ids} == {7} and {u.variant for u in ids} == {"specified in RFC 4122"}


async def test_a_first_scan_in_pieces_has_every_column_lstat_sees(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "PIECE_ROWS", 1)  # a piece per batch: every folder its own transaction
    tree = tmp_path / "tree"
    many_folders(tree)
    library = core.current_library()
    info, _job = await index(library, tree)
    assert await stored(core, info.id) == lstat_view(tree)
    assert_v7([r[0] for r in await query(library, "SELECT uuid FROM entries")])
    loc = await get_location(library, info.id)
    assert (loc.total_file_count, loc.scan_state) == (8 * 16 + 2, "complete")
    assert not (library.path / "scan").exists() or not any((library.path / "scan").iterdir())

    # A rescan's new entries are numbered by the walkers too; changed ones keep their UUID.
    before = dict(await query(library, "SELECT name, uuid FROM entries WHERE extension = X'6d64'"))
    (tree / "top3" / "new.txt").write_text("new")
    (tree / "at-the-root.md").write_text("# changed")
    await finished(library, await rescan_location(library, info.id))
    assert await stored(core, info.id) == lstat_view(tree)
    assert dict(await query(library, "SELECT name, uuid FROM entries WHERE extension = X'6d64'")) == before
    assert_v7([r[0] for r in await query(library, "SELECT uuid FROM entries")])


async def test_a_cancelled_first_scan_takes_out_what_it_copied(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "PIECE_ROWS", 1)
    tree = tmp_path / "tree"
    many_folders(tree)
    walked = asyncio.Event()

    async def held(root: bytes, rules: IndexerRules, **options: Any) -> AsyncIterator[Any]:
        """The real walk, whose end never comes: every piece has been copied when it is held."""
        async for item in stream.stream_walk(root, rules, **options):
            if isinstance(item, WalkStats):
                walked.set()
                await asyncio.sleep(60)
            yield item

    monkeypatch.setattr(job_module, "stream_walk", held)
    library = core.current_library()
    info, job_id = await add_location(library, str(tree))
    await asyncio.wait_for(walked.wait(), 30)
    count = "SELECT count(*) FROM entries WHERE location_id = ?"
    assert (await query(library, count, (info.id,)))[0][0] == len(lstat_view(tree))
    await library.jobs.cancel(job_id)

    async def emptied() -> bool:
        return (await query(library, count, (info.id,)))[0][0] == 0

    assert await eventually(emptied)
    assert (await get_location(library, info.id)).last_scan_at is None
    # Listed from disk, as before any scan.
    top = await listing(core, str(tree))
    assert not top[b"top0"].indexed and not top[b"at-the-root.md"].indexed
