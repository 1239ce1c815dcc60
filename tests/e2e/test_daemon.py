"""The CLI against a real daemon process, and without one (embedded)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil

from tests.e2e.conftest import Cli


def test_daemon_start_status_stop(cli: Cli) -> None:
    assert cli.json("status")["mode"] == "embedded"
    started = cli.json("start")
    assert started["started"] is True
    status = cli.json("status")
    assert status["mode"] == "daemon" and status["pid"] == started["pid"]
    assert cli.json("start")["started"] is False  # a second start finds the first
    [listed] = [d for d in cli.json("daemon", "list") if d["data_dir"] == str(cli.data_dir)]
    assert listed["pid"] == started["pid"] and listed["kind"] == "daemon"
    assert cli.json("stop")["stopped"] is True
    assert not psutil.pid_exists(started["pid"]) or psutil.Process(started["pid"]).status() == "zombie"
    assert cli.json("status")["mode"] == "embedded"


def test_cli_goes_through_the_daemon_instead_of_fighting_for_locks(cli: Cli) -> None:
    cli.run("library", "create", "Photos")
    cli.run("start")
    created = cli.json("library", "create", "Work")
    libraries = {lib["name"]: lib for lib in cli.json("library", "list")}
    assert set(libraries) == {"Photos", "Work"}
    assert all(lib["is_open"] and not lib["problem"] for lib in libraries.values())
    cli.run("library", "switch", "Work")
    assert cli.json("library", "current")["id"] == created["id"]
    cli.run("library", "rename", "Work", "Office")
    info = cli.json("library", "info")
    assert info["name"] == "Office" and info["statistics"]["locations"] == 0
    cli.run("stop")
    assert cli.json("library", "current")["name"] == "Office"  # state survives the daemon


def test_killed_daemon_leaves_no_stale_lock_or_socket(cli: Cli) -> None:
    cli.run("library", "create", "Keep")
    pid = cli.json("start")["pid"]
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(5) if psutil.pid_exists(pid) else None
    # The next command finds the dead record, cleans it and runs embedded; the kernel freed the lock.
    [lib] = cli.json("library", "list")
    assert lib["is_open"] and not lib["problem"]
    assert cli.json("status")["mode"] == "embedded"
    assert cli.json("start")["started"] is True


def test_second_process_is_refused_by_the_library_lock(cli: Cli, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    cli.run("library", "create", "Shared", "--path", str(shared))
    daemon_pid = cli.json("start")["pid"]
    other = cli.run(
        "library", "open", str(shared / "Shared.sdlibrary"), data_dir=tmp_path / "other", check=False
    )
    assert other.returncode == 1
    assert f"in use by another Spacedrive process (pid {daemon_pid})" in other.stderr
    assert other.stderr.count("\n") == 1  # one clear line, no traceback
    cli.run("stop")
    opened = cli.json("library", "open", str(shared / "Shared.sdlibrary"), data_dir=tmp_path / "other")
    assert opened["name"] == "Shared"


def test_errors_are_one_line_and_json_when_asked(cli: Cli) -> None:
    human = cli.run("library", "switch", "nope", check=False)
    assert human.returncode == 1 and human.stdout == ""
    assert human.stderr.strip() == "error: no library matches 'nope' (see `library list`)"
    machine = cli.run("--json", "library", "switch", "nope", check=False)
    assert machine.returncode == 1
    assert '"code": "library_not_found"' in machine.stdout


def test_delete_asks_unless_yes(cli: Cli) -> None:
    created = cli.json("library", "create", "Temp")
    refused = cli.run("library", "delete", "Temp", check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert Path(created["path"]).exists()
    cli.run("library", "delete", "Temp", "--yes")
    assert not Path(created["path"]).exists()
    assert cli.json("library", "list") == []


def test_bad_data_dirs_give_one_clear_line(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli.run("library", "list", data_dir=blocker, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: data directory") and "Traceback" not in result.stderr
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "spacedrive.json").write_text("{oops")
    result = cli.run("status", data_dir=corrupt, check=False)
    assert result.returncode == 1 and "spacedrive.json is unreadable" in result.stderr
    assert (corrupt / "spacedrive.json").read_text() == "{oops"


def test_named_instances_are_isolated(cli: Cli) -> None:
    cli.run("--instance", "alice", "library", "create", "Alice")
    cli.run("--instance", "bob", "library", "create", "Bob")
    assert [lib["name"] for lib in cli.json("--instance", "alice", "library", "list")] == ["Alice"]
    assert [lib["name"] for lib in cli.json("--instance", "bob", "library", "list")] == ["Bob"]
    assert (cli.data_dir / "instance-alice" / "libraries" / "Alice.sdlibrary").is_dir()
    cli.run("--instance", "alice", "start")
    try:
        instances = {d["instance"] for d in cli.json("daemon", "list")}
        assert "alice" in instances
        assert cli.json("--instance", "alice", "status")["mode"] == "daemon"
        assert cli.json("--instance", "bob", "status")["mode"] == "embedded"
    finally:
        cli.run("--instance", "alice", "stop")


def test_stop_when_nothing_runs(cli: Cli) -> None:
    started = time.monotonic()
    assert cli.json("stop") == {"stopped": False, "running": False}
    assert time.monotonic() - started < 10
