"""ContentHeader: the strip above the content area's items: what is shown, whether it is indexed, how many
items, and the filter box."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QFileIconProvider, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from spacedrive.domain.location import LocationInfo
from ui.formatting import items_text
from ui.models.folder import display_name
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.filter_box import FilterBox

_BADGE_STYLE = "QLabel { border: 1px solid palette(mid); border-radius: 9px; padding: 1px 8px; }"
ICON_SIZE = 32


@dataclass(frozen=True, slots=True)
class Listed:
    """What the header summarizes once a listing is complete."""

    #: Items shown, and items the folder (or tag) has, shown or not.
    count: int
    total: int
    #: The location the folder is in (None outside every location, and for a tag).
    location: LocationInfo | None
    #: Whether the rows came from the index (None when there are none).
    from_index: bool | None
    filter_text: str
    media_only: bool
    tag: bool = False


class ContentHeader(QWidget):
    """A folder's (or tag's) icon, name and path, the index badge, the item count and the filter box.

    ``show_listed`` returns the message the content area shows in place of its items when none are
    shown (an empty folder, nothing matching the filter...), or "".
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Content header"))
        self._folder_pixmap = QFileIconProvider().icon(QFileIconProvider.IconType.Folder).pixmap(ICON_SIZE)
        self.folder_icon = QLabel()
        self.folder_icon.setPixmap(self._folder_pixmap)
        self.folder_icon.setAccessibleName(self.tr("Folder icon"))
        self.title_label = ElidedLabel(Qt.TextElideMode.ElideRight)
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.title_label.setAccessibleName(self.tr("Folder name"))
        self.path_label = ElidedLabel()
        self.path_label.setEnabled(False)  # the palette's muted text color
        self.path_label.setAccessibleName(self.tr("Folder path"))
        self.count_label = QLabel()
        self.count_label.setEnabled(False)
        self.count_label.setAccessibleName(self.tr("Item count"))
        self.index_label = QLabel()
        self.index_label.setStyleSheet(_BADGE_STYLE)
        self.index_label.setAccessibleName(self.tr("Index state"))
        self.index_label.hide()
        self.filter_box = FilterBox()
        self.filter_box.setMaximumWidth(220)
        # In a narrow pane (split view) the filter box gives up width before the folder's name does.
        self.filter_box.setMinimumWidth(90)
        self.filter_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.title_label.setMinimumWidth(80)
        self.path_label.setMinimumWidth(80)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title_label)
        titles.addWidget(self.path_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)
        layout.addWidget(self.folder_icon)
        layout.addLayout(titles, 1)
        layout.addWidget(self.index_label, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.filter_box, 0, Qt.AlignmentFlag.AlignBottom)

    def show_folder(self, path: Path) -> None:
        """A folder is being listed: its name and path; counts and badge wait for the listing."""
        self.folder_icon.setPixmap(self._folder_pixmap)
        self.title_label.setText(display_name(path.name) or display_name(str(path)))
        self.path_label.setText(display_name(str(path)))
        self.title_label.setAccessibleName(self.tr("Folder name"))
        self._reset()

    def show_tag(self, name: str, icon: QIcon) -> None:
        """Everything carrying a tag is being listed."""
        self.folder_icon.setPixmap(icon.pixmap(ICON_SIZE))
        self.title_label.setText(name)
        self.path_label.setText(self.tr("Files and folders tagged “{name}”").format(name=name))
        self.title_label.setAccessibleName(self.tr("Tag name"))
        self._reset()

    def _reset(self) -> None:
        self.count_label.clear()
        self.index_label.hide()
        self.filter_box.clear()

    def show_error(self) -> None:
        self.count_label.clear()
        self.index_label.hide()

    def show_listed(self, listed: Listed) -> str:
        """Show the count and the index state; the message standing in for no items ("" when some)."""
        found = listed.location
        scanning = found is not None and found.scan_state == "scanning"
        # Every row of a listing comes from the same place; an empty folder counts as indexed once its
        # location has been scanned.
        indexed = listed.from_index
        if indexed is None:
            indexed = found is not None and found.last_scan_at is not None and not scanning
        # An empty listing of a folder being indexed only means its entries are not written yet.
        self.count_label.setText("" if scanning and not listed.total else items_text(listed.count))
        if listed.tag:
            self.index_label.hide()
        else:
            self._show_index_state(found, bool(indexed), scanning)
        if listed.count:
            return ""
        if not listed.total:
            if listed.tag:
                return self.tr("Nothing carries this tag yet.")
            return self.tr("This folder is being indexed…") if scanning else self.tr("This folder is empty.")
        if listed.filter_text:
            return self.tr("No items match “{text}”.").format(text=self.filter_box.text())
        if listed.media_only:
            return self.tr("There are no images or videos here.")
        return self.tr("Only hidden items are here; Ctrl+H shows them.")

    def _show_index_state(self, found: LocationInfo | None, indexed: bool, scanning: bool) -> None:
        if indexed:
            self.index_label.setText(self.tr("Indexed"))
            self.index_label.setToolTip(
                self.tr("Listed from the library's index of the location “{name}”").format(
                    name=found.name if found else ""
                )
            )
        elif scanning:
            self.index_label.setText(self.tr("Indexing…"))
            self.index_label.setToolTip(self.tr("This folder is being indexed"))
        else:
            self.index_label.setText(self.tr("Not indexed"))
            self.index_label.setToolTip(
                self.tr("Listed live from the disk; add it as a location to index it")
                if found is None
                else self.tr("Listed live from the disk; its location has not indexed it yet")
            )
        self.index_label.show()
