"""The pairing dialog's "Enter a Code" page: the other device's 12 words (checked as they are typed), an
optional address, and Join, which runs ``core.network.join`` on the loop while the page stays usable."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spacedrive.core import Core
from spacedrive.errors import SpacedriveError
from ui.models.devices import label_among, listed_devices
from ui.tasks import TaskSet
from ui.widgets.code_entry import CodeCheck, CodeEdit

ERROR_COLOR = "#d9534f"
SUCCESS_COLOR = "#2fb344"
_ADDRESS = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[^\s:\[\]]+|[0-9a-fA-F:]+):(\d{1,5})$")


def network_error_text(error: SpacedriveError) -> str:
    """The core's explanation, except where it speaks of the command line."""
    if error.code == "network_off":
        return QCoreApplication.translate(
            "Pairing", "Networking is off. Turn it on in Devices › Enable Networking."
        )
    return error.message


def address_ok(text: str) -> bool:
    """Empty (look for the code on the local network) or host:port."""
    text = text.strip()
    if not text:
        return True
    match = _ADDRESS.match(text)
    return match is not None and 0 < int(match.group(2)) < 65536


class JoinPage(QWidget):
    """Type the words the other device shows, then Join.

    Signals
    -------
    paired(object): this device paired with the one showing the code (the device dict ``join`` returned).
    """

    paired = Signal(object)

    def __init__(self, core: Core, tasks: TaskSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._tasks = tasks
        self._task: asyncio.Task[Any] | None = None
        #: The code that paired (Join stays off for it: a code pairs once).
        self._used = ""
        self.setAccessibleName(self.tr("Enter a code"))
        intro = QLabel(
            self.tr(
                "On the other device, open “Pair a Device” and choose “Show a Code”. "
                "Then type its 12 words here."
            )
        )
        intro.setWordWrap(True)
        self.code_edit = CodeEdit()
        font = self.code_edit.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.code_edit.setFont(font)
        self.code_edit.setMinimumWidth(480)
        self.code_edit.checked.connect(self._code_checked)
        self.check_label = QLabel()
        self.check_label.setAccessibleName(self.tr("Code check"))
        self.check_label.setWordWrap(True)
        self.address_edit = QLineEdit()
        self.address_edit.setAccessibleName(self.tr("Address"))
        self.address_edit.setPlaceholderText(self.tr("host:port, only if the device is not found"))
        self.address_edit.setToolTip(
            self.tr("The address the other device shows under its code, e.g. 192.168.1.20:7373")
        )
        self.address_edit.textChanged.connect(self._update_join)
        self.join_button = QPushButton(self.tr("&Join"))
        self.join_button.setAccessibleName(self.tr("Join"))
        self.join_button.clicked.connect(self.join)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName(self.tr("Connecting"))
        self.busy.hide()
        self.status_label = QLabel()
        self.status_label.setAccessibleName(self.tr("Pairing status"))
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("&Code:"), self.code_edit)
        form.addRow("", self.check_label)
        form.addRow(self.tr("&Address:"), self.address_edit)
        row = QHBoxLayout()
        row.addWidget(self.busy)
        row.addWidget(self.status_label, 1)
        row.addWidget(self.join_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(row)
        self._code_checked(self.code_edit.last_check)

    @property
    def joining(self) -> bool:
        return self._task is not None

    def _code_checked(self, check: CodeCheck) -> None:
        self.check_label.setText(check.message)
        color = ERROR_COLOR if check.error else (SUCCESS_COLOR if check.code is not None else "")
        self.check_label.setStyleSheet(f"color: {color}" if color else "")
        self._update_join()

    def _update_join(self) -> None:
        valid = address_ok(self.address_edit.text())
        self.address_edit.setStyleSheet("" if valid else f"color: {ERROR_COLOR}")
        check = self.code_edit.last_check
        ready = check.code is not None and valid and not self.joining and check.code.text != self._used
        self.join_button.setEnabled(ready)

    def join(self) -> None:
        """Check the code once more (a checksum error is shown, nothing is sent), then join on the loop."""
        self.code_edit.recheck()
        if self.code_edit.last_check.code is None or self.joining or not address_ok(self.address_edit.text()):
            return
        self._tasks.spawn(self._join(self.code_edit.text(), self.address_edit.text().strip() or None))

    async def _join(self, words: str, address: str | None) -> None:
        self._task = asyncio.current_task()
        self._set_busy(True)
        self._show(self.tr("Connecting…"), "")
        try:
            device = await self._core.network.join(words, address)
        except SpacedriveError as e:
            if shiboken6.isValid(self):
                self._show(self.tr("Not paired: {reason}").format(reason=network_error_text(e)), ERROR_COLOR)
            return
        finally:
            self._task = None
            if shiboken6.isValid(self):
                self._set_busy(False)
        if shiboken6.isValid(self):
            self._used = " ".join(words.lower().split())
            self._update_join()
            name = label_among(
                str(device.get("device_id", "")), str(device.get("name", "")), listed_devices(self._core)
            )
            self._show(self.tr("Paired with {name}.").format(name=name), SUCCESS_COLOR)
            self.paired.emit(device)

    def cancel(self) -> None:
        """Stop joining (the dialog closed)."""
        if self._task is not None:
            with contextlib.suppress(RuntimeError):
                self._task.cancel()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.code_edit.setReadOnly(busy)
        self.address_edit.setReadOnly(busy)
        self._update_join()

    def _show(self, text: str, color: str) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {color}; font-weight: bold" if color else "")
