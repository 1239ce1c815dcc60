from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


class Cli:
    """Runs the real ``spacedrive`` command in a subprocess against one data dir."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.env = env

    def run(
        self, *args: str, check: bool = True, data_dir: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "spacedrive.cli", "--data-dir", str(data_dir or self.data_dir), *args]
        result = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=60, cwd=REPO)
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def json(self, *args: str, data_dir: Path | None = None) -> Any:
        return json.loads(self.run("--json", *args, data_dir=data_dir).stdout)


@pytest.fixture
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    run_dir = tmp_path_factory.mktemp("run")
    return {**os.environ, "XDG_RUNTIME_DIR": str(run_dir), "PYTHONPATH": str(REPO)}


@pytest.fixture
def cli(tmp_path: Path, env: dict[str, str]) -> Iterator[Cli]:
    c = Cli(tmp_path / "data", env)
    yield c
    c.run("stop", check=False)  # never leave a daemon behind
