"""File operations: copy, move, rename, duplicate, new folder/file, trash, restore, delete; SdPath."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import select

from spacedrive import Core
from spacedrive.domain.entry import Entry
from spacedrive.domain.jobs import JobStatus
from spacedrive.errors import (
    DestinationExists,
    DestinationInvalid,
    InvalidName,
    RestoreConflict,
    SourceNotFound,
)
from spacedrive.infrastructure.db.models import AuditLogRow
from spacedrive.operations.files import strategies, trash
from spacedrive.operations.files.sdpath import SdPath, resolve
from spacedrive.operations.files.strategies import Control, Strategy, choose, copy_file
from spacedrive.operations.listing import iter_listing
from spacedrive.operations.locations import add_location
from spacedrive.operations.tags import add_tag, create_tag
from tests.core.file_ops_support import ODD_NAMES, finish, make_tree, snapshot, temps_under

SHM = Path("/dev/shm")


@pytest.fixture(autouse=True)
def _private_trash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
async def bare(tmp_path: Path) -> AsyncIterator[Core]:
    """A core with no library open: file jobs run in its own job manager."""
    c = Core(tmp_path / "bare-data", background=True)
    await c.start()
    try:
        yield c
    finally:
        await c.stop()


@pytest.fixture
def shm_dir() -> Iterator[Path]:
    path = SHM / f"sd-test-{uuid4().hex[:8]}"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def test_copy_keeps_a_tree_exactly_without_a_library(bare: Core, tmp_path: Path) -> None:
    src = make_tree(tmp_path / "src")
    (tmp_path / "dst").mkdir()
    before = snapshot(src)
    outcome = await bare.files.copy([str(src)], str(tmp_path / "dst"), conflict="fail")
    assert outcome.preview is not None and outcome.preview.files == len(ODD_NAMES) + 5
    info = await finish(bare, outcome.job_id)
    assert info.status is JobStatus.COMPLETED, info.error
    assert info.progress.bytes_completed == info.progress.bytes_total > 300_000
    assert snapshot(tmp_path / "dst" / "src") == before  # names, bytes, modes, mtimes, links as links
    assert snapshot(src) == before
    assert os.path.islink(tmp_path / "dst" / "src" / "link")
    assert temps_under(tmp_path) == []


async def test_copy_and_move_across_volumes(core: Core, tmp_path: Path, shm_dir: Path) -> None:
    src = make_tree(tmp_path / "src")
    before = snapshot(src)
    info = await finish(core, (await core.files.copy([str(src)], str(shm_dir))).job_id)
    assert info.status is JobStatus.COMPLETED and snapshot(shm_dir / "src") == before
    (tmp_path / "back").mkdir()
    moved = await core.files.move([str(shm_dir / "src")], str(tmp_path / "back"), verify=True)
    assert (await finish(core, moved.job_id)).status is JobStatus.COMPLETED
    assert not (shm_dir / "src").exists() and snapshot(tmp_path / "back" / "src") == before
    assert temps_under(shm_dir) == [] and temps_under(tmp_path) == []


async def test_move_on_one_volume_is_a_rename(core: Core, tmp_path: Path) -> None:
    src = make_tree(tmp_path / "src")
    inode = os.lstat(src / "big.bin").st_ino
    (tmp_path / "dst").mkdir()
    outcome = await core.files.move([str(src)], str(tmp_path / "dst"))
    assert outcome.preview is not None and outcome.preview.bytes_needed == 0  # a rename takes no space
    job = await finish(core, outcome.job_id)
    assert job.status is JobStatus.COMPLETED
    assert os.lstat(tmp_path / "dst" / "src" / "big.bin").st_ino == inode and not src.exists()
    report = await core.files.report(outcome.job_id)
    assert report["done"] == [{"source": str(src), "destination": str(tmp_path / "dst" / "src")}]


async def test_non_utf8_and_odd_names_survive_every_operation(core: Core, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    raw = os.fsencode(folder)
    for name in ODD_NAMES:
        path = os.path.join(raw, name)
        Path(os.fsdecode(path)).write_bytes(b"data")
        dup = await finish(core, (await core.files.duplicate([path])).job_id)
        assert dup.status is JobStatus.COMPLETED
        renamed = await core.files.rename(path, name[:200] + b".renamed")
        assert renamed.paths == (os.path.join(raw, name[:200] + b".renamed"),)
    names = set(os.listdir(raw))
    assert len(names) == 2 * len(ODD_NAMES)
    assert b"\xff\xfe not utf-8 (2).bin" in names and b"line\nbreak (2).txt" in names


async def test_rename_refuses_what_would_lose_or_break(core: Core, tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    with pytest.raises(DestinationExists):
        await core.files.rename(str(tmp_path / "a"), "b")
    for bad in ("", "x/y", "..", "n" * 256):
        with pytest.raises(InvalidName):
            await core.files.rename(str(tmp_path / "a"), bad)
    with pytest.raises(SourceNotFound):
        await core.files.rename(str(tmp_path / "missing"), "c")
    assert (tmp_path / "a").read_text() == "a" and (tmp_path / "b").read_text() == "b"


async def test_new_folder_new_file_and_duplicates(core: Core, tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    made = await core.files.create_folder(str(work), "New Folder")
    assert made.paths == (os.fsencode(work / "New Folder"),) and (work / "New Folder").is_dir()
    await core.files.create_file(str(work / "New Folder"), "empty.txt")
    assert (work / "New Folder" / "empty.txt").read_bytes() == b""
    with pytest.raises(DestinationExists):
        await core.files.create_folder(str(work), "New Folder")
    for _ in range(2):
        done = await finish(core, (await core.files.duplicate([str(work / "New Folder")])).job_id)
        assert done.status is JobStatus.COMPLETED
    assert {p.name for p in work.iterdir()} == {"New Folder", "New Folder (2)", "New Folder (3)"}
    assert (work / "New Folder (3)" / "empty.txt").exists()


async def test_copy_into_itself_and_onto_files_is_refused(core: Core, tmp_path: Path) -> None:
    src = make_tree(tmp_path / "src")
    with pytest.raises(DestinationInvalid, match="inside itself"):
        await core.files.copy([str(src)], str(src / "sub"))
    with pytest.raises(DestinationInvalid, match="not a folder"):
        await core.files.copy([str(src / "empty")], str(src / "big.bin"))
    with pytest.raises(SourceNotFound):
        await core.files.copy([str(tmp_path / "nope")], str(src))
    assert temps_under(tmp_path) == []


async def test_trash_and_restore_follow_the_freedesktop_spec(core: Core, tmp_path: Path) -> None:
    src = make_tree(tmp_path / "src")
    before = snapshot(src)
    info = await finish(core, (await core.files.trash([str(src), str(tmp_path / "src")])).job_id)
    # The same path twice: the second is gone by then, and says so.
    assert info.status is JobStatus.FAILED and "does not exist" in info.error
    assert not src.exists()
    home_trash = tmp_path / "xdg" / "Trash"
    info_text = (home_trash / "info" / "src.trashinfo").read_text()
    assert f"Path={src}\n" in info_text and "DeletionDate=" in info_text
    assert snapshot(home_trash / "files" / "src") == before
    restored = await core.files.restore([str(src)])  # by where it was
    assert restored.paths == (os.fsencode(src),) and snapshot(src) == before
    assert not (home_trash / "info" / "src.trashinfo").exists()

    await finish(core, (await core.files.trash([str(src / "big.bin")])).job_id)
    (src / "big.bin").write_text("someone else's")
    with pytest.raises(RestoreConflict, match="something else is there"):
        await core.files.restore([str(home_trash / "files" / "big.bin")])
    assert (src / "big.bin").read_text() == "someone else's"
    os.unlink(src / "big.bin")
    await core.files.restore(["big.bin"])  # by its name in the trash
    assert snapshot(src) == before


async def test_trash_on_another_volume_uses_its_own_trash(core: Core, shm_dir: Path) -> None:
    (shm_dir / "x.txt").write_text("x")
    await finish(core, (await core.files.trash([str(shm_dir / "x.txt")])).job_id)
    item = trash.find(os.fsencode(shm_dir / "x.txt"))
    assert item.trash_dir == os.fsencode(SHM / f".Trash-{os.getuid()}")
    await core.files.restore([str(shm_dir / "x.txt")])
    assert (shm_dir / "x.txt").read_text() == "x"


async def test_permanent_delete(core: Core, tmp_path: Path) -> None:
    src = make_tree(tmp_path / "src")
    os.chmod(src / "sub" / "deeper", 0o500)  # read-only folders inside are no obstacle
    info = await finish(core, (await core.files.delete_permanently([str(src)])).job_id)
    assert info.status is JobStatus.COMPLETED and not src.exists()
    assert not (tmp_path / "xdg" / "Trash" / "files" / "src").exists()


async def test_every_action_leaves_an_audit_row_finished_with_its_job(core: Core, tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    (tmp_path / "d").mkdir()
    copied = await core.files.copy([str(tmp_path / "a")], str(tmp_path / "d"))
    await finish(core, copied.job_id)
    await core.files.rename(str(tmp_path / "a"), "b")
    with pytest.raises(DestinationExists):
        await core.files.create_folder(str(tmp_path), "d")
    async with core.current_library().db.read() as session:
        rows = (await session.scalars(select(AuditLogRow).order_by(AuditLogRow.id))).all()
    assert [(r.action, r.status) for r in rows] == [
        ("file.copy", "completed"),
        ("file.rename", "completed"),
        ("file.mkdir", "failed"),
    ]
    assert rows[0].job_id == str(copied.job_id) and rows[0].completed_at is not None
    assert json.loads(rows[0].targets or "")["pairs"] == [[str(tmp_path / "a"), str(tmp_path / "d" / "a")]]
    assert "already exists" in (rows[2].error or "")


def test_strategy_choice_and_clone_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose(1, 1, move=True) is Strategy.RENAME
    assert choose(1, 1, move=False) is Strategy.CLONE
    assert choose(1, 2, move=False) is Strategy.STREAM and choose(1, 2, move=True) is Strategy.STREAM
    (tmp_path / "s").write_bytes(os.urandom(100_000))
    calls: list[int] = []

    def refusing_ioctl(fd: int, request: int, arg: int) -> int:
        calls.append(request)
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    monkeypatch.setattr(strategies, "_NO_CLONE", set())
    monkeypatch.setattr(strategies.fcntl, "ioctl", refusing_ioctl)
    copy_file(os.fsencode(tmp_path / "s"), os.fsencode(tmp_path / "d"), Control(), clone=True, verify=False)
    assert calls == [strategies.FICLONE]  # tried, refused, fell back silently
    assert (tmp_path / "d").read_bytes() == (tmp_path / "s").read_bytes()
    copy_file(os.fsencode(tmp_path / "s"), os.fsencode(tmp_path / "d2"), Control(), clone=True, verify=False)
    assert calls == [strategies.FICLONE]  # that file system is not asked again for the next file

    monkeypatch.setattr(strategies, "_NO_CLONE", set())

    cloned: list[tuple[int, int]] = []

    def cloning_ioctl(fd: int, request: int, arg: int) -> int:
        cloned.append((fd, arg))
        os.sendfile(fd, arg, 0, os.fstat(arg).st_size)  # what a reflink file system would show
        return 0

    monkeypatch.setattr(strategies.fcntl, "ioctl", cloning_ioctl)
    control = Control()
    copy_file(os.fsencode(tmp_path / "s"), os.fsencode(tmp_path / "e"), control, clone=True, verify=False)
    assert len(cloned) == 1 and control.bytes == 100_000
    assert (tmp_path / "e").read_bytes() == (tmp_path / "s").read_bytes()
    copy_file(os.fsencode(tmp_path / "s"), os.fsencode(tmp_path / "f"), Control(), clone=False, verify=False)
    assert len(cloned) == 1  # across volumes no clone is attempted


def test_sdpath_parses_cli_text_and_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert SdPath.parse("rel/x").path == os.fsencode(tmp_path / "rel" / "x")
    assert SdPath.parse("~/a").path == os.path.expanduser(b"~/a")
    assert SdPath.parse("/a//b/../c").path == b"/a/c"
    assert SdPath.parse("file:///tmp/caf%C3%A9%FF").path == b"/tmp/caf\xc3\xa9\xff"
    device = uuid4()
    parsed = SdPath.parse(f"sd://{device}/srv/x")
    assert parsed.device_id == device and parsed.path == b"/srv/x"
    odd = SdPath.parse(os.fsdecode(b"/tmp/\xff"))
    assert odd.path == b"/tmp/\xff" and SdPath.from_dict(json.loads(json.dumps(odd.to_dict()))) == odd


async def test_sdpath_resolves_indexed_files_to_their_entry(core: Core, tmp_path: Path) -> None:
    root = make_tree(tmp_path / "loc")
    library = core.current_library()
    _info, job_id = await add_location(library, str(root))
    await library.jobs.wait(job_id)
    inside = await resolve(SdPath.local(root / "sub" / "deeper" / "note.md"), library)
    assert inside.location_id is not None and inside.relative_path == b"sub/deeper/note.md"
    assert inside.entry_id is not None and inside.is_indexed
    outside = await resolve(SdPath.local(tmp_path / "elsewhere"), library)
    assert outside.location_id is None and not outside.is_indexed


def test_stat_helpers_keep_modes(tmp_path: Path) -> None:
    (tmp_path / "s").write_text("x")
    os.chmod(tmp_path / "s", 0o4751 & 0o777)
    copy_file(os.fsencode(tmp_path / "s"), os.fsencode(tmp_path / "d"), Control(), clone=False, verify=True)
    assert stat.S_IMODE(os.stat(tmp_path / "d").st_mode) == 0o751


async def test_the_library_follows_copies_moves_and_trash_at_once(core: Core, tmp_path: Path) -> None:
    from spacedrive.operations.api import execute

    library = core.current_library()
    loc = tmp_path / "loc"
    (loc / "inbox").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("x")
    library.watcher.enabled = False  # only the file operations may tell the index
    _info, job_id = await add_location(library, str(loc))
    await library.jobs.wait(job_id)

    async def names(folder: Path) -> set[str]:
        return {e["name"] for e in await execute(core, "ls", {"path": str(folder)})}

    await finish(core, (await core.files.copy([str(tmp_path / "outside.txt")], str(loc))).job_id)
    assert "outside.txt" in await names(loc)
    await finish(core, (await core.files.move([str(loc / "outside.txt")], str(loc / "inbox"))).job_id)
    assert "outside.txt" not in await names(loc) and "outside.txt" in await names(loc / "inbox")
    await core.files.create_folder(str(loc), "made")
    assert "made" in await names(loc)
    await finish(core, (await core.files.trash([str(loc / "inbox" / "outside.txt")])).job_id)
    assert await names(loc / "inbox") == set()


async def test_a_trashed_tagged_file_has_its_tags_back_when_restored(core: Core, tmp_path: Path) -> None:
    library = core.current_library()
    tree = tmp_path / "tree"
    (tree / "docs").mkdir(parents=True)
    (tree / "docs" / "letter.odt").write_text("dear")
    _, job = await add_location(library, str(tree))
    await library.jobs.wait(job)
    await create_tag(library, "Family")
    await add_tag(library, [tree / "docs" / "letter.odt"], "Family")
    before = (await _list(core, tree / "docs"))[0]
    await finish(core, (await core.files.trash([str(tree / "docs" / "letter.odt")])).job_id)
    assert not (tree / "docs" / "letter.odt").exists()
    await core.files.restore([str(tree / "docs" / "letter.odt")])
    after = (await _list(core, tree / "docs"))[0]
    assert (after.uuid, after.tags, after.indexed) == (before.uuid, ("Family",), True)


async def _list(core: Core, folder: Path) -> list[Entry]:
    return [entry async for chunk in iter_listing(core, os.fsencode(folder)) for entry in chunk]


async def test_links_point_at_their_targets_and_never_replace(core: Core, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("a")
    (tmp_path / "src" / "folder").mkdir()
    (tmp_path / "dst").mkdir()
    (tmp_path / "dst" / "a.txt").write_text("mine")
    made = await core.files.create_link(
        [str(tmp_path / "src" / "a.txt"), str(tmp_path / "src" / "folder")], str(tmp_path / "dst")
    )
    assert made.paths == (
        os.fsencode(tmp_path / "dst" / "a (2).txt"),
        os.fsencode(tmp_path / "dst" / "folder"),
    )
    assert os.readlink(tmp_path / "dst" / "a (2).txt") == str(tmp_path / "src" / "a.txt")
    assert (tmp_path / "dst" / "a.txt").read_text() == "mine"  # the name taken kept its file
    assert (tmp_path / "dst" / "folder").is_symlink() and (tmp_path / "dst" / "folder").is_dir()
    with pytest.raises(SourceNotFound):
        await core.files.create_link([str(tmp_path / "missing")], str(tmp_path / "dst"))
