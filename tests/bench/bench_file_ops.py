"""Copy speed of the file operations engine beside ``cp`` measured in the same run.

Run with ``pytest tests/bench/bench_file_ops.py -s``. Cases: a 1 GiB file on one volume (/tmp) and
across volumes (/tmp -> /dev/shm), 10,000 small files, a tree of 1,000 folders. Each is timed through
``core.files.copy`` (validation, preview, the job, fsync) and with ``cp -a``; since ``cp`` leaves its data
in the page cache while we fsync (a copy that says done is on disk), ``cp -a`` followed by ``sync`` is
printed too. Sources are warm in the page cache; every run starts with no dirty pages. Asserts nothing
about timings.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from spacedrive import Core
from spacedrive.domain.jobs import JobStatus

pytestmark = pytest.mark.bench

GIB = 1 << 30
SIZE = int(os.environ.get("SD_BENCH_COPY_BYTES", str(GIB)))
SMALL_FILES = 10_000
FOLDERS = 1_000
RUNS = 3


def _big_file(folder: Path) -> Path:
    path = folder / "big.bin"
    chunk = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(SIZE >> 20):
            f.write(chunk)
    return path


def _small_files(folder: Path) -> Path:
    root = folder / "small"
    for d in range(SMALL_FILES // 100):
        sub = root / f"d{d:03d}"
        sub.mkdir(parents=True)
        for i in range(100):
            (sub / f"f{i:03d}.txt").write_bytes(b"x" * (i * 37 % 4096))
    return root


def _folders(folder: Path) -> Path:
    root = folder / "folders"
    for a in range(10):
        for b in range(FOLDERS // 10 - 1):
            (root / f"a{a}" / f"b{b:03d}").mkdir(parents=True)
    return root


def _settle() -> None:
    subprocess.run(["sync"], check=True)


def _cp(src: Path, dst: Path, then_sync: bool) -> float:
    _settle()
    started = time.perf_counter()
    subprocess.run(["cp", "-a", str(src), str(dst)], check=True)
    if then_sync:
        subprocess.run(["sync"], check=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(dst / src.name) if (dst / src.name).is_dir() else os.unlink(dst / src.name)
    return elapsed


async def _ours(core: Core, src: Path, dst: Path) -> float:
    _settle()
    started = time.perf_counter()
    outcome = await core.files.copy([str(src)], str(dst), conflict="fail")
    assert outcome.job_id is not None
    info = await core.files.wait(outcome.job_id)
    elapsed = time.perf_counter() - started
    assert info.status is JobStatus.COMPLETED, info.error
    shutil.rmtree(dst / src.name) if (dst / src.name).is_dir() else os.unlink(dst / src.name)
    return elapsed


def _row(name: str, amount: str, ours: float, cp: float, cp_sync: float) -> str:
    return (
        f"{name:<28} {amount:>12} {ours:8.3f} s {cp:8.3f} s {cp_sync:8.3f} s"
        f"   {cp / ours:5.2f}x of cp   {cp_sync / ours:5.2f}x of cp+sync"
    )


def test_copy_beside_cp(tmp_path: Path) -> None:
    asyncio.run(_bench(tmp_path))


async def _bench(tmp_path: Path) -> None:
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    big, small, folders = _big_file(src_dir), _small_files(src_dir), _folders(src_dir)
    shm = Path(tempfile.mkdtemp(prefix="sd-bench-", dir="/dev/shm"))
    same = tmp_path / "dst"
    same.mkdir()
    core = Core(tmp_path / "data", background=True)
    await core.start()
    lines = [
        f"\n{'copy':<28} {'amount':>12} {'ours':>10} {'cp -a':>10} {'cp+sync':>10}",
    ]
    try:
        for name, src, dst, amount in (
            ("1 GiB file, same volume", big, same, f"{SIZE / GIB:.1f} GiB"),
            ("1 GiB file, /tmp -> /dev/shm", big, shm, f"{SIZE / GIB:.1f} GiB"),
            ("small files", small, same, f"{SMALL_FILES:,} files"),
            ("tree of folders", folders, same, f"{FOLDERS:,} dirs"),
        ):
            ours = min([await _ours(core, src, dst) for _ in range(RUNS)])
            cp = min(_cp(src, dst, then_sync=False) for _ in range(RUNS))
            cp_sync = min(_cp(src, dst, then_sync=True) for _ in range(RUNS))
            lines.append(_row(name, amount, ours, cp, cp_sync))
    finally:
        await core.stop()
        shutil.rmtree(shm, ignore_errors=True)
    print("\n".join(lines))
