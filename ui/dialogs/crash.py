"""The crash dialog: an uncaught exception is shown with its traceback instead of vanishing."""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

_SEPARATOR = "\n" + "-" * 72 + "\n"


class CrashDialog(QDialog):
    """Lists the tracebacks of unexpected errors, with a button copying them for a bug report."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Spacedrive — Unexpected Error"))
        self.setAccessibleName(self.tr("Unexpected error"))
        self.resize(720, 420)

        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(size))
        icon.setAccessibleName(self.tr("Error icon"))
        message = QLabel(
            self.tr(
                "<b>Something went wrong.</b><br>Spacedrive is still running, but the last action may not "
                "have finished. Please copy the details below into a bug report."
            )
        )
        message.setWordWrap(True)
        message.setAccessibleName(self.tr("Error summary"))
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addWidget(message, 1)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setAccessibleName(self.tr("Error details"))

        self.copy_button = QPushButton(self.tr("&Copy"))
        self.copy_button.setAccessibleName(self.tr("Copy error details"))
        self.copy_button.clicked.connect(self.copy_details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(self.tr("Close"))
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def add_report(self, text: str) -> None:
        if self.details.toPlainText():
            self.details.appendPlainText(_SEPARATOR)
        self.details.appendPlainText(text.rstrip())

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText(self.tr("Copied"))


class CrashReporter(QObject):
    """Shows uncaught exceptions (``sys.excepthook`` and the asyncio loop's handler) in a ``CrashDialog``.

    The dialog is shown, never ``exec()``-ed, so a crash inside a coroutine does not start a nested loop.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dialog: CrashDialog | None = None
        self._reported: set[str] = set()
        self._previous_hook = sys.excepthook
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        self._previous_hook = sys.excepthook
        sys.excepthook = self._excepthook
        self._loop = loop
        loop.set_exception_handler(self._loop_exception)

    def uninstall(self) -> None:
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_hook
        if self._loop is not None and not self._loop.is_closed():
            self._loop.set_exception_handler(None)
        self._loop = None
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def report(self, text: str) -> None:
        """Log ``text`` now; show it once control is back in the event loop.

        Errors often happen inside a paint or a model call, where opening a window is unsafe, and the
        same error then repeats on every repaint: each distinct traceback is shown once.
        """
        log.error("unexpected error:\n%s", text)
        if text in self._reported:
            return
        self._reported.add(text)
        QTimer.singleShot(0, lambda: self._show(text))

    def _show(self, text: str) -> None:
        if self.dialog is None:
            self.dialog = CrashDialog()
        self.dialog.add_report(text)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()

    def _excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if not issubclass(exc_type, Exception):  # KeyboardInterrupt, SystemExit: not a crash
            self._previous_hook(exc_type, exc, tb)
            return
        self.report("".join(traceback.format_exception(exc_type, exc, tb)))

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if not isinstance(exc, Exception):
            loop.default_exception_handler(context)
            return
        message = context.get("message", "")
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.report(f"{message}\n{trace}" if message else trace)
