"""DeviceActions: the Devices menu (networking on/off, pairing, sending), the sidebar's Devices section kept
current from the core's events, Spacedrop sends (menus, file picker, drops) and incoming offers.

Networking needs this device's network key; a key encrypted by ``network init --password`` is unlocked in
``UnlockKeyDialog`` wherever networking is turned on, and at start when it was left on."""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from spacedrive.core import Core
from spacedrive.domain import events as ev
from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.net import identity as idm
from spacedrive.operations import api
from ui.dialogs.pairing import PairingDialog
from ui.dialogs.pairing_join import network_error_text
from ui.dialogs.prompts import confirm_destructive, finished, message_box, show_error
from ui.dialogs.spacedrop import SpacedropPrompter
from ui.dialogs.unlock_key import UnlockKeyDialog
from ui.dnd import DropRequest
from ui.models.devices import DeviceItem, listed_devices
from ui.models.sidebar import SidebarModel
from ui.tasks import TaskSet

if TYPE_CHECKING:
    from ui.bridge import CoreBridge
    from ui.widgets.sidebar import Sidebar


class DeviceActions(QObject):
    """Everything the window does with other devices. Networking stays off until the user turns it on
    (Devices › Enable Networking, remembered for the next start); sending or pairing while it is off
    offers to turn it on."""

    def __init__(
        self,
        core: Core,
        bridge: CoreBridge,
        sidebar_model: SidebarModel,
        window: QWidget,
        tasks: TaskSet,
    ) -> None:
        super().__init__(window)
        self._core = core
        self._bridge = bridge
        self._model = sidebar_model
        self._window = window
        self._tasks = tasks
        #: The selection the main menu's "Send to Device" sends (the window sets it).
        self.selection: Any = lambda: []
        self.pairing_dialog: PairingDialog | None = None
        #: Open while the network key's password is asked for.
        self.unlock_dialog: UnlockKeyDialog | None = None
        self.offers = SpacedropPrompter(core, window)

        self.networking_action = QAction(self.tr("Enable &Networking"), self)
        self.networking_action.setCheckable(True)
        self.networking_action.setToolTip(
            self.tr("Let paired devices reach this one, and pair new ones (Spacedrop, pairing)")
        )
        self.networking_action.triggered.connect(lambda on: tasks.spawn(self.set_networking(on)))
        self.pair_action = QAction(self.tr("&Pair a Device…"), self)
        self.pair_action.triggered.connect(lambda: tasks.spawn(self.open_pairing()))
        self.send_menu_action: QAction | None = None

        bridge.network_state_changed.connect(self._network_changed)
        for signal in (bridge.device_paired, bridge.device_revoked):
            signal.connect(self.refresh)
        bridge.device_connectivity_changed.connect(self._connectivity_changed)
        bridge.spacedrop_offered.connect(self.offers.offered)
        bridge.spacedrop_answered.connect(self.offers.answered)
        self._network_changed()
        self.offers.show_pending()
        if core.config.networking_enabled and not self.running and idm.is_encrypted(core.data_dir):
            # Networking was left on, but Core.start could not turn it on again: the key wants its password.
            tasks.spawn(self.set_networking(True, resuming=True))

    # ---- wiring ----------------------------------------------------------------------------------------

    def build_menu(self, menu: QMenu) -> None:
        """Fill the main window's Devices menu."""
        menu.setToolTipsVisible(True)
        menu.addAction(self.networking_action)
        menu.addSeparator()
        menu.addAction(self.pair_action)
        send = QMenu(self.tr("&Send Selection to Device"), menu)
        send.setToolTipsVisible(True)
        send.aboutToShow.connect(lambda: self._fill_send_menu(send, self.selection()))
        self.send_menu_action = menu.addMenu(send)
        menu.aboutToShow.connect(self._update_send_action)

    def connect_sidebar(self, sidebar: Sidebar) -> None:
        sidebar.send_files_requested.connect(lambda device: self._tasks.spawn(self.choose_and_send(device)))
        sidebar.unpair_requested.connect(lambda device: self._tasks.spawn(self.unpair(device)))
        sidebar.pair_device_requested.connect(lambda: self._tasks.spawn(self.open_pairing()))

    @property
    def running(self) -> bool:
        return self._core.network.running

    def paired_devices(self) -> list[DeviceItem]:
        """The paired devices as the sidebar shows them, the online ones first, then by name."""
        items = [d for d in self._model.devices() if not d.this_device]
        return sorted(items, key=lambda d: (not d.online, d.name.casefold(), d.id))

    def refresh(self, *_args: object, online: dict[str, bool] | None = None) -> None:
        """Show this device and the paired ones in the sidebar, with their online state (``online``: what
        an event just said, in case the service's own record moved on since)."""
        items = listed_devices(self._core)
        if online:
            items = [
                d if d.this_device else dataclasses.replace(d, online=online.get(d.id, d.online))
                for d in items
            ]
        self._model.set_devices([*items])

    def _connectivity_changed(self, event: ev.DeviceConnectivityChanged) -> None:
        self.refresh(online={event.device_id: event.online})

    def _network_changed(self, *_args: object) -> None:
        self.networking_action.setChecked(self.running)
        self.refresh()
        if self.running:
            self.offers.show_pending()
            if self.unlock_dialog is not None and shiboken6.isValid(self.unlock_dialog):
                self.unlock_dialog.reject()  # turned on meanwhile (by the CLI, through the control socket)

    # ---- menus -----------------------------------------------------------------------------------------

    def send_menu(self, parent: QMenu, paths: list[bytes]) -> QMenu:
        """ "Send to Device" for the content's context menu: one entry per paired device, online first."""
        menu = QMenu(self.tr("Send to &Device"), parent)
        menu.setAccessibleName(self.tr("Send to device"))
        menu.setToolTipsVisible(True)
        self._fill_send_menu(menu, paths)
        return menu

    def _fill_send_menu(self, menu: QMenu, paths: list[bytes]) -> None:
        menu.clear()
        devices = self.paired_devices()
        if not devices:
            none = menu.addAction(self.tr("No paired devices"))
            none.setEnabled(False)
            none.setToolTip(self.tr("Pair a device first: Devices › Pair a Device…"))
            menu.setToolTip(none.toolTip())
            menu.addSeparator()
            menu.addAction(self.pair_action)
            return
        for device in devices:
            text = device.title if device.online else self.tr("{name} (offline)").format(name=device.title)
            action = menu.addAction(text)
            action.setEnabled(bool(paths))
            action.setToolTip(
                self.tr("Send the selected items to {name}").format(name=device.title)
                if paths
                else self.tr("Select the files to send first")
            )
            action.triggered.connect(lambda _=False, d=device.id: self._tasks.spawn(self.send(d, paths)))

    def _update_send_action(self) -> None:
        if self.send_menu_action is None:
            return
        has_devices = bool(self.paired_devices())
        self.send_menu_action.setToolTip("" if has_devices else self.tr("No paired devices yet"))

    # ---- networking ------------------------------------------------------------------------------------

    async def set_networking(self, on: bool, resuming: bool = False) -> None:
        """Turn networking on (remembered for the next start) or off; ``resuming``: it was left on, and
        the start could not turn it on again."""
        try:
            if on:
                await self._start_network(resuming)
            else:
                await self._core.network.stop()
                self._core.config.networking_enabled = False
                self._core.config.save()
        except SpacedriveError as e:
            if shiboken6.isValid(self._window):
                show_error(self._window, self.tr("Networking could not be changed"), network_error_text(e))
        if shiboken6.isValid(self):
            self._network_changed()

    async def _start_network(self, resuming: bool) -> None:
        """Start networking; a key locked by a password is unlocked first, asking until the password is
        right or the user cancels (networking then stays off)."""
        try:
            await self._core.start_network(remember=True)
            return
        except idm.KeyLocked as e:
            from_environment = e.wrong  # only $SPACEDRIVE_KEY_PASSWORD can have been tried
        self.networking_action.setChecked(False)  # clicking it checked it; it is not on yet
        if self.unlock_dialog is not None and shiboken6.isValid(self.unlock_dialog):
            self.unlock_dialog.raise_()  # already asking
            self.unlock_dialog.activateWindow()
            return
        intro = (
            self.tr("Networking was on when Spacedrive last ran.")
            if resuming
            else self.tr("Networking needs this device's network key.")
        )
        dialog = UnlockKeyDialog(
            intro + " " + self.tr("Enter the password that protects it to turn networking on."), self._window
        )
        self.unlock_dialog = dialog
        if from_environment:
            dialog.wrong(self.tr("The password in ${name} is wrong.").format(name=idm.PASSWORD_ENV))
        try:
            while (password := await dialog.next_password()) is not None:
                try:
                    await self._core.start_network(remember=True, password=password)
                    return
                except idm.KeyLocked as e:
                    dialog.wrong(self.tr("Wrong password") if e.wrong else self.tr("Enter the password."))
        finally:
            self.unlock_dialog = None
            if shiboken6.isValid(dialog):
                dialog.done(0)
                dialog.deleteLater()

    async def ensure_networking(self, why: str) -> bool:
        """Whether networking is on, after offering to turn it on (``why`` says what needs it)."""
        if self.running:
            return True
        box = message_box(
            self._window,
            QMessageBox.Icon.Question,
            self.tr("Networking Is Off"),
            why,
            self.tr("Networking lets paired devices reach this one. It stays on until you turn it off."),
        )
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        turn_on = box.addButton(self.tr("Turn &On Networking"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(turn_on)
        await finished(box)
        if not shiboken6.isValid(box) or box.clickedButton() is not turn_on:
            return False
        box.deleteLater()
        await self.set_networking(True)
        return self.running

    # ---- pairing ---------------------------------------------------------------------------------------

    async def open_pairing(self, enter_code: bool = False) -> PairingDialog | None:
        """Show the pairing dialog (turning networking on first, if the user agrees)."""
        if not await self.ensure_networking(self.tr("Pairing needs networking.")):
            return None
        dialog = self.pairing_dialog
        if dialog is None or not shiboken6.isValid(dialog):
            dialog = PairingDialog(self._core, self._bridge, self._tasks, self._window)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(self._pairing_closed)
            dialog.paired.connect(self.refresh)
            self.pairing_dialog = dialog
        if enter_code:
            dialog.enter_code()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _pairing_closed(self) -> None:
        self.pairing_dialog = None

    async def unpair(self, device_id: str) -> None:
        device = next((d for d in self.paired_devices() if d.id == device_id), None)
        if device is None:
            return
        box = message_box(
            self._window,
            QMessageBox.Icon.Warning,
            self.tr("Unpair Device"),
            self.tr("Unpair “{name}”?").format(name=device.title),
            self.tr(
                "It will no longer be able to send files here, nor this device to it, until you pair again."
            ),
        )
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        if not await confirm_destructive(box, self.tr("&Unpair")):
            return
        try:
            await self._core.network.revoke(device_id)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The device could not be unpaired"), e.message)
        self.refresh()

    # ---- Spacedrop -------------------------------------------------------------------------------------

    def drop(self, request: DropRequest) -> None:
        """Files dropped onto a device's row are sent there."""
        if request.target.device is not None:
            self._tasks.spawn(self.send(request.target.device, list(request.paths)))

    async def choose_and_send(self, device_id: str) -> None:
        """Ask for files (a non-blocking file dialog), then send them."""
        chooser = QFileDialog(self._window, self.tr("Send Files"))
        chooser.setFileMode(QFileDialog.FileMode.ExistingFiles)
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        chooser.setLabelText(QFileDialog.DialogLabel.Accept, self.tr("Send"))
        result = await finished(chooser)
        if not shiboken6.isValid(chooser):
            return
        files = chooser.selectedFiles()
        chooser.deleteLater()
        if result == QFileDialog.DialogCode.Accepted and files:
            await self.send(device_id, [os.fsencode(f) for f in files])

    async def send(self, device_id: str, paths: list[bytes]) -> None:
        """Start a Spacedrop job (its progress shows in the jobs panel); networking off is explained."""
        if not paths:
            return
        if not await self.ensure_networking(self.tr("Sending files to another device needs networking.")):
            return
        params = {"device": device_id, "paths": [os.fsdecode(p) for p in paths]}
        try:
            await api.execute(self._core, "network.spacedrop", params)
        except SpacedriveError as e:
            if shiboken6.isValid(self._window):
                show_error(self._window, self.tr("The files could not be sent"), network_error_text(e))
