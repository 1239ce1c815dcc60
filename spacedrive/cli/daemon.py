"""The daemon: ``start [--foreground]``, ``stop``, ``daemon list``, and the foreground service loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from spacedrive.cli.output import Output, table, when
from spacedrive.errors import DaemonError
from spacedrive.infrastructure.ipc import registry
from spacedrive.infrastructure.ipc.client import SocketClient

log = logging.getLogger(__name__)

LOG_FILE = "daemon.log"
_DETACHED = getattr(subprocess, "DETACHED_PROCESS", 0) | getattr(subprocess, "CREATE_NO_WINDOW", 0)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


async def run_foreground(data_dir: Path, instance: str | None, network: NetworkOptions | None = None) -> int:
    """Serve ``data_dir`` until SIGTERM/SIGINT or a ``stop`` command; jobs keep running meanwhile."""
    other = registry.find_server(data_dir)
    if other is not None:
        raise DaemonError(f"{data_dir} is already served by {other.kind} (pid {other.pid})")
    from spacedrive.core import Core
    from spacedrive.infrastructure.ipc.server import ControlServer

    core = Core(data_dir, mode="daemon")
    await core.start()
    if network is not None and network.enabled:
        try:
            await core.start_network(port=network.port, auto_accept_dir=network.auto_accept_dir)
        except BaseException:
            await core.stop()
            raise
    server = ControlServer(core, kind="daemon", instance=instance)
    try:
        await server.start()
    except BaseException:
        await core.stop()
        raise
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # Windows has no add_signal_handler
            loop.add_signal_handler(sig, server.shutdown_requested.set)
    log.info("daemon ready (pid %d) for %s", os.getpid(), data_dir)
    try:
        await server.shutdown_requested.wait()
    finally:
        log.info("daemon stopping")
        await server.stop()
        await core.stop()
    return 0


@dataclass(frozen=True, slots=True)
class NetworkOptions:
    """``start --enable-networking [--port N] [--auto-accept DIR]``."""

    enabled: bool = False
    port: int | None = None
    auto_accept_dir: str | None = None

    def args(self) -> list[str]:
        out = ["--enable-networking"] if self.enabled else []
        if self.port is not None:
            out += ["--port", str(self.port)]
        if self.auto_accept_dir:
            out += ["--auto-accept", self.auto_accept_dir]
        return out


def _daemon_command(
    data_dir: Path, instance: str | None, verbose: int, network: NetworkOptions | None = None
) -> list[str]:
    base = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "spacedrive.cli"]
    args = ["--data-dir", str(data_dir.parent if instance else data_dir)]
    if instance:
        args += ["--instance", instance]
    extra = network.args() if network else []
    return base + args + ["-v"] * verbose + ["start", "--foreground"] + extra


def start_background(
    data_dir: Path, instance: str | None, verbose: int, out: Output, network: NetworkOptions | None = None
) -> int:
    running = registry.find_server(data_dir)
    if running is not None:
        out.result(
            {"started": False, "pid": running.pid, "kind": running.kind, "socket": running.socket},
            lambda d: out.message(f"Spacedrive is already running ({d['kind']}, pid {d['pid']})."),
        )
        return 0
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / LOG_FILE
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(
            _daemon_command(data_dir, instance, verbose, network),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            # Windows has no sessions: detach from the console so closing it does not end the daemon.
            creationflags=_DETACHED,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        record = registry.find_server(data_dir)
        if record is not None and record.pid == proc.pid:
            out.result(
                {"started": True, "pid": proc.pid, "socket": record.socket, "log": str(log_path)},
                lambda d: out.message(f"Spacedrive daemon started (pid {d['pid']}), log: {d['log']}"),
            )
            return 0
        if proc.poll() is not None:
            raise DaemonError(f"the daemon exited at start: {_last_line(log_path)}")
        time.sleep(0.05)
    proc.terminate()
    raise DaemonError(f"the daemon did not come up within {START_TIMEOUT:.0f} s; see {log_path}")


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    errors = [line for line in lines if line.startswith("error:")]
    return (errors or lines or ["no output"])[-1].removeprefix("error: ")


async def stop(data_dir: Path, out: Output) -> int:
    record = registry.find_server(data_dir)
    if record is None:
        out.result({"stopped": False, "running": False}, lambda d: out.message("Spacedrive is not running."))
        return 0
    client = SocketClient(record)
    try:
        await client.call("core.shutdown")
    finally:
        await client.close()
    deadline = time.monotonic() + STOP_TIMEOUT
    while psutil.pid_exists(record.pid) and time.monotonic() < deadline:
        with contextlib.suppress(psutil.Error):
            if psutil.Process(record.pid).status() == psutil.STATUS_ZOMBIE:
                break
        await asyncio.sleep(0.05)
    if psutil.pid_exists(record.pid) and registry.find_server(data_dir) is not None:
        raise DaemonError(f"Spacedrive (pid {record.pid}) did not stop within {STOP_TIMEOUT:.0f} s")
    out.result(
        {"stopped": True, "pid": record.pid, "kind": record.kind},
        lambda d: out.message(f"Spacedrive {d['kind']} (pid {d['pid']}) stopped."),
    )
    return 0


def list_daemons(out: Output) -> int:
    records = registry.list_servers()
    data = [
        {
            "instance": r.instance,
            "kind": r.kind,
            "pid": r.pid,
            "data_dir": r.data_dir,
            "socket": r.socket,
            "started_at": r.started_at,
            "version": r.version,
        }
        for r in records
    ]
    out.result(
        data,
        lambda rows: table(
            ["instance", "kind", "pid", "data dir", "started"],
            [
                [r["instance"] or "default", r["kind"], r["pid"], r["data_dir"], when(r["started_at"])]
                for r in rows
            ],
            "No Spacedrive daemon or GUI is running.",
        ),
    )
    return 0
