"""The ``python -m ui`` process: screenshot automation, control socket, daemon hand-over, refusals."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spacedrive.infrastructure.ipc import registry
from spacedrive.infrastructure.ipc.client import SocketClient
from ui.session import GuiSession

REPO = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def env() -> dict[str, str]:
    # XDG_RUNTIME_DIR is already private to the test (conftest); the children inherit it.
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[Any]]]:
    """Processes a test started; any still running at the end are killed."""
    processes: list[subprocess.Popen[Any]] = []
    yield processes
    for proc in processes:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def gui_command(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "ui", "--data-dir", str(data_dir), *args]


def wait_for_server(data_dir: Path, kind: str, timeout: float = 30.0) -> registry.ServerRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = registry.find_server(data_dir)
        if record is not None and record.kind == kind:
            return record
        time.sleep(0.05)
    raise AssertionError(f"no {kind} serves {data_dir}")


def call(record: registry.ServerRecord, method: str) -> object:
    async def once() -> object:
        client = SocketClient(record)
        try:
            return await client.call(method)
        finally:
            await client.close()

    return asyncio.run(once())


def test_screenshot_then_quit(data_dir: Path, env: dict[str, str], tmp_path: Path) -> None:
    shot = tmp_path / "out.png"
    result = subprocess.run(
        gui_command(data_dir, "--open", str(tmp_path), "--screenshot", str(shot), "--quit-after", "500"),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    assert shot.stat().st_size > 5000
    assert (data_dir / "gui.ini").is_file()  # settings of a --data-dir stay inside it


def test_gui_serves_the_cli_and_stops_when_asked(
    data_dir: Path, env: dict[str, str], started: list[subprocess.Popen[Any]]
) -> None:
    proc = subprocess.Popen(
        gui_command(data_dir, "--quit-after", "60000"), env=env, cwd=REPO, stderr=subprocess.PIPE, text=True
    )
    started.append(proc)
    record = wait_for_server(data_dir, "gui")
    assert record.pid == proc.pid
    libraries = call(record, "library.list")
    assert isinstance(libraries, list)
    assert [(lib["name"], lib["is_current"]) for lib in libraries] == [("My Library", True)]
    call(record, "core.shutdown")
    assert proc.wait(timeout=30) == 0
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()
    assert registry.find_server(data_dir) is None


def test_gui_takes_over_from_a_daemon(
    data_dir: Path, env: dict[str, str], started: list[subprocess.Popen[Any]]
) -> None:
    daemon = subprocess.Popen(
        [sys.executable, "-m", "spacedrive.cli", "--data-dir", str(data_dir), "start", "--foreground"],
        env=env,
        cwd=REPO,
        stderr=subprocess.DEVNULL,
    )
    started.append(daemon)
    wait_for_server(data_dir, "daemon")
    gui = subprocess.Popen(
        gui_command(data_dir, "--quit-after", "60000"), env=env, cwd=REPO, stderr=subprocess.PIPE, text=True
    )
    started.append(gui)
    record = wait_for_server(data_dir, "gui")
    assert daemon.wait(timeout=10) == 0  # it was asked to stop, and did
    assert record.pid == gui.pid
    call(record, "core.shutdown")
    assert gui.wait(timeout=30) == 0


def test_a_second_gui_is_refused_with_an_error(session: GuiSession, run, env: dict[str, str]) -> None:
    async def second_gui() -> tuple[int | None, str]:
        proc = await asyncio.create_subprocess_exec(
            *gui_command(session.data_dir, "--quit-after", "100"),
            env=env,
            cwd=REPO,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await proc.communicate()
        return proc.returncode, stderr.decode()

    code, stderr = run(second_gui(), timeout=60)  # this test's GUI keeps serving meanwhile
    assert code == 1
    assert "already open" in stderr
    assert "Traceback" not in stderr


def test_start_errors_are_reported_and_exit_1(tmp_path: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ui",
            "--data-dir",
            str(tmp_path),
            "--instance",
            "no/slashes",
            "--quit-after",
            "1",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "invalid instance name" in result.stderr
    assert "Traceback" not in result.stderr
