"""The Devices section's rows: this device and the paired ones, each with an online dot on its icon."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from spacedrive.domain.device import Device
from ui.formatting import ago, date_time
from ui.icons import themed_icon

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

    @classmethod
    def local(cls, device: Device, networking: bool = False) -> DeviceItem:
        return cls(
            id=str(device.id),
            name=device.name,
            os=device.os,
            os_version=device.os_version,
            model=device.hardware_model,
            this_device=True,
            online=networking,
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
        )

    @property
    def system(self) -> str:
        return " ".join(part for part in (self.os, self.os_version) if part)


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
        return item.name
    if role == Qt.ItemDataRole.DecorationRole:
        return device_icon(item.online)
    if role == Qt.ItemDataRole.ToolTipRole:
        return tooltip(item)
    if role == Qt.ItemDataRole.AccessibleDescriptionRole:
        return status_text(item)
    return None
