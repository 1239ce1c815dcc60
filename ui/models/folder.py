"""FolderListModel: the names in one folder, read with ``os.scandir`` off the event loop."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QFileIconProvider

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: Whether the row is a folder.
IS_DIR_ROLE = Qt.ItemDataRole.UserRole + 1

_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class FolderEntry:
    name: str
    is_dir: bool


def display_name(name: str) -> str:
    """A name safe to show: bytes that are not UTF-8 (kept by ``os.fsdecode``) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting "file 2" before "file 10", ignoring case."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(name.casefold()))


def scan_folder(path: str) -> list[FolderEntry]:
    """The immediate children of ``path``, folders first, in natural order. Blocking: run in an executor."""
    entries: list[FolderEntry] = []
    with os.scandir(path) as it:
        for entry in it:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            entries.append(FolderEntry(entry.name, is_dir))
    entries.sort(key=lambda e: (not e.is_dir, natural_key(e.name)))
    return entries


class FolderListModel(QAbstractListModel):
    """One row per entry of a folder, with a folder or file icon."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[FolderEntry] = []
        provider = QFileIconProvider()
        self._folder_icon = provider.icon(QFileIconProvider.IconType.Folder)
        self._file_icon = provider.icon(QFileIconProvider.IconType.File)

    def set_entries(self, entries: list[FolderEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def row_of(self, name: str) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.name == name:
                return row
        return None

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractListModel.CheckIndexOption.IndexIsValid):
            return None
        entry = self._entries[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return display_name(entry.name)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._folder_icon if entry.is_dir else self._file_icon
        if role == IS_DIR_ROLE:
            return entry.is_dir
        return None
