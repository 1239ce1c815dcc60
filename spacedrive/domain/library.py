"""What a caller sees of a library, open or not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class LibraryInfo:
    id: UUID
    name: str
    path: str
    description: str
    created_at: int
    updated_at: int
    is_open: bool
    is_current: bool
    #: Why a known library is not open (locked by another process, corrupt, too new), or ''.
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "path": self.path,
            "description": self.description,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "is_open": self.is_open,
            "is_current": self.is_current,
            "problem": self.problem,
        }
