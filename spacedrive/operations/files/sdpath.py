"""SdPath: where a file is, as one value for indexed and ephemeral files alike.

A local SdPath is a device plus an absolute path in raw bytes (names that are not UTF-8 stay exact).
Resolved against a library it also carries the location, the path inside it and the entry, when the
file is indexed; an ephemeral file simply has none of them. Text forms accepted by ``SdPath.parse``:
``/abs/path``, ``~/path``, ``relative/path`` (to the working directory), ``file:///abs/path`` (percent
escapes decoded to bytes) and ``sd://<device-uuid>/abs/path``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes
from uuid import UUID

from sqlalchemy import select

from spacedrive.errors import InvalidArgument
from spacedrive.infrastructure.db.models import EntryRow
from spacedrive.infrastructure.fs.paths import display, exact, split_name
from spacedrive.operations.locations import list_locations

if TYPE_CHECKING:
    from spacedrive.operations.libraries import Library

PathLike = str | bytes | os.PathLike[str] | os.PathLike[bytes]


@dataclass(frozen=True, slots=True)
class SdPath:
    """A file on a device; ``location_id``/``relative_path``/``entry_id`` are set once resolved."""

    path: bytes
    device_id: UUID | None = None
    location_id: int | None = None
    #: The path inside the location ('' for its root), when the file is inside one.
    relative_path: bytes | None = None
    entry_id: int | None = None

    @classmethod
    def local(cls, path: PathLike, device_id: UUID | None = None) -> SdPath:
        """An absolute, normalized local path (``..`` and doubled slashes folded; symlinks kept)."""
        raw = os.fsencode(path)
        if not raw:
            raise InvalidArgument("empty path")
        if b"\0" in raw:
            raise InvalidArgument("a path cannot contain a NUL byte")
        if raw.startswith(b"~"):
            raw = os.path.expanduser(raw)
        return cls(os.path.abspath(raw), device_id)

    @classmethod
    def parse(cls, text: str, device_id: UUID | None = None) -> SdPath:
        """From a CLI argument or a URI; ``text`` is surrogate-escaped for non-UTF-8 bytes."""
        if text.startswith("file://"):
            rest = text[len("file://") :]
            host, slash, tail = rest.partition("/")
            if host not in ("", "localhost") or not slash:
                raise InvalidArgument(f"{text!r}: only local file:// URIs are supported")
            return cls.local(unquote_to_bytes("/" + tail), device_id)
        if text.startswith("sd://"):
            device, slash, tail = text[len("sd://") :].partition("/")
            try:
                dev = UUID(device)
            except ValueError:
                raise InvalidArgument(f"{text!r}: {device!r} is not a device id") from None
            return cls.local(b"/" + os.fsencode(tail), dev)
        return cls.local(text, device_id)

    @property
    def name(self) -> bytes:
        return os.path.basename(self.path.rstrip(b"/")) or self.path

    @property
    def parent(self) -> SdPath:
        return SdPath(os.path.dirname(self.path.rstrip(b"/")) or b"/", self.device_id)

    def child(self, name: bytes) -> SdPath:
        return SdPath(os.path.join(self.path, name), self.device_id)

    def is_on(self, device_id: UUID | None) -> bool:
        """True when the file is on ``device_id`` (an SdPath without a device is on this one)."""
        return self.device_id is None or device_id is None or self.device_id == device_id

    @property
    def is_indexed(self) -> bool:
        return self.entry_id is not None

    def display(self) -> str:
        return display(self.path)

    def exact(self) -> str:
        """Lossless text (surrogate-escaped) that ``os.fsencode`` turns back into ``path``."""
        return exact(self.path)

    def __str__(self) -> str:
        return self.display()

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.exact(),
            "device_id": str(self.device_id) if self.device_id else None,
            "location_id": self.location_id,
            "relative_path": exact(self.relative_path) if self.relative_path is not None else None,
            "entry_id": self.entry_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SdPath:
        rel = data.get("relative_path")
        return cls(
            path=os.fsencode(data["path"]),
            device_id=UUID(data["device_id"]) if data.get("device_id") else None,
            location_id=data.get("location_id"),
            relative_path=os.fsencode(rel) if rel is not None else None,
            entry_id=data.get("entry_id"),
        )


async def resolve(path: SdPath, library: Library | None) -> SdPath:
    """``path`` with its location and entry filled in when ``library`` indexes it (else unchanged)."""
    if library is None:
        return path
    real = os.path.realpath(path.path)
    for loc in await list_locations(library):
        root = os.fsencode(loc.path).rstrip(b"/") or b"/"
        prefix = root if root.endswith(b"/") else root + b"/"
        if real != root and not real.startswith(prefix):
            continue
        rel = b"" if real == root else real[len(prefix) :]
        entry_id = await _entry_id(library, loc.id, rel) if rel else None
        return replace(path, location_id=loc.id, relative_path=rel, entry_id=entry_id)
    return path


async def _entry_id(library: Library, location_id: int, rel: bytes) -> int | None:
    parent, _, name = rel.rpartition(b"/")
    async with library.db.read() as session:
        candidates = (
            await session.execute(
                select(EntryRow.id, EntryRow.name, EntryRow.extension, EntryRow.kind).where(
                    EntryRow.location_id == location_id,
                    EntryRow.relative_path == parent,
                    EntryRow.name.in_({name, split_name(name)[0]}),
                )
            )
        ).all()
    for entry_id, stem, ext, kind in candidates:
        if (stem + b"." + ext if ext and kind != 1 else stem) == name:
            return int(entry_id)
    return None
