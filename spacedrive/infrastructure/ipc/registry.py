"""Where a running Spacedrive process advertises its control socket, per data dir.

Each serving process (daemon or GUI) writes ``<runtime dir>/<key>.json`` next to its socket
``<key>.sock``; ``key`` is derived from the data dir, so every data dir and instance has its own pair
and socket paths stay short. The runtime dir is private to the user (0700); sockets are 0600.
A record whose process is gone, or whose socket refuses connections, is stale and is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from spacedrive.errors import DaemonError
from spacedrive.infrastructure.fs.atomic import write_json_atomic

USE_UNIX_SOCKETS = os.name != "nt" and hasattr(socket, "AF_UNIX")


@dataclass(frozen=True, slots=True)
class ServerRecord:
    pid: int
    kind: str  # "daemon" or "gui"
    data_dir: str
    instance: str | None
    socket: str  # unix socket path, or "host:port" on Windows
    token: str  # shared secret for the TCP fallback; '' with unix sockets
    started_at: float
    version: str

    @property
    def key(self) -> str:
        return server_key(Path(self.data_dir))


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = Path(base) / "spacedrive" if base else Path(tempfile.gettempdir()) / f"spacedrive-{uid}"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if hasattr(os, "getuid") and path.stat().st_uid != os.getuid():
            raise DaemonError(f"{path} belongs to another user; refusing to use it for control sockets")
        os.chmod(path, 0o700)
    except OSError as e:
        raise DaemonError(f"cannot prepare runtime directory {path}: {e.strerror or e}") from e
    return path


def server_key(data_dir: Path) -> str:
    return hashlib.sha256(str(data_dir.absolute()).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def socket_path(data_dir: Path) -> Path:
    return runtime_dir() / f"{server_key(data_dir)}.sock"


def record_path(data_dir: Path) -> Path:
    return runtime_dir() / f"{server_key(data_dir)}.json"


def write_record(record: ServerRecord) -> None:
    write_json_atomic(runtime_dir() / f"{record.key}.json", asdict(record), mode=0o600)


def remove_record(record: ServerRecord) -> None:
    with contextlib.suppress(OSError):
        (runtime_dir() / f"{record.key}.json").unlink()
    if USE_UNIX_SOCKETS:
        with contextlib.suppress(OSError):
            Path(record.socket).unlink()


def _load(path: Path) -> ServerRecord | None:
    try:
        return ServerRecord(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def is_alive(record: ServerRecord) -> bool:
    """The process exists and its socket accepts connections."""
    if not psutil.pid_exists(record.pid):
        return False
    try:
        if USE_UNIX_SOCKETS:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect(record.socket)
        else:
            host, port = record.socket.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=1.0):
                pass
    except OSError:
        return False
    return True


def find_server(data_dir: Path) -> ServerRecord | None:
    """The live server for ``data_dir``, cleaning up a stale record (a killed process) on the way."""
    path = record_path(data_dir)
    record = _load(path)
    if record is None:
        return None
    if is_alive(record):
        return record
    remove_record(record)
    return None


def list_servers() -> list[ServerRecord]:
    """Every live server of this user; stale records are removed."""
    live: list[ServerRecord] = []
    for path in sorted(runtime_dir().glob("*.json")):
        record = _load(path)
        if record is None:
            continue
        if is_alive(record):
            live.append(record)
        else:
            remove_record(record)
    return live
