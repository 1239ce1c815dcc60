"""Tags on indexed and ephemeral files: create, list with counts, rename, delete, tag and untag, tag view."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.errors import InvalidArgument
from spacedrive.operations import api
from spacedrive.operations.tags import (
    PathNotFound,
    TagExists,
    TagNotFound,
    add_tag,
    create_tag,
    delete_tag,
    entries_with_tag,
    get_tag,
    list_tags,
    remove_tag,
    update_tag,
)
from tests.core.indexing_support import index, listing, query, write_tree


async def test_create_list_rename_and_delete(core: Core) -> None:
    library = core.current_library()
    events = core.bus.subscribe(maxsize=100)
    work = await create_tag(library, " Work ", "#F80")
    assert (work.name, work.color, work.file_count) == ("Work", "#ff8800", 0)
    await create_tag(library, "archive")
    assert [t.name for t in await list_tags(library)] == ["archive", "Work"]  # by name, ignoring case
    with pytest.raises(TagExists):
        await create_tag(library, "work")  # names differ by more than case
    with pytest.raises(InvalidArgument):
        await create_tag(library, "red", "crimson")
    with pytest.raises(InvalidArgument):
        await create_tag(library, "   ")
    renamed = await update_tag(library, "WORK", name="Job")  # found ignoring case
    assert renamed.id == work.id and renamed.name == "Job" and renamed.color == "#ff8800"
    with pytest.raises(TagExists):
        await update_tag(library, "Job", name="Archive")
    with pytest.raises(TagNotFound):
        await get_tag(library, "Work")
    deleted = await delete_tag(library, "Job")
    assert deleted.id == work.id and [t.name for t in await list_tags(library)] == ["archive"]
    with pytest.raises(TagNotFound):
        await delete_tag(library, "Job")
    seen = []
    while (event := events.get_nowait()) is not None:
        seen.append(event)
    events.close()
    assert [type(e).__name__ for e in seen if type(e).__name__.startswith("Tag")] == [
        "TagCreated",
        "TagCreated",
        "TagUpdated",
        "TagDeleted",
    ]
    update = next(e for e in seen if isinstance(e, ev.TagUpdated))
    assert (update.old_name, update.name) == ("Work", "Job")
    assert ev.event_from_dict(update.to_dict()) == update


async def test_indexed_and_ephemeral_files_alike(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    tree, loose = tmp_path / "tree", tmp_path / "usb"
    write_tree(tree, {"a.txt": "a", "sub/b.txt": "b"})
    write_tree(loose, {"c.txt": "c", "folder/d.txt": "d"})
    await index(library, tree)
    await create_tag(library, "Red", "#f00")
    await create_tag(library, "Blue")
    events = core.bus.subscribe(maxsize=100)
    assert (
        await add_tag(library, [tree / "a.txt", tree / "sub", loose / "c.txt", loose / "folder"], "Red") == 4
    )
    assert await add_tag(library, [tree / "a.txt", loose / "c.txt"], "Red") == 0  # already tagged
    await add_tag(library, [loose / "c.txt"], "Blue")
    changed = [e for e in iter(events.get_nowait, None) if isinstance(e, ev.TagsChanged)]
    events.close()
    assert changed[0].tag == "Red" and changed[0].added and os.fsdecode(tree / "a.txt") in changed[0].paths
    # The listing shows tags on indexed entries (from the index) and ephemeral ones (from loose entries).
    indexed = await listing(core, tree)
    assert indexed[b"a.txt"].tags == ("Red",) and indexed[b"sub"].tags == ("Red",)
    ephemeral = await listing(core, loose)
    assert not ephemeral[b"c.txt"].indexed
    assert sorted(ephemeral[b"c.txt"].tags) == ["Blue", "Red"] and ephemeral[b"folder"].tags == ("Red",)
    assert ephemeral[b"c.txt"].uuid is not None and ephemeral[b"folder"].kind == "directory"
    # Only the two ephemeral paths got loose entries; indexed ones carry their tags themselves.
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(2,)]
    assert {t.name: t.file_count for t in await list_tags(library)} == {"Red": 4, "Blue": 1}
    # The tag view: everything carrying it, with absolute paths.
    red = await entries_with_tag(library, "red")
    assert [e.path for e in red] == sorted(
        os.fsencode(p) for p in (tree / "a.txt", tree / "sub", loose / "c.txt", loose / "folder")
    )
    indexed_by_path = {e.path: e.indexed for e in red}
    assert indexed_by_path[os.fsencode(tree / "a.txt")] and not indexed_by_path[os.fsencode(loose / "c.txt")]
    # Untagging: a loose entry left with nothing to carry goes.
    assert await remove_tag(library, [loose / "folder", tree / "a.txt"], "Red") == 2
    assert (await listing(core, loose))[b"folder"].tags == ()
    assert (await listing(core, tree))[b"a.txt"].tags == ()
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(1,)]
    # Deleting a tag untags its files; c.txt keeps Blue, so its loose entry stays.
    await delete_tag(library, "Red")
    assert (await listing(core, loose))[b"c.txt"].tags == ("Blue",)
    assert (await listing(core, tree))[b"sub"].tags == ()
    await delete_tag(library, "Blue")
    assert await query(library, "SELECT count(*) FROM entries WHERE location_id IS NULL") == [(0,)]
    assert await query(
        library,
        "SELECT count(*) FROM user_metadata WHERE id NOT IN "
        "(SELECT metadata_id FROM entries WHERE metadata_id IS NOT NULL)",
    ) == [(0,)]


async def test_clear_errors(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    (tmp_path / "here.txt").write_text("x")
    await create_tag(library, "T")
    with pytest.raises(TagNotFound):
        await add_tag(library, [tmp_path / "here.txt"], "nope")
    with pytest.raises(PathNotFound):
        await add_tag(library, [tmp_path / "here.txt", tmp_path / "missing.txt"], "T")
    # Nothing was tagged when one path was missing.
    assert (await listing(core, tmp_path))[b"here.txt"].tags == ()
    with pytest.raises(PathNotFound):
        await remove_tag(library, [tmp_path / "missing.txt"], "T")
    # Untagging a file that is gone still works while an entry remembers it.
    await add_tag(library, [tmp_path / "here.txt"], "T")
    (tmp_path / "here.txt").unlink()
    assert await remove_tag(library, [tmp_path / "here.txt"], "T") == 1


async def test_symlinked_folders_and_non_utf8_names(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    real = os.fsencode(tmp_path / "real")
    os.makedirs(real + b"/\xff\xfe")
    Path(os.fsdecode(real + b"/\xff\xfe/caf\xe9.txt")).write_bytes(b"x")
    os.symlink(real, tmp_path / "link")
    await create_tag(library, "\u00c9t\u00e9")
    await add_tag(library, [os.fsencode(tmp_path / "link") + b"/\xff\xfe/caf\xe9.txt"], "\u00c9t\u00e9")
    # The same file through its real path: one loose entry, found either way.
    assert (await listing(core, real + b"/\xff\xfe"))[b"caf\xe9.txt"].tags == ("\u00c9t\u00e9",)
    files = await entries_with_tag(library, "\u00c9t\u00e9")
    assert [e.path for e in files] == [real + b"/\xff\xfe/caf\xe9.txt"]
    assert files[0].to_dict()["name_base64"]  # the exact bytes cross JSON


async def test_the_commands(core: Core, tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("f")
    created = await api.execute(core, "tag.create", {"name": "Cmd", "color": "#123456"})
    assert created["name"] == "Cmd" and created["color"] == "#123456"
    added = await api.execute(core, "tag.add", {"paths": [str(tmp_path / "f.txt")], "tag": "Cmd"})
    assert added["changed"] == 1 and added["tag"]["file_count"] == 1
    files = await api.execute(core, "tag.files", {"tag": "Cmd"})
    assert [f["path"] for f in files] == [str(tmp_path / "f.txt")] and files[0]["tags"] == ["Cmd"]
    ls = await api.execute(core, "ls", {"path": str(tmp_path)})
    assert next(e for e in ls if e["name"] == "f.txt")["tags"] == ["Cmd"]
    assert (await api.execute(core, "tag.rename", {"tag": "Cmd", "name": "Renamed"}))["name"] == "Renamed"
    assert [t["name"] for t in await api.execute(core, "tag.list")] == ["Renamed"]
    assert (await api.execute(core, "tag.info", {"tag": "renamed"}))["file_count"] == 1
    removed = await api.execute(core, "tag.remove", {"paths": [str(tmp_path / "f.txt")], "tag": "Renamed"})
    assert removed["changed"] == 1
    assert (await api.execute(core, "tag.delete", {"tag": "Renamed"}))["name"] == "Renamed"
    with pytest.raises(InvalidArgument):
        await api.execute(core, "tag.add", {"paths": [], "tag": "x"})
