"""LibraryActions: New, Rename, Close and Switch for libraries, as menu actions and async slots."""

from __future__ import annotations

from functools import partial
from uuid import UUID

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget
from qasync import asyncSlot

from spacedrive.core import Core
from spacedrive.errors import SpacedriveError
from ui.dialogs.prompts import ask_text, show_error


class LibraryActions(QObject):
    """Runs library commands on the core; errors become message boxes over ``window``.

    The menu actions act on the current library; the slots taking a UUID serve the sidebar's and the
    switcher's requests. Views refresh from the core's events, never from these results.
    """

    def __init__(self, core: Core, window: QWidget) -> None:
        super().__init__(window)
        self._core = core
        self._window = window
        self.new_action = QAction(self.tr("&New Library…"), self)
        self.new_action.triggered.connect(self.create_library)
        self.rename_action = QAction(self.tr("&Rename Library…"), self)
        self.rename_action.triggered.connect(self._rename_current)
        self.close_action = QAction(self.tr("&Close Library"), self)
        self.close_action.triggered.connect(self._close_current)
        self.switch_menu = QMenu(self.tr("&Switch To"), window)
        self.switch_menu.setAccessibleName(self.tr("Switch library"))
        self.switch_menu.aboutToShow.connect(self._fill_switch_menu)
        self.update_actions()

    def update_actions(self) -> None:
        has_current = self._core.libraries.current_id() is not None
        self.rename_action.setEnabled(has_current)
        self.close_action.setEnabled(has_current)

    @asyncSlot()
    async def create_library(self) -> None:
        name = await ask_text(self._window, self.tr("New Library"), self.tr("Name of the new library:"))
        if not name:
            return
        try:
            library = await self._core.libraries.create(name)
            await self._core.libraries.switch(str(library.id))
        except SpacedriveError as e:
            show_error(self._window, self.tr("The library could not be created"), e.message)

    @asyncSlot(object)
    async def switch_library(self, library_id: UUID) -> None:
        try:
            await self._core.libraries.switch(str(library_id))
        except SpacedriveError as e:
            show_error(self._window, self.tr("Could not switch library"), e.message)

    @asyncSlot(object)
    async def rename_library(self, library_id: UUID) -> None:
        try:
            info = self._core.libraries.resolve(str(library_id))
        except SpacedriveError as e:
            show_error(self._window, self.tr("The library could not be renamed"), e.message)
            return
        name = await ask_text(
            self._window,
            self.tr("Rename Library"),
            self.tr("New name for “{name}”:").format(name=info.name),
            info.name,
        )
        if not name or name == info.name:
            return
        try:
            await self._core.libraries.rename(str(library_id), name)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The library could not be renamed"), e.message)

    @asyncSlot(object)
    async def close_library(self, library_id: UUID) -> None:
        try:
            await self._core.libraries.close(str(library_id))
        except SpacedriveError as e:
            show_error(self._window, self.tr("The library could not be closed"), e.message)

    def _rename_current(self) -> None:
        current = self._core.libraries.current_id()
        if current is not None:
            self.rename_library(current)

    def _close_current(self) -> None:
        current = self._core.libraries.current_id()
        if current is not None:
            self.close_library(current)

    def _fill_switch_menu(self) -> None:
        self.switch_menu.clear()
        for info in self._core.libraries.list():
            action = self.switch_menu.addAction(info.name)
            action.setCheckable(True)
            action.setChecked(info.is_current)
            action.setEnabled(not info.problem)
            if info.problem:
                action.setToolTip(info.problem)
            action.triggered.connect(partial(self.switch_library, info.id))
        if self.switch_menu.isEmpty():
            self.switch_menu.addAction(self.tr("No libraries")).setEnabled(False)
