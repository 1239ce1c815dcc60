"""Explorer: tabs of explorer panes, split in two sides on demand (F3, as in Dolphin)."""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal, SignalInstance
from PySide6.QtGui import QMouseEvent, QPalette, QShortcut
from PySide6.QtWidgets import QApplication, QFrame, QSplitter, QTabWidget, QVBoxLayout, QWidget

from spacedrive.core import Core
from spacedrive.domain import events as ev
from spacedrive.domain.location import LocationInfo
from ui.dnd import DropTarget, Target
from ui.models.folder import ENTRY_ROLE, ThumbnailSource
from ui.navigation import display_name
from ui.tasks import TaskSet
from ui.views.content_menu import MenuExtension
from ui.views.explorer_pane import ExplorerPane
from ui.widgets.view_mode import ViewMode

#: Thickness of the line marking the active side when the explorer is split.
MARKER_HEIGHT = 3


class ExplorerSide(QWidget):
    """One side of the split: tabs of panes, under a line in the highlight color while it is active."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Pane"))
        self.marker = QFrame()
        self.marker.setFixedHeight(MARKER_HEIGHT)
        self.marker.setAutoFillBackground(True)
        self.marker.setBackgroundRole(QPalette.ColorRole.Highlight)
        self.marker.setAccessibleName(self.tr("Active pane marker"))
        self.marker.hide()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setTabBarAutoHide(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.tabs.setAccessibleName(self.tr("Tabs"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.marker)
        layout.addWidget(self.tabs, 1)

    def panes(self) -> list[ExplorerPane]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]  # type: ignore[misc]

    def current_pane(self) -> ExplorerPane:
        return self.tabs.currentWidget()  # type: ignore[return-value]

    def set_marked(self, marked: bool) -> None:
        self.marker.setVisible(marked)
        self.setAccessibleDescription(self.tr("Active pane") if marked else "")


class Explorer(QWidget):
    """Where folders are shown: one side of tabs, or two side by side. The active pane (the current tab of
    the side last clicked or focused) receives the sidebar's clicks, the toolbar's view mode and the
    window's navigation shortcuts; with two sides, the active one is marked by a line above it.

    Signals
    -------
    active_pane_changed(object): another ``ExplorerPane`` is active (a tab switched, the other side used).
    folder_opened(str): a pane (any) shows another folder (its exact path, as ``os.fsdecode`` gives it).
    view_mode_changed(str): the active pane's view mode changed (its ``ViewMode`` value).
    selection_changed(object): the entries selected in the active pane (a list of ``Entry``) changed, or
        another pane became active (its selection then).
    add_location_requested(str): make this folder a location of the current library.
    open_file_requested(object): open this ``Entry`` (a file) with its default application.
    open_with_requested(object): choose an application to open this ``Entry`` with.
    open_terminal_requested(str): open a terminal in this folder.
    add_favourite_requested(str): add this folder to the sidebar's favourites.
    drop_requested(object): files were dropped onto a pane or a tab (a ``ui.dnd.DropRequest``).
    rename_requested(object, str): rename this ``Entry`` to this name (edited in place in a pane).
    """

    active_pane_changed = Signal(object)
    folder_opened = Signal(object)
    view_mode_changed = Signal(str)
    selection_changed = Signal(object)
    add_location_requested = Signal(object)
    open_file_requested = Signal(object)
    open_with_requested = Signal(object)
    open_terminal_requested = Signal(object)
    add_favourite_requested = Signal(object)
    drop_requested = Signal(object)
    rename_requested = Signal(object, str)

    def __init__(
        self,
        core: Core,
        tasks: TaskSet,
        settings: QSettings,
        thumbnails: ThumbnailSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Explorer"))
        self._core = core
        self._thumbnails = thumbnails
        self._tasks = tasks
        self._settings = settings
        self._locations: list[LocationInfo] = []
        self._cut: frozenset[bytes] = frozenset()
        #: Adds the file and tag commands to every pane's context menus (``FileActions``).
        self.menu_extension: MenuExtension | None = None
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setAccessibleName(self.tr("Split view"))
        self.sides: list[ExplorerSide] = []
        self._active: ExplorerSide | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._add_side()
        self.new_tab()
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)
        app.installEventFilter(self)

    # ---- panes -----------------------------------------------------------------------------------------

    def active_pane(self) -> ExplorerPane:
        assert self._active is not None
        return self._active.current_pane()

    def panes(self) -> list[ExplorerPane]:
        return [pane for side in self.sides for pane in side.panes()]

    def is_split(self) -> bool:
        return len(self.sides) == 2

    def new_tab(self, path: Path | None = None, side: ExplorerSide | None = None) -> ExplorerPane:
        """Open a tab (after the current one) showing ``path``, default the folder of the side's current
        tab (home while it has none yet)."""
        side = side or self._active or self.sides[0]
        if path is None and side.tabs.count():
            path = side.current_pane().path or Path.home()
        pane = self._create_pane()
        side.tabs.insertTab(side.tabs.currentIndex() + 1, pane, _tab_text(pane.title(path)))
        side.tabs.setCurrentWidget(pane)
        self._mark()
        if path is not None:
            pane.open(path)
        return pane

    def close_tab(self, pane: ExplorerPane | None = None) -> None:
        """Close ``pane`` (default: the active one). A side's last tab closes the split; one always stays."""
        pane = pane or self.active_pane()
        side = self._side_of(pane)
        if side is None:
            return
        if side.tabs.count() == 1:
            if self.is_split():
                self._remove_side(side)
            return
        side.tabs.removeTab(side.tabs.indexOf(pane))
        pane.deleteLater()
        if side is self._active:
            self._activate(side, force=True)

    def next_tab(self, step: int = 1) -> None:
        tabs = self._active_side().tabs
        tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())

    def set_split(self, split: bool) -> None:
        """Show a second side (at the active pane's folder), or close the side that is not active."""
        if split == self.is_split():
            return
        if split:
            path = self.active_pane().path or Path.home()
            side = self._add_side()
            self.new_tab(path, side)
            self._activate(side)
        else:
            self._remove_side(next(side for side in self.sides if side is not self._active))

    def toggle_split(self) -> None:
        self.set_split(not self.is_split())

    def _create_pane(self) -> ExplorerPane:
        pane = ExplorerPane(self._core, self._tasks)
        content = pane.content
        content.set_locations(self._locations)
        content.set_thumbnail_loader(self._thumbnails)
        content.restore_view_state(self._settings)
        content.model.set_cut(self._cut)
        content.menus.extension = self.menu_extension
        content.drop_requested.connect(self.drop_requested)
        content.rename_requested.connect(self.rename_requested)
        content.tag_opened.connect(lambda _name, p=pane: self._pane_folder_opened(p, ""))
        pane.folder_opened.connect(lambda path, p=pane: self._pane_folder_opened(p, path))
        pane.open_in_new_tab_requested.connect(lambda path, p=pane: self.new_tab(path, self._side_of(p)))
        pane.add_favourite_requested.connect(self.add_favourite_requested)
        content.add_location_requested.connect(self.add_location_requested.emit)
        content.open_file_requested.connect(self.open_file_requested.emit)
        content.open_with_requested.connect(self.open_with_requested.emit)
        content.open_terminal_requested.connect(self.open_terminal_requested.emit)
        content.view_mode_changed.connect(
            lambda mode, p=pane: self._if_active(p, self.view_mode_changed, mode)
        )
        content.selection_changed.connect(
            lambda entries, p=pane: self._if_active(p, self.selection_changed, entries)
        )
        return pane

    def _add_side(self) -> ExplorerSide:
        side = ExplorerSide()
        side.tabs.tabCloseRequested.connect(lambda index, s=side: self.close_tab(s.tabs.widget(index)))
        side.tabs.currentChanged.connect(lambda _index, s=side: self._current_tab_changed(s))
        bar = side.tabs.tabBar()
        target = DropTarget(
            bar,
            lambda pos, b=bar, s=side: self._tab_target(s, b.tabAt(pos)),
            hovered=lambda pos, b=bar, s=side: self._tab_hovered(s, b.tabAt(pos)),
        )
        target.dropped.connect(self.drop_requested)
        self.splitter.addWidget(side)
        self.sides.append(side)
        if self._active is None:
            self._active = side
        width = self.splitter.width()
        self.splitter.setSizes([width // len(self.sides)] * len(self.sides))
        self._mark()
        return side

    def _tab_target(self, side: ExplorerSide, index: int) -> Target | None:
        """A tab takes files dropped on it into the folder it shows."""
        pane = side.tabs.widget(index) if index >= 0 else None
        path = pane.path if isinstance(pane, ExplorerPane) else None
        return Target(folder=os.fsencode(path)) if path is not None else None

    @staticmethod
    def _tab_hovered(side: ExplorerSide, index: int) -> None:
        """Files dragged over a tab bring it forward, so they can be dropped into a folder it shows."""
        if index >= 0:
            side.tabs.setCurrentIndex(index)

    def _remove_side(self, side: ExplorerSide) -> None:
        self.sides.remove(side)
        side.hide()
        side.setParent(None)
        side.deleteLater()
        self._activate(self.sides[0], force=True)

    def _side_of(self, widget: QWidget | None) -> ExplorerSide | None:
        for side in self.sides:
            if widget is not None and (widget is side or side.isAncestorOf(widget)):
                return side
        return None

    def _active_side(self) -> ExplorerSide:
        assert self._active is not None
        return self._active

    def _activate(self, side: ExplorerSide, force: bool = False) -> None:
        if side is self._active and not force:
            return
        self._active = side
        self._mark()
        if side.tabs.count():
            self._announce(side.current_pane())

    def _mark(self) -> None:
        for side in self.sides:
            side.set_marked(self.is_split() and side is self._active)
        # Panes' own window-wide shortcuts (zoom, hidden files...) would be ambiguous with two panes
        # shown: only the active pane's answer.
        side = self._active
        active = side.current_pane() if side is not None and side.tabs.count() else None
        for pane in self.panes():
            for shortcut in pane.findChildren(QShortcut):
                shortcut.setEnabled(pane is active)

    def _current_tab_changed(self, side: ExplorerSide) -> None:
        if side.tabs.count() and side is self._active:
            self._mark()
            self._announce(side.current_pane())

    def _announce(self, pane: ExplorerPane) -> None:
        self.active_pane_changed.emit(pane)
        self.selection_changed.emit(pane.content.selected_entries())

    def _pane_folder_opened(self, pane: ExplorerPane, path: str) -> None:
        side = self._side_of(pane)
        if side is not None:
            index = side.tabs.indexOf(pane)
            side.tabs.setTabText(index, _tab_text(pane.title()))
            side.tabs.setTabToolTip(index, display_name(path) if path else pane.title())
        if path:
            self.folder_opened.emit(path)

    def _if_active(self, pane: ExplorerPane, signal: SignalInstance, value: object) -> None:
        """Pass on what the active pane reports; the other panes' changes are for their own views."""
        if self._active is not None and pane is self.active_pane():
            signal.emit(value)

    # ---- for every pane --------------------------------------------------------------------------------

    def set_locations(self, locations: list[LocationInfo]) -> None:
        self._locations = list(locations)
        for pane in self.panes():
            pane.content.set_locations(self._locations)

    def entries_changed(self, event: ev.EntriesChanged) -> None:
        for pane in self.panes():
            pane.content.entries_changed(event)

    def tags_changed(self, event: ev.TagsChanged | ev.TagUpdated | ev.TagDeleted) -> None:
        for pane in self.panes():
            pane.content.tags_changed(event)

    def set_cut(self, paths: frozenset[bytes]) -> None:
        """Dim these items in every pane: they were cut to the clipboard."""
        self._cut = paths
        for pane in self.panes():
            pane.content.model.set_cut(paths)

    async def refresh_folders(self, folders: set[bytes]) -> None:
        """List again, now, the panes showing one of ``folders`` or a tag (a file operation ended)."""
        for pane in self.panes():
            content = pane.content
            if content.tag is not None or (content.path is not None and os.fsencode(content.path) in folders):
                await content.refresh()

    async def refresh_all(self) -> None:
        for pane in self.panes():
            await pane.content.refresh()

    def open_tag(self, name: str, color: str | None = None) -> None:
        """Show the files carrying the tag ``name`` in the active pane."""
        self._tasks.spawn(self.active_pane().content.open_tag(name, color))

    def set_view_mode(self, mode: ViewMode) -> None:
        """Show the active pane in ``mode`` (the toolbar's choice)."""
        self.active_pane().content.set_view_mode(mode)

    # ---- events ----------------------------------------------------------------------------------------

    def _focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        if not shiboken6.isValid(self):
            return
        side = self._side_of(now)
        if side is not None:
            self._activate(side)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Mouse back/forward buttons move the pane under the pointer; any press there activates its side;
        a middle click on a folder item opens it in a new tab."""
        kind = event.type()
        if kind not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            return False
        if not isinstance(watched, QWidget) or not isinstance(event, QMouseEvent):
            return False
        side = self._side_of(watched)
        if side is None:
            return False
        pane = next((p for p in side.panes() if p.isAncestorOf(watched)), None)
        if kind == QEvent.Type.MouseButtonPress:
            self._activate(side)
            if pane is not None and event.button() == Qt.MouseButton.BackButton:
                pane.go_back()
                return True
            if pane is not None and event.button() == Qt.MouseButton.ForwardButton:
                pane.go_forward()
                return True
        elif event.button() == Qt.MouseButton.MiddleButton and pane is not None:
            return self._middle_clicked(pane, watched, event)
        return False

    def _middle_clicked(self, pane: ExplorerPane, widget: QWidget, event: QMouseEvent) -> bool:
        view = pane.content.current_view()
        if widget is not view.viewport():
            return False
        entry = view.indexAt(event.position().toPoint()).data(ENTRY_ROLE)
        if entry is None or entry.kind != "directory":
            return False
        self.new_tab(Path(os.fsdecode(entry.path)), side=self._side_of(pane))
        return True


def _tab_text(title: str) -> str:
    """A tab's text shows "&" as itself (not as a keyboard mnemonic)."""
    return title.replace("&", "&&")
