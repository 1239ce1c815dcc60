"""The password of this device's network key (``spacedrive network init --password`` encrypted it).

A small non-modal dialog that stays open through wrong tries: ``next_password()`` is awaited (a future, no
``exec()``), the caller tries the password and calls ``wrong()`` or closes the dialog. The field is cleared
as soon as a password is handed over; nothing keeps it.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui.dialogs.pairing_join import ERROR_COLOR


class UnlockKeyDialog(QDialog):
    """Why the password is needed, the password field, what went wrong last, Unlock and Cancel."""

    def __init__(self, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Unlock Network Key"))
        self.setAccessibleName(self.tr("Unlock network key"))
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.reason_label = QLabel(reason)
        self.reason_label.setWordWrap(True)
        # A wrapped label's height follows its width: fixed, so the dialog is sized for it from the start.
        self.reason_label.setFixedWidth(380)
        self.reason_label.setAccessibleName(self.tr("Why the password is needed"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(self.tr("Password"))
        self.password_edit.setPlaceholderText(self.tr("Password of the network key"))
        self.password_edit.textChanged.connect(self._update_buttons)
        self.message_label = QLabel()
        self.message_label.setAccessibleName(self.tr("Unlock status"))
        # Its line is kept while empty, so the dialog does not change size when a try was wrong.
        self.message_label.setMinimumHeight(self.message_label.fontMetrics().height())
        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton(self.tr("&Unlock"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setAccessibleName(self.tr("Unlock"))
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.unlock_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.password_edit)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)
        self.unlock_button.setDefault(True)  # Enter in the field unlocks
        self._answer: asyncio.Future[str | None] | None = None
        self._show_message("", "")
        self._update_buttons()

    async def next_password(self) -> str | None:
        """Show the dialog (still open after a wrong try) and wait for Unlock (the password typed) or
        Cancel, Escape, closing it or its destruction (None)."""
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._answer = future

        def destroyed() -> None:  # with its window, as the app quits
            if not future.done():
                future.set_result(None)

        self.destroyed.connect(destroyed)
        self.password_edit.setEnabled(True)
        self._update_buttons()
        self.show()
        self.raise_()
        self.activateWindow()
        self.password_edit.setFocus()
        return await future

    def wrong(self, message: str) -> None:
        """The password given did not unlock the key: say so and take another."""
        self._show_message(message, ERROR_COLOR)
        self.password_edit.setEnabled(True)
        self.password_edit.setFocus()
        self._update_buttons()

    def _submit(self) -> None:
        password = self.password_edit.text()
        if self._answer is None or self._answer.done() or not password:
            return
        self.password_edit.clear()
        self.password_edit.setEnabled(False)
        self.unlock_button.setEnabled(False)
        self._show_message(self.tr("Unlocking…"), "")
        self._answer.set_result(password)

    def done(self, result: int) -> None:
        """Cancel, Escape and the window's close button all give up."""
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(None)
        super().done(result)

    def _update_buttons(self) -> None:
        self.unlock_button.setEnabled(bool(self.password_edit.text()) and self.password_edit.isEnabled())

    def _show_message(self, text: str, color: str) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(f"color: {color}; font-weight: bold" if color else "")
