"""ContentView: the center of the window, listing the folder being shown through the core's listing API."""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QModelIndex, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileIconProvider,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from spacedrive.core import Core
from spacedrive.domain import events as ev
from spacedrive.domain.location import LocationInfo
from spacedrive.errors import SpacedriveError
from spacedrive.operations.listing import iter_listing
from ui.formatting import items_text
from ui.models.folder import FolderListModel, display_name
from ui.tasks import TaskSet
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.view_mode import ViewMode

# Icon size and grid cell per view mode; the grid modes wrap names under their icons.
COLUMN_WIDTH = 240
_ICON_SIZES = {ViewMode.GRID: 48, ViewMode.MEDIA: 96, ViewMode.DETAILS: 16, ViewMode.COLUMNS: 16}
#: How long changes reported for the shown folder are gathered before it is listed again (ms).
REFRESH_DELAY = 150
_BADGE_STYLE = "QLabel { border: 1px solid palette(mid); border-radius: 9px; padding: 1px 8px; }"


def location_containing(locations: list[LocationInfo], path: bytes) -> tuple[LocationInfo, bytes] | None:
    """The location ``path`` is in (or is), with the path relative to it (b"" for its root)."""
    for info in locations:
        root = os.fsencode(info.path).rstrip(b"/") or b"/"
        if path == root:
            return info, b""
        prefix = root if root.endswith(b"/") else root + b"/"
        if path.startswith(prefix):
            return info, path[len(prefix) :]
    return None


class ContentView(QWidget):
    """A header (folder name, path, item count, indexed badge) above the folder's items, laid out per view
    mode. Lists through ``iter_listing``, so folders inside a location come from the index; the shown
    folder is listed again when the core reports changes in it.

    Signals
    -------
    add_location_requested(str): make this folder a location of the current library.
    folder_opened(str): another folder is shown (its path).
    """

    add_location_requested = Signal(str)
    folder_opened = Signal(str)

    def __init__(self, core: Core, tasks: TaskSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Content"))
        self._core = core
        self._tasks = tasks
        self.model = FolderListModel(self)
        self.path: Path | None = None
        self._locations: list[LocationInfo] = []
        self._generation = 0
        self._loading = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY)
        self._refresh_timer.timeout.connect(self._refresh_now)

        self._build_header()
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
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(self._show_item_menu)
        self.list_view.activated.connect(self._activated)
        self.message_label = QLabel()
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setEnabled(False)
        self.message_label.setAccessibleName(self.tr("Folder message"))
        self.message_label.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.message_label.customContextMenuRequested.connect(self._show_background_menu)
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
        layout.addLayout(self._header)
        layout.addWidget(rule)
        layout.addWidget(self.stack, 1)
        self.set_view_mode(ViewMode.GRID)

    def _build_header(self) -> None:
        self.folder_icon = QLabel()
        self.folder_icon.setPixmap(QFileIconProvider().icon(QFileIconProvider.IconType.Folder).pixmap(32))
        self.folder_icon.setAccessibleName(self.tr("Folder icon"))
        self.title_label = ElidedLabel(Qt.TextElideMode.ElideRight)
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.title_label.setAccessibleName(self.tr("Folder name"))
        self.path_label = ElidedLabel()
        self.path_label.setEnabled(False)  # the palette's muted text color
        self.path_label.setAccessibleName(self.tr("Folder path"))
        self.count_label = QLabel()
        self.count_label.setEnabled(False)
        self.count_label.setAccessibleName(self.tr("Item count"))
        self.index_label = QLabel()
        self.index_label.setStyleSheet(_BADGE_STYLE)
        self.index_label.setAccessibleName(self.tr("Index state"))
        self.index_label.hide()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title_label)
        titles.addWidget(self.path_label)
        self._header = QHBoxLayout()
        self._header.setContentsMargins(12, 10, 12, 10)
        self._header.setSpacing(10)
        self._header.addWidget(self.folder_icon)
        self._header.addLayout(titles, 1)
        self._header.addWidget(self.index_label, 0, Qt.AlignmentFlag.AlignBottom)
        self._header.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)

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

    # ---- locations -------------------------------------------------------------------------------------

    def set_locations(self, locations: list[LocationInfo]) -> None:
        """The current library's locations: they decide what "Add as Location" offers and what is indexed."""
        before = self._location()
        self._locations = list(locations)
        after = self._location()
        if before is None and after is None:
            return
        if before is None or after is None or before[0] != after[0]:
            # The shown folder became part of a location, left one, or its location's scan state changed.
            self.schedule_refresh()

    def can_add_location(self, path: Path) -> bool:
        """Whether ``path`` is a folder outside every location of the current library."""
        return location_containing(self._locations, os.fsencode(path)) is None

    def entries_changed(self, event: ev.EntriesChanged) -> None:
        """List the shown folder again when the core reports changes in it."""
        found = self._location()
        if found is None:
            return
        info, rel = found
        if event.location_id == info.id and os.fsencode(event.relative_path) == rel:
            self.schedule_refresh()

    def _location(self) -> tuple[LocationInfo, bytes] | None:
        if self.path is None:
            return None
        return location_containing(self._locations, os.fsencode(self.path))

    # ---- listing ---------------------------------------------------------------------------------------

    async def open_path(self, path: Path) -> None:
        """Show ``path`` (a folder, or a file shown selected in its folder); a newer call wins.

        Opening the folder already shown lists it again in place, keeping the selection.
        """
        path = path.expanduser().absolute()
        selected: bytes | None = None
        if path.exists() and not path.is_dir():
            path, selected = path.parent, os.fsencode(path.name)
        if path == self.path and not self._loading:
            listed = await self.refresh()
        else:
            listed = await self._load(path)
        row = self.model.row_of(selected) if listed and selected else None
        if row is not None:
            index = self.model.index(row, 0)
            self.list_view.setCurrentIndex(index)
            self.list_view.scrollTo(index)

    async def _load(self, path: Path) -> bool:
        """Show a new folder, its rows appearing chunk by chunk; whether it was listed to the end."""
        self._generation += 1
        generation = self._generation
        self._refresh_timer.stop()
        self.path = path
        self.title_label.setText(display_name(path.name) or display_name(str(path)))
        self.path_label.setText(display_name(str(path)))
        self.count_label.clear()
        self.index_label.hide()
        self.model.clear()
        self.stack.setCurrentWidget(self.list_view)
        self._loading = True
        self.folder_opened.emit(os.fspath(path))
        try:
            async for chunk in iter_listing(self._core, os.fsencode(path)):
                if not self._is_current(generation):
                    return False
                self.model.append(chunk)
        except (SpacedriveError, OSError) as e:
            if self._is_current(generation):
                self._loading = False
                self._show_error(e)
            return False
        if not self._is_current(generation):
            return False
        self._loading = False
        self.model.finish()
        self._update_header()
        return True

    def schedule_refresh(self) -> None:
        """List the shown folder again soon; requests arriving meanwhile are served by the same listing."""
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _refresh_now(self) -> None:
        self._tasks.spawn(self.refresh())

    async def refresh(self) -> bool:
        """List the shown folder again and apply the differences to the rows shown; whether it was."""
        if self.path is None:
            return False
        self._generation += 1
        generation = self._generation
        entries = []
        try:
            async for chunk in iter_listing(self._core, os.fsencode(self.path)):
                if not self._is_current(generation):
                    return False
                entries.extend(chunk)
        except (SpacedriveError, OSError) as e:
            if self._is_current(generation):
                self._loading = False
                self.model.clear()
                self._show_error(e)
            return False
        if not self._is_current(generation):
            return False
        self._loading = False
        self.model.replace(entries)
        self._update_header()
        return True

    def _is_current(self, generation: int) -> bool:
        """Whether a listing started as ``generation`` is still wanted (nothing newer, view not deleted)."""
        return generation == self._generation and shiboken6.isValid(self)

    def _update_header(self) -> None:
        count = self.model.rowCount()
        found = self._location()
        scanning = found is not None and found[0].scan_state == "scanning"
        # Every row of a listing comes from the same place; an empty folder counts as indexed once its
        # location has been scanned.
        if count:
            indexed = self.model.entry(0).indexed
        else:
            indexed = found is not None and found[0].last_scan_at is not None and not scanning
        # An empty listing of a folder being indexed only means its entries are not written yet.
        self.count_label.setText("" if scanning and not count else items_text(count))
        if indexed:
            self.index_label.setText(self.tr("Indexed"))
            self.index_label.setToolTip(
                self.tr("Listed from the library's index of the location “{name}”").format(
                    name=found[0].name if found else ""
                )
            )
        elif scanning:
            self.index_label.setText(self.tr("Indexing…"))
            self.index_label.setToolTip(self.tr("This folder is being indexed"))
        else:
            self.index_label.setText(self.tr("Not indexed"))
            self.index_label.setToolTip(
                self.tr("Listed live from the disk; add it as a location to index it")
                if found is None
                else self.tr("Listed live from the disk; its location has not indexed it yet")
            )
        self.index_label.show()
        if count:
            self.stack.setCurrentWidget(self.list_view)
        elif scanning:
            self._show_message(self.tr("This folder is being indexed…"))
        else:
            self._show_message(self.tr("This folder is empty."))

    def _show_error(self, error: SpacedriveError | OSError) -> None:
        reason = error.message if isinstance(error, SpacedriveError) else (error.strerror or str(error))
        self.count_label.clear()
        self.index_label.hide()
        self._show_message(self.tr("This folder cannot be read: {reason}").format(reason=reason))

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.stack.setCurrentWidget(self.message_label)

    # ---- interaction -----------------------------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        entry = self.model.entry(index.row())
        if entry.kind == "directory":
            self._open(Path(os.fsdecode(entry.path)))

    def _open(self, path: Path) -> None:
        self._tasks.spawn(self.open_path(path))

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The menu for a folder item (``index`` valid) or for the shown folder (the background)."""
        if index.isValid():
            entry = self.model.entry(index.row())
            if entry.kind != "directory":
                return None
            folder = Path(os.fsdecode(entry.path))
        elif self.path is not None:
            folder = self.path
        else:
            return None
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Folder menu"))
        if index.isValid():
            open_action = QAction(self.tr("&Open"), menu)
            open_action.triggered.connect(lambda: self._open(folder))
            menu.addAction(open_action)
        add = QAction(self.tr("Add as &Location"), menu)
        if self.can_add_location(folder):
            add.triggered.connect(lambda: self.add_location_requested.emit(os.fspath(folder)))
        else:
            add.setEnabled(False)
            add.setToolTip(self.tr("This folder is already in a location"))
        menu.addAction(add)
        return menu

    def _show_item_menu(self, pos: QPoint) -> None:
        self._popup(self.context_menu(self.list_view.indexAt(pos)), self.list_view.viewport(), pos)

    def _show_background_menu(self, pos: QPoint) -> None:
        self._popup(self.context_menu(QModelIndex()), self.message_label, pos)

    @staticmethod
    def _popup(menu: QMenu | None, widget: QWidget, pos: QPoint) -> None:
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(widget.mapToGlobal(pos))
