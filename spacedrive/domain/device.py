"""The device this core runs on."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Device:
    id: UUID
    name: str
    os: str
    os_version: str
    hardware_model: str
    created_at: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["id"] = str(self.id)
        return data
