"""The Devices section's context menu: send files to a paired device, unpair it, pair a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from ui.models.devices import DeviceItem
from ui.models.sidebar import DEVICE_ROLE, Section

if TYPE_CHECKING:
    from ui.widgets.sidebar import Sidebar


def device_at(index: QModelIndex) -> DeviceItem | None:
    item = index.data(DEVICE_ROLE)
    return item if isinstance(item, DeviceItem) else None


def device_menu(sidebar: Sidebar, index: QModelIndex) -> QMenu | None:
    """Send Files… and Unpair… for a paired device's row, Pair a Device… for every row of the section."""
    devices = sidebar.model().section_index(Section.DEVICES)  # type: ignore[attr-defined]
    if index != devices and index.parent() != devices:
        return None
    menu = QMenu(sidebar)
    menu.setAccessibleName(sidebar.tr("Device menu"))
    item = device_at(index)
    if item is not None and not item.this_device:
        send = QAction(sidebar.tr("&Send Files…"), menu)
        send.setToolTip(sidebar.tr("Choose files to send to {name}").format(name=item.title))
        send.triggered.connect(lambda: sidebar.send_files_requested.emit(item.id))
        unpair = QAction(sidebar.tr("&Unpair…"), menu)
        unpair.triggered.connect(lambda: sidebar.unpair_requested.emit(item.id))
        menu.addActions([send, unpair])
        menu.addSeparator()
    pair = QAction(sidebar.tr("&Pair a Device…"), menu)
    pair.triggered.connect(sidebar.pair_device_requested)
    menu.addAction(pair)
    return menu
