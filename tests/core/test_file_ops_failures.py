"""Nothing is lost when things go wrong: full disk, read-only destination, vanishing source, corrupt
destination, cancel and pause mid-file."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from uuid import UUID

import pytest

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.domain.jobs import JobStatus
from spacedrive.errors import NotEnoughSpace, ReadOnly
from spacedrive.operations.files import strategies, transfer
from spacedrive.operations.files.jobs import TransferJob
from tests.core.file_ops_support import (
    finish,
    make_tree,
    remount_read_only,
    small_tmpfs,
    snapshot,
    temps_under,
)

MB = 1 << 20


@pytest.fixture(autouse=True)
def _private_trash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


async def _dispatch(core: Core, operation: str, pairs: list[tuple[Path, Path]], verify: bool = False) -> UUID:
    """Queue a job directly, past the preview's free-space check, to meet the failure mid-way."""
    job = TransferJob(
        operation=operation,
        pairs=[[os.fsencode(s), os.fsencode(d)] for s, d in pairs],
        file_policy="fail",
        folder_policy="fail",
        verify=verify,
    )
    return await core.current_library().jobs.dispatch(job)


async def test_a_full_disk_fails_the_item_that_does_not_fit_and_keeps_the_rest(
    core: Core, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("1", "2", "3"):
        (src / name).write_bytes(os.urandom(700 * 1024))
    with small_tmpfs(tmp_path / "small", "2m") as small:
        with pytest.raises(NotEnoughSpace, match="only"):
            await core.files.copy([str(src / n) for n in ("1", "2", "3")], str(small))
        assert os.listdir(small) == []

        job_id = await _dispatch(core, "move", [(src / n, small / n) for n in ("1", "2", "3")])
        info = await finish(core, job_id)
        assert info.status is JobStatus.FAILED and "no space left" in info.error
        report = await core.files.report(job_id)
        assert [f["code"] for f in report["failed"]] == ["not_enough_space"]
        failed = Path(report["failed"][0]["source"]).name
        kept = sorted({"1", "2", "3"} - {failed})
        assert sorted(os.listdir(small)) == kept  # no temp left behind
        assert sorted(os.listdir(src)) == [failed]  # the move kept the source it could not place
        for name in kept:
            assert (small / name).stat().st_size == 700 * 1024

        os.unlink(small / kept[0])  # make room, then retry only what failed
        retried = await core.files.retry(job_id)
        assert (await finish(core, retried.job_id)).status is JobStatus.COMPLETED
        assert (small / failed).stat().st_size == 700 * 1024 and not (src / failed).exists()


async def test_a_read_only_destination(core: Core, tmp_path: Path) -> None:
    src = make_tree(tmp_path / "src")
    before = snapshot(src)
    with small_tmpfs(tmp_path / "ro", "4m") as ro:
        remount_read_only(ro)
        with pytest.raises(ReadOnly, match="read-only"):
            await core.files.copy([str(src)], str(ro))
        job_id = await _dispatch(core, "move", [(src, ro / "src")])
        info = await finish(core, job_id)
        assert info.status is JobStatus.FAILED
        assert (await core.files.report(job_id))["failed"][0]["code"] == "read_only"
        assert os.listdir(ro) == []
    assert snapshot(src) == before


async def test_a_file_vanishing_mid_copy_fails_its_item_only(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_tree(tmp_path / "src")
    (tmp_path / "lone.bin").write_bytes(os.urandom(MB))
    (tmp_path / "dst").mkdir()
    real_copy = strategies.copy_file

    def copy_then_vanish(s: bytes, d: bytes, *args: object, **kwargs: object) -> None:
        if s.endswith((b"big.bin", b"lone.bin")):  # gone while being read
            os.unlink(s)
        real_copy(s, d, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(transfer, "copy_file", copy_then_vanish)
    (tmp_path / "ok.txt").write_text("fine")
    job_id = await _dispatch(
        core,
        "copy",
        [(src, tmp_path / "dst" / "src"), (tmp_path / "lone.bin", tmp_path / "dst" / "lone.bin"),
         (tmp_path / "ok.txt", tmp_path / "dst" / "ok.txt")],
    )  # fmt: skip
    info = await finish(core, job_id)
    assert info.status is JobStatus.FAILED and "2 of 3" in info.error
    report = await core.files.report(job_id)
    assert {f["code"] for f in report["failed"]} == {"source_vanished"}
    assert "disappeared" in report["failed"][0]["message"]
    assert os.listdir(tmp_path / "dst") == ["ok.txt"] and temps_under(tmp_path) == []


async def test_verify_catches_a_corrupt_destination_and_the_move_keeps_its_source(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_tree(tmp_path / "src", big=3 * MB)
    before = snapshot(src)
    shm = Path("/dev/shm") / f"sd-verify-{os.getpid()}"
    shm.mkdir()
    real_read_back = strategies.read_back

    def flip_a_byte_then_read(path: bytes) -> str:
        if path.endswith(b"big.bin"):
            with open(path, "r+b") as f:  # a bit rots on the way to the disk
                f.seek(2 * MB + 17)
                byte = f.read(1)
                f.seek(2 * MB + 17)
                f.write(bytes([byte[0] ^ 0x01]))
        return real_read_back(path)

    monkeypatch.setattr(strategies, "read_back", flip_a_byte_then_read)
    try:
        outcome = await core.files.move([str(src)], str(shm), verify=True)
        info = await finish(core, outcome.job_id)
        assert info.status is JobStatus.FAILED
        assert outcome.job_id is not None
        failed = (await core.files.report(outcome.job_id))["failed"]
        assert failed[0]["code"] == "verify_failed" and "does not read back" in failed[0]["message"]
        assert os.listdir(shm) == [] and snapshot(src) == before
        monkeypatch.setattr(strategies, "read_back", real_read_back)
        retried = await core.files.retry(outcome.job_id)
        assert (await finish(core, retried.job_id)).status is JobStatus.COMPLETED
        assert snapshot(shm / "src") == before and not src.exists()
    finally:
        transfer.remove_tree(os.fsencode(shm))


async def test_cancel_mid_file_leaves_no_temp(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(strategies, "KERNEL_CHUNK", 256 * 1024)
    (tmp_path / "big").write_bytes(os.urandom(64 * MB))
    (tmp_path / "dst").mkdir()
    real_add = strategies.Control.add

    def slow_add(self: strategies.Control, n: int) -> None:
        import time

        time.sleep(0.01)
        real_add(self, n)

    monkeypatch.setattr(strategies.Control, "add", slow_add)
    progress = core.bus.subscribe(event_filter=lambda e: isinstance(e, ev.JobProgress))
    outcome = await core.files.copy([str(tmp_path / "big")], str(tmp_path / "dst"))
    assert outcome.job_id is not None
    jobs = core.current_library().jobs
    async for event in progress:
        if isinstance(event, ev.JobProgress) and event.progress.bytes_completed >= 2 * MB:
            break
    progress.close()
    paused = await jobs.pause(outcome.job_id)
    await asyncio.sleep(0.3)
    frozen = (await jobs.info(outcome.job_id)).progress.bytes_completed
    await asyncio.sleep(0.4)
    assert (await jobs.info(outcome.job_id)).progress.bytes_completed == frozen < 64 * MB
    assert paused.status is JobStatus.PAUSED and temps_under(tmp_path / "dst")  # paused mid-file
    await jobs.resume(outcome.job_id)
    await asyncio.sleep(0.2)
    await jobs.cancel(outcome.job_id)
    assert (await finish(core, outcome.job_id)).status is JobStatus.CANCELLED
    assert os.listdir(tmp_path / "dst") == []
