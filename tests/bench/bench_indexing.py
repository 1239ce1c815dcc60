"""Indexing throughput, memory and watcher latency, each beside a reference measured in the same run.

Run with ``make bench`` or ``pytest tests/bench/bench_indexing.py -s``; ``SD_BENCH_FILES`` sets the tree
size (default 1,000,000 files in folders of 100). Prints a table; asserts no timings. The tree is kept
in the temp dir between runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from spacedrive import Core
from spacedrive.operations import locations

pytestmark = pytest.mark.bench

FILES = int(os.environ.get("SD_BENCH_FILES", "1000000"))
PER_DIR = 100
BENCH = Path(tempfile.gettempdir()) / "spacedrive-bench"
TREE = BENCH / f"tree-{FILES}"


def _make_tree() -> Path:
    done = BENCH / f".tree-{FILES}.complete"  # outside the tree: it is no file of the tree
    if done.exists():
        return TREE
    shutil.rmtree(TREE, ignore_errors=True)
    started = time.perf_counter()
    for d in range(FILES // PER_DIR):
        folder = TREE / f"d{d // 100:04d}" / f"s{d % 100:03d}"
        folder.mkdir(parents=True)
        for f in range(PER_DIR):
            fd = os.open(folder / f"file{f:03d}.txt", os.O_CREAT | os.O_WRONLY, 0o644)
            os.write(fd, b"x" * (f % 7))
            os.close(fd)
    done.touch()
    print(f"\ncreated {FILES:,} files in {time.perf_counter() - started:.0f} s")
    return TREE


def _timed_cmd(cmd: str) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _python_walk(root: Path) -> int:
    count = 0
    stack = [os.fsencode(root)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                entry.stat(follow_symlinks=False)
                count += 1
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    return count


def test_index_and_rescan(tmp_path: Path) -> None:
    tree = _make_tree()
    entries = FILES + FILES // PER_DIR + FILES // PER_DIR // 100
    find_s = _timed_cmd(f"find {tree} -printf '%s %i %T@ %p\\n' > /dev/null")
    started = time.perf_counter()
    walked = _python_walk(tree)
    walk_s = time.perf_counter() - started

    # Indexed in a fresh process, so its peak RSS is the core's own (not pytest's and its plugins').
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("index_once.py")),
            str(tree),
            str(tmp_path / "data"),
            str(FILES),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\n\nshallow index of {FILES:,} files ({entries:,} entries), {os.cpu_count()} cores")
    row = "  {:<38} {:7.2f} s  {:>10,.0f} entries/s"
    print(row.format("find -printf (reference)", find_s, entries / find_s))
    print(row.format("Python scandir+lstat walk (reference)", walk_s, walked / walk_s))
    print(row.format("IndexerJob, first scan", figures["index"], entries / figures["index"]))
    print(row.format("IndexerJob, rescan, nothing changed", figures["rescan"], entries / figures["rescan"]))
    print(
        f"  peak RSS: core process {figures['rss_main'] / 2**20:.0f} MB, "
        f"largest walker process {figures['rss_child'] / 2**20:.0f} MB"
    )


def test_watcher_latency(tmp_path: Path) -> None:
    root = tmp_path / "watched"
    (root / "sub").mkdir(parents=True)

    async def run() -> list[float]:
        core = Core(tmp_path / "data", mode="daemon")
        await core.start(ensure_default_library=True)
        library = core.current_library()
        try:
            info, job = await locations.add_location(library, str(root))
            await library.jobs.wait(job)
            await asyncio.sleep(0.5)
            latencies = []
            for i in range(20):
                name = f"new{i}.txt"
                started = time.perf_counter()
                (root / "sub" / name).write_bytes(b"hello")
                while True:
                    async with library.db.read() as session:
                        conn = await session.connection()
                        found = await conn.exec_driver_sql(
                            "SELECT 1 FROM entries WHERE location_id = ? AND name = ?",
                            (info.id, name[:-4].encode()),
                        )
                        if found.first():
                            break
                    await asyncio.sleep(0.005)
                latencies.append(time.perf_counter() - started)
            return latencies
        finally:
            await core.stop()

    latencies = sorted(asyncio.run(run()))
    print("\n\nwatcher: file created -> entry in the database, 20 files one at a time")
    print(
        f"  p50 {latencies[10] * 1000:.0f} ms, p95 {latencies[18] * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms (the watcher waits 150 ms for a burst to settle)"
    )


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s", "-p", "no:cacheprovider"]))
