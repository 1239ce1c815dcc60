"""Jobs in real processes: kill -9 mid-job then resume; the CLI controlling a served job."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import REPO, Cli


def _steps(log: Path) -> list[tuple[int, int]]:
    if not log.exists():
        return []
    return [(int(p), int(s)) for p, s in (line.split() for line in log.read_text().splitlines() if line)]


def _runner(data_dir: Path, log: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.jobrunner", str(data_dir), str(log), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_mid_job_then_resume_from_the_checkpoint(tmp_path: Path, env: dict[str, str]) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "steps.log"
    first = _runner(data_dir, log, env, "dispatch", "400")
    deadline = time.monotonic() + 30
    while len(_steps(log)) < 60:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the job never got going"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_at = max(step for _, step in _steps(log))
    assert killed_at < 400

    second = _runner(data_dir, log, env, "resume")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert "pending 1" in out and "completed resumed=1" in out

    steps = _steps(log)
    resumed = [step for pid, step in steps if pid == second.pid]
    assert resumed[-1] == 400
    # It continued from its last checkpoint (checkpoints are at most 0.2 s apart), not from zero:
    assert resumed[0] > 1 and killed_at - resumed[0] < 40, (killed_at, resumed[0])
    assert sorted({step for _, step in steps}) == list(range(1, 401))  # every step ran, none skipped


def test_cli_lists_pauses_resumes_monitors_and_cancels_jobs(
    tmp_path: Path, cli: Cli, env: dict[str, str]
) -> None:
    log = tmp_path / "steps.log"
    served = _runner(cli.data_dir, log, env, "serve", "300")
    try:
        assert served.stdout is not None and served.stdout.readline().strip() == "serving"
        [job] = cli.json("job", "list")
        assert job["name"] == "e2e.steps" and job["status"] in ("queued", "running")
        short = job["id"][:8]
        assert cli.json("job", "pause", short)["status"] == "paused"
        time.sleep(0.3)
        frozen = len(_steps(log))
        time.sleep(0.5)
        assert len(_steps(log)) <= frozen + 1
        assert cli.json("job", "list", "--status", "paused")[0]["id"] == job["id"]
        assert cli.json("job", "resume", short)["status"] == "running"
        monitored = cli.run("job", "monitor", "--job-id", short)
        assert "e2e.steps" in monitored.stdout and "completed" in monitored.stdout
        info = cli.json("job", "info", job["id"])
        assert info["status"] == "completed" and info["progress"]["completed"] == 300
        cancel_done = cli.run("job", "cancel", short, check=False)
        assert cancel_done.returncode == 1 and "no unfinished job" in cancel_done.stderr
        bogus = cli.run("job", "pause", "zzzz", check=False)
        assert bogus.returncode == 1 and "no job matches" in bogus.stderr
    finally:
        cli.run("stop", check=False)
        served.wait(30)
