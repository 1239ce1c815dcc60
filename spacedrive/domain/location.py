"""A location: a folder whose files a library indexes and watches."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any
from uuid import UUID


class IndexMode(enum.StrEnum):
    SHALLOW = "shallow"  # names, sizes, dates
    CONTENT = "content"  # + content ids (duplicates) and kinds from magic bytes
    DEEP = "deep"  # + media data and thumbnails (filled by the media issue)


@dataclass(frozen=True, slots=True)
class LocationInfo:
    id: int
    uuid: UUID
    name: str
    path: str  # exact: os.fsencode(path) gives the folder's bytes back
    mode: IndexMode
    scan_state: str
    last_scan_at: int | None
    total_file_count: int
    total_byte_size: int
    error_message: str
    rules: dict[str, Any]
    watching: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uuid": str(self.uuid),
            "name": self.name,
            "path": self.path,
            "mode": self.mode.value,
            "scan_state": self.scan_state,
            "last_scan_at": self.last_scan_at,
            "total_file_count": self.total_file_count,
            "total_byte_size": self.total_byte_size,
            "error_message": self.error_message,
            "rules": self.rules,
            "watching": self.watching,
        }
