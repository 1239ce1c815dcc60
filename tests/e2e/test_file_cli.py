"""``spacedrive file`` through the real CLI, without a library and without a daemon."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.conftest import Cli


def test_file_commands_copy_conflict_retry_trash_restore(cli: Cli, tmp_path: Path) -> None:
    cli.env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "sub").mkdir(parents=True)
    dst.mkdir()
    (src / "sub" / "a.txt").write_text("a")
    with open(os.path.join(os.fsencode(src), b"\xff.bin"), "wb") as f:
        f.write(b"\xff")

    copied = cli.json("file", "copy", str(src), str(dst))
    assert copied["job"]["status"] == "completed" and copied["preview"]["files"] == 2
    assert os.listdir(os.fsencode(dst / "src")) and (dst / "src" / "sub" / "a.txt").read_text() == "a"
    assert b"\xff.bin" in os.listdir(os.fsencode(dst / "src"))

    again = cli.run("file", "copy", str(src), str(dst), check=False)  # no terminal: the item fails
    assert again.returncode == 1 and "already exists" in again.stdout and "file retry" in again.stdout
    job = again.stdout.split("file retry ")[1].split()[0]
    retried = cli.json("file", "retry", job, "--conflict", "keep-both")
    assert retried["job"]["status"] == "completed" and (dst / "src (2)" / "sub" / "a.txt").exists()

    cli.run("file", "rename", str(dst / "src (2)"), "copy")
    cli.run("file", "mkdir", str(dst / "made"))
    cli.run("file", "touch", str(dst / "made" / "empty"))
    assert (dst / "made" / "empty").read_bytes() == b""
    trashed = cli.json("file", "delete", str(dst / "copy"))
    assert trashed["job"]["status"] == "completed" and not (dst / "copy").exists()
    assert (tmp_path / "xdg" / "Trash" / "info" / "copy.trashinfo").exists()
    cli.run("file", "restore", str(dst / "copy"))
    assert (dst / "copy" / "sub" / "a.txt").read_text() == "a"

    refused = cli.run("file", "delete", "--permanent", str(dst / "made"), check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr and (dst / "made").exists()
    cli.run("file", "delete", "--permanent", "--yes", str(dst / "made"))
    assert not (dst / "made").exists()
    assert [j["status"] for j in cli.json("job", "list")].count("completed") >= 4


def test_a_queued_copy_runs_in_a_job_monitor_when_nothing_else_runs(cli: Cli, tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "a.txt").write_text("a")
    cli.run("file", "copy", str(src / "a.txt"), str(dst), "--no-wait")  # queued: no Spacedrive runs
    assert not (dst / "a.txt").exists()
    cli.run("job", "monitor", "--until-idle")
    assert (dst / "a.txt").read_text() == "a"
    assert cli.json("job", "list")[0]["status"] == "completed"
