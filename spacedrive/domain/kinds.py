"""What a file's content is (image, code, archive...), as stored in the ``content_kinds`` table."""

from __future__ import annotations

import enum


class ContentKind(enum.StrEnum):
    """Kinds of content, in the order of the spec's ``content_kinds`` table: ``id`` is the row id."""

    UNKNOWN = "unknown"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    ARCHIVE = "archive"
    CODE = "code"
    TEXT = "text"
    DATABASE = "database"
    BOOK = "book"
    FONT = "font"
    MESH = "mesh"
    CONFIG = "config"
    ENCRYPTED = "encrypted"
    KEY = "key"
    EXECUTABLE = "executable"
    BINARY = "binary"

    @property
    def id(self) -> int:
        """The stable integer id (``content_kinds.id``, ``content_identities.kind_id``)."""
        return _IDS[self]

    @classmethod
    def from_id(cls, kind_id: int) -> ContentKind:
        """The kind with this id; UNKNOWN for an id this version does not know (a newer library)."""
        return _BY_ID.get(kind_id, cls.UNKNOWN)


_IDS: dict[ContentKind, int] = {kind: i for i, kind in enumerate(ContentKind)}
_BY_ID: dict[int, ContentKind] = {i: kind for kind, i in _IDS.items()}
