"""ColumnBrowser: Miller columns, one list per folder from a root down to the shown folder, like Finder."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QItemSelectionModel, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from spacedrive.domain.entry import Entry
from spacedrive.errors import SpacedriveError
from ui.formatting import data_size, date_time
from ui.models.folder import FolderModel, display_name
from ui.models.folder_rows import kind_text
from ui.tasks import TaskSet
from ui.views.cell_view import CellView

COLUMN_WIDTH = 240
PREVIEW_WIDTH = 260
PREVIEW_SIZE = 220

#: Lists a folder in chunks (the content view passes the core's ``iter_listing``).
Lister = Callable[[Path], AsyncIterator[list[Entry]]]


class ColumnList(CellView):
    """One column: names top to bottom, one line each. Left and Right (without modifiers) ask for the
    neighbouring column.

    Signals
    -------
    left_pressed(): Left was pressed: move to the column before.
    right_pressed(): Right was pressed: move to the column after (or into the current folder).
    """

    left_pressed = Signal()
    right_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, wrapping=False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFixedWidth(COLUMN_WIDTH)
        self.set_icon_size(16)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)

    def set_icon_size(self, size: int) -> None:
        """Icons of ``size`` pixels, in lines a little taller than them or than the text."""
        self.setIconSize(QSize(size, size))
        self.setGridSize(QSize(COLUMN_WIDTH, max(size, self.fontMetrics().height()) + 6))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = event.modifiers() == Qt.KeyboardModifier.NoModifier
        if plain and event.key() == Qt.Key.Key_Left:
            self.left_pressed.emit()
        elif plain and event.key() == Qt.Key.Key_Right:
            self.right_pressed.emit()
        else:
            super().keyPressEvent(event)


class _Ancestor:
    """A column showing a folder above the shown one, with the next folder of the chain selected."""

    def __init__(self, path: Path, child: str) -> None:
        self.path = path
        self.child = child
        self.model = FolderModel()
        self.view = ColumnList()
        self.view.setModel(self.model)
        self.model.setParent(self.view)
        self.view.setAccessibleName(
            QCoreApplication.translate("ColumnBrowser", "Folder “{name}”").format(
                name=display_name(path.name) or display_name(str(path))
            )
        )

    def select_child(self) -> None:
        row = self.model.row_of(os.fsencode(self.child))
        if row is not None:
            index = self.model.index(row, 0)
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)


class PreviewPane(QWidget):
    """The trailing column: a large picture and the facts of the one file selected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Preview"))
        self.setFixedWidth(PREVIEW_WIDTH)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setFixedHeight(PREVIEW_SIZE)
        self.picture.setAccessibleName(self.tr("Preview picture"))
        self.name_label = QLabel()
        self.name_label.setWordWrap(True)
        self.name_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.name_label.setAccessibleName(self.tr("Preview name"))
        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.facts_label.setEnabled(False)
        self.facts_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.facts_label.setAccessibleName(self.tr("Preview details"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.picture)
        layout.addWidget(self.name_label)
        layout.addWidget(self.facts_label)
        layout.addStretch(1)
        self.entry: Entry | None = None

    def show_entry(self, entry: Entry, picture: QPixmap | QIcon) -> None:
        self.entry = entry
        self.set_picture(picture)
        self.name_label.setText(entry.name)
        facts = [kind_text(entry)]
        if entry.size is not None:
            facts.append(data_size(entry.size))
        if entry.modified:
            facts.append(self.tr("Modified {when}").format(when=date_time(entry.modified)))
        self.facts_label.setText("\n".join(facts))

    def set_picture(self, picture: QPixmap | QIcon) -> None:
        if isinstance(picture, QIcon):
            picture = picture.pixmap(QSize(128, 128), self.devicePixelRatioF())
        elif picture.width() > PREVIEW_SIZE * picture.devicePixelRatio():
            picture = picture.scaled(
                QSize(PREVIEW_SIZE, PREVIEW_SIZE) * picture.devicePixelRatio(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        self.picture.setPixmap(picture)


class ColumnBrowser(QScrollArea):
    """A horizontally scrolling row of columns: one per folder from the root of the shown location (or
    the home folder, or "/") down to the shown folder, whose column is ``last`` and shows the content
    area's own model; then a preview of the selected file. Clicking an item in a column opens it.

    Signals
    -------
    open_requested(str): show this folder (clicked in a column), or a file's folder with it selected.
    """

    open_requested = Signal(str)

    def __init__(
        self,
        model: FolderModel,
        selection: QItemSelectionModel,
        lister: Lister,
        tasks: TaskSet,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Folder contents in columns"))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._lister = lister
        self._tasks = tasks
        self._model = model
        self._show_hidden = False
        self._ancestors: list[_Ancestor] = []
        self._icon_size = 16
        self.last = ColumnList()
        self.last.setModel(model)
        self.last.setSelectionModel(selection)
        self.last.setAccessibleName(self.tr("Shown folder"))
        self.last.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.last.clicked.connect(self._clicked_last)
        self.last.left_pressed.connect(lambda: self._focus_column(len(self._ancestors) - 1))
        self.last.right_pressed.connect(self._enter_current)
        self.preview = PreviewPane()
        self.preview.hide()
        strip = QWidget()
        strip.setAccessibleName(self.tr("Columns"))
        self._layout = QHBoxLayout(strip)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(1)
        self._layout.addWidget(self.last)
        self._layout.addWidget(self.preview)
        self._layout.addStretch(1)
        self.setWidget(strip)
        # The shown folder's column stays in view while the columns before it are laid out and filled:
        # scrolled to the end once the range is known, not once when the columns are made (the strip
        # was not resized yet then, and a deep folder's own column was left out of view).
        self._keep_end = True
        bar = self.horizontalScrollBar()
        bar.rangeChanged.connect(self._range_changed)
        bar.actionTriggered.connect(lambda _action: self._user_scrolled())

    def columns(self) -> list[ColumnList]:
        """Every column from the root's to the shown folder's (``last``)."""
        return [a.view for a in self._ancestors] + [self.last]

    def column_paths(self) -> list[Path]:
        """The folders shown by the columns before ``last``."""
        return [a.path for a in self._ancestors]

    def set_folder(self, folder: Path, root: Path) -> None:
        """Show the columns of the folders from ``root`` down to ``folder``'s parent before ``last``."""
        chain: list[tuple[Path, str]] = []
        current = folder
        while current != root and current.parent != current:
            chain.append((current.parent, current.name))
            current = current.parent
        chain.reverse()
        keep = 0
        while (
            keep < min(len(chain), len(self._ancestors))
            and (
                self._ancestors[keep].path,
                self._ancestors[keep].child,
            )
            == chain[keep]
        ):
            keep += 1
        for ancestor in self._ancestors[keep:]:
            ancestor.view.deleteLater()
        del self._ancestors[keep:]
        for path, child in chain[keep:]:
            ancestor = _Ancestor(path, child)
            ancestor.model.set_show_hidden(self._show_hidden)
            ancestor.view.set_icon_size(self._icon_size)
            ancestor.view.clicked.connect(lambda index, a=ancestor: self._clicked(a, index))
            position = len(self._ancestors)
            ancestor.view.left_pressed.connect(lambda p=position: self._focus_column(p - 1))
            ancestor.view.right_pressed.connect(lambda p=position: self._focus_column(p + 1))
            ancestor.view.activated.connect(lambda index, a=ancestor: self._clicked(a, index))
            self._layout.insertWidget(position, ancestor.view)
            self._ancestors.append(ancestor)
            self._tasks.spawn(self._fill(ancestor))
        QTimer.singleShot(0, self._scroll_to_end)

    def set_icon_size(self, size: int) -> None:
        self._icon_size = size
        for column in self.columns():
            column.set_icon_size(size)

    def set_show_hidden(self, show: bool) -> None:
        self._show_hidden = show
        for ancestor in self._ancestors:
            ancestor.model.set_show_hidden(show)

    def _scroll_to_end(self) -> None:
        if shiboken6.isValid(self):
            self._keep_end = True
            bar = self.horizontalScrollBar()
            bar.setValue(bar.maximum())

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        if self._keep_end:
            self.horizontalScrollBar().setValue(maximum)

    def _user_scrolled(self) -> None:
        """The user scrolled the columns: where they left them is where they stay."""
        bar = self.horizontalScrollBar()
        self._keep_end = bar.sliderPosition() >= bar.maximum()

    async def _fill(self, ancestor: _Ancestor) -> None:
        try:
            async for chunk in self._lister(ancestor.path):
                if not shiboken6.isValid(ancestor.view) or ancestor not in self._ancestors:
                    return
                ancestor.model.append(chunk)
        except (SpacedriveError, OSError):
            return  # the column stays empty: the folder cannot be read
        if shiboken6.isValid(ancestor.view) and ancestor in self._ancestors:
            ancestor.model.finish()
            ancestor.select_child()

    def _clicked(self, ancestor: _Ancestor, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(os.fsdecode(ancestor.model.entry(index.row()).path))

    def _clicked_last(self, index: QModelIndex) -> None:
        if not index.isValid() or QApplication.keyboardModifiers() != Qt.KeyboardModifier.NoModifier:
            return
        entry = self._model.entry(index.row())
        if entry.kind == "directory":
            self.open_requested.emit(os.fsdecode(entry.path))

    def _enter_current(self) -> None:
        index = self.last.currentIndex()
        if index.isValid() and self._model.entry(index.row()).kind == "directory":
            self.open_requested.emit(os.fsdecode(self._model.entry(index.row()).path))

    def _focus_column(self, position: int) -> None:
        columns = self.columns()
        if 0 <= position < len(columns):
            column = columns[position]
            column.setFocus(Qt.FocusReason.OtherFocusReason)
            self.ensureWidgetVisible(column, 0, 0)
