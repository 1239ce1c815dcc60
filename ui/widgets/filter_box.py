"""FilterBox: the content area's "Filter" field narrowing the shown items to names containing its text."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget


class FilterBox(QLineEdit):
    """A line edit with a clear button; Escape clears it (and, once empty, hands focus back).

    Signals
    -------
    textChanged(str) (QLineEdit's): the filter to apply.
    escaped(): Escape was pressed with the box already empty: the user is done filtering.
    """

    escaped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(self.tr("Filter"))
        self.setAccessibleName(self.tr("Filter"))
        self.setAccessibleDescription(self.tr("Shows only the items whose names contain this text"))
        self.setClearButtonEnabled(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self.text():
                self.clear()
            else:
                self.escaped.emit()
            event.accept()
            return
        super().keyPressEvent(event)
