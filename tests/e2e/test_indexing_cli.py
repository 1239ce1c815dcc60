"""Indexing through the real CLI: locations, ls inside and outside them, and kill -9 mid-index."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import signal
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from spacedrive.infrastructure.ipc import registry
from spacedrive.infrastructure.ipc.client import SocketClient
from tests.e2e.conftest import Cli

LOCATION_KEYS = {
    "id",
    "uuid",
    "name",
    "path",
    "mode",
    "total_file_count",
    "total_byte_size",
    "last_scan_at",
    "watching",
}


@pytest.fixture(scope="session")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """60,000 small files in 300 folders, made once per session (in RAM where there is a tmpfs: making
    them on this VM's disk takes from 4 to 30 s)."""
    shm = Path("/dev/shm")
    parent = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path_factory.mktemp("big")
    root = parent / "tree"
    root.mkdir()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for d in range(300):
        folder = root / f"d{d:03d}"
        folder.mkdir()
        for f in range(200):
            fd = os.open(folder / f"f{f:03d}.txt", flags, 0o644)
            os.write(fd, b"x" * ((d * 200 + f) % 997))
            os.close(fd)
    yield root
    shutil.rmtree(parent)


def small_tree(root: Path) -> Path:
    (root / "docs" / "sub").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("alpha")
    (root / "docs" / "sub" / "b.txt").write_text("beta beta")
    (root / "docs" / "copy.txt").write_text("alpha")
    (root / "top.md").write_text("# top")
    with open(os.path.join(os.fsencode(root / "docs"), b"caf\xe9.txt"), "wb") as f:
        f.write(b"latin-1 name")
    return root


def test_location_add_list_ls_rescan_remove(cli: Cli, tmp_path: Path) -> None:
    tree = small_tree(tmp_path / "tree")
    cli.run("library", "create", "Main")
    cli.run("start")  # through the daemon's socket first, embedded further down
    added = cli.run("location", "add", str(tree), "--mode", "content")
    assert "Added location" in added.stdout and "5 files" in added.stdout
    # It waited for the job, showing its progress bar to the end.
    assert "Indexing tree" in added.stdout and "━" in added.stdout and "100% completed" in added.stdout
    [loc] = cli.json("location", "list")
    assert set(loc) >= LOCATION_KEYS
    assert loc["path"] == str(tree) and loc["mode"] == "content" and loc["name"] == "tree"
    assert loc["total_file_count"] == 5
    assert loc["total_byte_size"] == sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    assert loc["last_scan_at"] and loc["scan_state"] == "complete" and loc["watching"] is True

    inside = {e.get("name_base64") or e["name"]: e for e in cli.json("ls", str(tree / "docs"))}
    assert set(inside) == {"a.txt", "copy.txt", "sub", base64.b64encode(b"caf\xe9.txt").decode()}
    assert all(e["indexed"] and e["uuid"] for e in inside.values())
    assert inside["a.txt"]["cas_id"] and inside["a.txt"]["cas_id"] == inside["copy.txt"]["cas_id"]
    assert inside["sub"]["kind"] == "directory" and inside["sub"]["size"] == 9
    outside = cli.json("ls", str(tmp_path))
    assert {e["name"] for e in outside} >= {"tree"}
    assert not any(e["indexed"] or e["uuid"] for e in outside)

    cli.run("stop")  # nothing watches now: the rescan finds the changes
    (tree / "docs" / "a.txt").unlink()
    (tree / "new.txt").write_text("new")
    cli.run("location", "rescan", str(loc["id"]))
    rescanned = cli.json("location", "info", str(loc["id"]))
    assert rescanned["total_file_count"] == 5 and rescanned["last_scan_at"] >= loc["last_scan_at"]

    nested = cli.run("location", "add", str(tree / "docs"), check=False)
    assert nested.returncode == 1 and nested.stdout == ""
    assert nested.stderr.strip() == f"error: {tree / 'docs'} is inside the location 'tree' ({tree})"
    assert nested.stderr.count("\n") == 1

    removed = cli.json("location", "remove", str(loc["id"]))
    assert removed["id"] == loc["id"]
    assert (tree / "docs" / "copy.txt").read_text() == "alpha"  # the files stay
    listed = cli.json("ls", str(tree))
    assert {e["name"] for e in listed} == {"docs", "top.md", "new.txt"}
    assert not any(e["indexed"] for e in listed)


def _database(data_dir: Path) -> Path:
    [db] = (data_dir / "libraries").glob("*.sdlibrary/database.db")
    return db


def _summary(db: Path) -> dict[str, Any]:
    """What the index holds, read-only: per kind count and bytes, and every row's place and size."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        per_kind = con.execute(
            "SELECT kind, count(*), sum(size) FROM entries GROUP BY kind ORDER BY kind"
        ).fetchall()
        rows = con.execute(
            "SELECT relative_path, name, extension, kind, size, aggregate_size, file_count FROM entries "
            "ORDER BY relative_path, name, extension"
        ).fetchall()
        totals = con.execute("SELECT total_file_count, total_byte_size, scan_state FROM locations").fetchall()
    finally:
        con.close()
    return {"per_kind": per_kind, "rows": rows, "totals": totals}


def _wait_mid_index(data_dir: Path, timeout: float = 60) -> dict[str, Any]:
    """Poll the daemon (its socket, every 20 ms) until the indexer is part way; return that job."""

    async def poll() -> dict[str, Any]:
        record = registry.find_server(data_dir)
        assert record is not None
        client = SocketClient(record)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for job in await client.call("job.list"):
                    progress = job["progress"]
                    if job["name"] == "indexer" and job["status"] == "running" and progress["completed"] > 0:
                        return dict(job)
                    assert job["status"] != "completed", "the index finished before it could be interrupted"
                await asyncio.sleep(0.02)
            raise AssertionError("the indexer never got going")
        finally:
            await client.close()

    return asyncio.run(poll())


def test_kill_9_mid_index_then_resume_gives_the_uninterrupted_result(
    cli: Cli, big_tree: Path, tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", env["XDG_RUNTIME_DIR"])
    cli.run("library", "create", "Main")
    pid = cli.json("start")["pid"]
    cli.run("location", "add", str(big_tree), "--no-wait")
    job = _wait_mid_index(cli.data_dir)
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(10)

    cli.run("start")
    deadline = time.monotonic() + 60
    while True:
        [after] = [j for j in cli.json("job", "list") if j["id"] == job["id"]]
        if after["status"] not in ("queued", "running"):
            break
        assert time.monotonic() < deadline, after
        time.sleep(0.2)
    assert after["status"] == "completed", after["error"]
    assert after["resumed_count"] == 1
    cli.run("stop")

    reference = tmp_path / "reference"
    cli.run("library", "create", "Reference", data_dir=reference)
    cli.run("location", "add", str(big_tree), data_dir=reference)
    resumed, uninterrupted = _summary(_database(cli.data_dir)), _summary(_database(reference))
    assert resumed["per_kind"] == uninterrupted["per_kind"] == [(0, 60_000, 29_806_470), (1, 300, 0)]
    assert resumed["rows"] == uninterrupted["rows"]
    assert resumed["totals"] == uninterrupted["totals"] == [(60_000, 29_806_470, "complete")]
