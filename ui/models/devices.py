"""The Devices section's rows: this device and the paired ones, each with an online dot on its icon.

Devices often share a name (two "MacBook Pro"s, every test VM "vm"): wherever devices are listed, one whose
name another listed device (this one included) also has is labelled with its short id: "vm · 5f3a-9c21-0b7e".
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from spacedrive.domain.device import Device
from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.net import identity as idm
from ui.formatting import ago, date_time
from ui.icons import themed_icon

if TYPE_CHECKING:
    from spacedrive.core import Core

log = logging.getLogger(__name__)

#: Colour of the dot on the icon of a device that is reachable now, and of one that is not.
ONLINE_COLOR = "#2fb344"
OFFLINE_COLOR = "#9a9a9a"
_ICON_SIZES = (16, 22, 24, 32, 48)


@dataclass(frozen=True, slots=True)
class DeviceItem:
    """A row of the Devices section: this device (``this_device``) or a paired one (``id`` is its
    network device id)."""

    id: str
    name: str
    os: str = ""
    os_version: str = ""
    model: str = ""
    this_device: bool = False
    #: A paired device answered lately; for this device: networking is on.
    online: bool = False
    #: Unix seconds; 0 when never seen (paired devices only).
    last_seen: int = 0
    paired_at: int = 0
    #: The network device id ("" for this device while it has no network identity).
    network_id: str = ""
    #: The name as listed (``labelled``): with the short id when another listed device has the same name.
    label: str = ""

    @classmethod
    def local(cls, device: Device, networking: bool = False, network_id: str = "") -> DeviceItem:
        return cls(
            id=str(device.id),
            name=device.name,
            os=device.os,
            os_version=device.os_version,
            model=device.hardware_model,
            this_device=True,
            online=networking,
            network_id=network_id,
        )

    @classmethod
    def paired(cls, info: Mapping[str, Any]) -> DeviceItem:
        """From one of ``NetworkService.device_list()``'s dicts."""
        return cls(
            id=str(info["device_id"]),
            name=str(info.get("name") or info["device_id"][:8]),
            os=str(info.get("os") or ""),
            os_version=str(info.get("os_version") or ""),
            model=str(info.get("model") or ""),
            online=bool(info.get("online")),
            last_seen=int(info.get("last_seen") or 0),
            paired_at=int(info.get("paired_at") or 0),
            network_id=str(info["device_id"]),
        )

    @property
    def system(self) -> str:
        return " ".join(part for part in (self.os, self.os_version) if part)

    @property
    def title(self) -> str:
        """What lists show: the label, or the name of an item that was never labelled."""
        return self.label or self.name


def _same_name(name: str) -> str:
    return name.strip().casefold()


def name_with_id(name: str, network_id: str) -> str:
    """ "vm · 5f3a-9c21-0b7e"; just the name when the device has no network id yet."""
    if not network_id:
        return name
    return QCoreApplication.translate("Devices", "{name} · {id}").format(
        name=name, id=idm.short_id(network_id)
    )


def labelled(items: Iterable[DeviceItem]) -> list[DeviceItem]:
    """``items`` with their labels: the name, with the short id where another item has the same name."""
    items = list(items)
    counts = Counter(_same_name(d.name) for d in items)
    return [
        dataclasses.replace(
            d, label=name_with_id(d.name, d.network_id) if counts[_same_name(d.name)] > 1 else d.name
        )
        for d in items
    ]


def label_among(network_id: str, name: str, listed: Iterable[DeviceItem]) -> str:
    """How to call a device that may not be listed yet (an offer's sender, a device asking to pair): its
    name, with its short id when a listed device other than it has the same name."""
    clash = any(d.network_id != network_id and _same_name(d.name) == _same_name(name) for d in listed)
    return name_with_id(name, network_id) if clash else name


def this_network_id(core: Core) -> str:
    """This device's network id: its identity's, also while the key is locked (the certificate is not
    encrypted); "" before networking was ever on."""
    identity = core.network.identity
    if identity is not None:
        return identity.device_id
    return idm.read_device_id(core.data_dir) or ""


def listed_devices(core: Core) -> list[DeviceItem]:
    """This device, then the paired ones by name, labelled; an unreadable devices file lists none."""
    local = DeviceItem.local(core.device, core.network.running, this_network_id(core))
    try:
        infos = core.network.device_list()
    except SpacedriveError as e:  # the section says nothing rather than fail
        log.warning("paired devices not listed: %s", e.message)
        infos = []
    paired = sorted((DeviceItem.paired(info) for info in infos), key=lambda d: (_same_name(d.name), d.id))
    return labelled([local, *paired])


def status_text(item: DeviceItem) -> str:
    """ "Online", "Offline, last seen 5 minutes ago"; for this device, whether networking is on."""
    tr = QCoreApplication.translate
    if item.this_device:
        return tr("Devices", "Networking on") if item.online else tr("Devices", "Networking off")
    if item.online:
        return tr("Devices", "Online")
    if item.last_seen:
        return tr("Devices", "Offline, last seen {when}").format(when=ago(item.last_seen))
    return tr("Devices", "Offline, not seen since pairing")


def tooltip(item: DeviceItem) -> str:
    tr = QCoreApplication.translate
    lines = [tr("Devices", "This device") if item.this_device else item.name, status_text(item)]
    if item.system:
        lines.append(item.system)
    if item.model:
        lines.append(item.model)
    if item.paired_at:
        lines.append(tr("Devices", "Paired {when}").format(when=date_time(item.paired_at)))
    if item.network_id:
        lines.append(tr("Devices", "ID {id}").format(id=idm.short_id(item.network_id)))
    return "\n".join(lines)


@functools.cache
def device_icon(online: bool) -> QIcon:
    """The computer icon with a green (online) or grey (offline) dot at its lower right."""
    base = themed_icon(("computer",), "device")
    icon = QIcon()
    for size in _ICON_SIZES:
        pixmap = QPixmap(QSize(size, size))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base.paint(painter, 0, 0, size, size)
        diameter = max(6.0, size * 0.42)
        dot = QRectF(size - diameter, size - diameter, diameter, diameter).adjusted(0.5, 0.5, -0.5, -0.5)
        if online:
            painter.setPen(QColor("#ffffff"))
            painter.setBrush(QColor(ONLINE_COLOR))
        else:  # a ring, so the two states differ by shape as well as colour
            pen = QPen(QColor(OFFLINE_COLOR))
            pen.setWidthF(max(1.5, diameter / 4))
            painter.setPen(pen)
            painter.setBrush(QColor("#ffffff"))
            dot = dot.adjusted(pen.widthF() / 2, pen.widthF() / 2, -pen.widthF() / 2, -pen.widthF() / 2)
        painter.drawEllipse(dot)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def device_data(item: DeviceItem, role: int) -> Any:
    """The model's data for a device row (``DEVICE_ROLE`` is answered by the model itself)."""
    if role == Qt.ItemDataRole.DisplayRole:
        return item.title
    if role == Qt.ItemDataRole.DecorationRole:
        return device_icon(item.online)
    if role == Qt.ItemDataRole.ToolTipRole:
        return tooltip(item)
    if role == Qt.ItemDataRole.AccessibleDescriptionRole:
        return status_text(item)
    return None
