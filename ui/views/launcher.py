"""Launcher: open files with their default or a chosen application, and terminals in folders."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QWidget

from spacedrive.domain.entry import Entry
from ui import desktop
from ui.dialogs.open_with import OpenWithDialog
from ui.dialogs.prompts import finished, show_error
from ui.navigation import display_name
from ui.tasks import TaskSet


def file_url(path: Path) -> QUrl:
    """A file: URL naming ``path`` exactly (bytes that are not UTF-8 percent-encoded)."""
    return QUrl.fromEncoded(path.absolute().as_uri().encode("ascii"))


def entry_path(entry: Entry) -> Path:
    return Path(os.fsdecode(entry.path))


class Launcher(QObject):
    """Starts other programs for the window; what cannot be started is explained in a message box."""

    def __init__(self, window: QWidget, tasks: TaskSet) -> None:
        super().__init__(window)
        self._window = window
        self._tasks = tasks

    def open_file(self, entry: Entry) -> None:
        """Open the file with the desktop's default application for its type."""
        path = entry_path(entry)
        if not QDesktopServices.openUrl(file_url(path)):
            show_error(
                self._window,
                self.tr("“{name}” could not be opened").format(name=entry.name),
                self.tr("No application is set to open this type of file. Use Open With… to choose one."),
            )

    def open_with(self, entry: Entry) -> None:
        self._tasks.spawn(self.choose_and_open(entry_path(entry)))

    async def choose_and_open(self, path: Path) -> None:
        """Ask which application opens ``path`` (those registered for its type are listed), then run it."""
        loop = asyncio.get_running_loop()
        types = await loop.run_in_executor(None, desktop.mime_types_of, path)
        apps = await loop.run_in_executor(None, desktop.apps_for_mime_types, types, dict(os.environ))
        if not shiboken6.isValid(self._window):
            return
        dialog = OpenWithDialog(display_name(path.name), desktop.mime_comment(types[0]), apps, self._window)
        result = await finished(dialog)
        if not shiboken6.isValid(dialog):  # destroyed with the window
            return
        app = dialog.chosen_app()
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted and app is not None:
            self.run_app(app, [path])

    def run_app(self, app: desktop.DesktopApp, files: list[Path]) -> None:
        """Start ``app`` on ``files`` (in a terminal when it asks for one), detached from Spacedrive."""
        folder = files[0].parent if files else Path.home()
        for argv in desktop.exec_commands(app, files):
            command = argv
            if app.terminal:
                try:
                    command = [*desktop.terminal_command(folder), "-e", *argv]
                except desktop.NoTerminalFound:
                    self._no_terminal()
                    return
            if not command or not desktop.start_detached(command, app.path or os.fspath(folder)):
                show_error(
                    self._window,
                    self.tr("“{app}” could not be started").format(app=app.name),
                    self.tr("The command was: {command}").format(command=display_name(" ".join(command))),
                )
                return

    def open_terminal(self, folder: str) -> None:
        """Start the platform's terminal in ``folder``."""
        try:
            argv = desktop.terminal_command(Path(folder))
        except desktop.NoTerminalFound:
            self._no_terminal()
            return
        if not desktop.start_detached(argv, folder):
            show_error(
                self._window,
                self.tr("The terminal could not be started"),
                self.tr("The command was: {command}").format(command=display_name(" ".join(argv))),
            )

    def _no_terminal(self) -> None:
        show_error(
            self._window,
            self.tr("No terminal program was found"),
            self.tr(
                "Install one (for example xterm, Konsole or GNOME Terminal), or name yours in the "
                "TERMINAL environment variable."
            ),
        )
