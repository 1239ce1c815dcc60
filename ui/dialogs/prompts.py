"""Small dialogs awaited from coroutines: ``open()`` plus a future, so no nested event loop ever runs."""

from __future__ import annotations

import asyncio

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QLineEdit, QMessageBox, QWidget


async def finished(dialog: QDialog) -> int:
    """Open ``dialog`` window-modally and wait for its result code without blocking the loop.

    A dialog destroyed while open (its window closed as the app quits) counts as rejected.
    """
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(result: int = QDialog.DialogCode.Rejected) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(done)
    dialog.destroyed.connect(lambda: done())
    dialog.open()
    return await future


async def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """The text the user entered, or None when they cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.setAccessibleName(title)
    result = await finished(dialog)
    if not shiboken6.isValid(dialog):  # destroyed with its window
        return None
    dialog.deleteLater()
    return dialog.textValue() if result == QDialog.DialogCode.Accepted else None


def message_box(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, details: str = ""
) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAccessibleName(title)
    if details:
        box.setInformativeText(details)
    return box


def show_error(parent: QWidget | None, text: str, details: str = "") -> QMessageBox:
    """Show an error (a headline, then the core's explanation) without waiting for it to be dismissed."""
    title = QCoreApplication.translate("Prompts", "Spacedrive")
    box = message_box(parent, QMessageBox.Icon.Warning, title, text, details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


async def confirm_destructive(box: QMessageBox, action: str) -> bool:
    """Show ``box`` (its texts set, Cancel its only button) with a destructive ``action`` button added,
    Cancel the default; whether the user chose the action. Awaited, never a nested loop."""
    chosen = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    await finished(box)
    if not shiboken6.isValid(box):  # destroyed with its window
        return False
    confirmed = box.clickedButton() is chosen
    box.deleteLater()
    return confirmed
