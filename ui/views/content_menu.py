"""The content area's context menus: on items (open, open with, terminal, add as location, copy path) and
on the shown folder (terminal, add as location, copy path, sort, hidden files)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from spacedrive.domain.entry import Entry
from ui.models.folder import Column

if TYPE_CHECKING:
    from ui.views.content import ContentView

#: The columns the background menu offers to sort by.
_SORT_COLUMNS = (Column.NAME, Column.SIZE, Column.KIND, Column.MODIFIED, Column.CREATED)


class MenuExtension(Protocol):
    """Adds commands the content view does not own (the window's file and tag commands) to its menus."""

    def add_item_actions(self, menu: QMenu, entry: Entry) -> None: ...

    def add_folder_actions(self, menu: QMenu) -> None: ...


class ContentMenus(QObject):
    """Builds the content view's menus; their actions ask the view (or its signals) to do the work."""

    def __init__(self, content: ContentView) -> None:
        super().__init__(content)
        self._content = content
        self.extension: MenuExtension | None = None

    def menu(self, index: QModelIndex) -> QMenu | None:
        """The menu for the item at ``index``, or for the shown folder when ``index`` is not valid."""
        content = self._content
        if index.isValid():
            return self._item_menu(content.model.entry(index.row()))
        if content.path is not None:
            return self._folder_menu(content.path)
        return None

    def _item_menu(self, entry: Entry) -> QMenu:
        content = self._content
        menu = QMenu(content)
        menu.setAccessibleName(self.tr("Item menu"))
        is_dir = entry.kind == "directory"
        self._add(menu, self.tr("&Open"), lambda: content.open_entry(entry))
        if content.tag is not None:
            self._add(menu, self.tr("Show in &Folder"), lambda: content.show_in_folder(entry))
        if not is_dir:
            self._add(menu, self.tr("Open &With…"), lambda: content.open_with_requested.emit(entry))
        if is_dir:
            folder = Path(os.fsdecode(entry.path))
            self._add(
                menu,
                self.tr("Open &Terminal Here"),
                lambda: content.open_terminal_requested.emit(os.fspath(folder)),
            )
            menu.addSeparator()
            self._add_location_action(menu, folder)
        menu.addSeparator()
        selected = content.selected_entries()
        paths = [e.path for e in selected] if entry in selected else [entry.path]
        self._add(menu, self.tr("Copy &Path"), lambda: _copy_paths(paths))
        if self.extension is not None:
            self.extension.add_item_actions(menu, entry)
        return menu

    def _folder_menu(self, folder: Path) -> QMenu:
        content = self._content
        menu = QMenu(content)
        menu.setAccessibleName(self.tr("Folder menu"))
        if self.extension is not None:
            self.extension.add_folder_actions(menu)
        self._add(
            menu,
            self.tr("Open &Terminal Here"),
            lambda: content.open_terminal_requested.emit(os.fspath(folder)),
        )
        self._add_location_action(menu, folder)
        self._add(menu, self.tr("Copy &Path"), lambda: _copy_paths([os.fsencode(folder)]))
        menu.addSeparator()
        menu.addMenu(self._sort_menu(menu))
        hidden = self._add(menu, self.tr("Show &Hidden Files"), lambda: None)
        hidden.setCheckable(True)
        hidden.setChecked(content.show_hidden())
        hidden.toggled.connect(content.set_show_hidden)
        return menu

    def _sort_menu(self, parent: QMenu) -> QMenu:
        content = self._content
        menu = QMenu(self.tr("&Sort By"), parent)
        menu.setAccessibleName(self.tr("Sort by"))
        group = QActionGroup(menu)
        current = content.model.sort_column()
        order = content.model.sort_order()
        for column in _SORT_COLUMNS:
            action = self._add(
                menu, column.title, lambda c=column: content.sort_by(c, content.model.sort_order())
            )
            action.setCheckable(True)
            action.setChecked(column == current)
            group.addAction(action)
        menu.addSeparator()
        descending = self._add(menu, self.tr("&Descending"), lambda: None)
        descending.setCheckable(True)
        descending.setChecked(order == Qt.SortOrder.DescendingOrder)
        descending.toggled.connect(
            lambda on: content.sort_by(
                content.model.sort_column(),
                Qt.SortOrder.DescendingOrder if on else Qt.SortOrder.AscendingOrder,
            )
        )
        return menu

    def _add_location_action(self, menu: QMenu, folder: Path) -> None:
        content = self._content
        add = QAction(self.tr("Add as &Location"), menu)
        if content.can_add_location(folder):
            add.triggered.connect(lambda: content.add_location_requested.emit(os.fspath(folder)))
        else:
            add.setEnabled(False)
            add.setToolTip(self.tr("This folder is already in a location"))
        menu.addAction(add)

    @staticmethod
    def _add(menu: QMenu, text: str, slot: object) -> QAction:
        action = QAction(text, menu)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    @staticmethod
    def popup(menu: QMenu | None, widget: QWidget, pos: QPoint) -> None:
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(widget.mapToGlobal(pos))


def _copy_paths(paths: list[bytes]) -> None:
    """Put the paths on the clipboard as text, one a line, as "Copy Path" does in other file managers."""
    QGuiApplication.clipboard().setText("\n".join(os.fsdecode(path) for path in paths))
