"""What a listing shows of one file or folder, indexed or not (spec: the Entry model)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


# Not ``frozen``: a frozen dataclass assigns each field through object.__setattr__, which made an Entry
# cost 1.8 us to build against 0.6 us; a 100k-entry folder builds 100k of them. Entries are still
# never changed after they are made (``dataclasses.replace`` makes a new one), and stay hashable.
@dataclass(slots=True, unsafe_hash=True)
class Entry:
    #: The exact name as the file system has it.
    raw_name: bytes
    #: The folder holding it, exact (absolute).
    raw_parent: bytes
    kind: str  # "file", "directory", "symlink" or "other" (FIFOs, sockets, devices: listed, never opened)
    size: int | None  # files: bytes; folders: the indexed aggregate size, or None when unknown
    modified: float  # Unix seconds
    created: float
    hidden: bool
    indexed: bool
    uuid: UUID | None = None
    cas_id: str | None = None
    content_kind: str | None = None
    file_count: int | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        """For display: undecodable bytes become U+FFFD."""
        return self.raw_name.decode("utf-8", "replace")

    @property
    def extension(self) -> str:
        if self.kind == "directory":
            return ""
        dot = self.raw_name.rfind(b".")
        if dot <= 0 or dot == len(self.raw_name) - 1:
            return ""
        return self.raw_name[dot + 1 :].decode("utf-8", "replace")

    @property
    def path(self) -> bytes:
        return self.raw_parent.rstrip(b"/") + b"/" + self.raw_name

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "size": self.size,
            "modified": self.modified,
            "created": self.created,
            "extension": self.extension,
            "hidden": self.hidden,
            "indexed": self.indexed,
            "uuid": str(self.uuid) if self.uuid else None,
            "cas_id": self.cas_id,
            "content_kind": self.content_kind,
            "file_count": self.file_count,
            "tags": list(self.tags),
        }
        try:
            self.raw_name.decode("utf-8")
        except UnicodeDecodeError:
            # The exact bytes, for names that are not UTF-8: base64 round-trips where text cannot.
            data["name_base64"] = base64.b64encode(self.raw_name).decode()
        return data
