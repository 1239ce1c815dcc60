"""Paired devices: who we trust, pinned by device id, kept in ``<data dir>/network/devices.json``.

The file is small and rewritten atomically on every change. A device's certificate is stored so the
TLS data channel can trust exactly the pinned certificates; its last known addresses let us reach it
without discovery (and are what `--addr` adds to).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spacedrive.errors import ConfigError, SpacedriveError
from spacedrive.infrastructure.fs.atomic import write_json_atomic
from spacedrive.infrastructure.net.identity import NET_DIR, device_id_of_der

log = logging.getLogger(__name__)

DEVICES_FILE = "devices.json"
MAX_ADDRESSES = 8


class DeviceNotFound(SpacedriveError):
    code = "device_not_found"


@dataclass(slots=True)
class PairedDevice:
    device_id: str
    name: str
    os: str
    os_version: str
    model: str
    cert_der_hex: str
    paired_at: int
    last_seen: int = 0
    #: "host:port" strings, most recent first.
    addresses: list[str] = field(default_factory=list)

    @property
    def cert_der(self) -> bytes:
        return bytes.fromhex(self.cert_der_hex)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["cert_der_hex"]
        return data


class DeviceStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / NET_DIR / DEVICES_FILE
        self._devices: dict[str, PairedDevice] = {}
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            for item in raw.get("devices", []):
                device = PairedDevice(**item)
                if device_id_of_der(device.cert_der) != device.device_id:
                    log.warning("ignoring paired device %s: its certificate does not match", device.device_id)
                    continue
                self._devices[device.device_id] = device
        except (OSError, ValueError, TypeError, SpacedriveError) as e:
            raise ConfigError(f"{self.path} is unreadable ({e}); it was left untouched") from e

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.path, {"version": 1, "devices": [asdict(d) for d in self._devices.values()]})

    def list(self) -> list[PairedDevice]:
        return sorted(self._devices.values(), key=lambda d: (d.name.casefold(), d.device_id))

    def get(self, device_id: str) -> PairedDevice | None:
        return self._devices.get(device_id)

    def find(self, text: str) -> PairedDevice:
        """A device by full id, unique id prefix (at least 4 hex digits) or exact name."""
        text = text.strip()
        if text in self._devices:
            return self._devices[text]
        key = text.lower().replace("-", "")
        matches = [d for d in self._devices.values() if len(key) >= 4 and d.device_id.startswith(key)]
        if not matches:
            matches = [d for d in self._devices.values() if d.name == text]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise DeviceNotFound(f"no paired device matches {text!r}; see `spacedrive network devices`")
        raise DeviceNotFound(f"{text!r} matches {len(matches)} paired devices; give more of the id")

    def is_pinned(self, device_id: str) -> bool:
        return device_id in self._devices

    def pinned_certs(self) -> dict[str, bytes]:
        return {d.device_id: d.cert_der for d in self._devices.values()}

    def add(self, device_id: str, cert_der: bytes, info: dict[str, Any], address: str | None) -> PairedDevice:
        if device_id_of_der(cert_der) != device_id:
            raise SpacedriveError("the peer's certificate does not match its device id")
        now = int(time.time())
        device = PairedDevice(
            device_id=device_id,
            name=str(info.get("name") or "Unnamed device"),
            os=str(info.get("os") or ""),
            os_version=str(info.get("os_version") or ""),
            model=str(info.get("model") or ""),
            cert_der_hex=cert_der.hex(),
            paired_at=now,
            last_seen=now,
            addresses=[address] if address else [],
        )
        self._devices[device_id] = device
        self._save()
        return device

    def remove(self, device_id: str) -> PairedDevice:
        device = self._devices.pop(device_id, None)
        if device is None:
            raise DeviceNotFound(f"no paired device {device_id}")
        self._save()
        return device

    def seen(self, device_id: str, address: str | None = None, info: dict[str, Any] | None = None) -> None:
        """Record that the device was reached now (at ``address``); saved only when something changed."""
        device = self._devices.get(device_id)
        if device is None:
            return
        changed = False
        if address and (not device.addresses or device.addresses[0] != address):
            device.addresses = [address] + [a for a in device.addresses if a != address][: MAX_ADDRESSES - 1]
            changed = True
        if info and info.get("name") and info["name"] != device.name:
            device.name = str(info["name"])
            changed = True
        now = int(time.time())
        if now - device.last_seen > 60:
            changed = True
        device.last_seen = now
        if changed:
            self._save()
