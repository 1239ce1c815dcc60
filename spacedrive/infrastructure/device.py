"""This device's stable identity, kept in ``device.json`` in the data dir."""

from __future__ import annotations

import json
import platform
import socket
import time
import uuid
from pathlib import Path

from spacedrive.domain.device import Device
from spacedrive.errors import ConfigError, DataDirError
from spacedrive.infrastructure.fs.atomic import write_json_atomic

DEVICE_FILE = "device.json"


def load_or_create_device(data_dir: Path) -> Device:
    """Read ``device.json``, creating it on first start. A corrupt file is an error, never overwritten."""
    path = data_dir / DEVICE_FILE
    if path.exists():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return Device(
                id=uuid.UUID(raw["id"]),
                name=str(raw["name"]),
                os=str(raw["os"]),
                os_version=str(raw.get("os_version", "")),
                hardware_model=str(raw.get("hardware_model", "")),
                created_at=int(raw.get("created_at", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ConfigError(
                f"{path} is unreadable ({e}); it holds this device's identity, so it was left untouched"
            ) from e
    device = Device(
        id=uuid.uuid4(),
        name=socket.gethostname() or "This device",
        os=platform.system() or "unknown",
        os_version=platform.release(),
        hardware_model=platform.machine(),
        created_at=int(time.time()),
    )
    try:
        write_json_atomic(path, device.to_dict())
    except OSError as e:
        raise DataDirError(f"cannot write {path}: {e.strerror or e}") from e
    return device
