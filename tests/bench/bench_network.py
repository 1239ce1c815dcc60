"""Pairing time and Spacedrop throughput on loopback, beside a plain TLS 1.3 socket in the same run.

Run with ``pytest tests/bench/bench_network.py -s``. Two real daemons (separate processes, as two
devices would be) with networking on loopback:

- pairing: device A shows a code, device B joins with A's direct address; the time is B's, from
  parsing the words to both sides pinned (QUIC handshake with mutual TLS, SPAKE2, key confirmation,
  DeviceInfo). Several rounds, each with a fresh code (the pairing is revoked in between).
- Spacedrop of a 1 GiB file (``SD_BENCH_DROP_BYTES`` to change): from the send job starting to the
  receiver's "ok" (offer, accept, TLS data channel, BLAKE3 on both sides, fsync, rename), as the send
  job measures it.
- reference: the same file through a plain TLS 1.3 socket (Python ``ssl``, blocking, 1 MiB writes)
  from this process to a child process that writes it to a file (no hashing, no fsync) and to one
  that discards it.

Asserts nothing about timings; prints the figures.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from spacedrive.infrastructure.net import identity as idm
from tests.netutil import free_port

pytestmark = pytest.mark.bench

REPO = Path(__file__).resolve().parents[2]
SIZE = int(os.environ.get("SD_BENCH_DROP_BYTES", str(1 << 30)))
PAIR_ROUNDS = 5  # the per-address pairing budget allows 5 attempts at once, then one per 6 s
DROP_RUNS = 3
CHUNK = 1 << 20

_TLS_SERVER = r"""
import socket, ssl, sys, time
cert, key, mode, out = sys.argv[1:5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(cert, key)
srv = socket.create_server(("127.0.0.1", 0))
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
tls = ctx.wrap_socket(conn, server_side=True)
buf = bytearray(1 << 20)
view = memoryview(buf)
f = open(out, "wb") if mode == "file" else None
left = int.from_bytes(tls.recv(8), "big")
while left:
    n = tls.recv_into(buf, min(left, len(buf)))
    if not n:
        break
    left -= n
    if f:
        f.write(view[:n])
if f:
    f.close()
tls.sendall(b"k")
"""


class Device:
    def __init__(self, root: Path, name: str, env: dict[str, str]) -> None:
        self.data_dir = root / name
        self.inbox = root / f"{name}-inbox"
        self.inbox.mkdir(parents=True)
        self.env = env
        self.port = free_port()

    def cli(self, *args: str) -> Any:
        cmd = [sys.executable, "-m", "spacedrive.cli", "--data-dir", str(self.data_dir), "--json", *args]
        result = subprocess.run(cmd, capture_output=True, text=True, env=self.env, cwd=REPO, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"{args} failed: {result.stdout}\n{result.stderr}")
        return json.loads(result.stdout)

    def start(self) -> None:
        self.cli("start", "--enable-networking", "--port", str(self.port), "--auto-accept", str(self.inbox))

    def stop(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "spacedrive.cli", "--data-dir", str(self.data_dir), "stop"],
            capture_output=True,
            env=self.env,
            cwd=REPO,
            timeout=60,
        )


def _plain_tls(path: Path, ident: idm.Identity, mode: str, out: Path) -> float:
    """Seconds to move ``path`` through a plain TLS 1.3 socket to a child process."""
    keyfile = out.parent / "plain.key"
    keyfile.write_bytes(ident.key_pem())
    server = subprocess.Popen(
        [sys.executable, "-c", _TLS_SERVER, str(ident.cert_path), str(keyfile), mode, str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    port = int(server.stdout.readline())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    buf = bytearray(CHUNK)
    started = time.perf_counter()
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        ctx.wrap_socket(raw) as tls,
        open(path, "rb") as f,
    ):
        tls.sendall(path.stat().st_size.to_bytes(8, "big"))
        while n := f.readinto(buf):
            tls.sendall(memoryview(buf)[:n])
        tls.recv(1)  # the server has it all (and written it)
    elapsed = time.perf_counter() - started
    server.wait(timeout=60)
    keyfile.unlink()
    out.unlink(missing_ok=True)
    return elapsed


def test_pairing_and_spacedrop_on_loopback() -> None:
    root = Path(tempfile.mkdtemp(prefix="sd-bench-net-"))
    run_dir = root / "run"
    run_dir.mkdir()
    env = {**os.environ, "XDG_RUNTIME_DIR": str(run_dir), "PYTHONPATH": str(REPO)}
    a, b = Device(root, "a", env), Device(root, "b", env)
    a.start()
    b.start()
    try:
        pair_ms = []
        a_id = ""
        for _ in range(PAIR_ROUNDS):
            code = _generate(a)
            joined = b.cli(
                "network", "pair", "join", " ".join(code["words"]), "--addr", f"127.0.0.1:{a.port}"
            )
            pair_ms.append(joined["pairing_ms"])
            a_id = joined["device_id"]
            if len(pair_ms) < PAIR_ROUNDS:
                b.cli("network", "revoke", a_id)
                _wait_revoked(a, b)
        print(
            f"\npairing on loopback, direct address ({PAIR_ROUNDS} rounds): median "
            f"{statistics.median(pair_ms):.1f} ms, min {min(pair_ms):.1f}, max {max(pair_ms):.1f}"
        )

        src = root / "src"
        src.mkdir()
        big = src / "one.bin"
        block = os.urandom(16 << 20)
        with open(big, "wb") as f:
            for i in range(SIZE // len(block)):
                f.write(block[:-8] + i.to_bytes(8, "big"))
        subprocess.run(["cat", str(big)], stdout=subprocess.DEVNULL, check=True)  # warm
        ident = idm.load(a.data_dir)
        mib = SIZE / (1 << 20)
        # One untimed round first: the new file's own writeback and cold code paths would weigh on it.
        b.cli("network", "spacedrop", a_id, str(big), "--addr", f"127.0.0.1:{a.port}")
        (a.inbox / "one.bin").unlink()
        ratios: list[tuple[float, float, float]] = []
        for run in range(DROP_RUNS):
            subprocess.run(["sync"], check=True)
            sent = b.cli("network", "spacedrop", a_id, str(big), "--addr", f"127.0.0.1:{a.port}")
            assert sent["job"]["status"] == "completed", sent
            job_s = sent["report"]["seconds"]
            (a.inbox / "one.bin").unlink()
            subprocess.run(["sync"], check=True)
            file_s = _plain_tls(big, ident, "file", root / "plain.out")
            null_s = _plain_tls(big, ident, "null", root / "plain.out")
            ratios.append((mib / job_s, file_s / job_s, null_s / job_s))
            print(
                f"run {run + 1}: Spacedrop {mib:.0f} MiB {job_s:.2f} s = {mib / job_s:.0f} MiB/s; "
                f"plain TLS 1.3 "
                f"to a file {file_s:.2f} s = {mib / file_s:.0f} MiB/s (Spacedrop {file_s / job_s:.2f}x), "
                f"discarded {null_s:.2f} s = {mib / null_s:.0f} MiB/s ({null_s / job_s:.2f}x)"
            )
        speeds, to_file, to_null = (statistics.median(r[i] for r in ratios) for i in range(3))
        print(
            f"median: Spacedrop {speeds:.0f} MiB/s, {to_file:.2f}x plain TLS to a file, "
            f"{to_null:.2f}x plain TLS discarding"
        )
    finally:
        a.stop()
        b.stop()


def _generate(a: Device) -> dict[str, Any]:
    """Ask A's daemon for a code without waiting for the pairing (the CLI command would wait)."""
    import asyncio

    from spacedrive.infrastructure.ipc import registry
    from spacedrive.infrastructure.ipc.client import SocketClient

    async def call() -> dict[str, Any]:
        old = os.environ.get("XDG_RUNTIME_DIR")
        os.environ["XDG_RUNTIME_DIR"] = a.env["XDG_RUNTIME_DIR"]
        try:
            record = registry.find_server(a.data_dir)
            assert record is not None
            client = SocketClient(record)
            try:
                result: dict[str, Any] = await client.call("network.pair.generate", auto_accept=True)
                return result
            finally:
                await client.close()
        finally:
            if old is None:
                os.environ.pop("XDG_RUNTIME_DIR", None)
            else:
                os.environ["XDG_RUNTIME_DIR"] = old

    return asyncio.run(call())


def _wait_revoked(a: Device, b: Device) -> None:
    """A still pins B: revoke there too, so the next round pairs afresh."""
    for d in a.cli("network", "devices"):
        a.cli("network", "revoke", d["device_id"])
