"""Places: the sidebar's Favourites and Recent folders, remembered in QSettings."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, QSettings, QStandardPaths

from ui.models.sidebar import Place, SidebarModel
from ui.navigation import display_name

#: How many folders the Recent section lists.
RECENT_LIMIT = 10
FAVOURITES_KEY = "places/favourites"
RECENT_KEY = "places/recent"

_STANDARD = (
    (QStandardPaths.StandardLocation.DesktopLocation, "user-desktop"),
    (QStandardPaths.StandardLocation.DocumentsLocation, "folder-documents"),
    (QStandardPaths.StandardLocation.DownloadLocation, "folder-download"),
    (QStandardPaths.StandardLocation.PicturesLocation, "folder-pictures"),
    (QStandardPaths.StandardLocation.MusicLocation, "folder-music"),
    (QStandardPaths.StandardLocation.MoviesLocation, "folder-videos"),
)


def standard_places() -> list[Place]:
    """Home, then the desktop's standard folders (Desktop, Documents, Downloads...) that exist."""
    home = os.path.expanduser("~")
    places = [Place(QCoreApplication.translate("Places", "Home"), home, "user-home")]
    seen = {home}
    for location, icon in _STANDARD:
        path = QStandardPaths.writableLocation(location)
        # Where the desktop has no such folder, Qt may answer the home folder itself.
        if path and path not in seen and os.path.isdir(path):
            seen.add(path)
            places.append(Place(QStandardPaths.displayName(location), path, icon))
    return places


class Places(QObject):
    """Feeds the sidebar's Favourites (the standard folders, then the ones the user added) and Recent (the
    folders shown last, newest first). Paths are stored as their exact bytes, so any name survives."""

    def __init__(self, settings: QSettings, model: SidebarModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._model = model
        self._added = _read_paths(settings, FAVOURITES_KEY)
        self._recent = _read_paths(settings, RECENT_KEY)[:RECENT_LIMIT]
        self._standard = standard_places()
        self._show_favourites()
        self._show_recent()

    def favourite_paths(self) -> list[str]:
        return [place.path for place in self._favourites()]

    def recent_paths(self) -> list[str]:
        return list(self._recent)

    def is_favourite(self, path: str) -> bool:
        return path in self.favourite_paths()

    def add_favourite(self, path: str) -> None:
        if self.is_favourite(path):
            return
        self._added.append(path)
        _write_paths(self._settings, FAVOURITES_KEY, self._added)
        self._show_favourites()

    def remove_favourite(self, path: str) -> None:
        if path in self._added:
            self._added.remove(path)
            _write_paths(self._settings, FAVOURITES_KEY, self._added)
            self._show_favourites()

    def note_opened(self, path: str) -> None:
        """A folder was shown: it heads the Recent section."""
        if self._recent[:1] == [path]:
            return
        self._recent = [path, *(p for p in self._recent if p != path)][:RECENT_LIMIT]
        _write_paths(self._settings, RECENT_KEY, self._recent)
        self._show_recent()

    def clear_recent(self) -> None:
        self._recent = []
        _write_paths(self._settings, RECENT_KEY, [])
        self._show_recent()

    def _favourites(self) -> list[Place]:
        standard = {place.path for place in self._standard}
        added = [Place(_name_of(path), path, "folder", removable=True) for path in self._added]
        return [*self._standard, *(place for place in added if place.path not in standard)]

    def _show_favourites(self) -> None:
        self._model.set_favourites(self._favourites())

    def _show_recent(self) -> None:
        self._model.set_recent([Place(_name_of(path), path, "folder") for path in self._recent])


def _name_of(path: str) -> str:
    return display_name(Path(path).name or path)


def _read_paths(settings: QSettings, key: str) -> list[str]:
    paths: list[str] = []
    for index in range(settings.beginReadArray(key)):
        settings.setArrayIndex(index)
        value = settings.value("path")
        if isinstance(value, QByteArray | bytes) and len(value):
            paths.append(os.fsdecode(bytes(value)))
    settings.endArray()
    return paths


def _write_paths(settings: QSettings, key: str, paths: list[str]) -> None:
    settings.remove(key)
    settings.beginWriteArray(key, len(paths))
    for index, path in enumerate(paths):
        settings.setArrayIndex(index)
        settings.setValue("path", QByteArray(os.fsencode(path)))
    settings.endArray()
