"""Sidebar: the tree of libraries and the other sections, with a context menu on libraries."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from ui.models.sidebar import KIND_ROLE, LIBRARY_INFO_ROLE, ItemKind, Section, SidebarModel

ModelIndex = QModelIndex | QPersistentModelIndex

#: Room above each section title (the first one sits closer to the top), and extra height for every row.
SECTION_GAP = 10
FIRST_SECTION_GAP = 4
ROW_PADDING = 6


class SidebarDelegate(QStyledItemDelegate):
    """Airier rows, and section titles set apart: a gap above, the palette's muted text color."""

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        extra = ROW_PADDING + (
            SECTION_GAP if index.data(KIND_ROLE) is ItemKind.SECTION and index.row() else 0
        )
        return QSize(size.width(), size.height() + extra)

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.data(KIND_ROLE) is ItemKind.SECTION:
            muted = option.palette.color(QPalette.ColorRole.PlaceholderText)
            option.palette.setColor(QPalette.ColorRole.Text, muted)
            option.displayAlignment = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
            option.rect.setTop(option.rect.top() + _gap_above(index))


def _gap_above(index: ModelIndex) -> int:
    if index.data(KIND_ROLE) is not ItemKind.SECTION:
        return 0
    return SECTION_GAP if index.row() else FIRST_SECTION_GAP


class Sidebar(QTreeView):
    """Always-expanded sections; activating a library (double click, Enter) asks to switch to it.

    Signals
    -------
    switch_requested(UUID): make this library current (opening it if it was closed).
    rename_requested(UUID): ask for a new name for this library.
    close_requested(UUID): close this library.
    new_library_requested(): ask for a name and create a library.
    """

    switch_requested = Signal(object)
    rename_requested = Signal(object)
    close_requested = Signal(object)
    new_library_requested = Signal()

    def __init__(self, model: SidebarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.setModel(model)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setExpandsOnDoubleClick(False)
        self.setIndentation(14)
        self.setItemDelegate(SidebarDelegate(self))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setAccessibleName(self.tr("Sidebar"))
        self.expandAll()
        model.rowsInserted.connect(self._expand_inserted)
        self.customContextMenuRequested.connect(self._show_menu)
        self.activated.connect(self._activated)

    def _expand_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            for row in range(first, last + 1):
                self.expand(self.model().index(row, 0))

    def _activated(self, index: QModelIndex) -> None:
        info = index.data(LIBRARY_INFO_ROLE)
        if info is not None and not info.is_current and not info.problem:
            self.switch_requested.emit(info.id)

    def library_menu(self, index: QModelIndex) -> QMenu | None:
        """The context menu for the row at ``index``: library actions in the Libraries section, else None."""
        libraries = self._model.section_index(Section.LIBRARIES)
        if index != libraries and index.parent() != libraries:
            return None
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Library menu"))
        info = index.data(LIBRARY_INFO_ROLE)
        if info is not None:
            usable = not info.problem
            switch = QAction(self.tr("&Switch To") if info.is_open else self.tr("&Open"), menu)
            switch.setEnabled(usable and not info.is_current)
            switch.triggered.connect(lambda: self.switch_requested.emit(info.id))
            rename = QAction(self.tr("&Rename…"), menu)
            rename.setEnabled(usable)
            rename.triggered.connect(lambda: self.rename_requested.emit(info.id))
            close = QAction(self.tr("&Close"), menu)
            close.setEnabled(info.is_open)
            close.triggered.connect(lambda: self.close_requested.emit(info.id))
            menu.addActions([switch, rename, close])
            menu.addSeparator()
        new = QAction(self.tr("&New Library…"), menu)
        new.triggered.connect(self.new_library_requested)
        menu.addAction(new)
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        menu = self.library_menu(self.indexAt(pos))
        if menu is None:
            return
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.viewport().mapToGlobal(pos))
