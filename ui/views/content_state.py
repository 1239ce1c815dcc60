"""What a content view remembers between sessions (view mode, sort, zoom per view, hidden files, the
details columns), in QSettings, and the zoom range of each view."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt

from ui.models.folder import Column
from ui.widgets.view_mode import ViewMode

if TYPE_CHECKING:
    from ui.views.content import ContentView

#: Per view mode: smallest, largest and default icon size, and the zoom step (pixels).
ZOOM: dict[ViewMode, tuple[int, int, int, int]] = {
    ViewMode.GRID: (32, 256, 64, 16),
    ViewMode.DETAILS: (16, 64, 16, 8),
    ViewMode.COLUMNS: (16, 64, 16, 8),
    ViewMode.MEDIA: (32, 256, 128, 16),
}


def save(content: ContentView, settings: QSettings) -> None:
    """Remember the view mode, sort order, zoom per view, hidden files and the details columns."""
    settings.setValue("view/mode", content.view_mode().value)
    settings.setValue("view/sort_column", content.model.sort_column().name.lower())
    descending = content.model.sort_order() == Qt.SortOrder.DescendingOrder
    settings.setValue("view/sort_order", "descending" if descending else "ascending")
    for mode, size in content.zoom_sizes.items():
        settings.setValue(f"view/zoom_{mode.value}", size)
    settings.setValue("view/show_hidden", content.show_hidden())
    settings.setValue("view/details_header", content.details_view.header().saveState())


def restore(content: ContentView, settings: QSettings) -> None:
    """Apply what ``save`` remembered; values missing or not understood keep the defaults."""
    header = settings.value("view/details_header")
    if header is not None:
        content.details_view.header().restoreState(header)
    for mode in ViewMode:
        with contextlib.suppress(TypeError, ValueError):
            stored = settings.value(f"view/zoom_{mode.value}", content.zoom_sizes[mode])
            content.zoom_sizes[mode] = int(stored)
        low, high, _, _ = ZOOM[mode]
        content.zoom_sizes[mode] = max(low, min(high, content.zoom_sizes[mode]))
    content.set_show_hidden(settings.value("view/show_hidden", False, type=bool))
    column = str(settings.value("view/sort_column", "name")).upper()
    descending = settings.value("view/sort_order", "ascending") == "descending"
    content.sort_by(
        Column[column] if column in Column.__members__ else Column.NAME,
        Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder,
    )
    mode = str(settings.value("view/mode", content.view_mode().value))
    if mode in set(ViewMode):
        content.set_view_mode(ViewMode(mode))
    content.set_zoom(content.icon_size())
