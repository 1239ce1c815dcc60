"""ExplorerActions: the navigation, tab and split commands with their shortcuts, for the active pane."""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from ui.dialogs.prompts import finished
from ui.navigation import parent_folder
from ui.tasks import TaskSet
from ui.views.explorer import Explorer


class ExplorerActions(QObject):
    """Actions for the menus (and so the window's shortcuts): Back (Alt+Left), Forward (Alt+Right), Up
    (Alt+Up, Backspace), Home, Edit Path (Ctrl+L), Open Folder (Ctrl+O), New Tab (Ctrl+T), Close Tab
    (Ctrl+W), next and previous tab (Ctrl+Tab, Ctrl+Shift+Tab), Split (F3), Add to Favourites (Ctrl+D) and
    Open Terminal (Shift+F4). Each acts on the explorer's active pane and is enabled when it can.

    Signals
    -------
    add_favourite_requested(str): add the active pane's folder to Favourites.
    open_terminal_requested(str): open a terminal in the active pane's folder.
    """

    add_favourite_requested = Signal(object)
    open_terminal_requested = Signal(object)

    def __init__(self, explorer: Explorer, window: QWidget, tasks: TaskSet) -> None:
        super().__init__(window)
        self._explorer = explorer
        self._window = window
        self._tasks = tasks
        pane = explorer.active_pane
        self.back = self._action(self.tr("&Back"), [self.tr("Alt+Left"), QKeySequence(Qt.Key.Key_Back)])
        self.back.triggered.connect(lambda: pane().go_back())
        self.forward = self._action(
            self.tr("&Forward"), [self.tr("Alt+Right"), QKeySequence(Qt.Key.Key_Forward)]
        )
        self.forward.triggered.connect(lambda: pane().go_forward())
        self.up = self._action(self.tr("&Up"), [self.tr("Alt+Up"), self.tr("Backspace")])
        self.up.triggered.connect(lambda: pane().go_up())
        self.home = self._action(self.tr("&Home"), [self.tr("Alt+Home")])
        self.home.triggered.connect(lambda: pane().open(Path.home()))
        self.edit_path = self._action(self.tr("&Edit Path"), [self.tr("Ctrl+L"), self.tr("F6")])
        self.edit_path.triggered.connect(lambda: pane().edit_path())
        self.open_folder = self._action(self.tr("&Open Folder…"), [QKeySequence.StandardKey.Open])
        self.open_folder.triggered.connect(lambda: tasks.spawn(self.choose_folder()))
        self.new_tab = self._action(self.tr("New &Tab"), [self.tr("Ctrl+T")])
        self.new_tab.triggered.connect(lambda: explorer.new_tab())
        self.close_tab = self._action(self.tr("&Close Tab"), [self.tr("Ctrl+W")])
        self.close_tab.triggered.connect(lambda: explorer.close_tab())
        self.next_tab = self._action(self.tr("&Next Tab"), [self.tr("Ctrl+Tab"), self.tr("Ctrl+PgDown")])
        self.next_tab.triggered.connect(lambda: explorer.next_tab(1))
        self.previous_tab = self._action(
            self.tr("&Previous Tab"), [self.tr("Ctrl+Shift+Tab"), self.tr("Ctrl+PgUp")]
        )
        self.previous_tab.triggered.connect(lambda: explorer.next_tab(-1))
        self.split = self._action(self.tr("S&plit View"), [self.tr("F3")])
        self.split.setCheckable(True)
        self.split.setToolTip(self.tr("Show two folders side by side (F3)"))
        self.split.toggled.connect(explorer.set_split)
        self.add_favourite = self._action(self.tr("Add to &Favourites"), [self.tr("Ctrl+D")])
        self.add_favourite.triggered.connect(self._add_favourite)
        self.open_terminal = self._action(self.tr("Open &Terminal Here"), [self.tr("Shift+F4")])
        self.open_terminal.triggered.connect(self._open_terminal)
        explorer.active_pane_changed.connect(self.update_actions)
        explorer.folder_opened.connect(self.update_actions)
        self.update_actions()

    def _action(self, text: str, keys: list[str | QKeySequence | QKeySequence.StandardKey]) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        return action

    async def choose_folder(self) -> None:
        """Ask for a folder (the picker starts at the one shown) and show it in the active pane."""
        dialog = QFileDialog(self._window, self.tr("Open Folder"))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        dialog.setAccessibleName(self.tr("Open folder"))
        shown = self._explorer.active_pane().path
        if shown is not None:
            dialog.setDirectory(os.fspath(shown))
        result = await finished(dialog)
        if not shiboken6.isValid(dialog):  # destroyed with the window
            return
        dialog.deleteLater()
        chosen = dialog.selectedFiles()
        if result == QDialog.DialogCode.Accepted and chosen:
            await self._explorer.active_pane().open_path(Path(chosen[0]))

    def navigation_actions(self) -> list[QAction]:
        return [self.back, self.forward, self.up, self.home]

    def tab_actions(self) -> list[QAction]:
        return [self.new_tab, self.close_tab, self.next_tab, self.previous_tab]

    def update_actions(self) -> None:
        pane = self._explorer.active_pane()
        self.back.setEnabled(pane.history.can_go_back())
        self.forward.setEnabled(pane.history.can_go_forward())
        self.up.setEnabled(pane.path is not None and parent_folder(pane.path) is not None)
        self.add_favourite.setEnabled(pane.path is not None)
        self.open_terminal.setEnabled(pane.path is not None)
        many = sum(side.tabs.count() > 1 for side in self._explorer.sides) > 0
        self.next_tab.setEnabled(many)
        self.previous_tab.setEnabled(many)
        self.split.setChecked(self._explorer.is_split())

    def _add_favourite(self) -> None:
        path = self._explorer.active_pane().path
        if path is not None:
            self.add_favourite_requested.emit(os.fspath(path))

    def _open_terminal(self) -> None:
        path = self._explorer.active_pane().path
        if path is not None:
            self.open_terminal_requested.emit(os.fspath(path))
