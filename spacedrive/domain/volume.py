"""Volume: one mounted filesystem as the explorer shows it (spec: volume-system.md)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Volume:
    """A mounted filesystem. ``fingerprint`` names the same disk across remounts and restarts."""

    fingerprint: str
    name: str
    mount_point: str
    device: str
    file_system: str
    total_capacity: int
    available_capacity: int
    is_read_only: bool
    is_removable: bool
    is_network: bool
    is_system: bool
    #: "ssd", "hdd" or "unknown" (known on Linux from /sys/block/*/queue/rotational).
    disk_type: str = "unknown"
    #: False while the filesystem does not answer (a dead network mount); capacities are then the
    #: last ones seen.
    is_available: bool = True
    #: Every place the filesystem is mounted, ``mount_point`` first (bind mounts, btrfs subvolumes).
    mount_points: tuple[str, ...] = ()

    @property
    def used_percent(self) -> float:
        if self.total_capacity <= 0:
            return 0.0
        used = self.total_capacity - self.available_capacity
        return round(100 * used / self.total_capacity, 1)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["mount_points"] = list(self.mount_points)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Volume:
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["mount_points"] = tuple(data.get("mount_points") or ())
        return cls(**kwargs)
