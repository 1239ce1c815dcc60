"""A tag: a named, coloured label users put on files, indexed or not (spec: the Tag model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Tag:
    id: int
    uuid: UUID
    name: str
    color: str | None  # "#rrggbb"
    #: Files and folders that carry it, indexed and loose.
    file_count: int
    created_at: int
    updated_at: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uuid": str(self.uuid),
            "name": self.name,
            "color": self.color,
            "file_count": self.file_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
