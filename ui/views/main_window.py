"""MainWindow: sidebar, explorer (tabs, split panes), toolbar, status bar and jobs panel around one core."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QToolButton,
    QWidget,
)

from spacedrive import __version__
from spacedrive.core import Core
from spacedrive.domain import events as ev
from spacedrive.errors import NoCurrentLibrary, SpacedriveError
from spacedrive.operations.libraries import Library
from spacedrive.operations.locations import list_locations
from ui.bridge import CoreBridge
from ui.dialogs.conflict import ConflictPrompter
from ui.dialogs.prompts import message_box, show_error
from ui.dialogs.quick_look import QuickLook
from ui.icons import app_icon
from ui.models.jobs import JobListModel
from ui.models.sidebar import SidebarModel
from ui.tasks import TaskSet
from ui.thumbnails import ThumbnailLoader
from ui.views.content import ContentView
from ui.views.device_actions import DeviceActions
from ui.views.explorer import Explorer
from ui.views.explorer_actions import ExplorerActions
from ui.views.explorer_pane import ExplorerPane
from ui.views.file_actions import FileActions
from ui.views.launcher import Launcher
from ui.views.library_actions import LibraryActions
from ui.views.location_actions import LocationActions
from ui.views.places import Places
from ui.views.tag_actions import TagActions
from ui.widgets.inspector import Inspector
from ui.widgets.job_status import JobStatusWidget
from ui.widgets.jobs_panel import JobsPanel
from ui.widgets.library_switcher import LibrarySwitcher
from ui.widgets.sidebar import Sidebar
from ui.widgets.view_mode import ViewMode, ViewModeSelector

log = logging.getLogger(__name__)

DEFAULT_SIZE = QSize(1200, 760)
SIDEBAR_WIDTH = 220
JOBS_PANEL_HEIGHT = 200
INSPECTOR_WIDTH = 280


class MainWindow(QMainWindow):
    """The explorer window. Connects to the bridge in ``__init__``; ``load()`` reads the first data.

    Signals
    -------
    closed(): the window was closed and its layout saved; the app quits on it.
    """

    closed = Signal()

    def __init__(
        self, core: Core, bridge: CoreBridge, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.core = core
        self.settings = settings
        self.setObjectName("main_window")
        self.setWindowIcon(app_icon())
        self.setAccessibleName(self.tr("Spacedrive"))

        self.sidebar_model = SidebarModel(self)
        self.jobs_model = JobListModel(self)
        self.library_actions = LibraryActions(core, self)
        self.location_actions = LocationActions(core, self, lambda: self.content.path)
        self._locations_generation = 0
        #: Work started by core events and sidebar clicks; the session cancels it before the core stops.
        self.tasks = TaskSet()

        self.sidebar = Sidebar(self.sidebar_model)
        self.places = Places(settings, self.sidebar_model, self)
        #: Thumbnails for every pane, the inspector and Quick Look (one worker pool, one memory cache).
        self.thumbnails = ThumbnailLoader(core, self)
        self.explorer = Explorer(core, self.tasks, settings, self.thumbnails)
        self.explorer_actions = ExplorerActions(self.explorer, self, self.tasks)
        self.launcher = Launcher(self, self.tasks)
        self.file_actions = FileActions(core, self.explorer, self, self.tasks)
        self.tag_actions = TagActions(core, self.sidebar_model, self, self.tasks, self.explorer.open_tag)
        self.file_actions.tag_actions = self.tag_actions
        self.device_actions = DeviceActions(core, bridge, self.sidebar_model, self, self.tasks)
        self.device_actions.selection = lambda: [entry.path for entry in self.content.selected_entries()]
        self.file_actions.device_actions = self.device_actions
        self.explorer.menu_extension = self.file_actions
        for pane in self.explorer.panes():
            pane.content.menus.extension = self.file_actions
        self.conflicts = ConflictPrompter(core, self, self.tasks)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.explorer)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([SIDEBAR_WIDTH, DEFAULT_SIZE.width() - SIDEBAR_WIDTH])
        self.setCentralWidget(self.splitter)

        self.switcher = LibrarySwitcher(self.sidebar_model)
        self.view_selector = ViewModeSelector()
        self.view_selector.view_mode_changed.connect(self._view_mode_changed)
        self.jobs_panel = JobsPanel(core, self.jobs_model, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_panel)
        self.resizeDocks([self.jobs_panel], [JOBS_PANEL_HEIGHT], Qt.Orientation.Vertical)
        self.jobs_panel.hide()
        self.job_status = JobStatusWidget(self.jobs_model)
        self.inspector = Inspector(core, self.thumbnails)
        self.inspector_dock = QDockWidget(self.tr("Inspector"), self)
        self.inspector_dock.setObjectName("inspector_dock")
        self.inspector_dock.setAccessibleName(self.tr("Inspector panel"))
        self.inspector_dock.setWidget(self.inspector)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)
        self.resizeDocks([self.inspector_dock], [INSPECTOR_WIDTH], Qt.Orientation.Horizontal)
        self.quick_look = QuickLook(core, self, self.thumbnails)

        self._build_toolbar()
        self._build_status_bar()
        self._build_menus()
        self._connect_requests()
        self._connect_bridge(bridge)
        self._restore_settings()
        self.refresh_libraries()
        self.refresh_volumes()

    @property
    def content(self) -> ContentView:
        """The active pane's folder view (the one the sidebar, toolbar and shortcuts act on)."""
        return self.explorer.active_pane().content

    # ---- data ------------------------------------------------------------------------------------------

    async def load(self, path: Path | None = None) -> None:
        """Read the jobs of every open library and its locations, then list ``path`` (default: home)."""
        for library in self.core.libraries.open_libraries():
            self.jobs_model.add_library_jobs(await library.jobs.list())
        await self.refresh_locations()
        await self.tag_actions.refresh()
        self.conflicts.show_pending()
        await self.content.open_path(path or Path.home())

    def refresh_libraries(self) -> None:
        infos = self.core.libraries.list()
        self.sidebar_model.set_libraries(infos)
        current = next((info for info in infos if info.is_current), None)
        if current is None:
            self.setWindowTitle(self.tr("Spacedrive"))
        else:
            self.setWindowTitle(self.tr("Spacedrive — {library}").format(library=current.name))
        self.library_actions.update_actions()
        self.location_actions.update_actions()

    async def refresh_locations(self) -> None:
        """Show the current library's locations in the sidebar; the latest call wins."""
        self._locations_generation += 1
        generation = self._locations_generation
        try:
            infos = await list_locations(self.core.libraries.current())
        except NoCurrentLibrary:
            infos = []
        except SpacedriveError as e:  # the library closed meanwhile: its own event refreshes again
            log.info("locations not listed: %s", e.message)
            return
        # The window may have been closed and deleted meanwhile (the app quitting).
        if generation == self._locations_generation and shiboken6.isValid(self):
            self.sidebar_model.set_locations(infos)
            self.explorer.set_locations(infos)
            self._select_shown_folder()

    def refresh_volumes(self) -> None:
        self.sidebar_model.set_volumes(self.core.volumes.list())
        self._select_shown_folder()

    def _select_shown_folder(self) -> None:
        """Keep the sidebar's selection on the shown folder's row when rows are replaced."""
        if self.content.path is not None:
            self.sidebar.select_path(os.fspath(self.content.path))

    def set_view_mode(self, mode: ViewMode) -> None:
        self.view_selector.set_view_mode(mode)

    # ---- construction ----------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Main Toolbar"))
        toolbar.setObjectName("main_toolbar")
        toolbar.setAccessibleName(self.tr("Main toolbar"))
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.setIconSize(QSize(18, 18))
        toolbar.addWidget(self.switcher)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        spacer.setAccessibleName(self.tr("Toolbar spacer"))
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.view_selector)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setAccessibleName(self.tr("Status bar"))
        status.addWidget(self.job_status, 1)
        toggle = QToolButton()
        toggle.setDefaultAction(self.jobs_panel.toggleViewAction())
        toggle.setAutoRaise(True)
        toggle.setAccessibleName(self.tr("Show jobs panel"))
        status.addPermanentWidget(toggle)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        explorer = self.explorer_actions
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addActions([explorer.new_tab, explorer.close_tab])
        file_menu.addSeparator()
        file_menu.addActions([explorer.open_folder, explorer.open_terminal])
        file_menu.addSeparator()
        quit_action = file_menu.addAction(self.tr("&Quit"))
        quit_action.setShortcut(QKeySequence(self.tr("Ctrl+Q")))
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        files = self.file_actions
        edit_menu.addActions([files.undo, files.redo])
        edit_menu.addSeparator()
        edit_menu.addActions([files.cut, files.copy, files.paste])
        edit_menu.addSeparator()
        edit_menu.addActions([files.new_folder, files.new_file])
        edit_menu.addActions([files.rename, files.duplicate])
        edit_menu.addSeparator()
        edit_menu.addActions([files.trash, files.delete])
        edit_menu.aboutToShow.connect(files.update_actions)

        library_menu = bar.addMenu(self.tr("&Library"))
        actions = self.library_actions
        library_menu.addAction(actions.new_action)
        library_menu.addMenu(actions.switch_menu)
        library_menu.addSeparator()
        library_menu.addAction(actions.rename_action)
        library_menu.addAction(actions.close_action)
        library_menu.addSeparator()
        library_menu.addAction(self.location_actions.add_action)

        go_menu = bar.addMenu(self.tr("&Go"))
        go_menu.addActions(explorer.navigation_actions())
        go_menu.addSeparator()
        go_menu.addAction(explorer.edit_path)
        go_menu.addAction(explorer.add_favourite)
        go_menu.addSeparator()
        go_menu.addActions([explorer.next_tab, explorer.previous_tab])

        view_menu = bar.addMenu(self.tr("&View"))
        view_menu.addActions(self.view_selector.mode_actions())
        view_menu.addSeparator()
        view_menu.addAction(explorer.split)
        sidebar_action = view_menu.addAction(self.tr("Show &Sidebar"))
        sidebar_action.setCheckable(True)
        sidebar_action.setChecked(True)
        sidebar_action.setShortcut(QKeySequence(Qt.Key.Key_F9))
        sidebar_action.toggled.connect(self.sidebar.setVisible)
        self._sidebar_action = sidebar_action
        jobs_action = self.jobs_panel.toggleViewAction()
        jobs_action.setText(self.tr("Show &Jobs"))
        jobs_action.setToolTip(self.tr("Show or hide the jobs panel"))
        jobs_action.setShortcut(QKeySequence(self.tr("Ctrl+J")))
        view_menu.addAction(jobs_action)
        inspector_action = self.inspector_dock.toggleViewAction()
        inspector_action.setText(self.tr("Show &Inspector"))
        inspector_action.setToolTip(self.tr("Show or hide the inspector"))
        inspector_action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        view_menu.addAction(inspector_action)
        view_menu.addSeparator()
        quick_look = view_menu.addAction(self.tr("&Quick Look"))
        quick_look.setShortcut(QKeySequence(Qt.Key.Key_Space))
        # Only while the explorer has focus: Space still types in the path bar and the filter box.
        self.explorer.addAction(quick_look)
        quick_look.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        quick_look.triggered.connect(self._quick_look)

        self.device_actions.build_menu(bar.addMenu(self.tr("&Devices")))

        help_menu = bar.addMenu(self.tr("&Help"))
        about = help_menu.addAction(self.tr("&About Spacedrive"))
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self._show_about)

    def _connect_requests(self) -> None:
        actions = self.library_actions
        for source in (self.sidebar, self.switcher):
            source.switch_requested.connect(actions.switch_library)
        self.sidebar.rename_requested.connect(actions.rename_library)
        self.sidebar.close_requested.connect(actions.close_library)
        self.sidebar.new_library_requested.connect(actions.create_library)
        locations = self.location_actions
        self.sidebar.add_location_requested.connect(locations.choose_and_add)
        self.sidebar.rescan_location_requested.connect(locations.rescan)
        self.sidebar.remove_location_requested.connect(locations.remove)
        self.explorer.add_location_requested.connect(locations.add_folder)
        locations.open_path_requested.connect(self._open_path)
        self.sidebar.open_path_requested.connect(self._open_path)
        self.sidebar.open_in_new_tab_requested.connect(lambda path: self.explorer.new_tab(Path(path)))
        places = self.places
        for source in (self.sidebar, self.explorer, self.explorer_actions):
            source.add_favourite_requested.connect(places.add_favourite)
        self.sidebar.remove_favourite_requested.connect(places.remove_favourite)
        tag_actions = self.tag_actions
        self.sidebar.open_tag_requested.connect(tag_actions.open)
        self.sidebar.new_tag_requested.connect(lambda: self.tasks.spawn(tag_actions.create()))
        self.sidebar.rename_tag_requested.connect(lambda tag: self.tasks.spawn(tag_actions.rename(tag)))
        self.sidebar.recolor_tag_requested.connect(lambda tag: self.tasks.spawn(tag_actions.recolor(tag)))
        self.sidebar.delete_tag_requested.connect(lambda tag: self.tasks.spawn(tag_actions.delete(tag)))
        self.sidebar.drop_requested.connect(self.file_actions.drop)
        self.device_actions.connect_sidebar(self.sidebar)
        self.sidebar.clear_recent_requested.connect(places.clear_recent)
        self.explorer.folder_opened.connect(self._folder_opened)
        self.explorer.active_pane_changed.connect(self._active_pane_changed)
        self.explorer.selection_changed.connect(self.inspector.set_entries)
        self.explorer.view_mode_changed.connect(lambda mode: self.view_selector.set_view_mode(ViewMode(mode)))
        self.explorer.open_file_requested.connect(self.launcher.open_file)
        self.explorer.open_with_requested.connect(self.launcher.open_with)
        for source in (self.explorer, self.explorer_actions):
            source.open_terminal_requested.connect(self.launcher.open_terminal)

    def _connect_bridge(self, bridge: CoreBridge) -> None:
        for signal in (
            bridge.library_created,
            bridge.library_opened,
            bridge.library_closed,
            bridge.library_deleted,
            bridge.library_renamed,
            bridge.current_library_changed,
            bridge.library_unavailable,
        ):
            signal.connect(self.refresh_libraries)
        bridge.library_opened.connect(self._load_library_jobs)
        for signal in (bridge.library_closed, bridge.library_deleted, bridge.library_unavailable):
            signal.connect(self._forget_library_jobs)
        bridge.library_unavailable.connect(self._report_unavailable)
        for signal in (
            bridge.job_queued,
            bridge.job_started,
            bridge.job_progressed,
            bridge.job_paused,
            bridge.job_resumed,
            bridge.job_completed,
            bridge.job_failed,
            bridge.job_cancelled,
        ):
            signal.connect(self.jobs_model.apply)
        for signal in (bridge.job_queued, bridge.job_started):
            signal.connect(self._fetch_job_title)
        for signal in (
            bridge.location_added,
            bridge.location_removed,
            bridge.location_updated,
            bridge.current_library_changed,
            bridge.library_closed,
            bridge.library_unavailable,
        ):
            signal.connect(self._refresh_locations)
        bridge.entries_changed.connect(self._entries_changed)
        for signal in (bridge.volume_added, bridge.volume_removed, bridge.volume_updated):
            signal.connect(self.refresh_volumes)
        for signal in (
            bridge.tag_created,
            bridge.tag_updated,
            bridge.tag_deleted,
            bridge.tags_changed,
            bridge.current_library_changed,
        ):
            signal.connect(self.tag_actions.schedule_refresh)
        for signal in (bridge.tags_changed, bridge.tag_updated, bridge.tag_deleted):
            signal.connect(self.explorer.tags_changed)
        bridge.conflict_asked.connect(self.conflicts.asked)
        bridge.conflict_resolved.connect(self.conflicts.resolved)

    # ---- settings --------------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(DEFAULT_SIZE)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        self._sidebar_action.setChecked(self.settings.value("window/sidebar", True, type=bool))
        # Each pane restored its view state (mode, sort, zoom, hidden files) when it was created.
        self.view_selector.set_view_mode(self.content.view_mode())

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/sidebar", self._sidebar_action.isChecked())
        # The active pane's view state is what new panes (and the next start) begin with.
        self.content.save_view_state(self.settings)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        event.accept()
        self.closed.emit()

    # ---- slots -----------------------------------------------------------------------------------------

    def _view_mode_changed(self, mode: str) -> None:
        self.explorer.set_view_mode(ViewMode(mode))

    def _active_pane_changed(self, pane: ExplorerPane) -> None:
        """The toolbar, the sidebar and the inspector follow the pane now active."""
        self.view_selector.set_view_mode(pane.content.view_mode())
        self._select_shown_folder()
        self._inspect_folder()

    def _inspect_folder(self) -> None:
        if self.content.path is not None:
            self.inspector.set_folder(os.fsencode(self.content.path))

    def _quick_look(self) -> None:
        entries = self.content.selected_entries()
        if entries:
            self.quick_look.show_entries(entries)

    async def release(self) -> None:
        """Stop background work the window started on the core (before the core stops)."""
        self.inspector.cancel()
        self.quick_look.close()
        await self.thumbnails.close()

    def _folder_opened(self, path: str) -> None:
        self.places.note_opened(path)
        self._select_shown_folder()
        self._inspect_folder()

    def _refresh_locations(self) -> None:
        self.tasks.spawn(self.refresh_locations())

    def _entries_changed(self, event: ev.EntriesChanged) -> None:
        if event.library_id == self.core.libraries.current_id():
            self.explorer.entries_changed(event)

    def _open_path(self, path: str) -> None:
        """Show ``path`` in the active pane (a sidebar click, a location just added)."""
        self.explorer.active_pane().open(Path(path))

    def _fetch_job_title(self, event: ev.JobQueued | ev.JobStarted) -> None:
        """Job events name the job type; the jobs panel and status bar show the job's own title."""
        if not self.jobs_model.has_title(event.id):
            self.tasks.spawn(self._set_job_title(event))

    async def _set_job_title(self, event: ev.JobQueued | ev.JobStarted) -> None:
        try:
            info = await self.core.libraries.get_open(event.library_id).jobs.info(event.id)
        except SpacedriveError:  # its library closed meanwhile
            return
        if shiboken6.isValid(self):
            self.jobs_model.set_title(event.id, info.title)

    def _load_library_jobs(self, event: ev.LibraryOpened) -> None:
        library = next((lib for lib in self.core.libraries.open_libraries() if lib.id == event.id), None)
        if library is not None:
            self.tasks.spawn(self._add_library_jobs(library))

    async def _add_library_jobs(self, library: Library) -> None:
        jobs = await library.jobs.list()
        if shiboken6.isValid(self):
            self.jobs_model.add_library_jobs(jobs)

    def _forget_library_jobs(
        self, event: ev.LibraryClosed | ev.LibraryDeleted | ev.LibraryUnavailable
    ) -> None:
        self.jobs_model.remove_library(event.id)

    def _report_unavailable(self, event: ev.LibraryUnavailable) -> None:
        show_error(
            self,
            self.tr("Library “{name}” is no longer available").format(name=event.name),
            self.tr("It was closed to protect its data: {reason}").format(reason=event.reason),
        )

    def _show_about(self) -> None:
        box = message_box(
            self,
            QMessageBox.Icon.NoIcon,
            self.tr("About Spacedrive"),
            self.tr("<b>Spacedrive</b> {version}").format(version=__version__),
            self.tr("A local-first file manager.\n\nDevice: {device}\nData folder: {data_dir}").format(
                device=self.core.device.name, data_dir=self.core.data_dir
            ),
        )
        box.setIconPixmap(app_icon().pixmap(64))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
