"""LocationActions: Add (with a folder picker), Rescan and Remove for the current library's locations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget
from qasync import asyncSlot

from spacedrive.core import Core
from spacedrive.domain.location import LocationInfo
from spacedrive.errors import SpacedriveError
from spacedrive.operations import locations
from ui.dialogs.prompts import finished, show_error


class LocationActions(QObject):
    """Runs location commands on the current library; errors become message boxes over ``window``.

    The sidebar and the content area refresh from the core's events (a location added, its scan state
    changing), never from these results.

    Signals
    -------
    open_path_requested(str): show this folder (a location just added through the folder picker).
    """

    open_path_requested = Signal(str)

    def __init__(self, core: Core, window: QWidget, start_folder: Callable[[], Path | None]) -> None:
        super().__init__(window)
        self._core = core
        self._window = window
        self._start_folder = start_folder
        self.add_action = QAction(self.tr("Add &Location…"), self)
        self.add_action.setToolTip(self.tr("Index a folder and keep watching it for changes"))
        self.add_action.triggered.connect(self.choose_and_add)
        self.update_actions()

    def update_actions(self) -> None:
        self.add_action.setEnabled(self._core.libraries.current_id() is not None)

    @asyncSlot()
    async def choose_and_add(self) -> None:
        """Ask for a folder (the picker starts in the folder shown), add it, and show it."""
        if self._core.libraries.current_id() is None:
            show_error(self._window, self.tr("Open a library first: locations belong to a library."))
            return
        dialog = QFileDialog(self._window, self.tr("Add Location"))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, self.tr("Add"))
        dialog.setAccessibleName(self.tr("Add location"))
        dialog.setDirectory(str(self._start_folder() or Path.home()))
        result = await finished(dialog)
        if not shiboken6.isValid(dialog):  # destroyed with the window
            return
        dialog.deleteLater()
        chosen = dialog.selectedFiles()
        if result != QDialog.DialogCode.Accepted or not chosen:
            return
        info = await self.add(chosen[0])
        if info is not None:
            self.open_path_requested.emit(info.path)

    @asyncSlot(str)
    async def add_folder(self, path: str) -> None:
        await self.add(path)

    async def add(self, path: str) -> LocationInfo | None:
        """Add ``path`` as a location (its indexing is queued); None when the core refused."""
        try:
            info, _job = await locations.add_location(self._core.libraries.current(), path)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The folder could not be added as a location"), e.message)
            return None
        return info

    @asyncSlot(int)
    async def rescan(self, location_id: int) -> None:
        try:
            await locations.rescan_location(self._core.libraries.current(), location_id)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The location could not be rescanned"), e.message)

    @asyncSlot(int)
    async def remove(self, location_id: int) -> None:
        """Ask, then forget the location and its index; the files on disk stay as they are."""
        try:
            library = self._core.libraries.current()
            info = await locations.get_location(library, location_id)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The location could not be removed"), e.message)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Remove Location"),
            self.tr("Remove the location “{name}”?").format(name=info.name),
            QMessageBox.StandardButton.Cancel,
            self._window,
        )
        box.setInformativeText(
            self.tr(
                "Spacedrive forgets its index of {path}, with the tags and notes kept there. "
                "The files on disk are not touched."
            ).format(path=info.path)
        )
        box.setAccessibleName(self.tr("Remove location"))
        remove = box.addButton(self.tr("Remove"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        await finished(box)
        if not shiboken6.isValid(box):
            return
        confirmed = box.clickedButton() is remove
        box.deleteLater()
        if not confirmed:
            return
        try:
            await locations.remove_location(library, location_id)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The location could not be removed"), e.message)
