"""Opening a 100k-entry folder in each view of the explorer, beside a plain QFileSystemModel + QTreeView.

Run with ``make bench`` or ``pytest tests/bench/bench_explorer.py -s``. Each figure comes from a fresh
process (``explorer_once.py``): time to the first rows painted, time until every row is in order and
painted, and the longest event-loop stall meanwhile (a 5 ms timer's worst lateness). The folder is
listed live from disk, then from the library's index. Prints a table; asserts no timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench

ENTRIES = int(os.environ.get("SD_BENCH_FOLDER_ENTRIES", "100000"))
FOLDER = Path(tempfile.gettempdir()) / "spacedrive-bench" / f"flat-{ENTRIES}"
VIEWS = ("grid", "details", "columns", "media")
RUNS = 3


def _make_folder() -> Path:
    """One folder of ENTRIES entries: mostly empty text files, every tenth a .jpg name, some folders."""
    done = FOLDER.parent / f".flat-{ENTRIES}.complete"
    if done.exists():
        return FOLDER
    FOLDER.mkdir(parents=True, exist_ok=True)
    for i in range(ENTRIES):
        if i % 500 == 0:
            (FOLDER / f"folder {i}").mkdir(exist_ok=True)
        else:
            (FOLDER / (f"photo {i}.jpg" if i % 10 == 0 else f"file {i}.txt")).touch()
    done.touch()
    return FOLDER


def _once(folder: Path, data_dir: Path, view: str, indexed: bool) -> dict[str, float]:
    script = Path(__file__).with_name("explorer_once.py")
    args = [sys.executable, str(script), str(folder), str(data_dir), view]
    args += ["--indexed"] if indexed else []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(Path(__file__).parents[2]))
    out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(runs: list[dict[str, float]], key: str) -> float:
    values = sorted(run[key] for run in runs)
    return values[len(values) // 2]


def test_open_100k_folder(tmp_path: Path) -> None:
    folder = _make_folder()
    rows: list[tuple[str, dict[str, float]]] = []
    cases = [(f"Spacedrive {view}, from disk", view, False) for view in VIEWS]
    cases += [(f"Spacedrive {view}, from the index", view, True) for view in ("grid", "details")]
    cases.append(("QFileSystemModel + QTreeView", "qfilesystemmodel", False))
    for label, view, indexed in cases:
        runs = [_once(folder, tmp_path / f"data-{view}-{indexed}-{i}", view, indexed) for i in range(RUNS)]
        assert all(run["rows"] > 0 for run in runs), runs
        rows.append(
            (label, {key: _median(runs, key) for key in ("first_rows_ms", "complete_ms", "longest_stall_ms")})
        )
    print(f"\nOpening a folder of {ENTRIES:,} entries (median of {RUNS} fresh processes; targets: first rows")
    print("<= 150 ms, complete <= 1,000 ms, longest stall <= 50 ms)")
    print(f"{'':44} {'first rows':>11} {'complete':>10} {'longest stall':>14}")
    for label, figures in rows:
        print(
            f"{label:44} {figures['first_rows_ms']:>8.0f} ms {figures['complete_ms']:>7.0f} ms "
            f"{figures['longest_stall_ms']:>11.0f} ms"
        )
