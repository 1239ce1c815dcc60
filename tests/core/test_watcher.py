"""Live watching: changes on disk reach the index within about a second, keeping UUIDs; bursts coalesce."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.operations.indexing import job as job_module
from spacedrive.operations.indexing.rules import IndexerRules
from spacedrive.operations.indexing.stream import stream_walk
from spacedrive.operations.indexing.walker import WalkStats
from spacedrive.operations.libraries import Library
from spacedrive.operations.locations import add_location, get_location, rescan_location, update_location
from tests.core.indexing_support import (
    cas_ids,
    db_view,
    disk_view,
    eventually,
    expected_cas_id,
    finished,
    index,
    listing,
    query,
    uuids,
    write_tree,
)

SETTLE = 2.0  # seconds a change may take to reach the index


async def settled(library: Library, location_id: int, tree: Path, within: float = SETTLE) -> dict[Any, Any]:
    """Wait until the index equals an lstat walk of the tree; return the index."""

    async def same() -> bool:
        return await db_view(library, location_id) == disk_view(tree)

    if not await eventually(same, within):
        raise AssertionError(
            f"the index did not catch up with the disk: {await differences(library, location_id, tree)}"
        )
    return await db_view(library, location_id)


async def differences(
    library: Library, location_id: int, tree: Path, skip: Callable[[bytes, bytes], bool] | None = None
) -> dict[Any, Any]:
    """(index, disk) for every entry where they differ."""
    stored, on_disk = await db_view(library, location_id), disk_view(tree, skip)
    return {
        k: (stored.get(k), on_disk.get(k))
        for k in set(stored) | set(on_disk)
        if stored.get(k) != on_disk.get(k)
    }


async def test_changes_on_disk_reach_the_index_and_keep_uuids(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"a/one.txt": "one", "b/two.txt": "two", "keep.txt": "keep"})
    library = core.current_library()
    info, _ = await index(library, tree)
    changes = core.bus.subscribe(event_filter=lambda e: isinstance(e, ev.EntriesChanged))
    ids = await uuids(library, info.id)
    loop = asyncio.get_running_loop()

    async def step(change: Callable[[], Any], check: Callable[[], Awaitable[bool]] | None = None) -> None:
        started = loop.time()
        change()
        await settled(library, info.id, tree)
        if check is not None:
            assert await check()
        assert loop.time() - started < SETTLE + 0.5

    # create
    await step(lambda: (tree / "a" / "new.txt").write_text("brand new"))
    entries = await listing(core, str(tree / "a"))
    assert entries[b"new.txt"].indexed and entries[b"new.txt"].size == 9
    new_id = (await uuids(library, info.id))[(b"a", b"new", b"txt")]
    # modify: the file's size and its folders' totals follow
    await step(lambda: (tree / "a" / "new.txt").write_text("brand new, and longer"))
    root = await listing(core, str(tree))
    assert root[b"a"].size == len("one") + len("brand new, and longer") and root[b"a"].file_count == 2
    # rename a file, then move it to another folder: same UUID
    await step(lambda: os.rename(tree / "a" / "new.txt", tree / "a" / "renamed.md"))
    assert (await uuids(library, info.id))[(b"a", b"renamed", b"md")] == new_id
    await step(lambda: os.rename(tree / "a" / "renamed.md", tree / "b" / "renamed.md"))
    assert (await uuids(library, info.id))[(b"b", b"renamed", b"md")] == new_id
    # a folder with contents: created, renamed, moved; it and its contents keep their UUIDs
    await step(lambda: write_tree(tree, {"c/inner/deep.txt": "deep", "c/top.txt": "top"}))
    before = await uuids(library, info.id)
    await step(lambda: os.rename(tree / "c", tree / "c2"))
    await step(lambda: os.rename(tree / "c2", tree / "b" / "c3"))
    after = await uuids(library, info.id)
    assert after[(b"b", b"c3", b"")] == before[(b"", b"c", b"")]
    assert after[(b"b/c3", b"inner", b"")] == before[(b"c", b"inner", b"")]
    assert after[(b"b/c3/inner", b"deep", b"txt")] == before[(b"c/inner", b"deep", b"txt")]
    assert after[(b"b/c3", b"top", b"txt")] == before[(b"c", b"top", b"txt")]
    # delete a file and a whole folder tree
    await step(lambda: os.remove(tree / "keep.txt"))
    await step(lambda: shutil.rmtree(tree / "b"))
    final = await uuids(library, info.id)
    assert set(final) == {(b"", b"a", b""), (b"a", b"one", b"txt")}
    assert final[(b"a", b"one", b"txt")] == ids[(b"a", b"one", b"txt")]
    loc = await get_location(library, info.id)
    assert (loc.total_file_count, loc.total_byte_size) == (1, 3)
    # Each burst told the views which folders changed.
    seen: list[ev.EntriesChanged] = []
    while (event := changes.get_nowait()) is not None:
        assert isinstance(event, ev.EntriesChanged)
        seen.append(event)
    changes.close()
    assert {e.location_id for e in seen} == {info.id}
    assert {"a", "b"} <= {e.relative_path for e in seen}
    assert 9 <= len(seen) <= 40


async def test_content_mode_identifies_files_that_arrive_while_watching(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"old.txt": "old"})
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    write_tree(tree, {"new.txt": "new content", "copy-of-old.txt": "old"})
    (tree / "old.txt").write_text("old, edited")
    await settled(library, info.id, tree)

    async def identified() -> dict[Any, Any] | None:
        found = await cas_ids(library, info.id)
        return found if all(found.values()) and len(found) == 3 else None

    found = await eventually(identified, SETTLE)
    assert found == {
        (b"", b"new", b"txt"): expected_cas_id(b"new content"),
        (b"", b"copy-of-old", b"txt"): expected_cas_id(b"old"),
        (b"", b"old", b"txt"): expected_cas_id(b"old, edited"),
    }
    entries = await listing(core, str(tree))
    assert entries[b"new.txt"].content_kind == "text"


async def test_a_burst_of_5000_files_is_coalesced(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"existing.txt": "x"})
    library = core.current_library()
    info, _ = await index(library, tree)
    changes = core.bus.subscribe(maxsize=100_000, event_filter=lambda e: isinstance(e, ev.EntriesChanged))

    def burst() -> None:  # like an untar: folders and files in quick succession
        for d in range(50):
            folder = tree / "burst" / f"folder{d:02d}"
            folder.mkdir(parents=True)
            for f in range(100):
                (folder / f"file{f:03d}.txt").write_bytes(b"y" * (f + 1))

    await asyncio.get_running_loop().run_in_executor(None, burst)
    stored = await settled(library, info.id, tree, within=15)
    assert stored[(b"", b"burst", b"")] == (1, 0, 50 * sum(range(1, 101)), 5000)

    async def totals() -> bool:
        return (await get_location(library, info.id)).total_file_count == 5001

    assert await eventually(totals, SETTLE)
    count = 0
    while changes.get_nowait() is not None:
        count += 1
    changes.close()
    assert 1 <= count <= 200, f"{count} EntriesChanged events for one burst"


async def test_changes_made_while_closed_are_caught_on_open(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(
        tree, {"a/moved.txt": "moved", "renamed/inside.txt": "in", "deleted.txt": "bye", "edit.txt": "1"}
    )
    library = core.current_library()
    info, _ = await index(library, tree)
    before = await uuids(library, info.id)
    await core.stop()

    os.rename(tree / "a" / "moved.txt", tree / "moved.txt")
    os.rename(tree / "renamed", tree / "renamed-while-closed")
    os.remove(tree / "deleted.txt")
    (tree / "edit.txt").write_text("edited while closed")
    (tree / "a" / "new.txt").write_text("new")

    reopened = Core(core.data_dir, background=True)
    await reopened.start()
    try:
        library = reopened.current_library()
        for job in await library.jobs.list():
            await library.jobs.wait(job.id)
        stored = await settled(library, info.id, tree)
        assert (b"", b"deleted", b"txt") not in stored
        after = await uuids(library, info.id)
        assert after[(b"", b"moved", b"txt")] == before[(b"a", b"moved", b"txt")]
        assert after[(b"", b"renamed-while-closed", b"")] == before[(b"", b"renamed", b"")]
        assert after[(b"renamed-while-closed", b"inside", b"txt")] == before[(b"renamed", b"inside", b"txt")]
        assert after[(b"", b"edit", b"txt")] == before[(b"", b"edit", b"txt")]
        # and it watches again
        (tree / "after-open.txt").write_text("seen")
        await settled(library, info.id, tree)
        assert (await get_location(library, info.id)).watching
    finally:
        await reopened.stop()


async def test_the_watcher_follows_the_location_rules(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(
        tree,
        {
            ".gitignore": "*.o\nbuild/\n",
            "src/main.c": "int main;",
            "node_modules/pkg/index.js": "x",
            ".hidden/h.txt": "h",
        },
    )
    library = core.current_library()
    info, _ = await index(library, tree, rules=IndexerRules(skip_hidden=True, ignore_globs=["*.tmpx"]))

    def skip(rel: bytes, name: bytes) -> bool:
        return (
            name.startswith(b".")
            or name == b"node_modules"
            or name.endswith((b".o", b".tmpx"))
            or name == b"build"
        )

    async def same() -> bool:
        return await db_view(library, info.id) == disk_view(tree, skip)

    assert await same()
    # Changes inside skipped folders, and skipped names anywhere, stay out of the index.
    write_tree(
        tree,
        {
            "node_modules/pkg/new.js": "new",
            "node_modules/other/index.js": "other",
            ".hidden/new.txt": "new",
            "src/util.o": "obj",
            "src/deep/er/x.o": "obj",
            "src/build/out.bin": "ignored by the root .gitignore",
            "src/.secret": "hidden",
            "src/notes.tmpx": "glob",
            "src/kept.c": "kept",
        },
    )
    await asyncio.sleep(SETTLE)
    assert await same(), await differences(library, info.id, tree, skip)
    assert (b"src", b"kept", b"c") in await db_view(library, info.id)
    # New rules apply to what the watcher sees next.
    _, job_id = await update_location(library, info.id, rules={"skip_hidden": False, "ignore_globs": []})
    assert job_id is not None
    await library.jobs.wait(job_id)
    (tree / ".hidden" / "after.txt").write_text("hidden files are indexed now")
    (tree / "src" / "again.tmpx").write_text("and this glob is gone")

    def skip_now(rel: bytes, name: bytes) -> bool:
        return name == b"node_modules" or name.endswith(b".o") or name == b"build"

    async def same_now() -> bool:
        return await db_view(library, info.id) == disk_view(tree, skip_now)

    assert await eventually(same_now, SETTLE), await differences(library, info.id, tree, skip_now)


@pytest.fixture
def slow_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    """IndexerJobs walk on a thread of this process and take a second over it, as a big tree would."""

    async def slow(root: bytes, rules: Any, **_options: Any) -> AsyncIterator[Any]:
        async for item in stream_walk(root, rules, in_process=True):
            if isinstance(item, WalkStats):
                await asyncio.sleep(1.0)
            yield item

    monkeypatch.setattr(job_module, "stream_walk", slow)


@pytest.mark.usefixtures("slow_walks")
async def test_changes_during_a_scan_are_not_lost(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"a/one.txt": "1", "a/two.txt": "2", "b/three.txt": "3"})
    library = core.current_library()
    info, job_id = await add_location(library, str(tree))  # a first scan
    await asyncio.sleep(0.4)  # it has walked, and not written yet
    (tree / "a" / "during-first-scan.txt").write_text("new")
    os.remove(tree / "b" / "three.txt")
    await finished(library, job_id)
    await settled(library, info.id, tree)
    job_id = await rescan_location(library, info.id)  # and a rescan
    await asyncio.sleep(0.4)
    (tree / "b" / "during-rescan.txt").write_text("new too")
    os.rename(tree / "a" / "one.txt", tree / "a" / "one-renamed.txt")
    await finished(library, job_id)
    await settled(library, info.id, tree)


async def test_duplicates_found_and_forgotten_while_watching(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"a/original.txt": "same bytes", "b/other.txt": "other"})
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    (tree / "b" / "copy.txt").write_text("same bytes")

    async def counts() -> list[tuple[Any, ...]]:
        return await query(library, "SELECT cas_id, entry_count FROM content_identities ORDER BY cas_id")

    two = sorted([(expected_cas_id(b"same bytes"), 2), (expected_cas_id(b"other"), 1)])
    assert await eventually(lambda: _equal(counts(), two), SETTLE), await counts()
    os.remove(tree / "b" / "other.txt")
    (tree / "a" / "original.txt").write_text("edited")
    expected = sorted([(expected_cas_id(b"same bytes"), 1), (expected_cas_id(b"edited"), 1)])
    assert await eventually(lambda: _equal(counts(), expected), SETTLE), await counts()


async def _equal(value: Awaitable[Any], expected: Any) -> bool:
    return await value == expected


async def test_things_moved_into_a_new_folder_keep_their_uuids(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(
        tree, {"photos/a.jpg": "a", "photos/album/c.jpg": "c", "other/d.txt": "d", "photos/keep.jpg": "k"}
    )
    library = core.current_library()
    info, _ = await index(library, tree)
    before = await uuids(library, info.id)
    # "New folder with selection": the folder appears, then things move into it, within a moment.
    (tree / "photos" / "2024").mkdir()
    os.rename(tree / "photos" / "a.jpg", tree / "photos" / "2024" / "a.jpg")
    os.rename(tree / "photos" / "album", tree / "photos" / "2024" / "album")
    os.rename(tree / "other" / "d.txt", tree / "photos" / "2024" / "d.txt")
    await settled(library, info.id, tree)
    after = await uuids(library, info.id)
    assert after[(b"photos/2024", b"a", b"jpg")] == before[(b"photos", b"a", b"jpg")]
    assert after[(b"photos/2024", b"album", b"")] == before[(b"photos", b"album", b"")]
    assert after[(b"photos/2024/album", b"c", b"jpg")] == before[(b"photos/album", b"c", b"jpg")]
    assert after[(b"photos/2024", b"d", b"txt")] == before[(b"other", b"d", b"txt")]


async def test_a_location_whose_folder_goes_away_keeps_its_index(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"a/one.txt": "one", "two.txt": "two"})
    library = core.current_library()
    info, _ = await index(library, tree)
    before = await uuids(library, info.id)
    (tree / "three.txt").write_text("written just before the drive was unplugged")
    os.rename(tree, tmp_path / "elsewhere")  # the folder is gone before the watcher looks
    await asyncio.sleep(SETTLE)
    assert await uuids(library, info.id) == before
    os.rename(tmp_path / "elsewhere", tree)
    await finished(library, await rescan_location(library, info.id))
    after = await uuids(library, info.id)
    assert {k: after[k] for k in before} == before and (b"", b"three", b"txt") in after


async def test_a_changed_gitignore_applies_to_its_whole_folder(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"a.log": "1", "sub/deeper/b.log": "2", "sub/c.txt": "3"})
    library = core.current_library()
    info, _ = await index(library, tree)
    (tree / ".gitignore").write_text("*.log\n")

    def ignored(rel: bytes, name: bytes) -> bool:
        return name.endswith(b".log")

    async def follows(skip: Any) -> bool:
        return await db_view(library, info.id) == disk_view(tree, skip)

    assert await eventually(lambda: follows(ignored), SETTLE), await differences(
        library, info.id, tree, ignored
    )
    (tree / ".gitignore").unlink()
    assert await eventually(lambda: follows(None), SETTLE), await differences(library, info.id, tree)
