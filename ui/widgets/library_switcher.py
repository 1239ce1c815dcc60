"""LibrarySwitcher: the toolbar's combo box listing libraries; picking one asks to switch to it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from ui.models.sidebar import LIBRARY_ID_ROLE, LIBRARY_INFO_ROLE, Section, SidebarModel


class LibrarySwitcher(QComboBox):
    """Shows the Libraries section of the sidebar model, with the current library selected.

    Signals
    -------
    switch_requested(UUID): the user picked a library that is not the current one.
    """

    switch_requested = Signal(object)

    def __init__(self, model: SidebarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sidebar = model
        self.setModel(model)
        self.setRootModelIndex(model.section_index(Section.LIBRARIES))
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMinimumContentsLength(14)
        self.setPlaceholderText(self.tr("No library open"))
        self.setAccessibleName(self.tr("Current library"))
        self.setToolTip(self.tr("Switch library"))
        self.activated.connect(self._activated)
        model.rowsInserted.connect(self.sync_current)
        model.dataChanged.connect(self.sync_current)
        model.modelReset.connect(self.sync_current)
        self.sync_current()

    def sync_current(self) -> None:
        """Select the current library (or nothing when no library is current)."""
        root = self.rootModelIndex()
        for row in range(self._sidebar.rowCount(root)):
            info = self._sidebar.index(row, 0, root).data(LIBRARY_INFO_ROLE)
            if info is not None and info.is_current:
                self.setCurrentIndex(row)
                return
        self.setCurrentIndex(-1)

    def _activated(self, row: int) -> None:
        index = self._sidebar.index(row, 0, self.rootModelIndex())
        info = index.data(LIBRARY_INFO_ROLE)
        # Keep showing the actual current library until the core reports the switch.
        self.sync_current()
        if info is not None and not info.is_current:
            self.switch_requested.emit(index.data(LIBRARY_ID_ROLE))
