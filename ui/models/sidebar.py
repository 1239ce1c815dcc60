"""SidebarModel: the sidebar's tree of sections (Libraries, Locations, Volumes, Favourites, Tags, Devices,
Recent)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont, QGuiApplication, QIcon

from spacedrive.domain.device import Device
from spacedrive.domain.library import LibraryInfo
from spacedrive.domain.location import LocationInfo
from spacedrive.domain.tag import Tag
from spacedrive.domain.volume import Volume
from ui.formatting import ago, data_size, files_text
from ui.icons import tag_icon, themed_icon
from ui.models.devices import DeviceItem, device_data

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class Section(enum.IntEnum):
    LIBRARIES = 0
    LOCATIONS = 1
    VOLUMES = 2
    FAVOURITES = 3
    TAGS = 4
    DEVICES = 5
    RECENT = 6


class ItemKind(enum.Enum):
    SECTION = "section"
    LIBRARY = "library"
    LOCATION = "location"
    VOLUME = "volume"
    DEVICE = "device"
    FAVOURITE = "favourite"
    RECENT = "recent"
    TAG = "tag"
    #: The greyed "None yet" row of a section with nothing in it.
    PLACEHOLDER = "placeholder"


#: The row's ``ItemKind``.
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
#: The library's UUID (library rows only).
LIBRARY_ID_ROLE = Qt.ItemDataRole.UserRole + 2
#: The library's ``LibraryInfo`` (library rows only).
LIBRARY_INFO_ROLE = Qt.ItemDataRole.UserRole + 3
#: The location's ``LocationInfo`` (location rows only).
LOCATION_INFO_ROLE = Qt.ItemDataRole.UserRole + 4
#: The ``Volume`` (volume rows only).
VOLUME_ROLE = Qt.ItemDataRole.UserRole + 5
#: The folder a location, volume, favourite or recent row shows in the content area (str, exact).
PATH_ROLE = Qt.ItemDataRole.UserRole + 6
#: A volume's used share of its capacity, 0.0 to 1.0 (None while the capacity is unknown).
USAGE_ROLE = Qt.ItemDataRole.UserRole + 7
#: A short state drawn muted at the row's right: "scanning…" for a location being indexed, else "".
BADGE_ROLE = Qt.ItemDataRole.UserRole + 8
#: On a section row: the tooltip of its "+" button (Libraries, Locations), None when it has none.
ADD_ROLE = Qt.ItemDataRole.UserRole + 9
#: The ``Place`` (favourite and recent rows only).
PLACE_ROLE = Qt.ItemDataRole.UserRole + 10
#: The ``Tag`` (tag rows only).
TAG_ROLE = Qt.ItemDataRole.UserRole + 11
#: The ``ui.models.devices.DeviceItem`` (device rows only).
DEVICE_ROLE = Qt.ItemDataRole.UserRole + 12


@dataclass(frozen=True, slots=True)
class Place:
    """A folder in the Favourites or Recent section."""

    #: What the row says (a standard folder's translated name, else the folder's name).
    name: str
    #: The folder, exact (``os.fsdecode`` of its bytes).
    path: str
    #: A theme icon name ("user-home", "folder-documents"...); a plain folder icon when the theme lacks it.
    icon: str = "folder"
    #: Added by the user, so they may remove it (the standard folders stay while they exist).
    removable: bool = False


@dataclass(frozen=True, slots=True)
class _Row:
    kind: ItemKind
    library: LibraryInfo | None = None
    location: LocationInfo | None = None
    volume: Volume | None = None
    device: DeviceItem | None = None
    place: Place | None = None
    tag: Tag | None = None


_PLACEHOLDER = _Row(ItemKind.PLACEHOLDER)

# Internal ids: 0 for a section row; section + 1 for a row inside that section.
_SECTION_ID = 0


class SidebarModel(QAbstractItemModel):
    """Sections at the top level, their items one level down, fed by the ``set_*`` methods.

    Libraries that cannot be opened (locked by another process, corrupt, too new) are disabled rows with
    the reason as tooltip; the current library is bold. Locations carry their scan state, volumes their
    used capacity (``USAGE_ROLE``), which the sidebar's delegate draws as a bar.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: dict[Section, list[_Row]] = {section: [_PLACEHOLDER] for section in Section}
        self._library_icon: QIcon = themed_icon(("folder-library", "x-office-address-book"), "library")
        self._location_icon: QIcon = themed_icon(("folder",), "location")
        self._volume_icon: QIcon = themed_icon(("drive-harddisk",), "volume")
        self._removable_icon: QIcon = themed_icon(("drive-removable-media",), "volume")
        self._network_icon: QIcon = themed_icon(("folder-remote", "network-server"), "volume")
        self._place_icons: dict[str, QIcon] = {}

    # ---- feeding ---------------------------------------------------------------------------------------

    def set_libraries(self, libraries: list[LibraryInfo]) -> None:
        self._set_rows(Section.LIBRARIES, [_Row(ItemKind.LIBRARY, library=info) for info in libraries])

    def set_locations(self, locations: list[LocationInfo]) -> None:
        self._set_rows(Section.LOCATIONS, [_Row(ItemKind.LOCATION, location=info) for info in locations])

    def set_volumes(self, volumes: list[Volume]) -> None:
        self._set_rows(Section.VOLUMES, [_Row(ItemKind.VOLUME, volume=volume) for volume in volumes])

    def set_favourites(self, places: list[Place]) -> None:
        self._set_rows(Section.FAVOURITES, [_Row(ItemKind.FAVOURITE, place=place) for place in places])

    def set_recent(self, places: list[Place]) -> None:
        self._set_rows(Section.RECENT, [_Row(ItemKind.RECENT, place=place) for place in places])

    def set_tags(self, tags: list[Tag]) -> None:
        self._set_rows(Section.TAGS, [_Row(ItemKind.TAG, tag=tag) for tag in tags])

    def tags(self) -> list[Tag]:
        return [row.tag for row in self._rows[Section.TAGS] if row.tag is not None]

    def is_favourite(self, path: str) -> bool:
        return any(row.place is not None and row.place.path == path for row in self._rows[Section.FAVOURITES])

    def locations(self) -> list[LocationInfo]:
        return [row.location for row in self._rows[Section.LOCATIONS] if row.location is not None]

    def set_devices(self, devices: list[Device | DeviceItem]) -> None:
        """This device first, then the paired ones (a core ``Device`` is this device, networking off)."""
        items = [DeviceItem.local(d) if isinstance(d, Device) else d for d in devices]
        self._set_rows(Section.DEVICES, [_Row(ItemKind.DEVICE, device=item) for item in items])

    def devices(self) -> list[DeviceItem]:
        return [row.device for row in self._rows[Section.DEVICES] if row.device is not None]

    def section_index(self, section: Section) -> QModelIndex:
        return self.createIndex(int(section), 0, _SECTION_ID)

    def _set_rows(self, section: Section, rows: list[_Row]) -> None:
        rows = rows or [_PLACEHOLDER]
        old = self._rows[section]
        parent = self.section_index(section)
        if [_identity(r) for r in old] == [_identity(r) for r in rows]:
            self._rows[section] = rows
            self.dataChanged.emit(self.index(0, 0, parent), self.index(len(rows) - 1, 0, parent))
            return
        # Remove and re-insert rather than reset, so views keep their expanded sections.
        self.beginRemoveRows(parent, 0, len(old) - 1)
        self._rows[section] = []
        self.endRemoveRows()
        self.beginInsertRows(parent, 0, len(rows) - 1)
        self._rows[section] = rows
        self.endInsertRows()

    # ---- QAbstractItemModel ----------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _SECTION_ID)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: ModelIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == _SECTION_ID:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _SECTION_ID)

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        if not parent.isValid():
            return len(Section)
        if parent.column() != 0 or parent.internalId() != _SECTION_ID:
            return 0
        return len(self._rows[Section(parent.row())])

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:
        return 1

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        row = self._row(index)
        if row is None:
            return Qt.ItemFlag.ItemIsEnabled
        if row.kind is ItemKind.PLACEHOLDER or (row.library is not None and row.library.problem):
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._row(index)
        if row is None:
            return self._section_data(Section(index.row()), role)
        if role == KIND_ROLE:
            return row.kind
        if row.library is not None:
            return self._library_data(row.library, role)
        if row.location is not None:
            return self._location_data(row.location, role)
        if row.volume is not None:
            return self._volume_data(row.volume, role)
        if row.device is not None:
            return self._device_data(row.device, role)
        if row.place is not None:
            return self._place_data(row.place, role)
        if row.tag is not None:
            return self._tag_data(row.tag, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.tr("None yet")
        return None

    # ---- internals -------------------------------------------------------------------------------------

    def _row(self, index: ModelIndex) -> _Row | None:
        """The item at ``index``, or None for a section row."""
        if index.internalId() == _SECTION_ID:
            return None
        return self._rows[Section(index.internalId() - 1)][index.row()]

    def _section_data(self, section: Section, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _section_title(section)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont(QGuiApplication.font())
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 0.9)
            return font
        if role == KIND_ROLE:
            return ItemKind.SECTION
        if role == ADD_ROLE:
            if section is Section.LIBRARIES:
                return self.tr("New Library…")
            if section is Section.LOCATIONS:
                return self.tr("Add Location…")
            if section is Section.TAGS:
                return self.tr("New Tag…")
        return None

    def _library_data(self, info: LibraryInfo, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return info.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._library_icon
        if role == Qt.ItemDataRole.FontRole and (info.is_current or not info.is_open):
            font = QFont(QGuiApplication.font())
            font.setBold(info.is_current)
            font.setItalic(not info.is_open)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if info.problem:
                return self.tr("Unavailable: {reason}").format(reason=info.problem)
            if info.is_current:
                return self.tr("Current library\n{path}").format(path=info.path)
            if not info.is_open:
                return self.tr("Closed; switch to it to open it again\n{path}").format(path=info.path)
            return info.path
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            if info.problem:
                return self.tr("Unavailable: {reason}").format(reason=info.problem)
            return self.tr("Current library") if info.is_current else ""
        if role == LIBRARY_ID_ROLE:
            return info.id
        if role == LIBRARY_INFO_ROLE:
            return info
        return None

    def _location_data(self, info: LocationInfo, role: int) -> Any:
        scanning = info.scan_state == "scanning"
        if role == Qt.ItemDataRole.DisplayRole:
            return info.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._location_icon
        if role == Qt.ItemDataRole.ToolTipRole:
            return _location_tooltip(info)
        if role == BADGE_ROLE:
            return self.tr("scanning…") if scanning else ""
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return self.tr("Scanning") if scanning else info.path
        if role == LOCATION_INFO_ROLE:
            return info
        if role == PATH_ROLE:
            return info.path
        return None

    def _volume_data(self, volume: Volume, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return volume.name or volume.mount_point
        if role == Qt.ItemDataRole.DecorationRole:
            if volume.is_network:
                return self._network_icon
            return self._removable_icon if volume.is_removable else self._volume_icon
        if role == Qt.ItemDataRole.FontRole and not volume.is_available:
            font = QFont(QGuiApplication.font())
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return _volume_tooltip(volume)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            if volume.total_capacity <= 0:
                return volume.mount_point
            return self.tr("{free} free of {total}").format(
                free=data_size(volume.available_capacity), total=data_size(volume.total_capacity)
            )
        if role == USAGE_ROLE:
            return volume.used_percent / 100 if volume.total_capacity > 0 else None
        if role == BADGE_ROLE:
            return "" if volume.is_available else self.tr("not responding")
        if role == VOLUME_ROLE:
            return volume
        if role == PATH_ROLE:
            return volume.mount_point
        return None

    def _place_data(self, place: Place, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return place.name
        if role == Qt.ItemDataRole.DecorationRole:
            icon = self._place_icons.get(place.icon)
            if icon is None:
                icon = themed_icon((place.icon, "folder"), "location")
                self._place_icons[place.icon] = icon
            return icon
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return _shown_path(place.path)
        if role == PLACE_ROLE:
            return place
        if role == PATH_ROLE:
            return place.path
        return None

    def _tag_data(self, tag: Tag, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return tag.name
        if role == Qt.ItemDataRole.DecorationRole:
            return tag_icon(tag.color)
        if role == BADGE_ROLE:
            return str(tag.file_count)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return self.tr("%n item(s) tagged", "", tag.file_count)
        if role == TAG_ROLE:
            return tag
        return None

    def _device_data(self, device: DeviceItem, role: int) -> Any:
        if role == BADGE_ROLE:
            return self.tr("this device") if device.this_device else ""
        return device if role == DEVICE_ROLE else device_data(device, role)


def _location_tooltip(info: LocationInfo) -> str:
    tr = QCoreApplication.translate
    lines = [info.path]
    if info.scan_state == "scanning":
        lines.append(tr("SidebarModel", "Scanning…"))
    if info.last_scan_at is not None:
        lines.append(
            tr("SidebarModel", "{files}, {size}").format(
                files=files_text(info.total_file_count), size=data_size(info.total_byte_size)
            )
        )
        lines.append(tr("SidebarModel", "Scanned {when}").format(when=ago(info.last_scan_at)))
    elif info.scan_state != "scanning":
        lines.append(tr("SidebarModel", "Not scanned yet"))
    if info.error_message:
        lines.append(info.error_message)
    if not info.watching:
        lines.append(tr("SidebarModel", "Changes on disk are picked up at the next scan"))
    return "\n".join(lines)


def _volume_tooltip(volume: Volume) -> str:
    tr = QCoreApplication.translate
    lines = [volume.mount_point]
    if volume.total_capacity > 0:
        lines.append(
            tr("SidebarModel", "{free} free of {total} ({percent} % used)").format(
                free=data_size(volume.available_capacity),
                total=data_size(volume.total_capacity),
                percent=round(volume.used_percent),
            )
        )
    flags = [volume.file_system]
    if volume.is_read_only:
        flags.append(tr("SidebarModel", "read-only"))
    if volume.is_removable:
        flags.append(tr("SidebarModel", "removable"))
    if volume.is_network:
        flags.append(tr("SidebarModel", "network"))
    if volume.is_system:
        flags.append(tr("SidebarModel", "system"))
    lines.append(" · ".join(flag for flag in flags if flag))
    if not volume.is_available:
        lines.append(tr("SidebarModel", "Not responding; the sizes shown are the last known"))
    return "\n".join(lines)


def _shown_path(path: str) -> str:
    """A path safe to show: bytes that are not UTF-8 become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _identity(row: _Row) -> object:
    if row.library is not None:
        return row.library.id
    if row.location is not None:
        return ("location", row.location.id)
    if row.volume is not None:
        return ("volume", row.volume.fingerprint)
    if row.device is not None:
        return ("device", row.device.id)
    if row.place is not None:
        return (row.kind, row.place.path)
    if row.tag is not None:
        return ("tag", row.tag.id)
    return row.kind


def _section_title(section: Section) -> str:
    titles = {
        Section.LIBRARIES: QCoreApplication.translate("SidebarModel", "Libraries"),
        Section.LOCATIONS: QCoreApplication.translate("SidebarModel", "Locations"),
        Section.VOLUMES: QCoreApplication.translate("SidebarModel", "Volumes"),
        Section.FAVOURITES: QCoreApplication.translate("SidebarModel", "Favourites"),
        Section.TAGS: QCoreApplication.translate("SidebarModel", "Tags"),
        Section.DEVICES: QCoreApplication.translate("SidebarModel", "Devices"),
        Section.RECENT: QCoreApplication.translate("SidebarModel", "Recent"),
    }
    return titles[section]
