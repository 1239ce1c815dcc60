"""The library follows file operations: copies get entries at once, moves keep UUIDs and tags, anywhere."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.operations.files import follow
from spacedrive.operations.files.follow import file_copied, file_moved, file_removed, folder_created
from spacedrive.operations.indexing import content
from spacedrive.operations.libraries import Library
from spacedrive.operations.locations import get_location, rescan_location
from spacedrive.operations.tags import add_tag, create_tag
from tests.core.indexing_support import (
    cas_ids,
    db_view,
    disk_view,
    expected_cas_id,
    finished,
    index,
    listing,
    query,
    uuids,
    write_tree,
)

BIG = os.urandom(300_000)  # sampled: its cas_id reads ~58 KB


async def snapshot(library: Library) -> list[tuple[Any, ...]]:
    """Every entry, every column: a watcher or rescan that changed nothing leaves this identical."""
    return await query(library, "SELECT * FROM entries ORDER BY id")


async def rescan_changes(library: Library, location_id: int) -> dict[str, int]:
    state = await finished(library, await rescan_location(library, location_id))
    return {k: state.stats[k] for k in ("inserted", "updated", "moved", "deleted")}


NOTHING = {"inserted": 0, "updated": 0, "moved": 0, "deleted": 0}


async def no_hashing(*_args: Any) -> int:
    raise AssertionError("a file copied from an indexed source was hashed again")


async def totals(library: Library, location_id: int) -> tuple[int, int]:
    loc = await get_location(library, location_id)
    return loc.total_file_count, loc.total_byte_size


def disk_totals(tree: Path) -> tuple[int, int]:
    files = [v for v in disk_view(tree).values() if v[0] == 0]
    return len(files), sum(v[1] for v in files)


async def test_a_copy_from_an_indexed_folder_is_indexed_at_once_with_its_content_ids(
    core: Core, tmp_path: Path
) -> None:
    library = core.current_library()
    tree = tmp_path / "tree"
    write_tree(
        tree, {"src/big.bin": BIG, "src/sub/a.txt": "a", "src/sub/deeper/b.md": "bb", "dest/old.txt": "o"}
    )
    info, _ = await index(library, tree, mode="content")
    await create_tag(library, "Work")
    await add_tag(library, [tree / "src" / "big.bin"], "Work")
    await library.stop_watching(info.id)  # only follow writes to the index here
    before_cas = await cas_ids(library, info.id)
    # Content ids are carried over, not recomputed: hashing now would be a failure.
    original = content.ContentIdentifier.identify
    content.ContentIdentifier.identify = no_hashing  # type: ignore[method-assign,assignment]
    try:
        shutil.copy2(tree / "src" / "big.bin", tree / "dest" / "big (2).bin")
        await file_copied(
            library, os.fsencode(tree / "src/big.bin"), os.fsencode(tree / "dest/big (2).bin"), None
        )
        shutil.copytree(tree / "src" / "sub", tree / "dest" / "sub")
        await file_copied(library, os.fsencode(tree / "src/sub"), os.fsencode(tree / "dest/sub"), None)
    finally:
        content.ContentIdentifier.identify = original  # type: ignore[method-assign]
    assert await db_view(library, info.id) == disk_view(tree)  # aggregates of every folder above too
    assert await totals(library, info.id) == disk_totals(tree)
    stored = await cas_ids(library, info.id)
    assert (
        stored[(b"dest", b"big (2)", b"bin")] == before_cas[(b"src", b"big", b"bin")] == expected_cas_id(BIG)
    )
    assert stored[(b"dest/sub", b"a", b"txt")] == expected_cas_id(b"a")
    assert stored[(b"dest/sub/deeper", b"b", b"md")] == expected_cas_id(b"bb")
    # One content identity for both copies, counted twice.
    assert await query(
        library, "SELECT entry_count FROM content_identities WHERE cas_id = ?", (expected_cas_id(BIG),)
    ) == [(2,)]
    # A copy is a new file: new UUIDs, and no tags of the source.
    dest = await listing(core, tree / "dest")
    assert dest[b"big (2).bin"].tags == () and dest[b"big (2).bin"].uuid is not None
    assert (await listing(core, tree / "src"))[b"big.bin"].tags == ("Work",)
    # A rescan finds nothing to do.
    snap = await snapshot(library)
    assert await rescan_changes(library, info.id) == NOTHING
    assert await snapshot(library) == snap


async def test_the_watcher_finds_nothing_to_change_after_follow(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    write_tree(tree, {"a/b/keep.txt": "k", "a/b/c/": b""})
    write_tree(outside, {"photo.jpg": BIG, "album/1.txt": "one", "album/2/3.txt": "three"})
    info, _ = await index(library, tree, mode="content")
    events = core.bus.subscribe(maxsize=1000)
    shutil.copy2(outside / "photo.jpg", tree / "a" / "b" / "c" / "photo.jpg")
    await file_copied(
        library, os.fsencode(outside / "photo.jpg"), os.fsencode(tree / "a/b/c/photo.jpg"), None
    )
    shutil.copytree(outside / "album", tree / "a" / "album")
    await file_copied(library, os.fsencode(outside / "album"), os.fsencode(tree / "a/album"), None)
    os.mkdir(tree / "a" / "new folder")
    await folder_created(library, os.fsencode(tree / "a" / "new folder"))
    # Entries are there at once, with sampled content ids computed from the copies.
    assert await db_view(library, info.id) == disk_view(tree)
    stored = await cas_ids(library, info.id)
    assert stored[(b"a/b/c", b"photo", b"jpg")] == expected_cas_id(BIG)
    assert stored[(b"a/album/2", b"3", b"txt")] == expected_cas_id(b"three")
    snap = await snapshot(library)
    await asyncio.sleep(2.0)  # the watcher re-scans the folders these changes touched
    assert await snapshot(library) == snap
    changed = []
    while (event := events.get_nowait()) is not None:
        if isinstance(event, ev.EntriesChanged):
            changed.append(event.relative_path)
    events.close()
    assert {"a/b/c", "a"} <= set(changed)  # views of those folders are told
    assert await rescan_changes(library, info.id) == NOTHING


async def test_a_copy_from_an_ephemeral_folder_into_a_shallow_location(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    write_tree(tree, {"x.txt": "x"})
    write_tree(outside, {"one.bin": BIG, "two.bin": b"two"})
    info, _ = await index(library, tree)
    await library.stop_watching(info.id)
    shutil.copy2(outside / "one.bin", tree / "one.bin")
    await file_copied(library, os.fsencode(outside / "one.bin"), os.fsencode(tree / "one.bin"), None)
    shutil.copy2(outside / "two.bin", tree / "two.bin")
    # The copy computed the id while it read the file: it is kept, even in shallow mode.
    await file_copied(
        library, os.fsencode(outside / "two.bin"), os.fsencode(tree / "two.bin"), expected_cas_id(b"two")
    )
    stored = await cas_ids(library, info.id)
    assert stored[(b"", b"one", b"bin")] is None  # shallow mode computes no content ids
    assert stored[(b"", b"two", b"bin")] == expected_cas_id(b"two")
    assert await db_view(library, info.id) == disk_view(tree)
    assert await rescan_changes(library, info.id) == NOTHING


async def test_a_move_inside_a_location_keeps_uuid_and_tags(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    tree = tmp_path / "tree"
    write_tree(tree, {"in/report.pdf": b"%PDF" + BIG, "in/deep/x.txt": "x", "out/": b""})
    info, _ = await index(library, tree, mode="content")
    await create_tag(library, "Important")
    await add_tag(library, [tree / "in" / "report.pdf", tree / "in" / "deep" / "x.txt"], "Important")
    await library.stop_watching(info.id)
    old = await uuids(library, info.id)
    old_cas = await cas_ids(library, info.id)
    os.rename(tree / "in" / "report.pdf", tree / "out" / "renamed.pdf")
    await file_moved(library, os.fsencode(tree / "in/report.pdf"), os.fsencode(tree / "out/renamed.pdf"))
    os.rename(tree / "in" / "deep", tree / "out" / "deep2")
    await file_moved(library, os.fsencode(tree / "in/deep"), os.fsencode(tree / "out/deep2"))
    now = await uuids(library, info.id)
    assert now[(b"out", b"renamed", b"pdf")] == old[(b"in", b"report", b"pdf")]
    assert now[(b"out", b"deep2", b"")] == old[(b"in", b"deep", b"")]
    assert now[(b"out/deep2", b"x", b"txt")] == old[(b"in/deep", b"x", b"txt")]
    assert (await cas_ids(library, info.id))[(b"out", b"renamed", b"pdf")] == old_cas[
        (b"in", b"report", b"pdf")
    ]
    assert (await listing(core, tree / "out"))[b"renamed.pdf"].tags == ("Important",)
    assert (await listing(core, tree / "out" / "deep2"))[b"x.txt"].tags == ("Important",)
    assert await db_view(library, info.id) == disk_view(tree)
    snap = await snapshot(library)
    assert await rescan_changes(library, info.id) == NOTHING
    assert await snapshot(library) == snap


async def test_a_folder_moved_between_locations_carries_its_descendants(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    one, two = tmp_path / "one", tmp_path / "two"
    write_tree(one, {"project/a.txt": "a", "project/src/main.py": "print(1)", "project/src/lib/": b""})
    write_tree(two, {"archive/": b""})
    info1, _ = await index(library, one, mode="content")
    info2, _ = await index(library, two, mode="content")
    await create_tag(library, "Code")
    await add_tag(library, [one / "project" / "src" / "main.py"], "Code")
    for info in (info1, info2):
        await library.stop_watching(info.id)
    old = await uuids(library, info1.id)
    shutil.move(one / "project", two / "archive" / "project")
    await file_moved(library, os.fsencode(one / "project"), os.fsencode(two / "archive/project"))
    assert await uuids(library, info1.id) == {}
    moved = await uuids(library, info2.id)
    for (rel, name, ext), value in old.items():
        new_rel = b"archive/" + rel if rel else b"archive"
        assert moved[(new_rel, name, ext)] == value
    assert (await listing(core, two / "archive" / "project" / "src"))[b"main.py"].tags == ("Code",)
    for info, tree in ((info1, one), (info2, two)):
        assert await db_view(library, info.id) == disk_view(tree)
        assert await totals(library, info.id) == disk_totals(tree)
        assert await rescan_changes(library, info.id) == NOTHING


async def test_a_tagged_file_moved_out_keeps_its_tags_and_gets_them_back_on_return(
    core: Core, tmp_path: Path
) -> None:
    library = core.current_library()
    tree, tmp = tmp_path / "tree", tmp_path / "tmp"
    write_tree(tree, {"docs/letter.odt": "dear", "docs/plain.txt": "p"})
    tmp.mkdir()
    info, _ = await index(library, tree, mode="content")
    await create_tag(library, "Family")
    await add_tag(library, [tree / "docs" / "letter.odt"], "Family")
    await library.stop_watching(info.id)
    uuid_before = (await uuids(library, info.id))[(b"docs", b"letter", b"odt")]
    for name in ("letter.odt", "plain.txt"):
        shutil.move(tree / "docs" / name, tmp / name)
        await file_moved(library, os.fsencode(tree / "docs" / name), os.fsencode(tmp / name))
    # Out of the location: a loose entry keeps the tagged one; the untagged one is forgotten.
    outside = await listing(core, tmp)
    assert outside[b"letter.odt"].tags == ("Family",) and outside[b"letter.odt"].uuid == uuid_before
    assert not outside[b"letter.odt"].indexed and outside[b"plain.txt"].tags == ()
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(1,)]
    assert await db_view(library, info.id) == disk_view(tree)
    # Moving it on outside the index, then back: the same entry, re-attached.
    os.mkdir(tmp / "later")
    shutil.move(tmp / "letter.odt", tmp / "later" / "letter.odt")
    await file_moved(library, os.fsencode(tmp / "letter.odt"), os.fsencode(tmp / "later/letter.odt"))
    assert (await listing(core, tmp / "later"))[b"letter.odt"].tags == ("Family",)
    shutil.move(tmp / "later" / "letter.odt", tree / "docs" / "letter.odt")
    await file_moved(library, os.fsencode(tmp / "later/letter.odt"), os.fsencode(tree / "docs/letter.odt"))
    back = await listing(core, tree / "docs")
    assert back[b"letter.odt"].uuid == uuid_before and back[b"letter.odt"].tags == ("Family",)
    assert back[b"letter.odt"].indexed and back[b"letter.odt"].cas_id == expected_cas_id(b"dear")
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(0,)]
    assert await db_view(library, info.id) == disk_view(tree)
    assert await rescan_changes(library, info.id) == NOTHING


async def test_a_tagged_folder_moved_out_and_back_keeps_its_tree_of_tags(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    tree, tmp = tmp_path / "tree", tmp_path / "tmp"
    write_tree(tree, {"album/2024/beach.jpg": BIG, "album/2024/sea.jpg": b"sea", "album/cover.png": b"c"})
    tmp.mkdir()
    info, _ = await index(library, tree)
    await create_tag(library, "Holiday")
    await add_tag(library, [tree / "album" / "2024" / "beach.jpg", tree / "album"], "Holiday")
    await library.stop_watching(info.id)
    old = await uuids(library, info.id)
    shutil.move(tree / "album", tmp / "album")
    await file_moved(library, os.fsencode(tree / "album"), os.fsencode(tmp / "album"))
    assert (await listing(core, tmp))[b"album"].tags == ("Holiday",)
    assert (await listing(core, tmp / "album" / "2024"))[b"beach.jpg"].tags == ("Holiday",)
    assert await uuids(library, info.id) == {}
    shutil.move(tmp / "album", tree / "photos")
    await file_moved(library, os.fsencode(tmp / "album"), os.fsencode(tree / "photos"))
    now = await uuids(library, info.id)
    assert now[(b"", b"photos", b"")] == old[(b"", b"album", b"")]
    assert now[(b"photos/2024", b"beach", b"jpg")] == old[(b"album/2024", b"beach", b"jpg")]
    assert (await listing(core, tree / "photos" / "2024"))[b"beach.jpg"].tags == ("Holiday",)
    assert await db_view(library, info.id) == disk_view(tree)
    assert await rescan_changes(library, info.id) == NOTHING


async def test_removed_files_leave_the_index_and_their_folders_shrink(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    tree = tmp_path / "tree"
    write_tree(tree, {"a/b/one.bin": BIG, "a/b/two.txt": "two", "a/c/three.txt": "3", "a/keep.txt": "k"})
    info, _ = await index(library, tree, mode="content")
    await create_tag(library, "Gone")
    await add_tag(library, [tree / "a" / "b" / "one.bin"], "Gone")
    await library.stop_watching(info.id)
    shutil.rmtree(tree / "a" / "b")
    await file_removed(library, os.fsencode(tree / "a/b"))
    os.remove(tree / "a" / "c" / "three.txt")
    await file_removed(library, os.fsencode(tree / "a/c/three.txt"))
    assert await db_view(library, info.id) == disk_view(tree)
    assert await totals(library, info.id) == disk_totals(tree)
    # Nothing is left pointing at the removed files: no identity, no metadata.
    assert await query(
        library, "SELECT count(*) FROM content_identities WHERE cas_id = ?", (expected_cas_id(BIG),)
    ) == [(0,)]
    assert await query(library, "SELECT count(*) FROM user_metadata") == [(0,)]
    assert await rescan_changes(library, info.id) == NOTHING


async def test_names_that_are_not_utf8(core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = core.current_library()
    root = os.fsencode(tmp_path)
    tree, tmp = root + b"/tree", root + b"/tmp\xff"
    os.makedirs(tree + b"/caf\xe9")
    os.makedirs(tmp)
    Path(os.fsdecode(tree + b"/caf\xe9/men\xfc.txt")).write_bytes(b"menu")
    info, _ = await index(library, os.fsdecode(tree), mode="content")
    await create_tag(library, "Caf\u00e9")
    await add_tag(library, [tree + b"/caf\xe9/men\xfc.txt"], "Caf\u00e9")
    await library.stop_watching(info.id)
    uuid_before = (await uuids(library, info.id))[(b"caf\xe9", b"men\xfc", b"txt")]
    shutil.copytree(tree + b"/caf\xe9", tree + b"/copy \xe9")
    monkeypatch.setattr(content.ContentIdentifier, "identify", no_hashing)  # carried over, byte for byte
    await file_copied(library, tree + b"/caf\xe9", tree + b"/copy \xe9", None)
    monkeypatch.undo()
    assert (await cas_ids(library, info.id))[(b"copy \xe9", b"men\xfc", b"txt")] == expected_cas_id(b"menu")
    os.rename(tree + b"/caf\xe9", tmp + b"/\xe9")
    await file_moved(library, tree + b"/caf\xe9", tmp + b"/\xe9")
    outside = await listing(core, tmp + b"/\xe9")
    assert outside[b"men\xfc.txt"].tags == ("Caf\u00e9",) and outside[b"men\xfc.txt"].uuid == uuid_before
    os.rename(tmp + b"/\xe9", tree + b"/\xe9 back")
    await file_moved(library, tmp + b"/\xe9", tree + b"/\xe9 back")
    assert (await uuids(library, info.id))[(b"\xe9 back", b"men\xfc", b"txt")] == uuid_before
    assert await db_view(library, info.id) == disk_view(tree)
    assert await rescan_changes(library, info.id) == NOTHING


async def test_a_file_tagged_before_its_folder_is_indexed_keeps_uuid_and_tags(
    core: Core, tmp_path: Path
) -> None:
    library = core.current_library()
    tree = tmp_path / "tree"
    write_tree(tree, {"notes.txt": "n", "sub/deep.txt": "d"})
    await create_tag(library, "Early")
    await add_tag(library, [tree / "notes.txt", tree / "sub" / "deep.txt"], "Early")
    loose = {row[0] for row in await query(library, "SELECT uuid FROM entries WHERE location_id IS NULL")}
    assert len(loose) == 2
    info, _ = await index(library, tree)  # the first scan adopts them
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(0,)]
    indexed = await uuids(library, info.id)
    assert {indexed[(b"", b"notes", b"txt")].bytes, indexed[(b"sub", b"deep", b"txt")].bytes} == loose
    assert (await listing(core, tree / "sub"))[b"deep.txt"].tags == ("Early",)
    # A rescan adopts too: a file tagged while excluded by the rules, indexed once they allow it.
    await library.stop_watching(info.id)
    (tree / "later.txt").write_text("later")
    await add_tag(library, [tree / "later.txt"], "Early")  # not indexed yet: a loose entry
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(1,)]
    await rescan_changes(library, info.id)
    assert (await listing(core, tree))[b"later.txt"].tags == ("Early",)
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(0,)]


async def test_a_copy_from_a_shallow_location_into_a_content_one_is_identified(
    core: Core, tmp_path: Path
) -> None:
    library = core.current_library()
    shallow, deep = tmp_path / "shallow", tmp_path / "deep"
    write_tree(shallow, {"song.mp3": BIG})
    write_tree(deep, {"music/": b""})
    await index(library, shallow)
    info, _ = await index(library, deep, mode="content")
    await library.stop_watching(info.id)
    shutil.copy2(shallow / "song.mp3", deep / "music" / "song.mp3")
    await file_copied(library, os.fsencode(shallow / "song.mp3"), os.fsencode(deep / "music/song.mp3"), None)
    assert (await cas_ids(library, info.id))[(b"music", b"song", b"mp3")] == expected_cas_id(BIG)


async def test_a_move_during_a_scan_leaves_the_tags_for_the_scan_to_adopt(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = core.current_library()
    tree = tmp_path / "tree"
    write_tree(tree, {"a/tagged.txt": "t", "b/": b""})
    info, _ = await index(library, tree)
    await create_tag(library, "Keep")
    await add_tag(library, [tree / "a" / "tagged.txt"], "Keep")
    await library.stop_watching(info.id)
    uuid_before = (await uuids(library, info.id))[(b"a", b"tagged", b"txt")]

    async def walking(*_args: Any) -> bool:
        return False  # as while a scan of the location is walking: its entries are the scan's to write

    monkeypatch.setattr(follow, "_accepts", walking)
    os.rename(tree / "a" / "tagged.txt", tree / "b" / "tagged.txt")
    await file_moved(library, os.fsencode(tree / "a/tagged.txt"), os.fsencode(tree / "b/tagged.txt"))
    assert (b"a", b"tagged", b"txt") not in await uuids(library, info.id)
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(1,)]
    monkeypatch.undo()
    await rescan_changes(library, info.id)  # the scan writes what it walked, adopting the loose entry
    back = await listing(core, tree / "b")
    assert back[b"tagged.txt"].uuid == uuid_before and back[b"tagged.txt"].tags == ("Keep",)
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(0,)]


async def test_a_folder_added_as_a_location_is_followed_from_then_on(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    folder, outside = tmp_path / "folder", tmp_path / "outside"
    write_tree(outside, {"a.txt": "a", "b.txt": "b"})
    folder.mkdir()
    shutil.copy2(outside / "a.txt", folder / "a.txt")
    await file_copied(library, os.fsencode(outside / "a.txt"), os.fsencode(folder / "a.txt"), None)
    info, _ = await index(library, folder)
    await library.stop_watching(info.id)
    shutil.copy2(outside / "b.txt", folder / "b.txt")
    await file_copied(library, os.fsencode(outside / "b.txt"), os.fsencode(folder / "b.txt"), None)
    assert await db_view(library, info.id) == disk_view(folder)
