"""Conflicts (skip, replace, keep both, merge, abort, asked and answered) and undo/redo."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.domain.jobs import JobStatus
from spacedrive.errors import InvalidArgument, JobNotFound, UndoRefused
from tests.core.file_ops_support import finish, temps_under


@pytest.fixture(autouse=True)
def _private_trash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    """src/{a.txt, f/{x, y}} copied into dst, which already has a.txt and f/{x, z}."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "f").mkdir(parents=True)
    (dst / "f").mkdir(parents=True)
    (src / "a.txt").write_text("new a")
    (src / "f" / "x").write_text("new x")
    (src / "f" / "y").write_text("new y")
    (dst / "a.txt").write_text("old a")
    (dst / "f" / "x").write_text("old x")
    (dst / "f" / "z").write_text("old z")
    return src, dst


def _contents(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


async def _copy(core: Core, src: Path, dst: Path, conflict: str) -> JobStatus:
    outcome = await core.files.copy([str(src / "a.txt"), str(src / "f")], str(dst), conflict=conflict)
    assert outcome.preview is not None and len(outcome.preview.conflicts) == 2
    return (await finish(core, outcome.job_id)).status


async def test_skip_keeps_what_was_there(core: Core, tmp_path: Path) -> None:
    src, dst = _setup(tmp_path)
    assert await _copy(core, src, dst, "skip") is JobStatus.COMPLETED
    assert _contents(dst) == {"a.txt": "old a", "f/x": "old x", "f/z": "old z"}


async def test_replace_swaps_files_and_whole_folders(core: Core, tmp_path: Path) -> None:
    src, dst = _setup(tmp_path)
    assert await _copy(core, src, dst, "replace") is JobStatus.COMPLETED
    assert _contents(dst) == {"a.txt": "new a", "f/x": "new x", "f/y": "new y"}
    assert temps_under(dst) == []


async def test_keep_both_numbers_the_newcomers(core: Core, tmp_path: Path) -> None:
    src, dst = _setup(tmp_path)
    assert await _copy(core, src, dst, "keep-both") is JobStatus.COMPLETED
    assert _contents(dst) == {
        "a (2).txt": "new a",
        "a.txt": "old a",
        "f (2)/x": "new x",
        "f (2)/y": "new y",
        "f/x": "old x",
        "f/z": "old z",
    }


async def test_merge_asks_about_files_inside_and_apply_to_all(core: Core, tmp_path: Path) -> None:
    src, dst = _setup(tmp_path)
    (src / "f" / "z").write_text("new z")
    subscription = core.bus.subscribe(event_filter=lambda e: isinstance(e, ev.ConflictAsked))
    outcome = await core.files.copy([str(src / "f")], str(dst), conflict="merge")
    assert outcome.job_id is not None
    asked = await asyncio.wait_for(subscription.get(), 10)
    assert isinstance(asked, ev.ConflictAsked) and asked.job_id == outcome.job_id
    assert asked.destination == str(dst / "f" / "x") and not asked.can_merge
    assert core.files.pending_conflicts() == [asked]
    with pytest.raises(InvalidArgument, match="both are folders"):
        core.files.resolve_conflict(outcome.job_id, "merge")
    core.files.resolve_conflict(outcome.job_id, "replace", apply_to_all=True)  # z is not asked about
    assert (await finish(core, outcome.job_id)).status is JobStatus.COMPLETED
    assert _contents(dst) == {"a.txt": "old a", "f/x": "new x", "f/y": "new y", "f/z": "new z"}
    assert core.files.pending_conflicts() == []
    with pytest.raises(JobNotFound):
        core.files.resolve_conflict(outcome.job_id, "skip")
    subscription.close()


async def test_merging_move_removes_the_emptied_source(core: Core, tmp_path: Path) -> None:
    src, dst = _setup(tmp_path)
    subscription = core.bus.subscribe(event_filter=lambda e: isinstance(e, ev.ConflictAsked))
    outcome = await core.files.move([str(src / "f")], str(dst), conflict="merge")
    await asyncio.wait_for(subscription.get(), 10)
    assert outcome.job_id is not None
    core.files.resolve_conflict(outcome.job_id, "skip")
    assert (await finish(core, outcome.job_id)).status is JobStatus.COMPLETED
    assert _contents(dst)["f/y"] == "new y" and _contents(dst)["f/x"] == "old x"
    assert (src / "f" / "x").read_text() == "new x" and not (src / "f" / "y").exists()  # skipped stays
    subscription.close()


async def test_abort_stops_and_keeps_what_was_done(core: Core, tmp_path: Path) -> None:
    src, dst = _setup(tmp_path)
    (src / "b.txt").write_text("b")
    outcome = await core.files.copy(
        [str(src / "b.txt"), str(src / "a.txt"), str(src / "f")], str(dst), conflict="abort"
    )
    info = await finish(core, outcome.job_id)
    assert info.status is JobStatus.FAILED and "stopped at a conflict" in info.error
    assert (dst / "b.txt").read_text() == "b" and (dst / "a.txt").read_text() == "old a"


async def test_fail_lists_conflicts_and_retry_resolves_them(core: Core, tmp_path: Path) -> None:
    src, dst = _setup(tmp_path)
    (src / "b.txt").write_text("b")
    outcome = await core.files.copy([str(src / "a.txt"), str(src / "b.txt")], str(dst), conflict="fail")
    assert outcome.job_id is not None
    info = await finish(core, outcome.job_id)
    assert info.status is JobStatus.FAILED and "1 of 2 item(s) failed" in info.error
    report = await core.files.report(outcome.job_id)
    assert [f["code"] for f in report["failed"]] == ["destination_exists"]
    assert (dst / "b.txt").read_text() == "b"
    retried = await core.files.retry(outcome.job_id, conflict="replace")
    assert (await finish(core, retried.job_id)).status is JobStatus.COMPLETED
    assert (dst / "a.txt").read_text() == "new a"


async def test_a_cancelled_question_ends_the_job_cleanly(core: Core, tmp_path: Path) -> None:
    src, dst = _setup(tmp_path)
    subscription = core.bus.subscribe(event_filter=lambda e: isinstance(e, ev.ConflictAsked))
    outcome = await core.files.copy([str(src / "a.txt")], str(dst))
    await asyncio.wait_for(subscription.get(), 10)
    subscription.close()
    assert outcome.job_id is not None
    await core.current_library().jobs.cancel(outcome.job_id)
    assert (await finish(core, outcome.job_id)).status is JobStatus.CANCELLED
    assert core.files.pending_conflicts() == [] and (dst / "a.txt").read_text() == "old a"


# ---- undo / redo -----------------------------------------------------------------------------------------


async def test_undo_and_redo_each_kind_of_operation(core: Core, tmp_path: Path) -> None:
    undo = core.files.undo
    work = tmp_path / "w"
    (work / "d").mkdir(parents=True)
    (work / "a.txt").write_text("a")
    assert not undo.can_undo() and undo.undo_text() == ""

    await core.files.rename(str(work / "a.txt"), "b.txt")
    assert undo.undo_text() == "Rename “a.txt” to “b.txt”"
    await undo.undo()
    assert (work / "a.txt").exists() and not (work / "b.txt").exists()
    assert undo.can_redo() and undo.redo_text() == "Rename “a.txt” to “b.txt”"
    await undo.redo()
    assert (work / "b.txt").exists() and undo.undo_text() == "Rename “a.txt” to “b.txt”"

    await finish(core, (await core.files.move([str(work / "b.txt")], str(work / "d"))).job_id)
    assert undo.undo_text() == "Move “b.txt”" and not undo.can_redo()
    await finish(core, (await undo.undo()).job_id)
    assert (work / "b.txt").exists() and not (work / "d" / "b.txt").exists()

    await finish(core, (await core.files.copy([str(work / "b.txt")], str(work / "d"))).job_id)
    await finish(core, (await undo.undo()).job_id)  # the copy goes to the trash
    assert not (work / "d" / "b.txt").exists() and (tmp_path / "xdg/Trash/files/b.txt").exists()
    await finish(core, (await undo.redo()).job_id)
    assert (work / "d" / "b.txt").read_text() == "a"

    await finish(core, (await core.files.trash([str(work / "b.txt")])).job_id)
    assert undo.undo_text() == "Move “b.txt” to the trash"
    await undo.undo()
    assert (work / "b.txt").read_text() == "a"

    await core.files.create_folder(str(work), "new")
    assert undo.undo_text() == "New folder “new”"
    await finish(core, (await undo.undo()).job_id)
    assert not (work / "new").exists()


async def test_undo_refuses_when_the_disk_changed(core: Core, tmp_path: Path) -> None:
    undo = core.files.undo
    (tmp_path / "d").mkdir()
    (tmp_path / "a.txt").write_text("a")
    await finish(core, (await core.files.copy([str(tmp_path / "a.txt")], str(tmp_path / "d"))).job_id)
    (tmp_path / "d" / "a.txt").write_text("edited since")
    with pytest.raises(UndoRefused, match="changed since"):
        await undo.undo()
    assert (tmp_path / "d" / "a.txt").read_text() == "edited since" and undo.can_undo()

    await core.files.rename(str(tmp_path / "a.txt"), "b.txt")
    (tmp_path / "a.txt").write_text("a newcomer")
    with pytest.raises(UndoRefused, match="something else is now at"):
        await undo.undo()
    assert (tmp_path / "b.txt").read_text() == "a" and (tmp_path / "a.txt").read_text() == "a newcomer"

    await core.files.create_folder(str(tmp_path), "n")
    (tmp_path / "n" / "inside").write_text("x")
    with pytest.raises(UndoRefused, match="no longer empty"):
        await undo.undo()
    assert (tmp_path / "n" / "inside").exists()
    os.unlink(tmp_path / "n" / "inside")
