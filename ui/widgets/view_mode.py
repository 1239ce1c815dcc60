"""ViewModeSelector: the toolbar's segmented control for grid / details / columns / media."""

from __future__ import annotations

import enum

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from ui.icons import themed_icon


class ViewMode(enum.StrEnum):
    GRID = "grid"
    DETAILS = "details"
    COLUMNS = "columns"
    MEDIA = "media"

    @property
    def label(self) -> str:
        labels = {
            ViewMode.GRID: QCoreApplication.translate("ViewMode", "Grid"),
            ViewMode.DETAILS: QCoreApplication.translate("ViewMode", "Details"),
            ViewMode.COLUMNS: QCoreApplication.translate("ViewMode", "Columns"),
            ViewMode.MEDIA: QCoreApplication.translate("ViewMode", "Media"),
        }
        return labels[self]


# Theme icon names (KDE / freedesktop), then the bundled fallback.
_ICONS: dict[ViewMode, tuple[tuple[str, ...], str]] = {
    ViewMode.GRID: (("view-grid", "view-list-icons"), "view-grid"),
    ViewMode.DETAILS: (("view-list-details",), "view-details"),
    ViewMode.COLUMNS: (("view-file-columns", "view-column"), "view-columns"),
    ViewMode.MEDIA: (("view-preview", "view-media"), "view-media"),
}


class ViewModeSelector(QWidget):
    """Four joined toggle buttons, one per ``ViewMode``; their actions also fill the View menu.

    Ctrl+1…4 belong to the content view; connect its ``view_mode_changed`` to ``set_view_mode`` so the
    buttons follow it.

    Signals
    -------
    view_mode_changed(str): another ``ViewMode`` (its value) was chosen, by the user or ``set_view_mode``.
    """

    view_mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("View mode"))
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self._actions: dict[ViewMode, QAction] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for number, mode in enumerate(ViewMode, start=1):
            theme_names, bundled = _ICONS[mode]
            # The content view handles Ctrl+1…4 itself (anywhere in the window); a shortcut here too
            # would make them ambiguous. Menus show the key after the tab.
            shortcut = QKeySequence(f"Ctrl+{number}").toString(QKeySequence.SequenceFormat.NativeText)
            action = QAction(themed_icon(theme_names, bundled), f"{mode.label}\t{shortcut}", self)
            action.setCheckable(True)
            action.setData(mode.value)
            action.setToolTip(self.tr("{mode} view ({shortcut})").format(mode=mode.label, shortcut=shortcut))
            self._group.addAction(action)
            self._actions[mode] = action
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setAccessibleName(self.tr("{mode} view").format(mode=mode.label))
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            layout.addWidget(button)
        self._mode = ViewMode.GRID
        self._actions[self._mode].setChecked(True)
        self._group.triggered.connect(self._triggered)

    def mode_actions(self) -> list[QAction]:
        return list(self._actions.values())

    def view_mode(self) -> ViewMode:
        return self._mode

    def set_view_mode(self, mode: ViewMode) -> None:
        self._actions[mode].setChecked(True)
        self._changed(mode)

    def _triggered(self, action: QAction) -> None:
        self._changed(ViewMode(action.data()))

    def _changed(self, mode: ViewMode) -> None:
        if mode is not self._mode:
            self._mode = mode
            self.view_mode_changed.emit(mode.value)
