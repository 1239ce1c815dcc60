"""Two real Spacedrive instances on loopback (and across two network namespaces where allowed):
pair with the CLI, restart both, still paired, Spacedrop a folder both ways, kill the receiver in the
middle of a 1 GiB file, restart it, and the transfer resumes and arrives intact."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import blake3
import pytest

from tests.e2e.conftest import REPO
from tests.netutil import free_port

pytestmark = pytest.mark.e2e
GIB = 1024**3


class Instance:
    """One device: a data dir, a port, an inbox, and optionally the network namespace it runs in."""

    def __init__(self, root: Path, name: str, env: dict[str, str], netns: str | None = None) -> None:
        self.data_dir = root / name
        self.inbox = root / f"{name}-inbox"
        self.inbox.mkdir(parents=True)
        self.env = env
        self.netns = netns
        self.port = free_port()
        self.host = "127.0.0.1"

    def cmd(self, *args: str) -> list[str]:
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        return [*prefix, sys.executable, "-m", "spacedrive.cli", "--data-dir", str(self.data_dir), *args]

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.cmd(*args), capture_output=True, text=True, env=self.env, timeout=timeout, cwd=REPO
        )
        if result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def json(self, *args: str, timeout: float = 120) -> Any:
        return json.loads(self.run("--json", *args, timeout=timeout).stdout)

    def start(self) -> int:
        started = self.json(
            "start", "--enable-networking", "--port", str(self.port), "--auto-accept", str(self.inbox)
        )
        return int(started["pid"])

    def stop(self) -> None:
        subprocess.run(self.cmd("stop"), capture_output=True, env=self.env, timeout=60, cwd=REPO)


def pair(a: Instance, b: Instance) -> tuple[str, str]:
    """A shows a code (listening while the command runs), B types it; returns (A's id, B's id)."""
    gen = subprocess.Popen(
        a.cmd("--json", "network", "pair", "generate", "--auto-accept", "--port", str(a.port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=a.env,
        cwd=REPO,
    )
    try:
        assert gen.stdout is not None
        code = json.loads(gen.stdout.readline())
        assert len(code["words"]) == 12
        joined = b.json(
            "network",
            "pair",
            "join",
            " ".join(code["words"]),
            "--addr",
            f"{a.host}:{a.port}",
            "--port",
            str(b.port),
        )
        out, err = gen.communicate(timeout=30)
    finally:
        gen.kill()
    final = json.loads(out)
    assert gen.returncode == 0, err
    assert final["state"] == "paired"
    return joined["device_id"], final["device_id"]


def tree_digest(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = "dir" if path.is_dir() else blake3.blake3(path.read_bytes()).hexdigest()
    return out


def file_digest(path: Path) -> str:
    h = blake3.blake3(max_threads=blake3.blake3.AUTO)
    h.update_mmap(path)
    return h.hexdigest()


def make_folder(root: Path, name: str) -> Path:
    folder = root / name
    (folder / "sub" / "deeper").mkdir(parents=True)
    (folder / "empty-dir").mkdir()
    (folder / "a.txt").write_text("hello from " + name)
    (folder / "sub" / "b.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    (folder / "sub" / "deeper" / "zero").write_bytes(b"")
    (folder / "naïve name with spaces.md").write_text("# ok\n")
    return folder


def wait_for(predicate, timeout: float, what: str) -> Any:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def scenario(a: Instance, b: Instance, work: Path) -> None:
    a_id, b_id = pair(a, b)
    assert {d["device_id"] for d in a.json("network", "devices")} == {b_id}
    assert {d["device_id"] for d in b.json("network", "devices")} == {a_id}

    # Restart both (now as daemons): still paired, and they reach each other.
    a_pid = a.start()
    b.start()
    try:
        wait_for(lambda: any(d["online"] for d in b.json("network", "devices")), 30, "B to see A online")

        folder_b = make_folder(work, "from-b")
        sent = b.json("network", "spacedrop", a_id, str(folder_b), "--addr", f"{a.host}:{a.port}")
        assert sent["job"]["status"] == "completed", sent
        assert tree_digest(a.inbox / "from-b") == tree_digest(folder_b)

        folder_a = make_folder(work, "from-a")
        sent = a.json("network", "spacedrop", b_id, str(folder_a), "--addr", f"{b.host}:{b.port}")
        assert sent["job"]["status"] == "completed", sent
        assert tree_digest(b.inbox / "from-a") == tree_digest(folder_a)

        # A 1 GiB file, the receiver killed in the middle, restarted: the sender's job resumes it.
        big = work / "big" / "one-gib.bin"
        big.parent.mkdir()
        with open(big, "wb") as f:
            block = os.urandom(16 * 1024 * 1024)
            for i in range(GIB // len(block)):
                f.write(block[:-8] + i.to_bytes(8, "big"))
        want = file_digest(big)
        queued = b.json(
            "network", "spacedrop", a_id, str(big.parent), "--addr", f"{a.host}:{a.port}", "--no-wait"
        )

        def partial_size() -> int:
            parts = list((a.inbox / "big").glob(".*.sdpart")) if (a.inbox / "big").exists() else []
            return max((p.stat().st_size for p in parts), default=0)

        wait_for(lambda: partial_size() > 200 * 1024 * 1024, 60, "a partial of 200 MiB")
        os.kill(a_pid, signal.SIGKILL)
        cut = partial_size()
        assert cut < GIB and not (a.inbox / "big" / "one-gib.bin").exists()
        time.sleep(1.0)
        a_pid = a.start()

        def finished() -> dict[str, Any] | None:
            info = b.json("job", "info", queued["job_id"])
            return info if info["status"] in ("completed", "failed", "cancelled") else None

        info = wait_for(finished, 120, "the resumed transfer to end")
        assert info["status"] == "completed", info
        assert file_digest(a.inbox / "big" / "one-gib.bin") == want
        assert not list((a.inbox / "big").glob(".*.sdpart"))
        log = (a.data_dir / "daemon.log").read_text(errors="replace")
        assert "resum" in log.lower(), log[-2000:]
    finally:
        a.stop()
        b.stop()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    return {**os.environ, "XDG_RUNTIME_DIR": str(run_dir), "PYTHONPATH": str(REPO)}


def test_pair_restart_spacedrop_both_ways_and_resume_on_loopback(tmp_path: Path, env: dict[str, str]) -> None:
    a = Instance(tmp_path, "a", env)
    b = Instance(tmp_path, "b", env)
    scenario(a, b, tmp_path / "work")


def _netns_available() -> str | None:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "needs root and iproute2 to create network namespaces"
    probe = f"sdprobe{os.getpid()}"
    result = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if result.returncode != 0:
        return f"ip netns add is not permitted here: {result.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


@pytest.fixture
def two_namespaces() -> Iterator[tuple[str, str, str, str]]:
    reason = _netns_available()
    if reason:
        pytest.skip(reason)
    tag = uuid.uuid4().hex[:6]
    ns1, ns2 = f"sda{tag}", f"sdb{tag}"
    v1, v2 = f"sdva{tag}", f"sdvb{tag}"
    ip1, ip2 = "10.231.0.1", "10.231.0.2"
    steps = [
        ["ip", "netns", "add", ns1],
        ["ip", "netns", "add", ns2],
        ["ip", "link", "add", v1, "type", "veth", "peer", "name", v2],
        ["ip", "link", "set", v1, "netns", ns1],
        ["ip", "link", "set", v2, "netns", ns2],
        ["ip", "-n", ns1, "addr", "add", f"{ip1}/24", "dev", v1],
        ["ip", "-n", ns2, "addr", "add", f"{ip2}/24", "dev", v2],
        ["ip", "-n", ns1, "link", "set", v1, "up"],
        ["ip", "-n", ns2, "link", "set", v2, "up"],
        ["ip", "-n", ns1, "link", "set", "lo", "up"],
        ["ip", "-n", ns2, "link", "set", "lo", "up"],
    ]
    try:
        for step in steps:
            subprocess.run(step, check=True, capture_output=True)
        yield ns1, ns2, ip1, ip2
    finally:
        subprocess.run(["ip", "netns", "del", ns1], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns2], capture_output=True)


def test_pair_and_spacedrop_across_two_network_namespaces(
    tmp_path: Path, env: dict[str, str], two_namespaces: tuple[str, str, str, str]
) -> None:
    ns1, ns2, ip1, ip2 = two_namespaces
    a = Instance(tmp_path, "a", env, netns=ns1)
    b = Instance(tmp_path, "b", env, netns=ns2)
    a.host, b.host = ip1, ip2
    scenario(a, b, tmp_path / "work")
