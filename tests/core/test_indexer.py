"""The indexer against an independent lstat walk: entries, sizes, content ids, rescans, rules, locations."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from spacedrive import Core
from spacedrive.operations.indexing import job as job_module
from spacedrive.operations.indexing.rules import IndexerRules
from spacedrive.operations.indexing.stream import stream_walk
from spacedrive.operations.indexing.walker import WalkStats
from spacedrive.operations.locations import (
    LocationOverlap,
    add_location,
    get_location,
    list_locations,
    remove_location,
    rescan_location,
    update_location,
)
from tests.core.indexing_support import (
    FILE,
    SYMLINK,
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

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
JUNK = {b"node_modules", b".DS_Store"}


def skip_junk(_rel: bytes, name: bytes) -> bool:
    return name in JUNK


def sample_tree(root: Path) -> None:
    write_tree(
        root,
        {
            "readme.md": "# hello\n",
            "empty.bin": b"",
            ".hidden": "secret",
            "docs/report.pdf": b"%PDF-1.4\n" + b"x" * 5000,
            "docs/notes.txt": "notes " * 100,
            "docs/archive.tar.gz": os.urandom(3000),
            "docs/deep/deeper/deepest.py": "print('deep')\n",
            "photos/a.jpg": os.urandom(120_000),
            "photos/.thumb/t.png": PNG,
            "empty folder/": b"",
            "node_modules/left-pad/index.js": "module.exports = 1\n",
            ".DS_Store": b"\0\0\0\1Bud1",
            "docs/.DS_Store": b"\0\0\0\1Bud1",
            "trailing.": "dot at the end",
            "multi.part.name.tar": "x",
        },
    )
    os.symlink("docs/notes.txt", root / "link-to-notes")
    os.symlink("/nonexistent/target", root / "docs" / "dangling")


async def test_shallow_index_has_what_an_lstat_walk_sees_with_sizes_and_counts(
    core: Core, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    sample_tree(tree)
    library = core.current_library()
    info, _ = await index(library, tree)
    expected = disk_view(tree, skip_junk)
    stored = await db_view(library, info.id)
    assert stored == expected
    # The sums were computed here, from the files found; spot-check them in plain numbers too.
    docs = stored[(b"", b"docs", b"")]
    docs_files = [p for p in (tree / "docs").rglob("*") if p.is_file() and not p.is_symlink()]
    docs_files = [p for p in docs_files if p.name != ".DS_Store"]
    assert docs[2] == sum(p.stat().st_size for p in docs_files) and docs[3] == len(docs_files) == 4
    assert stored[(b"", b"link-to-notes", b"")][0] == SYMLINK
    assert stored[(b"", b"trailing.", b"")] == (FILE, 14, 14, 0)
    assert (b"", b"multi.part.name", b"tar") in stored
    all_files = [v for v in expected.values() if v[0] == FILE]
    loc = await get_location(library, info.id)
    assert loc.total_file_count == len(all_files) == 11
    assert loc.total_byte_size == sum(v[1] for v in all_files)
    assert loc.scan_state == "complete" and loc.last_scan_at
    # The listing shows folders with their aggregate size and file count.
    root_listing = await listing(core, str(tree))
    assert root_listing[b"docs"].size == docs[2] and root_listing[b"docs"].file_count == 4
    assert root_listing[b"docs"].indexed and root_listing[b"docs"].uuid is not None
    assert b"node_modules" not in root_listing and b".DS_Store" not in root_listing


async def test_content_mode_gives_cas_ids_duplicates_and_kinds_from_magic_bytes(
    core: Core, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    big = os.urandom(5_000_000)
    files: dict[str, bytes] = {
        "small.txt": b"hello world\n",
        "copy1/same.bin": b"duplicate content" * 100,
        "copy2/same-renamed.dat": b"duplicate content" * 100,
        "exact_threshold.bin": os.urandom(102_400),
        "just_above.bin": os.urandom(102_401),
        "big.mkv": big,
        "big-copy.mkv": big,
        "picture.txt": PNG + os.urandom(200),
        "empty.txt": b"",
    }
    write_tree(tree, files)
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    stored = await cas_ids(library, info.id)
    for rel, data in files.items():
        parent, _, name = rel.rpartition("/")
        stem, _, ext = name.rpartition(".")
        assert stored[(parent.encode(), stem.encode(), ext.encode())] == expected_cas_id(data), rel
    assert stored[(b"", b"empty", b"txt")] is None  # empty files have no content identity
    # Identical files share one content identity: the duplicates are found.
    dupes = await query(
        library,
        "SELECT c.cas_id, c.entry_count, count(e.id) FROM content_identities c "
        "JOIN entries e ON e.content_id = c.id GROUP BY c.id HAVING count(e.id) > 1 ORDER BY c.cas_id",
    )
    assert sorted((cas, n, m) for cas, n, m in dupes) == sorted(
        [(expected_cas_id(big), 2, 2), (expected_cas_id(files["copy1/same.bin"]), 2, 2)]
    )
    # A PNG named .txt is an image: kind from the bytes, not the name.
    root = await listing(core, str(tree))
    assert root[b"picture.txt"].content_kind == "image"
    assert root[b"picture.txt"].cas_id == expected_cas_id(files["picture.txt"])
    assert root[b"small.txt"].content_kind == "text"


async def test_rescan_of_an_unchanged_tree_writes_nothing(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    sample_tree(tree)
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    await library.stop_watching(info.id)
    before = await query(library, "SELECT id, uuid, indexed_at, content_id FROM entries ORDER BY id")
    state = await finished(library, await rescan_location(library, info.id))
    assert {k: state.stats[k] for k in ("inserted", "updated", "moved", "deleted")} == {
        "inserted": 0,
        "updated": 0,
        "moved": 0,
        "deleted": 0,
    }
    assert await query(library, "SELECT id, uuid, indexed_at, content_id FROM entries ORDER BY id") == before


async def test_rescan_after_renames_moves_edits_and_deletes(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(
        tree,
        {
            "a/x.txt": "x content",
            "a/sub/y.txt": "y content",
            "a/sub/z.bin": os.urandom(1000),
            "b/moved.txt": "I will move",
            "b/edited.txt": "version 1",
            "b/same-size.txt": "aaaa",
            "c/deleted.txt": "bye",
            "gone/one.txt": "1",
            "gone/two/three.txt": "3",
            "stay.txt": "stay",
        },
    )
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    await library.stop_watching(info.id)  # the rescan, not the watcher, must find the changes
    old = await uuids(library, info.id)
    old_cas = await cas_ids(library, info.id)

    os.rename(tree / "a", tree / "renamed-a")  # a folder with contents
    os.rename(tree / "renamed-a" / "x.txt", tree / "renamed-a" / "x-renamed.md")
    os.rename(tree / "b" / "moved.txt", tree / "c" / "moved.txt")
    (tree / "b" / "edited.txt").write_text("version 2, longer")
    (tree / "b" / "same-size.txt").write_text("bbbb")
    st = (tree / "b" / "same-size.txt").stat()
    os.utime(tree / "b" / "same-size.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    os.remove(tree / "c" / "deleted.txt")
    shutil.rmtree(tree / "gone")
    (tree / "new.txt").write_text("new")

    state = await finished(library, await rescan_location(library, info.id))
    assert await db_view(library, info.id) == disk_view(tree)
    new = await uuids(library, info.id)
    kept = {
        (b"", b"a", b""): (b"", b"renamed-a", b""),
        (b"a", b"sub", b""): (b"renamed-a", b"sub", b""),
        (b"a/sub", b"y", b"txt"): (b"renamed-a/sub", b"y", b"txt"),
        (b"a/sub", b"z", b"bin"): (b"renamed-a/sub", b"z", b"bin"),
        (b"a", b"x", b"txt"): (b"renamed-a", b"x-renamed", b"md"),
        (b"b", b"moved", b"txt"): (b"c", b"moved", b"txt"),
        (b"b", b"edited", b"txt"): (b"b", b"edited", b"txt"),
        (b"b", b"same-size", b"txt"): (b"b", b"same-size", b"txt"),
        (b"", b"stay", b"txt"): (b"", b"stay", b"txt"),
    }
    for before, after in kept.items():
        assert new[after] == old[before], (before, after)
    assert (b"c", b"deleted", b"txt") not in new and not any(k[0].startswith(b"gone") for k in new)
    assert (b"", b"gone", b"") not in new
    assert new[(b"", b"new", b"txt")] not in old.values()
    # Edited files got their new content id; moved ones kept theirs.
    new_cas = await cas_ids(library, info.id)
    assert new_cas[(b"b", b"edited", b"txt")] == expected_cas_id(b"version 2, longer")
    assert new_cas[(b"b", b"same-size", b"txt")] == expected_cas_id(b"bbbb")
    assert new_cas[(b"renamed-a/sub", b"z", b"bin")] == old_cas[(b"a/sub", b"z", b"bin")]
    assert new_cas[(b"", b"new", b"txt")] == expected_cas_id(b"new")
    assert state.stats["moved"] >= 6 and state.stats["deleted"] >= 5
    assert state.stats["inserted"] == 1 and state.stats["updated"] >= 2
    loc = await get_location(library, info.id)
    files_on_disk = [p for p in tree.rglob("*") if p.is_file()]
    assert loc.total_file_count == len(files_on_disk)
    assert loc.total_byte_size == sum(p.stat().st_size for p in files_on_disk)


async def test_rescan_after_a_shallow_edit_drops_the_stale_content_id(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"f.txt": "one"})
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    await library.stop_watching(info.id)
    await update_location(library, info.id, mode="shallow")
    for job in await library.jobs.list():
        await library.jobs.wait(job.id)
    (tree / "f.txt").write_text("two!")
    await finished(library, await rescan_location(library, info.id))
    # No content phase in shallow mode: the old id must not stay attached to new content.
    assert (await cas_ids(library, info.id))[(b"", b"f", b"txt")] is None
    assert await query(library, "SELECT count(*) FROM content_identities") == [(0,)]


async def test_nested_and_overlapping_locations_are_refused(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    write_tree(tmp_path, {"outer/inner/deep/f.txt": "x", "outer-sibling/g.txt": "y"})
    os.symlink(tmp_path / "outer" / "inner", tmp_path / "link-into-outer")
    await index(library, tmp_path / "outer" / "inner")
    for path in ("outer", "outer/inner", "outer/inner/deep", "link-into-outer", "outer/inner/"):
        with pytest.raises(LocationOverlap):
            await add_location(library, str(tmp_path / path))
    with pytest.raises(LocationOverlap):
        await add_location(library, str(tmp_path))
    # A sibling whose name merely starts the same is not inside.
    await index(library, tmp_path / "outer-sibling")
    assert len(await list_locations(library)) == 2


@pytest.mark.parametrize(
    ("rules", "skip"),
    [
        pytest.param(
            {"skip_hidden": True},
            lambda rel, name: name in JUNK or name.startswith(b"."),
            id="hidden",
        ),
        pytest.param(
            {"skip_hidden": False, "skip_junk": False, "respect_gitignore": False},
            lambda rel, name: False,
            id="nothing-skipped",
        ),
        pytest.param(
            {"ignore_globs": ["*.log", "docs/private", "photos/*.raw", "draft.md"]},
            lambda rel, name: (
                name in JUNK
                or name.endswith(b".log")
                or name == b"draft.md"
                or (rel, name) == (b"docs", b"private")
                or (rel == b"photos" and name.endswith(b".raw"))
            ),
            id="user-globs",
        ),
    ],
)
async def test_indexer_rules(core: Core, tmp_path: Path, rules: dict, skip) -> None:  # type: ignore[no-untyped-def]
    tree = tmp_path / "tree"
    write_tree(
        tree,
        {
            ".config/app.ini": "[a]",
            "visible/.hidden-file": "h",
            "visible/shown.txt": "s",
            "debug.log": "log",
            "docs/today.log": "log",
            "docs/private/secret.txt": "s",
            "docs/privateer.txt": "not private",
            "photos/raw.raw": "r",
            "photos/sub/raw.raw": "deeper raw stays",
            "draft.md": "d",
            "docs/draft.md": "a name-only glob matches at any depth",
            "node_modules/pkg/index.js": "x",
            "visible/.DS_Store": "x",
        },
    )
    library = core.current_library()
    info, _ = await index(library, tree, rules=IndexerRules.from_dict(rules))
    assert await db_view(library, info.id) == disk_view(tree, skip)


async def test_gitignore_files_are_respected_at_every_level(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(
        tree,
        {
            ".gitignore": "*.o\nbuild/\n/root-only.txt\n!keep.o\n",
            "main.c": "int main;",
            "main.o": "obj",
            "keep.o": "kept by negation",
            "root-only.txt": "ignored at the root",
            "build/out.bin": "x",
            "src/root-only.txt": "anchored pattern: kept here",
            "src/util.o": "obj",
            "src/build/also-ignored.txt": "x",
            "src/lib/.gitignore": "secret.txt\n",
            "src/lib/secret.txt": "ignored by the nested file",
            "src/lib/inner/secret.txt": "nested file applies below it too",
            "src/secret.txt": "outside the nested .gitignore: kept",
            # A deeper file's "!name" keeps what a pattern further up ignores (as git reads them).
            "docs/.gitignore": "!*.o\n",
            "docs/figure.o": "kept by the nested negation",
            "docs/deeper/table.o": "kept below it too",
        },
    )
    library = core.current_library()
    info, _ = await index(library, tree)
    ignored = {
        (b"", b"main.o"),
        (b"", b"root-only.txt"),
        (b"", b"build"),
        (b"src", b"util.o"),
        (b"src", b"build"),
        (b"src/lib", b"secret.txt"),
        (b"src/lib/inner", b"secret.txt"),
    }
    stored = await db_view(library, info.id)
    assert stored == disk_view(tree, lambda rel, name: (rel, name) in ignored)
    # Turning the rule off brings them back.
    _, job_id = await update_location(library, info.id, rules={"respect_gitignore": False})
    assert job_id is not None
    await finished(library, job_id)
    assert await db_view(library, info.id) == disk_view(tree)


async def test_removing_a_location_deletes_its_entries_and_leaves_the_files(
    core: Core, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    sample_tree(tree)
    before = sorted(str(p) for p in tree.rglob("*"))
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    other_tree = tmp_path / "other"
    write_tree(other_tree, {"keep.txt": "keep"})
    other, _ = await index(library, other_tree, mode="content")
    await remove_location(library, info.id)
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id = ?", (info.id,)) == [(0,)]
    assert [loc.id for loc in await list_locations(library)] == [other.id]
    assert sorted(str(p) for p in tree.rglob("*")) == before
    # Content identities only the removed location used are gone; the other location's stay.
    assert await query(library, "SELECT cas_id FROM content_identities") == [(expected_cas_id(b"keep"),)]
    # The folder lists live from disk again.
    assert not any(e.indexed for e in (await listing(core, str(tree))).values())


async def test_updating_rules_rescans_with_them(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {".hidden/h.txt": "h", "shown.txt": "s", "skip-me.tmpx": "t"})
    library = core.current_library()
    info, _ = await index(library, tree)
    assert (b"", b".hidden", b"") in await db_view(library, info.id)
    updated, job_id = await update_location(
        library, info.id, rules={"skip_hidden": True, "ignore_globs": ["*.tmpx"]}
    )
    assert job_id is not None and updated.rules["skip_hidden"] is True
    state = await finished(library, job_id)
    assert await db_view(library, info.id) == disk_view(
        tree, lambda rel, name: name.startswith(b".") or name.endswith(b".tmpx")
    )
    assert state.stats["deleted"] == 3
    assert (await get_location(library, info.id)).total_file_count == 1


async def test_locations_indexed_at_the_same_time_while_another_one_changes(
    core: Core, tmp_path: Path
) -> None:
    library = core.current_library()
    watched = tmp_path / "watched"
    write_tree(watched, {"start.txt": "s"})
    watched_info, _ = await index(library, watched)
    trees = [tmp_path / name for name in ("first", "second")]
    for n, tree in enumerate(trees):
        write_tree(tree, {f"d{i % 20}/f{i}.{n}": "x" * (i % 30) for i in range(4000)})
    added = [await add_location(library, str(tree)) for tree in trees]
    for i in range(50):  # the watcher stages and applies while both scans stage theirs
        (watched / f"new{i}.txt").write_text("during the scans")
        await asyncio.sleep(0.01)
    for (info, job_id), tree in zip(added, trees, strict=True):
        await finished(library, job_id)
        assert await db_view(library, info.id) == disk_view(tree)

    async def watched_caught_up() -> bool:
        return await db_view(library, watched_info.id) == disk_view(watched)

    assert await eventually(watched_caught_up)


async def test_an_entry_follows_its_file_when_another_takes_its_name(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"report.txt": "the report", "draft.txt": "draft", "old.txt": "old", "dir/x": "x"})
    library = core.current_library()
    info, _ = await index(library, tree)
    await library.stop_watching(info.id)
    before = await uuids(library, info.id)
    os.rename(tree / "report.txt", tree / "report-2024.txt")  # mv report.txt report-2024.txt
    (tree / "report.txt").write_text("a new report")  # ... and a new one in its place
    os.rename(tree / "draft.txt", tree / "old.txt")  # mv -f draft.txt old.txt: old.txt's file is gone
    os.rename(tree / "dir", tree / "dir2")
    (tree / "dir").mkdir()
    state = await finished(library, await rescan_location(library, info.id))
    assert await db_view(library, info.id) == disk_view(tree)
    after = await uuids(library, info.id)
    assert after[(b"", b"report-2024", b"txt")] == before[(b"", b"report", b"txt")]
    assert after[(b"", b"report", b"txt")] not in before.values()
    assert after[(b"", b"old", b"txt")] == before[(b"", b"draft", b"txt")]
    assert after[(b"", b"dir2", b"")] == before[(b"", b"dir", b"")]
    assert after[(b"dir2", b"x", b"")] == before[(b"dir", b"x", b"")]
    assert after[(b"", b"dir", b"")] not in before.values()
    assert state.stats["moved"] == 4 and state.stats["deleted"] == 1 and state.stats["inserted"] == 2


async def test_a_location_lists_from_disk_until_its_first_scan_is_written(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"a.txt": "a", "sub/b.txt": "b"})
    core = Core(tmp_path / "data", background=False)  # jobs wait for a daemon or window
    await core.start(ensure_default_library=True)
    try:
        library = core.current_library()
        info, job_id = await add_location(library, str(tree))
        assert (await library.jobs.info(job_id)).status.value == "queued"
        entries = await listing(core, str(tree))
        assert set(entries) == {b"a.txt", b"sub"} and not any(e.indexed for e in entries.values())
        library.jobs.start_running()
        await finished(library, job_id)
        entries = await listing(core, str(tree))
        assert set(entries) == {b"a.txt", b"sub"} and all(e.indexed for e in entries.values())
    finally:
        await core.stop()


async def test_a_location_reached_through_a_symlink_lists_from_the_index(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "real" / "tree"
    write_tree(tree, {"sub/a.txt": "a"})
    os.symlink(tmp_path / "real", tmp_path / "alias")
    library = core.current_library()
    await index(library, tmp_path / "alias" / "tree")  # stored by its real path
    through_link = await listing(core, str(tmp_path / "alias" / "tree" / "sub"))
    assert through_link[b"a.txt"].indexed and through_link[b"a.txt"].uuid is not None
    assert through_link[b"a.txt"].path == os.fsencode(tmp_path / "alias" / "tree" / "sub" / "a.txt")
    direct = await listing(core, str(tree / "sub"))
    assert direct[b"a.txt"].uuid == through_link[b"a.txt"].uuid


async def slow_walk(root: bytes, rules: IndexerRules, **_options: Any) -> AsyncIterator[Any]:
    """A walk on a thread of this process that takes a while to finish (rows handed over directly)."""
    async for item in stream_walk(root, rules, in_process=True):
        if isinstance(item, WalkStats):
            await asyncio.sleep(5)
        yield item


async def test_a_failed_or_cancelled_scan_does_not_look_like_one_still_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = Core(tmp_path / "data", background=False)
    await core.start(ensure_default_library=True)
    try:
        library = core.current_library()
        gone = tmp_path / "gone"
        gone.mkdir()
        info, job_id = await add_location(library, str(gone))
        gone.rmdir()  # before its scan runs
        library.jobs.start_running()
        job = await library.jobs.wait(job_id)
        assert job.status.value == "failed"
        failed = await get_location(library, info.id)
        assert failed.scan_state == "failed" and "No such file or directory" in failed.error_message
        # Back, rescanned, then a rescan cancelled while it walks: the last complete scan stands.
        gone.mkdir()
        (gone / "f.txt").write_text("f")
        await finished(library, await rescan_location(library, info.id))
        assert (await get_location(library, info.id)).scan_state == "complete"
        monkeypatch.setattr(job_module, "stream_walk", slow_walk)
        job_id = await rescan_location(library, info.id)

        async def scanning() -> bool:
            return (await get_location(library, info.id)).scan_state == "scanning"

        assert await eventually(scanning)
        await library.jobs.cancel(job_id)
        after = await get_location(library, info.id)
        assert (after.scan_state, after.error_message, after.total_file_count) == ("complete", "", 1)
    finally:
        await core.stop()


async def test_a_big_indexed_folder_lists_in_chunks_and_can_be_left_midway(
    core: Core, tmp_path: Path
) -> None:
    """More entries than one chunk: all of them from the index, in name order, each once; a listing
    left after its first chunk (the user opened another folder) ends cleanly and the next one works."""
    from spacedrive.operations.listing import CHUNK, iter_listing

    tree = tmp_path / "big"
    tree.mkdir()
    names = [f"file {i:05d}.txt".encode() for i in range(CHUNK * 2 + 17)]
    for name in names:
        (tree / os.fsdecode(name)).touch()
    library = core.current_library()
    await index(library, tree)

    chunks = [chunk async for chunk in iter_listing(core, str(tree))]
    assert len(chunks) == 3
    listed = [e.raw_name for chunk in chunks for e in chunk]
    assert listed == sorted(names) and all(e.indexed and e.uuid for c in chunks for e in c)

    for _ in range(3):
        listing_it = iter_listing(core, str(tree))
        first = await anext(listing_it)
        assert len(first) == CHUNK
        await listing_it.aclose()
    again = [e.raw_name async for chunk in iter_listing(core, str(tree)) for e in chunk]
    assert again == listed
