"""FolderListModel: a folder's entries as the core's listing streams them in; folders first, natural order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFileIconProvider

from spacedrive.domain.entry import Entry
from ui.formatting import data_size, date_time, files_text

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: Whether the row is a folder.
IS_DIR_ROLE = Qt.ItemDataRole.UserRole + 1
#: The row's ``Entry``.
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2
#: The row's exact path (bytes).
PATH_ROLE = Qt.ItemDataRole.UserRole + 3
#: Whether the row comes from the library's index (else it was read live from disk).
INDEXED_ROLE = Qt.ItemDataRole.UserRole + 4

_DIGITS = re.compile(r"(\d+)")

# Desktop theme icons for the kinds the core recognizes; other files get the generic file icon.
_KIND_ICONS = {
    "image": "image-x-generic",
    "video": "video-x-generic",
    "audio": "audio-x-generic",
    "document": "x-office-document",
    "book": "x-office-document",
    "archive": "package-x-generic",
    "code": "text-x-script",
    "text": "text-x-generic",
    "config": "text-x-generic",
    "font": "font-x-generic",
    "executable": "application-x-executable",
}

SortKey = tuple[bool, tuple[tuple[int, int | str], ...], bytes]


def display_name(name: str) -> str:
    """A name safe to show: bytes that are not UTF-8 (kept by ``os.fsdecode``) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting "file 2" before "file 10", ignoring case."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(name.casefold()))


def sort_key(entry: Entry) -> SortKey:
    """Folders first, then natural order; the exact name breaks ties (NFC/NFD twins, case twins)."""
    return (entry.kind != "directory", natural_key(entry.name), entry.raw_name)


@dataclass(frozen=True, slots=True)
class _Row:
    key: SortKey
    entry: Entry


def _row(entry: Entry) -> _Row:
    return _Row(sort_key(entry), entry)


class FolderListModel(QAbstractListModel):
    """One row per entry of a folder. Every view of the content area shows this one model.

    ``append`` takes the listing's chunks as they arrive (each sorted, inserted at the end) and ``finish``
    sorts the whole once the listing is complete; ``replace`` brings a shown folder up to date with the
    fewest row removals and insertions, so selection and scroll position survive live changes.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._sorted = True
        provider = QFileIconProvider()
        self._folder_icon = provider.icon(QFileIconProvider.IconType.Folder)
        self._file_icon = provider.icon(QFileIconProvider.IconType.File)
        self._kind_icons: dict[str | None, QIcon] = {}

    # ---- feeding ---------------------------------------------------------------------------------------

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._sorted = True
        self.endResetModel()

    def append(self, chunk: list[Entry]) -> None:
        """Add a chunk of the listing at the end (sorted within itself; ``finish`` sorts the whole)."""
        if not chunk:
            return
        rows = sorted(map(_row, chunk), key=lambda r: r.key)
        if self._rows and rows[0].key < self._rows[-1].key:
            self._sorted = False
        first = len(self._rows)
        self.beginInsertRows(_ROOT, first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def finish(self) -> None:
        """The listing is complete: put the rows of every chunk in order."""
        if self._sorted:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        order = sorted(range(len(self._rows)), key=lambda i: self._rows[i].key)
        new_row = {old_row: new for new, old_row in enumerate(order)}
        self._rows = [self._rows[i] for i in order]
        self._sorted = True
        self.changePersistentIndexList(old, [self.index(new_row[index.row()], 0) for index in old])
        self.layoutChanged.emit()

    def replace(self, entries: list[Entry]) -> None:
        """Show ``entries`` instead: rows that went away are removed, new ones inserted, others updated."""
        self.finish()
        new = sorted(map(_row, entries), key=lambda r: r.key)
        keep = {row.key for row in new}
        row = len(self._rows) - 1
        while row >= 0:  # remove runs of vanished rows, from the end so row numbers stay valid
            if self._rows[row].key in keep:
                row -= 1
                continue
            last = row
            while row >= 0 and self._rows[row].key not in keep:
                row -= 1
            self.beginRemoveRows(_ROOT, row + 1, last)
            del self._rows[row + 1 : last + 1]
            self.endRemoveRows()
        # What is left is in order and a subsequence of ``new``: insert the runs that are missing.
        row = 0
        while row < len(new):
            if row < len(self._rows) and self._rows[row].key == new[row].key:
                if self._rows[row].entry != new[row].entry:
                    self._rows[row] = new[row]
                    index = self.index(row, 0)
                    self.dataChanged.emit(index, index)
                row += 1
                continue
            first = row
            present = self._rows[row].key if row < len(self._rows) else None
            while row < len(new) and new[row].key != present:
                row += 1
            self.beginInsertRows(_ROOT, first, row - 1)
            self._rows[first:first] = new[first:row]
            self.endInsertRows()

    # ---- reading ---------------------------------------------------------------------------------------

    def entry(self, row: int) -> Entry:
        return self._rows[row].entry

    def entries(self) -> list[Entry]:
        return [row.entry for row in self._rows]

    def row_of(self, raw_name: bytes) -> int | None:
        for row, item in enumerate(self._rows):
            if item.entry.raw_name == raw_name:
                return row
        return None

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractListModel.CheckIndexOption.IndexIsValid):
            return None
        entry = self._rows[index.row()].entry
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(entry)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(entry)
        if role == IS_DIR_ROLE:
            return entry.kind == "directory"
        if role == ENTRY_ROLE:
            return entry
        if role == PATH_ROLE:
            return entry.path
        if role == INDEXED_ROLE:
            return entry.indexed
        return None

    def _icon(self, entry: Entry) -> QIcon:
        if entry.kind == "directory":
            return self._folder_icon
        kind = entry.content_kind
        icon = self._kind_icons.get(kind)
        if icon is None:
            name = _KIND_ICONS.get(kind or "")
            icon = QIcon.fromTheme(name, self._file_icon) if name else self._file_icon
            self._kind_icons[kind] = icon
        return icon


def _tooltip(entry: Entry) -> str:
    tr = QCoreApplication.translate
    lines = [entry.name]
    if entry.kind == "directory":
        if entry.file_count is not None and entry.size is not None:
            lines.append(
                tr("FolderListModel", "{count}, {size}").format(
                    count=files_text(entry.file_count), size=data_size(entry.size)
                )
            )
    elif entry.size is not None:
        lines.append(data_size(entry.size))
    if entry.modified:
        lines.append(tr("FolderListModel", "Modified {when}").format(when=date_time(entry.modified)))
    if entry.tags:
        lines.append(tr("FolderListModel", "Tags: {tags}").format(tags=", ".join(entry.tags)))
    return "\n".join(lines)
