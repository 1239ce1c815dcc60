"""Incoming Spacedrop offers: "<device> wants to send you N files", a folder to save them in, Accept or
Decline. One non-modal ``OfferDialog`` per offer; ``SpacedropPrompter`` passes the answer to
``core.network.answer_offer`` and closes a dialog whose offer was answered elsewhere (the CLI) or timed out.
"""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spacedrive.core import Core
from spacedrive.domain import events as ev
from spacedrive.errors import SpacedriveError
from ui.dialogs.prompts import show_error
from ui.formatting import data_size, files_text, folders_text
from ui.models.devices import label_among, listed_devices

#: How many of the offered names the dialog lists before "and N more".
SHOWN_NAMES = 5


def default_folder() -> str:
    """~/Downloads (or the platform's download folder) when it exists, else the home folder."""
    downloads = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    return downloads if downloads and os.path.isdir(downloads) else str(Path.home())


class OfferDialog(QDialog):
    """One offer: who (``sender``: the device's name as lists show it), how many files, how big, their first
    names; where to save them; Accept or Decline.

    Signals
    -------
    answered(bool, str): the user accepted (into this folder) or declined (the folder is "").
    """

    answered = Signal(bool, str)

    def __init__(
        self, offer: ev.SpacedropOffered, sender: str, folder: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.offer = offer
        self.setWindowTitle(self.tr("Spacedrop from {device}").format(device=sender))
        self.setAccessibleName(self.tr("Incoming Spacedrop"))
        self.setWindowModality(Qt.WindowModality.NonModal)
        what = files_text(offer.file_count)
        if offer.folder_count:
            folders = folders_text(offer.folder_count)
            what = self.tr("{files} in {folders}").format(files=what, folders=folders)
        self.headline_label = QLabel(
            self.tr("<b>{device}</b> wants to send you {what} ({size}).").format(
                device=sender.replace("<", "&lt;"), what=what, size=data_size(offer.total_bytes)
            )
        )
        self.headline_label.setWordWrap(True)
        self.headline_label.setAccessibleName(self.tr("Offer"))
        names = list(offer.names[:SHOWN_NAMES])
        more = len(offer.names) - len(names)
        listing = "\n".join(names) + ("\n" + self.tr("and {n} more").format(n=more) if more > 0 else "")
        self.names_label = QLabel(listing)
        self.names_label.setAccessibleName(self.tr("Files offered"))
        self.names_label.setTextFormat(Qt.TextFormat.PlainText)
        self.names_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.names_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.names_label.setContentsMargins(12, 0, 0, 6)
        self.folder_edit = QLineEdit(folder)
        self.folder_edit.setAccessibleName(self.tr("Save into folder"))
        choose = QPushButton(self.tr("C&hoose…"))
        choose.setAccessibleName(self.tr("Choose folder"))
        choose.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel(self.tr("Save in:")))
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        buttons = QDialogButtonBox()
        self.accept_button = buttons.addButton(self.tr("&Accept"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.accept_button.setAccessibleName(self.tr("Accept"))
        self.decline_button = buttons.addButton(self.tr("&Decline"), QDialogButtonBox.ButtonRole.RejectRole)
        self.decline_button.setAccessibleName(self.tr("Decline"))
        self.accept_button.clicked.connect(self._accept_offer)
        self.decline_button.clicked.connect(self.reject)
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.headline_label)
        layout.addWidget(self.names_label)
        layout.addLayout(folder_row)
        layout.addWidget(buttons)
        # Only now, with the buttons inside the dialog, does this count: Enter accepts (the dialog would
        # otherwise make its first button, Choose…, the default).
        self.accept_button.setDefault(True)
        self._chooser: QFileDialog | None = None

    def _choose_folder(self) -> None:
        """A non-blocking folder picker (``open()``, not ``exec()``)."""
        chooser = QFileDialog(self, self.tr("Save Spacedrop In"), self.folder_edit.text())
        chooser.setFileMode(QFileDialog.FileMode.Directory)
        chooser.setOption(QFileDialog.Option.ShowDirsOnly, True)
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(self.folder_edit.setText)
        self._chooser = chooser
        chooser.open()

    def _accept_offer(self) -> None:
        self.answered.emit(True, self.folder_edit.text().strip())

    def reject(self) -> None:
        """Decline, Escape and the window's close button all decline the offer."""
        if self.isVisible():
            self.answered.emit(False, "")
        super().reject()


class SpacedropPrompter(QObject):
    """Asks about every incoming offer in its own dialog and answers the core."""

    def __init__(self, core: Core, window: QWidget) -> None:
        super().__init__(window)
        self._core = core
        self._window = window
        self.dialogs: dict[str, OfferDialog] = {}

    def show_pending(self) -> None:
        """Ask about the offers that were waiting before the window (or networking) came up."""
        if not self._core.network.running:
            return
        for offer in self._core.network.pending_offers():
            self.offered(
                ev.SpacedropOffered(
                    offer["offer_id"],
                    offer["device_id"],
                    offer["device_name"],
                    offer["file_count"],
                    offer["folder_count"],
                    offer["total_bytes"],
                    tuple(offer["names"]),
                )
            )

    def offered(self, offer: ev.SpacedropOffered) -> None:
        if offer.offer_id in self.dialogs:
            return
        sender = label_among(offer.device_id, offer.device_name, listed_devices(self._core))
        dialog = OfferDialog(offer, sender, default_folder(), self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.answered.connect(lambda accept, folder: self._answer(dialog, accept, folder))
        dialog.destroyed.connect(lambda: self.dialogs.pop(offer.offer_id, None))
        self.dialogs[offer.offer_id] = dialog
        dialog.show()
        dialog.raise_()

    def answered(self, event: ev.SpacedropAnswered) -> None:
        """Answered here, elsewhere, or timed out: its dialog goes."""
        dialog = self.dialogs.pop(event.offer_id, None)
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.answered.disconnect()
            dialog.close()

    def _answer(self, dialog: OfferDialog, accept: bool, folder: str) -> None:
        try:
            self._core.network.answer_offer(dialog.offer.offer_id, accept, folder or None)
        except SpacedriveError as e:
            if accept and dialog.offer.offer_id in self._pending_ids():
                # A folder that cannot take the files: say why and let the user choose another.
                show_error(dialog, self.tr("The files cannot be saved there"), e.message)
                return
            show_error(self._window, self.tr("The offer could not be answered"), e.message)
        self.dialogs.pop(dialog.offer.offer_id, None)
        if shiboken6.isValid(dialog):
            dialog.answered.disconnect()
            dialog.close()

    def _pending_ids(self) -> set[str]:
        if not self._core.network.running:
            return set()
        return {offer["offer_id"] for offer in self._core.network.pending_offers()}
