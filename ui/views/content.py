"""ContentView: the center of the window, listing the folder being shown."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileIconProvider,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.models.folder import FolderListModel, display_name, scan_folder
from ui.widgets.view_mode import ViewMode

# Icon size and grid cell per view mode; the grid modes wrap names under their icons.
COLUMN_WIDTH = 240
_ICON_SIZES = {ViewMode.GRID: 48, ViewMode.MEDIA: 96, ViewMode.DETAILS: 16, ViewMode.COLUMNS: 16}


class ContentView(QWidget):
    """A header (folder name, path, item count) above the folder's items, laid out per view mode."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Content"))
        self.model = FolderListModel(self)
        self.path: Path | None = None
        self._generation = 0

        self.folder_icon = QLabel()
        self.folder_icon.setPixmap(QFileIconProvider().icon(QFileIconProvider.IconType.Folder).pixmap(32))
        self.folder_icon.setAccessibleName(self.tr("Folder icon"))
        self.title_label = QLabel()
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.title_label.setAccessibleName(self.tr("Folder name"))
        self.path_label = QLabel()
        self.path_label.setEnabled(False)  # the palette's muted text color
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setAccessibleName(self.tr("Folder path"))
        self.count_label = QLabel()
        self.count_label.setEnabled(False)
        self.count_label.setAccessibleName(self.tr("Item count"))
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title_label)
        titles.addWidget(self.path_label)
        header = QHBoxLayout()
        header.setContentsMargins(12, 10, 12, 10)
        header.setSpacing(10)
        header.addWidget(self.folder_icon)
        header.addLayout(titles, 1)
        header.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)

        self.list_view = QListView()
        self.list_view.setModel(self.model)
        self.list_view.setAccessibleName(self.tr("Folder contents"))
        self.list_view.setFrameShape(QFrame.Shape.NoFrame)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setLayoutMode(QListView.LayoutMode.Batched)
        self.list_view.setBatchSize(500)
        self.list_view.setMovement(QListView.Movement.Static)
        self.list_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.message_label = QLabel()
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setEnabled(False)
        self.message_label.setAccessibleName(self.tr("Folder message"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list_view)
        self.stack.addWidget(self.message_label)

        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Plain)
        rule.setForegroundRole(QPalette.ColorRole.Mid)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(rule)
        layout.addWidget(self.stack, 1)
        self.set_view_mode(ViewMode.GRID)

    def set_view_mode(self, mode: ViewMode) -> None:
        view = self.list_view
        size = _ICON_SIZES[mode]
        view.setIconSize(QSize(size, size))
        if mode in (ViewMode.GRID, ViewMode.MEDIA):
            view.setViewMode(QListView.ViewMode.IconMode)
            view.setFlow(QListView.Flow.LeftToRight)
            view.setWrapping(True)
            view.setWordWrap(True)
            view.setGridSize(QSize(size + 56, size + 2 * view.fontMetrics().height() + 16))
            view.setSpacing(0)
        else:
            columns = mode is ViewMode.COLUMNS
            view.setViewMode(QListView.ViewMode.ListMode)
            view.setWordWrap(False)
            view.setSpacing(0 if columns else 1)
            # Columns: names flow top to bottom and wrap into side-by-side columns of equal width.
            view.setFlow(QListView.Flow.TopToBottom)
            view.setWrapping(columns)
            row_height = max(size, view.fontMetrics().height()) + 6
            view.setGridSize(QSize(COLUMN_WIDTH, row_height) if columns else QSize())

    async def open_path(self, path: Path) -> None:
        """Show ``path`` (a folder, or a file shown selected in its folder); a newer call wins."""
        self._generation += 1
        generation = self._generation
        path = path.expanduser().absolute()
        selected: str | None = None
        if path.exists() and not path.is_dir():
            path, selected = path.parent, path.name
        self.path = path
        self.title_label.setText(display_name(path.name) or display_name(str(path)))
        self.path_label.setText(display_name(str(path)))
        self.count_label.clear()
        try:
            entries = await asyncio.get_running_loop().run_in_executor(None, scan_folder, os.fspath(path))
        except OSError as e:
            entries, error = [], e.strerror or str(e)
        else:
            error = ""
        if generation != self._generation:
            return
        self.model.set_entries(entries)
        if error:
            self._show_message(self.tr("This folder cannot be read: {reason}").format(reason=error))
            return
        count = len(entries)
        self.count_label.setText(self.tr("1 item") if count == 1 else self.tr("%n items", "", count))
        if not entries:
            self._show_message(self.tr("This folder is empty."))
            return
        self.stack.setCurrentWidget(self.list_view)
        row = self.model.row_of(selected) if selected else None
        if row is not None:
            index = self.model.index(row, 0)
            self.list_view.setCurrentIndex(index)
            self.list_view.scrollTo(index)

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.stack.setCurrentWidget(self.message_label)
