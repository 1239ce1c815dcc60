"""OpenWithDialog: choose the application (or type a command) to open a file with."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import DesktopApp

APP_ROLE = Qt.ItemDataRole.UserRole + 1


class OpenWithDialog(QDialog):
    """The applications registered for the file's type, the default first; or any command typed below.
    Open with ``prompts.finished()``, then read ``chosen_app()``."""

    def __init__(self, file_name: str, type_name: str, apps: list[DesktopApp], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Open With"))
        self.setAccessibleName(self.tr("Open with"))
        self.resize(420, 440)
        heading = QLabel(self.tr("Open “{name}” ({type}) with:").format(name=file_name, type=type_name))
        heading.setWordWrap(True)
        heading.setAccessibleName(self.tr("File to open"))
        self.app_list = QListWidget()
        self.app_list.setAccessibleName(self.tr("Applications"))
        for app in apps:
            item = QListWidgetItem(_app_icon(app), app.name)
            item.setData(APP_ROLE, app)
            item.setToolTip(app.comment or app.exec)
            self.app_list.addItem(item)
        self.empty_label = QLabel(self.tr("No application is registered for this type of file."))
        self.empty_label.setAccessibleName(self.tr("No applications"))
        self.empty_label.setVisible(not apps)
        self.app_list.setVisible(bool(apps))
        command_label = QLabel(self.tr("Or run a &command:"))
        self.command_field = QLineEdit()
        self.command_field.setAccessibleName(self.tr("Command"))
        self.command_field.setPlaceholderText(self.tr("For example: gimp %f (the file is added at the end)"))
        command_label.setBuddy(self.command_field)
        command_label.setAccessibleName(self.tr("Command label"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.addButton(self.tr("&Open"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setAccessibleName(self.tr("Open"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.app_list.currentItemChanged.connect(self._update)
        self.app_list.itemActivated.connect(lambda _item: self.accept())
        self.command_field.textChanged.connect(self._typed)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.app_list, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(command_label)
        layout.addWidget(self.command_field)
        layout.addWidget(self.buttons)
        if apps:
            self.app_list.setCurrentRow(0)
        self._update()

    def _typed(self, text: str) -> None:
        if text.strip():
            self.app_list.setCurrentRow(-1)
        self._update()

    def _update(self) -> None:
        self.open_button.setEnabled(self.chosen_app() is not None)

    def chosen_app(self) -> DesktopApp | None:
        """The application chosen, or one made of the typed command (which wins when there is one)."""
        command = self.command_field.text().strip()
        if command:
            return DesktopApp(id="", name=command, exec=command)
        item = self.app_list.currentItem()
        return item.data(APP_ROLE) if item is not None else None


def _app_icon(app: DesktopApp) -> QIcon:
    if os.path.isabs(app.icon):
        return QIcon(app.icon)
    return QIcon.fromTheme(app.icon) if app.icon else QIcon()
