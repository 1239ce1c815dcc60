"""The folder model's rows: what is computed once per entry (name keys) and the per-column sort keys."""

from __future__ import annotations

import enum
import functools
import operator
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication

from spacedrive.domain.entry import Entry
from ui.formatting import data_size, date_time, files_text

#: The content kinds shown by the media view and decorated with thumbnails.
MEDIA_KINDS = frozenset({"image", "video"})

_DIGITS = re.compile(r"[0-9]+")


class Column(enum.IntEnum):
    NAME = 0
    SIZE = 1
    KIND = 2
    MODIFIED = 3
    CREATED = 4
    TAGS = 5
    CONTENT_ID = 6

    @property
    def title(self) -> str:
        tr = QCoreApplication.translate
        return {
            Column.NAME: tr("FolderModel", "Name"),
            Column.SIZE: tr("FolderModel", "Size"),
            Column.KIND: tr("FolderModel", "Kind"),
            Column.MODIFIED: tr("FolderModel", "Modified"),
            Column.CREATED: tr("FolderModel", "Created"),
            Column.TAGS: tr("FolderModel", "Tags"),
            Column.CONTENT_ID: tr("FolderModel", "Content ID"),
        }[self]


class Row:
    """An entry with what sorting and filtering read, computed once when it arrives."""

    __slots__ = ("entry", "folded", "hidden", "is_dir", "media", "nk", "sk")

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.is_dir = entry.kind == "directory"
        self.hidden = entry.hidden
        self.media = entry.content_kind in MEDIA_KINDS
        #: The name as shown, case-folded: what the filter and typing a name look for.
        self.folded = entry.name.casefold()
        #: Natural order ("file 2" before "file 10", case ignored), the exact name breaking ties.
        self.nk = natural_key(self.folded) + "\0" + entry.raw_name.decode("latin-1")
        #: The key of the model's current sort order.
        self.sk: Any = None


def natural_key(folded: str) -> str:
    """A string whose plain order is natural order: each run of digits becomes a marker below every
    letter, its length, then the digits without leading zeros, so longer numbers sort after shorter ones.

    One string compares in C; a tuple of parts per name would make sorting 100k names several times
    slower.
    """
    return _DIGITS.sub(_number, folded)


def _number(match: re.Match[str]) -> str:
    digits = match.group().lstrip("0") or "0"
    return "\x01" + chr(0x20 + len(digits)) + digits


def make_row(entry: Entry, key: Callable[[Row], Any]) -> Row:
    row = Row(entry)
    row.sk = key(row)
    return row


def updated_row(old: Row, entry: Entry, key: Callable[[Row], Any]) -> Row:
    """The row of ``entry``, which has ``old``'s name: its name keys are reused, not computed again
    (a folder that just got indexed changes every entry, not one name)."""
    row = Row.__new__(Row)
    row.entry = entry
    row.is_dir = entry.kind == "directory"
    row.hidden = entry.hidden
    row.media = entry.content_kind in MEDIA_KINDS
    row.folded = old.folded
    row.nk = old.nk
    row.sk = key(row)
    return row


def sort_key(column: int, descending: bool) -> Callable[[Row], Any]:
    """The key sorting rows by ``column``: folders first, names (natural, then exact) breaking ties.

    Names descending are read backwards (``reverses``); other columns descending have their values
    negated instead, so that ties still list names ascending.
    """
    if column == Column.NAME:
        if descending:
            return lambda r: ("1" if r.is_dir else "0") + r.nk
        return lambda r: ("0" if r.is_dir else "1") + r.nk
    value = _VALUES[column]
    if descending:
        negated = _invert if column in _TEXT_COLUMNS else operator.neg
        return lambda r: (not r.is_dir, negated(value(r.entry)), r.nk)
    return lambda r: (not r.is_dir, value(r.entry), r.nk)


def reverses(column: int, descending: bool) -> bool:
    """Whether rows in ``sort_key`` order are shown backwards."""
    return descending and column == Column.NAME


@functools.lru_cache(maxsize=4096)
def _invert(text: str) -> str:
    """A string that sorts before another exactly when ``text`` sorts after it."""
    return "".join(chr(0x10FFFF - ord(c)) for c in text) + "\U0010ffff"


_TEXT_COLUMNS = frozenset({Column.KIND, Column.TAGS, Column.CONTENT_ID})
_VALUES: dict[int, Callable[[Entry], Any]] = {
    Column.SIZE: lambda e: -1 if e.size is None else e.size,
    Column.KIND: lambda e: kind_text(e).casefold(),
    Column.MODIFIED: lambda e: e.modified,
    Column.CREATED: lambda e: e.created,
    Column.TAGS: lambda e: "\x1f".join(e.tags).casefold(),
    Column.CONTENT_ID: lambda e: e.cas_id or "",
}

_kind_labels: dict[str, str] = {}


def kind_text(entry: Entry) -> str:
    """What the entry is, as the Kind column says it: "Folder", "Image", "PDF file"…"""
    if not _kind_labels:
        tr = QCoreApplication.translate
        _kind_labels.update(
            {
                "directory": tr("FolderModel", "Folder"),
                "symlink": tr("FolderModel", "Link"),
                "other": tr("FolderModel", "Special file"),
                "image": tr("FolderModel", "Image"),
                "video": tr("FolderModel", "Video"),
                "audio": tr("FolderModel", "Audio"),
                "document": tr("FolderModel", "Document"),
                "archive": tr("FolderModel", "Archive"),
                "code": tr("FolderModel", "Source code"),
                "text": tr("FolderModel", "Text"),
                "database": tr("FolderModel", "Database"),
                "book": tr("FolderModel", "Book"),
                "font": tr("FolderModel", "Font"),
                "mesh": tr("FolderModel", "3D model"),
                "config": tr("FolderModel", "Configuration"),
                "encrypted": tr("FolderModel", "Encrypted file"),
                "key": tr("FolderModel", "Key"),
                "executable": tr("FolderModel", "Program"),
                "binary": tr("FolderModel", "Binary"),
            }
        )
    if entry.kind != "file":
        return _kind_labels.get(entry.kind, entry.kind)
    label = _kind_labels.get(entry.content_kind or "")
    if label is not None:
        return label
    extension = entry.extension
    if extension:
        return QCoreApplication.translate("FolderModel", "{extension} file").format(
            extension=extension.upper()
        )
    return QCoreApplication.translate("FolderModel", "File")


def tooltip(entry: Entry) -> str:
    tr = QCoreApplication.translate
    lines = [entry.name]
    if entry.kind == "directory":
        if entry.file_count is not None and entry.size is not None:
            lines.append(
                tr("FolderModel", "{count}, {size}").format(
                    count=files_text(entry.file_count), size=data_size(entry.size)
                )
            )
    elif entry.size is not None:
        lines.append(data_size(entry.size))
    if entry.modified:
        lines.append(tr("FolderModel", "Modified {when}").format(when=date_time(entry.modified)))
    if entry.tags:
        lines.append(tr("FolderModel", "Tags: {tags}").format(tags=", ".join(entry.tags)))
    return "\n".join(lines)
