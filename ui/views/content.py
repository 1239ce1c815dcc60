"""ContentView: the center of the window, listing the folder being shown through the core's listing API."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from spacedrive.core import Core
from spacedrive.domain.entry import Entry
from spacedrive.domain.location import LocationInfo
from ui.dnd import DropTarget, Target
from ui.models.folder import Column, FolderModel, ThumbnailSource
from ui.tasks import TaskSet
from ui.views import content_state
from ui.views.column_view import ColumnBrowser
from ui.views.content_header import ContentHeader
from ui.views.content_listing import ListingMixin
from ui.views.content_menu import ContentMenus
from ui.views.content_state import ZOOM
from ui.views.item_views import DetailsView, GridView, MediaView
from ui.widgets.view_mode import ViewMode
from ui.widgets.zoom_slider import ZoomSlider

#: How long changes reported for the shown folder are gathered before it is listed again (ms).
REFRESH_DELAY = 150


class ContentView(ListingMixin, QWidget):
    """A header (folder name, path, indexed badge, item count, filter) above the folder's items in one of
    four views over one model (grid, details, columns, media), and a zoom slider under them. Lists
    through ``iter_listing``, so folders inside a location come from the index; the shown folder is
    listed again when the core reports changes in it. Its shortcuts work anywhere in its window.

    Signals
    -------
    add_location_requested(str): make this folder a location of the current library.
    folder_opened(str): another folder is shown (its path); its rows are arriving.
    listing_finished(str): the shown folder (its path) has been listed to the end.
    selection_changed(object): the selected entries changed (a list of ``Entry``).
    open_file_requested(object): open this file (an ``Entry``): it was double-clicked or Enter pressed.
    open_with_requested(object): choose an application to open this file (an ``Entry``) with.
    open_terminal_requested(str): open a terminal in this folder.
    view_mode_changed(str): another ``ViewMode`` (its value) is shown.
    tag_opened(str): the files carrying this tag (its name) are shown instead of a folder.
    drop_requested(object): files were dropped here (a ``ui.dnd.DropRequest``).
    rename_requested(object, str): rename this ``Entry`` to this name (edited in place).
    """

    add_location_requested = Signal(str)
    folder_opened = Signal(str)
    listing_finished = Signal(str)
    selection_changed = Signal(object)
    open_file_requested = Signal(object)
    open_with_requested = Signal(object)
    open_terminal_requested = Signal(str)
    view_mode_changed = Signal(str)
    tag_opened = Signal(str)
    drop_requested = Signal(object)
    rename_requested = Signal(object, str)

    def __init__(self, core: Core, tasks: TaskSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Content"))
        self._core = core
        self._tasks = tasks
        self.model = FolderModel(self)
        self.selection = QItemSelectionModel(self.model, self)
        self.path: Path | None = None
        #: The tag whose files are shown instead of a folder (``path`` is then None).
        self.tag: str | None = None
        self._tag_color: str | None = None
        #: What ``selection_changed`` said last (a listing refreshed in place re-announces changed entries).
        self._last_selection: list[Entry] = []
        self._locations: list[LocationInfo] = []
        self._generation = 0
        self._loading = False
        self._failed = False
        self._mode = ViewMode.GRID
        self.zoom_sizes = {mode: default for mode, (_, _, default, _) in ZOOM.items()}
        self._loader: ThumbnailSource | None = None
        #: Activations arriving sooner than this (a double click's second half) are ignored (monotonic s).
        self._ignore_activation_until = 0.0
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY)
        self._refresh_timer.timeout.connect(self._refresh_now)
        self.menus = ContentMenus(self)

        self.header = ContentHeader()
        self.filter_box = self.header.filter_box
        self.count_label = self.header.count_label
        self.index_label = self.header.index_label
        self.filter_box.textChanged.connect(self.set_filter_text)
        self.filter_box.escaped.connect(lambda: self.current_view().setFocus())
        self.grid_view = GridView()
        self.details_view = DetailsView()
        self.media_view = MediaView()
        self.columns_view = ColumnBrowser(self.model, self.selection, self._list_folder, tasks)
        self.columns_view.open_requested.connect(self._open_from_column)
        self.columns_view.last.clicked.connect(self._column_clicked)
        for view in (self.grid_view, self.details_view, self.media_view):
            view.setModel(self.model)
            view.setSelectionModel(self.selection)
        self._views: dict[ViewMode, QAbstractItemView] = {
            ViewMode.GRID: self.grid_view,
            ViewMode.DETAILS: self.details_view,
            ViewMode.COLUMNS: self.columns_view.last,
            ViewMode.MEDIA: self.media_view,
        }
        self._pages: dict[ViewMode, QWidget] = {**self._views, ViewMode.COLUMNS: self.columns_view}
        self.model.rename_requested.connect(self.rename_requested)
        for view in self._views.values():
            view.activated.connect(self._activated)
            view.customContextMenuRequested.connect(lambda pos, v=view: self._show_item_menu(v, pos))
            view.setDragEnabled(True)
            view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
            target = DropTarget(view.viewport(), lambda pos, v=view: self._drop_target(v, pos))
            target.dropped.connect(self.drop_requested)
        self.selection.selectionChanged.connect(self._selection_changed)
        self.model.layoutChanged.connect(self._selection_changed)
        self.message_label = QLabel()
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        # Muted, but enabled: it takes keyboard focus in the items' place (Ctrl+V into an empty folder).
        self.message_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.message_label.setAccessibleName(self.tr("Folder message"))
        self.message_label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.message_label.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.message_label.customContextMenuRequested.connect(self._show_background_menu)
        DropTarget(self.message_label, lambda _pos: self._drop_target(None, QPoint())).dropped.connect(
            self.drop_requested
        )
        self.stack = QStackedWidget()
        self.stack.setAccessibleName(self.tr("Folder views"))
        for page in self._pages.values():
            self.stack.addWidget(page)
        self.stack.addWidget(self.message_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(_rule())
        layout.addWidget(self.stack, 1)
        layout.addWidget(_rule())
        layout.addLayout(self._build_footer())
        self._add_shortcuts()
        self._apply_mode()

    def _build_footer(self) -> QHBoxLayout:
        self.selection_label = QLabel()
        self.selection_label.setEnabled(False)
        self.selection_label.setAccessibleName(self.tr("Selection"))
        self.zoom_slider = ZoomSlider()
        self.zoom_slider.zoom_changed.connect(self.set_zoom)
        footer = QHBoxLayout()
        footer.setContentsMargins(12, 2, 12, 2)
        footer.addWidget(self.selection_label, 1)
        footer.addWidget(self.zoom_slider)
        return footer

    def _add_shortcuts(self) -> None:
        keys: list[tuple[QKeySequence | str, object]] = [
            *(
                (f"Ctrl+{n}", lambda m=mode: self.set_view_mode(m))
                for n, mode in enumerate(ViewMode, start=1)
            ),
            (QKeySequence(QKeySequence.StandardKey.ZoomIn), self.zoom_in),
            ("Ctrl+=", self.zoom_in),
            (QKeySequence(QKeySequence.StandardKey.ZoomOut), self.zoom_out),
            ("Ctrl+H", lambda: self.set_show_hidden(not self.show_hidden())),
            ("F5", self.reload),
            ("Ctrl+R", self.reload),
            (QKeySequence(QKeySequence.StandardKey.Find), self.focus_filter),
        ]
        self._shortcuts = []
        for sequence, slot in keys:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)

    # ---- views -----------------------------------------------------------------------------------------

    def view_mode(self) -> ViewMode:
        return self._mode

    def set_view_mode(self, mode: ViewMode | str) -> None:
        """Show the items in another view; selection and current item carry over."""
        mode = ViewMode(mode)
        if mode is self._mode:
            return
        focused = self.current_view().hasFocus()
        self._mode = mode
        self._apply_mode()
        if focused:
            self.current_view().setFocus()
        self.view_mode_changed.emit(mode.value)

    def _apply_mode(self) -> None:
        self.model.set_media_only(self._mode is ViewMode.MEDIA)
        self._apply_zoom()
        if self._mode is ViewMode.COLUMNS and self.path is not None:
            self.columns_view.set_folder(self.path, self._column_root(self.path))
        self._show_page()
        view = self.current_view()
        if view.currentIndex().isValid():
            view.scrollTo(view.currentIndex())

    def current_view(self) -> QAbstractItemView:
        """The item view shown (in columns mode, the shown folder's column): where keyboard focus goes."""
        return self._views[self._mode]

    def icon_size(self) -> int:
        """The current view's icon size in pixels."""
        return self.zoom_sizes[self._mode]

    def set_zoom(self, size: int) -> None:
        low, high, _, _ = ZOOM[self._mode]
        self.zoom_sizes[self._mode] = max(low, min(high, size))
        self._apply_zoom()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom_sizes[self._mode] + ZOOM[self._mode][3])

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom_sizes[self._mode] - ZOOM[self._mode][3])

    def _apply_zoom(self) -> None:
        mode = self._mode
        size = self.zoom_sizes[mode]
        if mode is ViewMode.GRID:
            self.grid_view.set_icon_size(size)
        elif mode is ViewMode.MEDIA:
            self.media_view.set_icon_size(size)
        elif mode is ViewMode.DETAILS:
            self.details_view.set_icon_size(size)
        else:
            self.columns_view.set_icon_size(size)
        low, high, _, step = ZOOM[mode]
        self.zoom_slider.set_zoom(size, low, high, step)
        # Thumbnails where pictures are big enough to be recognized; kind icons in the lists.
        pictures = mode in (ViewMode.GRID, ViewMode.MEDIA)
        self.model.set_thumbnail_size(round(size * self.devicePixelRatioF()) if pictures else 0)

    def _show_page(self) -> None:
        """The current view, or the message standing in for it (an empty or unreadable folder); keyboard
        focus stays in the items' place, so Ctrl+V still pastes into an empty folder."""
        focused = QApplication.focusWidget()
        had_focus = focused is not None and self.stack.isAncestorOf(focused)
        if self.message_label.text() and self._mode is not ViewMode.COLUMNS:
            self.stack.setCurrentWidget(self.message_label)
        else:
            self.stack.setCurrentWidget(self._pages[self._mode])
        if had_focus:
            self.focus_items()

    def focus_items(self) -> None:
        """Give keyboard focus to the items shown (or to the message standing in for them)."""
        page = self.stack.currentWidget()
        (self.current_view() if page is not self.message_label else page).setFocus()

    def set_thumbnail_loader(self, loader: ThumbnailSource | None) -> None:
        """Where pictures of images and videos come from (``ui.thumbnails``); None shows kind icons."""
        if self._loader is not None:
            self._loader.thumbnail_ready.disconnect(self._thumbnail_ready)
        self._loader = loader
        self.model.set_thumbnail_loader(loader)
        if loader is not None:
            loader.thumbnail_ready.connect(self._thumbnail_ready)

    def _thumbnail_ready(self, path: bytes) -> None:
        preview = self.columns_view.preview
        if preview.entry is not None and preview.entry.path == bytes(path):
            self._update_preview()

    # ---- filtering and sorting -------------------------------------------------------------------------

    def set_filter_text(self, text: str) -> None:
        """Show only the items whose names contain ``text`` (case ignored); the filter box shows it too."""
        if self.filter_box.text() != text:
            self.filter_box.setText(text)  # comes back here through textChanged
            return
        self.model.set_filter_text(text)
        self._update_header()

    def focus_filter(self) -> None:
        self.filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_box.selectAll()

    def show_hidden(self) -> bool:
        return self.model.show_hidden()

    def set_show_hidden(self, show: bool) -> None:
        """Whether hidden files (dot-files) are shown; they are not by default."""
        self.model.set_show_hidden(show)
        self.columns_view.set_show_hidden(show)
        self._update_header()

    def sort_by(self, column: Column, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the items by ``column`` (the details view's header shows it)."""
        self.details_view.sortByColumn(column, order)

    # ---- state -----------------------------------------------------------------------------------------

    def save_view_state(self, settings: QSettings) -> None:
        """Remember the view mode, sort order, zoom per view, hidden files and the details columns."""
        content_state.save(self, settings)

    def restore_view_state(self, settings: QSettings) -> None:
        """Apply what ``save_view_state`` remembered; values missing or not understood keep the defaults."""
        content_state.restore(self, settings)

    # ---- interaction -----------------------------------------------------------------------------------

    def selected_entries(self) -> list[Entry]:
        """The selected entries, in the order shown."""
        rows: set[int] = set()
        for selected in self.selection.selection():
            rows.update(range(selected.top(), selected.bottom() + 1))
        return [self.model.entry(row) for row in sorted(rows)]

    def _selection_changed(self, *_args: object, only_if_changed: bool = False) -> None:
        entries = self.selected_entries()
        if only_if_changed and entries == self._last_selection:
            return
        self._last_selection = entries
        self.selection_label.setText(self.tr("%n selected", "", len(entries)) if entries else "")
        if self._mode is ViewMode.COLUMNS:
            self._update_preview(entries)
        self.selection_changed.emit(entries)

    def _update_preview(self, entries: list[Entry] | None = None) -> None:
        entries = self.selected_entries() if entries is None else entries
        preview = self.columns_view.preview
        if len(entries) != 1 or entries[0].kind == "directory":
            preview.entry = None
            preview.hide()
            return
        entry = entries[0]
        picture = None
        if self._loader is not None and entry.content_kind in ("image", "video"):
            picture = self._loader.request(entry, round(256 * self.devicePixelRatioF()))
        row = self.model.row_of(entry.raw_name)
        icon = self.model.index(row, 0).data(Qt.ItemDataRole.DecorationRole) if row is not None else None
        preview.show_entry(entry, picture if picture is not None else icon)
        preview.show()

    def _activated(self, index: QModelIndex) -> None:
        if not index.isValid() or time.monotonic() < self._ignore_activation_until:
            return
        self.open_entry(self.model.entry(index.row()))

    def open_entry(self, entry: Entry) -> None:
        """Show a folder; ask for a file to be opened."""
        if entry.kind == "directory":
            self._open(Path(os.fsdecode(entry.path)))
        else:
            self.open_file_requested.emit(entry)

    def show_in_folder(self, entry: Entry) -> None:
        """Show the folder holding ``entry`` (from a tag's view), with it selected."""
        self._open(Path(os.fsdecode(entry.path)))

    def _column_clicked(self, index: QModelIndex) -> None:
        # A click on a folder in the columns view opens it: the double click's second press must not
        # open what lies under the pointer in the folder then shown.
        if index.isValid() and self.model.entry(index.row()).kind == "directory":
            self._ignore_activation_until = time.monotonic() + QApplication.doubleClickInterval() / 1000

    def _open_from_column(self, path: str) -> None:
        self._open(Path(path))
        self.current_view().setFocus()

    def _open(self, path: Path) -> None:
        self._tasks.spawn(self.open_path(path))

    def context_menu(self, index: QModelIndex):  # noqa: ANN201 - QMenu | None, see ContentMenus
        """The menu for an item (``index`` valid) or for the shown folder (the background)."""
        return self.menus.menu(index)

    def _show_item_menu(self, view: QAbstractItemView, pos: QPoint) -> None:
        self.menus.popup(self.context_menu(view.indexAt(pos)), view.viewport(), pos)

    def _drop_target(self, view: QAbstractItemView | None, pos: QPoint) -> Target | None:
        """A folder under the pointer takes the drop, else the folder shown (a tag's view takes none)."""
        index = view.indexAt(pos) if view is not None else QModelIndex()
        if index.isValid():
            entry = self.model.entry(index.row())
            if entry.kind == "directory":
                return Target(folder=entry.path)
        return Target(folder=os.fsencode(self.path)) if self.path is not None else None

    def select_names(self, names: list[bytes], edit: bool = False) -> None:
        """Select the shown items with these exact names (new or pasted ones); ``edit``: rename the first."""
        rows = [row for row in (self.model.row_of(name) for name in names) if row is not None]
        if not rows:
            return
        self.selection.clearSelection()
        flag = QItemSelectionModel.SelectionFlag
        for row in rows:
            self.selection.select(self.model.index(row, 0), flag.Select | flag.Rows)
        current = self.model.index(rows[0], 0)
        self.selection.setCurrentIndex(current, flag.NoUpdate)
        view = self.current_view()
        view.scrollTo(current)
        if edit:
            self.edit_name(current)

    def edit_name(self, index: QModelIndex) -> bool:
        """Rename the item in place (F2), its name but the extension selected; False where the view shows
        no names (the media view)."""
        view = self.current_view()
        if self._mode is ViewMode.MEDIA or not index.isValid():
            return False
        view.setFocus()
        name_index = self.model.index(index.row(), Column.NAME)
        view.setCurrentIndex(name_index)
        view.edit(name_index)
        editor = QApplication.focusWidget()
        if isinstance(editor, QLineEdit) and view.isAncestorOf(editor):
            entry = self.model.entry(index.row())
            stem = (
                entry.name
                if entry.kind == "directory" or not entry.extension
                else entry.name[: -len(entry.extension) - 1]
            )
            editor.setSelection(0, len(stem))
        return True

    def _show_background_menu(self, pos: QPoint) -> None:
        self.menus.popup(self.context_menu(QModelIndex()), self.message_label, pos)


def _rule() -> QFrame:
    rule = QFrame()
    rule.setFrameShape(QFrame.Shape.HLine)
    rule.setFrameShadow(QFrame.Shadow.Plain)
    rule.setForegroundRole(QPalette.ColorRole.Mid)
    return rule
