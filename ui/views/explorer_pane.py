"""ExplorerPane: one folder view with its own navigation (back, forward, up, path bar) and history."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QMenu, QStyle, QToolButton, QVBoxLayout, QWidget

from spacedrive.core import Core
from ui.navigation import History, display_name, parent_folder
from ui.tasks import TaskSet
from ui.views.content import ContentView
from ui.widgets.path_bar import PathBar

#: How many places the back and forward buttons' menus list.
HISTORY_MENU_LENGTH = 12


class ExplorerPane(QWidget):
    """Navigation buttons and a path bar above a ``ContentView``; every folder it shows enters its history,
    however it was reached (a double click, the path bar, the sidebar).

    Signals
    -------
    folder_opened(str): this pane shows another folder (its exact path).
    open_in_new_tab_requested(object): show this folder ``Path`` in a new tab.
    add_favourite_requested(str): add this folder to the sidebar's favourites.
    """

    folder_opened = Signal(object)
    open_in_new_tab_requested = Signal(object)
    add_favourite_requested = Signal(object)

    def __init__(self, core: Core, tasks: TaskSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Explorer pane"))
        self._tasks = tasks
        self.history: History[Path] = History()
        #: Places being opened by a move through the history: reaching them must not enter it again.
        self._history_moves: list[Path] = []

        self.back_button = self._nav_button(
            "go-previous", QStyle.StandardPixmap.SP_ArrowBack, self.tr("Back"), self.tr("Back (Alt+Left)")
        )
        self.back_button.clicked.connect(self.go_back)
        self.back_button.setMenu(self._history_menu(self.tr("Back history"), back=True))
        self.forward_button = self._nav_button(
            "go-next",
            QStyle.StandardPixmap.SP_ArrowForward,
            self.tr("Forward"),
            self.tr("Forward (Alt+Right)"),
        )
        self.forward_button.clicked.connect(self.go_forward)
        self.forward_button.setMenu(self._history_menu(self.tr("Forward history"), back=False))
        self.up_button = self._nav_button(
            "go-up", QStyle.StandardPixmap.SP_ArrowUp, self.tr("Up"), self.tr("Parent folder (Alt+Up)")
        )
        self.up_button.clicked.connect(self.go_up)
        self.path_bar = PathBar(tasks)
        self.path_bar.open_requested.connect(self.open)
        self.path_bar.open_in_new_tab_requested.connect(self.open_in_new_tab_requested)
        self.path_bar.add_favourite_requested.connect(self.add_favourite_requested)

        self.content = ContentView(core, tasks)
        self.content.folder_opened.connect(self._folder_opened)

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        bar.setSpacing(2)
        for button in (self.back_button, self.forward_button, self.up_button):
            bar.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        bar.addSpacing(4)
        bar.addWidget(self.path_bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.content, 1)
        self._update_buttons()

    def _nav_button(self, theme: str, fallback: QStyle.StandardPixmap, name: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(QIcon.fromTheme(theme, self.style().standardIcon(fallback)))
        button.setIconSize(QSize(16, 16))
        button.setAutoRaise(True)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return button

    def _history_menu(self, name: str, back: bool) -> QMenu:
        """A held (or right-clicked) back/forward button lists the places it would go through."""
        menu = QMenu(self)
        menu.setAccessibleName(name)
        menu.aboutToShow.connect(lambda: self._fill_history_menu(menu, back))
        return menu

    def _fill_history_menu(self, menu: QMenu, back: bool) -> None:
        menu.clear()
        places = self.history.back_items() if back else self.history.forward_items()
        for steps, place in enumerate(places[:HISTORY_MENU_LENGTH], start=1):
            action = menu.addAction(display_name(place.name or os.fspath(place)).replace("&", "&&"))
            action.setToolTip(display_name(os.fspath(place)))
            action.triggered.connect(lambda _=False, s=steps: self._move(s if back else -s))

    # ---- navigation ------------------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The folder shown."""
        return self.content.path

    async def open_path(self, path: Path) -> None:
        """Show ``path`` (a folder, or a file selected in its folder); it enters the history."""
        await self.content.open_path(path)

    def open(self, path: Path) -> None:
        """Start showing ``path`` (for signals)."""
        self._tasks.spawn(self.open_path(path))

    def go_back(self) -> None:
        self._move(1)

    def go_forward(self) -> None:
        self._move(-1)

    def go_up(self) -> None:
        parent = parent_folder(self.path) if self.path is not None else None
        if parent is not None:
            self.open(parent)

    def edit_path(self) -> None:
        """Turn the path bar into a text field (Ctrl+L)."""
        self.path_bar.edit()

    def _move(self, steps: int) -> None:
        """Go ``steps`` places back (positive) or forward (negative) in the history."""
        target = self.history.back(steps) if steps > 0 else self.history.forward(-steps)
        if target is None:
            return
        self._history_moves.append(target)
        self._update_buttons()
        self._tasks.spawn(self._follow(target))

    async def _follow(self, target: Path) -> None:
        try:
            await self.content.open_path(target)
        finally:
            # Showing it again in place (it was already shown) reports nothing: forget the move anyway.
            if target in self._history_moves:
                self._history_moves.remove(target)

    def _folder_opened(self, _path: str) -> None:
        # The signal's text lost any bytes that are not UTF-8 in Qt's strings; the view has them all.
        path = self.content.path
        if path is None:
            return
        if path in self._history_moves:
            self._history_moves.remove(path)
        else:
            self.history.visit(path)
        self.path_bar.set_path(path)
        self._update_buttons()
        self.folder_opened.emit(os.fspath(path))

    def _update_buttons(self) -> None:
        self.back_button.setEnabled(self.history.can_go_back())
        self.forward_button.setEnabled(self.history.can_go_forward())
        self.up_button.setEnabled(self.path is not None and parent_folder(self.path) is not None)

    def title(self, path: Path | None = None) -> str:
        """The tab's title: the name of ``path`` (default: the folder shown), the root's path."""
        path = path or self.path
        if path is None and self.content.tag is not None:
            return self.content.tag
        if path is None:
            return self.tr("New Tab")
        return display_name(path.name or os.fspath(path))
