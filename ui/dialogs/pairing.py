"""The pairing dialog: "Show a Code" (this device's 12 words, a countdown, and the question whether to pair
with the device that typed them) and "Enter a Code" (``ui.dialogs.pairing_join``).

Not modal, and nothing in it waits in a nested loop: the code's progress arrives as ``PairingStateChanged``
events through the bridge, joining runs as a task. Closing the dialog cancels a code still shown.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from spacedrive.core import Core
from spacedrive.domain import events as ev
from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.net.identity import short_id
from spacedrive.infrastructure.net.pairing import PairingSession
from ui.bridge import CoreBridge
from ui.dialogs.pairing_join import ERROR_COLOR, SUCCESS_COLOR, JoinPage, network_error_text
from ui.models.devices import label_among, listed_devices
from ui.tasks import TaskSet

#: The words are laid out in this many columns, numbered row by row.
WORD_COLUMNS = 3
WORD_SCALE = 1.6


class ShowCodePage(QWidget):
    """This device's pairing code, large and numbered, with Copy, a countdown and the joiner's question.

    Signals
    -------
    paired(str): the device with this network id paired by this code.
    """

    paired = Signal(str)

    def __init__(self, core: Core, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self.session: PairingSession | None = None
        self._shown_state = ""
        self.setAccessibleName(self.tr("Show a code"))
        intro = QLabel(
            self.tr("On the other device, open “Pair a Device”, choose “Enter a Code” and type these words.")
        )
        intro.setWordWrap(True)
        self.words_frame = QFrame()
        self.words_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.words_frame.setAccessibleName(self.tr("Pairing code words"))
        grid = QGridLayout(self.words_frame)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(10)
        grid.setContentsMargins(16, 12, 16, 12)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(QGuiApplication.font().pointSizeF() * WORD_SCALE)
        font.setWeight(QFont.Weight.DemiBold)
        self.word_labels: list[QLabel] = []
        for i in range(12):
            number = QLabel(f"{i + 1}.")
            number.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            number.setFont(font)
            number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            number.setAccessibleName(self.tr("Number {n}").format(n=i + 1))
            word = QLabel()
            word.setFont(font)
            word.setMinimumWidth(word.fontMetrics().horizontalAdvance("wwwwwwww"))
            word.setAccessibleName(self.tr("Word {n}").format(n=i + 1))
            row, column = divmod(i, WORD_COLUMNS)
            grid.addWidget(number, row, column * 2)
            grid.addWidget(word, row, column * 2 + 1)
            self.word_labels.append(word)
        for column in range(1, WORD_COLUMNS):  # room between the columns of words
            grid.setColumnMinimumWidth(column * 2, number.fontMetrics().horizontalAdvance("00.") + 24)
        self.copy_button = QPushButton(self.tr("&Copy Words"))
        self.copy_button.setAccessibleName(self.tr("Copy words"))
        self.copy_button.clicked.connect(self.copy_words)
        self.countdown_label = QLabel()
        self.countdown_label.setAccessibleName(self.tr("Time left"))
        self.status_label = QLabel()
        self.status_label.setAccessibleName(self.tr("Pairing status"))
        self.status_label.setWordWrap(True)
        self.address_label = QLabel()
        self.address_label.setWordWrap(True)
        self.address_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.address_label.setAccessibleName(self.tr("This device's address"))
        self.question_label = QLabel()
        self.question_label.setAccessibleName(self.tr("Question"))
        self.question_label.setWordWrap(True)
        self.accept_button = QPushButton(self.tr("&Pair"))
        self.accept_button.setAccessibleName(self.tr("Accept"))
        self.accept_button.clicked.connect(self.accept_joiner)
        self.decline_button = QPushButton(self.tr("&Decline"))
        self.decline_button.setAccessibleName(self.tr("Decline"))
        self.decline_button.clicked.connect(self.decline_joiner)
        self.new_code_button = QPushButton(self.tr("&New Code"))
        self.new_code_button.setAccessibleName(self.tr("New code"))
        self.new_code_button.clicked.connect(self.start)

        self.question = QFrame()
        question_layout = QHBoxLayout(self.question)
        question_layout.setContentsMargins(0, 0, 0, 0)
        question_layout.addWidget(self.question_label, 1)
        question_layout.addWidget(self.decline_button)
        question_layout.addWidget(self.accept_button)
        self.question.hide()
        under_words = QHBoxLayout()
        under_words.addWidget(self.countdown_label, 1)
        under_words.addWidget(self.new_code_button)
        under_words.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.words_frame)
        layout.addLayout(under_words)
        layout.addWidget(self.status_label)
        layout.addWidget(self.question)
        layout.addWidget(self.address_label)
        layout.addStretch(1)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        #: Puts "Copy Words" back a moment after "Copied" (a child timer: it dies with the page).
        self._copied = QTimer(self)
        self._copied.setSingleShot(True)
        self._copied.setInterval(1500)
        self._copied.timeout.connect(lambda: self.copy_button.setText(self.tr("&Copy Words")))
        self._show_words(())
        self.new_code_button.hide()

    # ---- the code --------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.session is None:
            self.start()

    def start(self) -> None:
        """Show a new code (any earlier one is cancelled by the core: one code at a time)."""
        self.cancel()
        try:
            self.session = self._core.network.generate_code(auto_accept=False)
        except SpacedriveError as e:
            self.session = None
            self._show_words(())
            self._status(network_error_text(e), ERROR_COLOR)
            self.new_code_button.show()
            self.new_code_button.setText(self.tr("&Try Again"))
            return
        self._show_words(self.session.words)
        addresses = self._core.network.status().get("addresses") or []
        others = [a for a in addresses if not a.startswith("127.")] or addresses
        self.address_label.setText(
            self.tr("If the other device does not find this one, give it this address: {addresses}").format(
                addresses=", ".join(others)
            )
            if others
            else ""
        )
        self._shown_state = ""
        self._update()
        self.timer.start()

    def cancel(self) -> None:
        """Withdraw the code shown, unless it already ended."""
        self.timer.stop()
        if self.session is not None and not self.session.is_final:
            self.session.cancel()

    def copy_words(self) -> None:
        if self.session is not None:
            QGuiApplication.clipboard().setText(" ".join(self.session.words))
            self.copy_button.setText(self.tr("Copied"))
            self._copied.start()

    def accept_joiner(self) -> None:
        if self.session is not None:
            self.session.accept()
            self.question.hide()
            self._status(self.tr("Pairing…"), "")

    def decline_joiner(self) -> None:
        if self.session is not None:
            self.session.reject()

    def state_changed(self, event: ev.PairingStateChanged) -> None:
        if self.session is not None and event.session_id == self.session.id:
            self._update()

    # ---- display ---------------------------------------------------------------------------------------

    def _show_words(self, words: tuple[str, ...]) -> None:
        for label, word in zip(self.word_labels, words or ("",) * 12, strict=True):
            label.setText(word)
        self.words_frame.setEnabled(bool(words))
        self.copy_button.setEnabled(bool(words))

    def _tick(self) -> None:
        if self.session is not None and self.session.state != self._shown_state:
            self._update()  # the event may still be on its way; the session itself is the truth
        self._update_countdown()

    def _update_countdown(self) -> None:
        session = self.session
        if session is None or session.state != "waiting":
            self.countdown_label.setText("")
            return
        left = max(0, round(session.expires_at_wall - time.time()))
        self.countdown_label.setText(self.tr("Expires in {m}:{s:02d}").format(m=left // 60, s=left % 60))

    def _peer_name(self) -> str:
        session = self.session
        assert session is not None
        info = session.peer_info or {}
        peer_id = session.peer_device_id or ""
        name = info.get("name")
        if name:  # with its short id when a device listed here has the same name
            name = label_among(peer_id, name, listed_devices(self._core))
        else:
            name = self.tr("a device ({id})").format(id=short_id(peer_id))
        system = " ".join(part for part in (info.get("os"), info.get("os_version")) if part)
        return f"{name} ({system})" if system else name

    def _update(self) -> None:
        session = self.session
        if session is None:
            return
        state = session.state
        self._shown_state = state
        final = session.is_final
        self.question.setVisible(state == "confirming" and not session.auto_accept)
        self.new_code_button.setVisible(final and state != "paired")
        self.new_code_button.setText(self.tr("&New Code"))
        self.words_frame.setEnabled(not final)
        self.copy_button.setEnabled(not final)
        if final:
            self.timer.stop()
        if state == "waiting":
            self._status(self.tr("Waiting for the other device…"), "")
        elif state == "confirming":
            self.question_label.setText(self.tr("Pair with {name}?").format(name=self._peer_name()))
            self._status(self.tr("The other device typed the right code."), "")
        elif state == "paired":
            self._status(self.tr("Paired with {name}.").format(name=self._peer_name()), SUCCESS_COLOR)
            self.paired.emit(session.peer_device_id or "")
        elif state == "expired":
            self._status(self.tr("The code expired. Show a new one to pair."), ERROR_COLOR)
        elif state == "cancelled":
            self._status(self.tr("The code was withdrawn."), ERROR_COLOR)
        else:
            self._status(self.tr("Not paired: {reason}").format(reason=session.reason), ERROR_COLOR)
        self._update_countdown()

    def _status(self, text: str, color: str) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {color}; font-weight: bold" if color else "")


class PairingDialog(QDialog):
    """Both ways to pair, as tabs; non-modal, one per window (``DeviceActions`` keeps it).

    Signals
    -------
    paired(str): this device paired with another (its network id), by either page.
    """

    paired = Signal(str)

    def __init__(self, core: Core, bridge: CoreBridge, tasks: TaskSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Pair a Device"))
        self.setAccessibleName(self.tr("Pair a device"))
        self.show_page = ShowCodePage(core)
        self.join_page = JoinPage(core, tasks)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Ways to pair"))
        self.tabs.addTab(self.show_page, self.tr("Show a Code"))
        self.tabs.addTab(self.join_page, self.tr("Enter a Code"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        # Set once the page is inside the dialog (before, Qt ignores it and makes New Code the default):
        # Enter on the code page joins, and does nothing on the other, where Join is hidden.
        self.join_page.join_button.setDefault(True)
        bridge.pairing_state_changed.connect(self.show_page.state_changed)
        self.show_page.paired.connect(self.paired)
        self.join_page.paired.connect(lambda device: self.paired.emit(str(device.get("device_id", ""))))

    def show_code(self) -> None:
        self.tabs.setCurrentWidget(self.show_page)

    def enter_code(self) -> None:
        self.tabs.setCurrentWidget(self.join_page)
        self.join_page.code_edit.setFocus()

    def done(self, result: int) -> None:
        """Closing withdraws the code shown and stops joining."""
        self.show_page.cancel()
        self.join_page.cancel()
        super().done(result)
