"""kill -9 at random instants of a copy and of a move across volumes, then resume: nothing is lost.

After each kill the destination is absent or complete and identical; a copy's source is untouched; a
move's files are each intact on one side or the other. After the resumed run the destination is
complete, a move's source is gone, and no temp file is left anywhere.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from tests.core.file_ops_support import snapshot, temps_under
from tests.e2e.conftest import REPO

ROUNDS = 10  # per operation: 20 kill instants in all
#: The calibrated run can be slower than the later ones (a cold start, a busy machine): a kill that
#: lands after the operation ended narrows the window the next kills are drawn from.
SHRINK = 0.6
BIG = 96 << 20


def _tree(root: Path) -> None:
    rng = random.Random(5)
    (root / "nested" / "deeper").mkdir(parents=True)
    with open(root / "large.bin", "wb") as f:
        for _ in range(BIG >> 20):
            f.write(rng.randbytes(1 << 20))
    for i in range(150):
        folder = root / "nested" / ("deeper" if i % 2 else "")
        (folder / f"small-{i}.txt").write_bytes(rng.randbytes(rng.randrange(1, 20_000)))
    os.symlink("large.bin", root / "link")
    with open(os.path.join(os.fsencode(root), b"\xff odd name"), "wb") as f:
        f.write(b"odd")


def _runner(data_dir: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.fileopsrunner", str(data_dir), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_and_kill(data_dir: Path, env: dict[str, str], window: float, *args: str) -> float:
    """Start the operation, kill -9 it at a random instant of ``window`` seconds after it was queued."""
    proc = _runner(data_dir, env, "start", *args)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("dispatched"), (line, proc.communicate())
    delay = random.uniform(0.0, 0.7 * window)  # the tail of a run is the core closing
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    return delay


def _resume(data_dir: Path, env: dict[str, str]) -> None:
    proc = _runner(data_dir, env, "resume")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, (out, err)


def _timed_run(data_dir: Path, env: dict[str, str], *args: str) -> float:
    proc = _runner(data_dir, env, "start", *args)
    assert proc.stdout is not None
    proc.stdout.readline()
    started = time.monotonic()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, (out, err)
    return time.monotonic() - started


@pytest.fixture
def shm() -> Iterator[Path]:
    path = Path("/dev/shm") / f"sd-kill-{uuid4().hex[:8]}"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_kill_9_during_copies_never_loses_or_half_writes(tmp_path: Path, env: dict[str, str]) -> None:
    src = tmp_path / "src"
    _tree(src)
    pristine = snapshot(src)
    data_dir = tmp_path / "data"
    window = _timed_run(data_dir, env, "copy", str(src), str(_fresh(tmp_path / "calibrate")))
    midway = 0
    for round_ in range(ROUNDS):
        dst = _fresh(tmp_path / f"dst-{round_}")
        delay = _run_and_kill(data_dir, env, window, "copy", str(src), str(dst))
        placed = dst / "src"
        midway += bool(temps_under(dst))
        if placed.exists() and not temps_under(dst):
            window *= SHRINK  # that kill came after the end: aim earlier (the machine is faster now)
        assert not placed.exists() or snapshot(placed) == pristine, (
            f"half a copy after a kill at {delay:.2f}s"
        )
        assert snapshot(src) == pristine
        _resume(data_dir, env)
        assert snapshot(placed) == pristine, f"round {round_}, killed at {delay:.2f}s"
        assert temps_under(dst) == [] and snapshot(src) == pristine
    print(f"copy: {midway} of {ROUNDS} kills landed mid-copy (window {window:.2f}s)")
    assert midway >= ROUNDS // 3, "the kills missed the copy; the window is off"


def test_kill_9_during_moves_across_volumes_never_loses_a_file(
    tmp_path: Path, env: dict[str, str], shm: Path
) -> None:
    template = tmp_path / "template"
    _tree(template)
    pristine = snapshot(template)
    data_dir = tmp_path / "data"
    shutil.copytree(template, tmp_path / "calibrate-src", symlinks=True)
    window = _timed_run(
        data_dir, env, "move", str(tmp_path / "calibrate-src"), str(_fresh(shm / "calibrate"))
    )
    shutil.rmtree(shm / "calibrate")
    midway = 0
    for round_ in range(ROUNDS):
        src = tmp_path / f"src-{round_}" / "tree"
        src.parent.mkdir()
        subprocess.run(["cp", "-a", str(template), str(src)], check=True)
        dst = _fresh(shm / f"dst-{round_}")
        delay = _run_and_kill(data_dir, env, window, "move", str(src), str(dst))
        placed = dst / "tree"
        midway += bool(temps_under(dst)) or (src.exists() and placed.exists())
        if placed.exists() and not src.exists():
            window *= SHRINK  # that kill came after the end: aim earlier (the machine is faster now)
        assert not placed.exists() or snapshot(placed) == pristine, (
            f"half a move after a kill at {delay:.2f}s"
        )
        if src.exists() and placed.exists():  # placed, source removal under way: never lost
            left = snapshot(src)
            assert all(pristine[k] == v for k, v in left.items() if v[0] != "dir")
        elif not placed.exists():
            assert snapshot(src) == pristine
        _resume(data_dir, env)
        assert snapshot(placed) == pristine, f"round {round_}, killed at {delay:.2f}s"
        assert not src.exists() and temps_under(dst) == [] and temps_under(src.parent) == []
        shutil.rmtree(dst)
    print(f"move: {midway} of {ROUNDS} kills landed mid-move (window {window:.2f}s)")
    assert midway >= ROUNDS // 3, "the kills missed the move; the window is off"


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True)
    return path
