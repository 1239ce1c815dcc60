"""ZoomSlider: the content area's icon size control."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSlider, QWidget


class ZoomSlider(QSlider):
    """A horizontal slider of icon sizes in pixels; its range follows the view mode.

    Signals
    -------
    zoom_changed(int): the user chose another icon size (pixels); not emitted by ``set_zoom``.
    """

    zoom_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setAccessibleName(self.tr("Zoom"))
        self.setFixedWidth(140)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._quiet = False
        self.valueChanged.connect(self._changed)

    def set_zoom(self, size: int, minimum: int, maximum: int, step: int) -> None:
        """Show ``size`` within ``minimum``..``maximum``, the arrow keys moving by ``step``."""
        self._quiet = True
        try:
            self.setRange(minimum, maximum)
            self.setSingleStep(step)
            self.setPageStep(step * 2)
            self.setValue(size)
        finally:
            self._quiet = False
        self._update_tooltip()

    def _changed(self, value: int) -> None:
        self._update_tooltip()
        if not self._quiet:
            self.zoom_changed.emit(value)

    def _update_tooltip(self) -> None:
        self.setToolTip(self.tr("Icon size: {size} px").format(size=self.value()))
