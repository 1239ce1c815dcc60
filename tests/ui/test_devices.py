"""Devices in the GUI: the sidebar's paired devices and their online dots, devices of the same name told
apart, the pairing dialog (showing a code, typing one, pairing two in-process cores), incoming Spacedrop
offers, and a password-protected network key unlocked wherever networking is turned on."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from spacedrive.config import AppConfig
from spacedrive.core import Core
from spacedrive.domain import events as ev
from spacedrive.infrastructure.net import identity
from spacedrive.infrastructure.net.identity import short_id
from spacedrive.operations.network.service import NetworkService
from ui.bridge import CoreBridge
from ui.dialogs.pairing import PairingDialog
from ui.dialogs.spacedrop import OfferDialog
from ui.dialogs.unlock_key import UnlockKeyDialog
from ui.dnd import SEND, DropRequest, Target
from ui.models.devices import DeviceItem
from ui.models.sidebar import DEVICE_ROLE, Section
from ui.session import GuiSession
from ui.settings import open_settings
from ui.tasks import TaskSet
from ui.views.main_window import MainWindow

Runner = Callable[..., Any]


async def start_network(core: Core) -> None:
    # Loopback only, no mDNS: the tests give addresses, and discovery takes seconds to start.
    await core.network.start(port=0, host="127.0.0.1", discovery=False)


async def pair(initiator: Core, joiner: Core) -> dict[str, Any]:
    session = initiator.network.generate_code(auto_accept=True)
    return await joiner.network.join(" ".join(session.words), f"127.0.0.1:{initiator.network.port}")


@pytest.fixture
def other(run: Runner, tmp_path: Path) -> Iterator[Core]:
    """A second device in the same process, networking on."""
    core = Core(tmp_path / "other", mode="gui")
    run(core.start(ensure_default_library=True))
    run(start_network(core))
    try:
        yield core
    finally:
        run(core.stop())


@pytest.fixture
def window(session: GuiSession) -> MainWindow:
    assert session.window is not None
    return session.window


def device_rows(window: MainWindow) -> list[DeviceItem]:
    model = window.sidebar_model
    parent = model.section_index(Section.DEVICES)
    return [model.index(row, 0, parent).data(DEVICE_ROLE) for row in range(model.rowCount(parent))]


def device_index(window: MainWindow, device_id: str) -> Any:
    model = window.sidebar_model
    parent = model.section_index(Section.DEVICES)
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        if index.data(DEVICE_ROLE).id == device_id:
            return index
    raise AssertionError(f"{device_id} is not in the sidebar")


def visible(kind: type) -> Any:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def test_the_sidebar_lists_paired_devices_with_their_online_state(
    window: MainWindow, other: Core, run: Runner, wait, qtbot: QtBot
) -> None:
    core = window.core
    assert [d.this_device for d in device_rows(window)] == [True]
    actions = window.device_actions
    assert not actions.networking_action.isChecked()

    # A drop onto a device while networking is off explains why nothing is sent, and offers to turn it on.
    actions.drop(DropRequest((b"/etc/hostname",), Target(device="nobody"), SEND))
    wait(lambda: visible(QMessageBox) is not None)
    box = visible(QMessageBox)
    assert box.windowTitle() == "Networking Is Off" and "needs networking" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()

    run(start_network(core))
    wait(lambda: actions.networking_action.isChecked())
    assert device_rows(window)[0].online  # this device: networking on
    joined = run(pair(other, core))
    wait(lambda: len(device_rows(window)) == 2)
    peer = device_rows(window)[1]
    assert (peer.id, peer.name, peer.online) == (joined["device_id"], joined["name"], True)
    index = device_index(window, peer.id)
    assert index.data(Qt.ItemDataRole.ToolTipRole).splitlines()[:2] == [peer.name, "Online"]

    core.bus.emit(ev.DeviceConnectivityChanged(peer.id, False))
    wait(lambda: not device_index(window, peer.id).data(DEVICE_ROLE).online)
    tip = device_index(window, peer.id).data(Qt.ItemDataRole.ToolTipRole)
    assert "Offline, last seen just now" in tip
    assert device_index(window, peer.id).data(Qt.ItemDataRole.AccessibleDescriptionRole).startswith("Offline")

    # The device's row takes dropped files (the own device's does not), and its menu sends and unpairs.
    sidebar = window.sidebar
    sidebar.scrollTo(index)
    rect = sidebar.visualRect(device_index(window, peer.id))
    assert sidebar._drop_target(rect.center()) == Target(device=peer.id)
    own = sidebar.visualRect(device_index(window, device_rows(window)[0].id))
    assert sidebar._drop_target(own.center()) is None
    menu = sidebar.context_menu(device_index(window, peer.id))
    assert [a.text() for a in menu.actions() if a.text()] == ["&Send Files…", "&Unpair…", "&Pair a Device…"]

    # Send to Device lists it in the content's context menu.
    send = actions.send_menu(menu, [b"/etc/hostname"])
    assert [a.text() for a in send.actions()] == [f"{peer.title} (offline)"]


def shown_devices(window: MainWindow) -> list[str]:
    """The Devices section's rows as the user reads them."""
    model = window.sidebar_model
    parent = model.section_index(Section.DEVICES)
    return [model.index(row, 0, parent).data() for row in range(model.rowCount(parent))]


def test_devices_with_the_same_name_are_told_apart_by_their_short_ids(
    window: MainWindow, other: Core, run: Runner, wait, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = window.core
    run(start_network(core))
    joined = run(pair(other, core))
    wait(lambda: len(device_rows(window)) == 2)
    name, peer = core.device.name, joined["device_id"]
    assert other.device.name == name  # two instances on one machine are both named after it
    assert core.network.identity is not None
    own = core.network.identity.device_id
    assert shown_devices(window) == [f"{name} · {short_id(own)}", f"{name} · {short_id(peer)}"]
    parent = QMenu()
    send = window.device_actions.send_menu(parent, [b"/etc/hostname"])
    assert [a.text() for a in send.actions()] == [f"{name} · {short_id(peer)}"]

    # An offer from it says which of the two it is; one from a device whose name is unique does not.
    core.bus.emit(ev.SpacedropOffered("o1", peer, name, 1, 0, 10, ("x",)))
    wait(lambda: visible(OfferDialog) is not None)
    dialog = visible(OfferDialog)
    assert dialog.headline_label.text().startswith(f"<b>{name} · {short_id(peer)}</b> wants to send you")
    assert dialog.windowTitle() == f"Spacedrop from {name} · {short_id(peer)}"
    dialog.answered.disconnect()
    dialog.close()
    core.bus.emit(ev.SpacedropOffered("o2", "d" * 64, "Phone", 1, 0, 10, ("x",)))
    wait(lambda: visible(OfferDialog) is not None)
    assert visible(OfferDialog).windowTitle() == "Spacedrop from Phone"
    visible(OfferDialog).answered.disconnect()
    visible(OfferDialog).close()

    # The key stays locked (networking off): this device is still told apart, by its certificate.
    run(core.network.stop())
    wait(lambda: not window.device_actions.networking_action.isChecked())
    assert shown_devices(window) == [f"{name} · {short_id(own)}", f"{name} · {short_id(peer)}"]

    # Renamed, this device no longer shares its name: both show plain names.
    monkeypatch.setattr(core, "device", dataclasses.replace(core.device, name="Desk"))
    window.device_actions.refresh()
    assert shown_devices(window) == ["Desk", name]
    send = window.device_actions.send_menu(parent, [])
    assert [a.text() for a in send.actions()] == [f"{name} (offline)"]


def test_send_to_device_is_disabled_without_paired_devices(window: MainWindow) -> None:
    from PySide6.QtWidgets import QMenu

    parent = QMenu()
    menu = window.device_actions.send_menu(parent, [b"/etc/hostname"])
    first = menu.actions()[0]
    assert (first.text(), first.isEnabled()) == ("No paired devices", False)
    assert "Pair a device first" in first.toolTip()


@pytest.fixture
def bridged(run: Runner, tmp_path: Path) -> Callable[[str], tuple[Core, CoreBridge]]:
    """``make(name)``: a started core with networking on and a started bridge; stopped after the test."""
    made: list[tuple[Core, CoreBridge]] = []

    def make(name: str) -> tuple[Core, CoreBridge]:
        core = Core(tmp_path / name, mode="gui")
        bridge = CoreBridge(core.bus)
        run(core.start())
        run(start_network(core))
        bridge.start()
        made.append((core, bridge))
        return core, bridge

    yield make
    for core, bridge in made:
        run(bridge.stop())
        run(core.stop())


def test_the_code_page_shows_twelve_words_copies_them_and_counts_down(bridged, qtbot: QtBot, wait) -> None:
    core, bridge = bridged("a")
    dialog = PairingDialog(core, bridge, TaskSet())
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.show_page
    session = page.session
    assert session is not None and session.state == "waiting"
    assert [label.text() for label in page.word_labels] == list(session.words)
    assert page.countdown_label.text() in ("Expires in 5:00", "Expires in 4:59")
    assert f":{core.network.port}" in page.address_label.text()  # for the other device, if it finds none

    qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == " ".join(session.words)

    session.expires_at_wall = time.time() + 65.4
    page._tick()
    assert page.countdown_label.text() == "Expires in 1:05"

    dialog.close()
    assert session.state == "cancelled"  # closing withdraws the code


def test_the_join_page_flags_unknown_words_and_a_bad_checksum_before_connecting(
    bridged, qtbot: QtBot, wait, monkeypatch: pytest.MonkeyPatch
) -> None:
    core, bridge = bridged("a")
    joins: list[Any] = []

    async def join(*args: Any) -> dict[str, Any]:
        joins.append(args)
        return {"device_id": "d" * 64, "name": "Phone"}

    monkeypatch.setattr(core.network, "join", join)
    dialog = PairingDialog(core, bridge, TaskSet())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.enter_code()
    page = dialog.join_page
    edit = page.code_edit
    edit.setFocus()

    qtbot.keyClicks(edit, "aban")
    assert edit.completer_.currentCompletion() == "abandon"
    qtbot.keyClicks(edit, "don zebbra ")
    assert "Word 2, “zebbra”, is not a code word" in page.check_label.text()
    assert "zebra" in page.check_label.text()
    assert edit.last_check.bad_spans == [(8, 6)]
    assert not page.join_button.isEnabled()

    edit.setText(" ".join(["abandon"] * 12))  # known words, wrong checksum
    assert "checksum" in page.check_label.text()
    assert not page.join_button.isEnabled()
    page.join()
    assert joins == []

    edit.setText(" ".join(["abandon"] * 11 + ["about"]))
    assert page.check_label.text() == "The code is complete."
    page.address_edit.setText("not an address")
    assert not page.join_button.isEnabled()
    page.address_edit.setText("192.168.1.20:7373")
    assert page.join_button.isEnabled()

    # Enter in either field joins, as the Join button does.
    qtbot.keyClick(page.address_edit, Qt.Key.Key_Return)
    wait(lambda: page.status_label.text() == "Paired with Phone.")
    assert joins == [(" ".join(["abandon"] * 11 + ["about"]), "192.168.1.20:7373")]


def test_two_devices_pair_through_their_dialogs(bridged, qtbot: QtBot, wait) -> None:
    core_a, bridge_a = bridged("a")
    core_b, bridge_b = bridged("b")
    tasks = TaskSet()
    shows = PairingDialog(core_a, bridge_a, tasks)
    joins = PairingDialog(core_b, bridge_b, tasks)
    for dialog in (shows, joins):
        qtbot.addWidget(dialog)
    shows.show()
    joins.show()
    joins.enter_code()
    words = " ".join(label.text() for label in shows.show_page.word_labels)

    joins.join_page.code_edit.setText(words)
    joins.join_page.address_edit.setText(f"127.0.0.1:{core_a.network.port}")
    qtbot.mouseClick(joins.join_page.join_button, Qt.MouseButton.LeftButton)
    wait(lambda: shows.show_page.question.isVisible())
    # Both devices are named after this machine: the question says which one asks.
    joiner = f"{core_b.device.name} · {short_id(core_b.network.identity.device_id)}"
    assert core_b.device.name == core_a.device.name
    assert shows.show_page.question_label.text().startswith(f"Pair with {joiner} (")
    assert not joins.join_page.join_button.isEnabled()  # busy
    assert joins.join_page.status_label.text() == "Connecting…"

    with qtbot.waitSignal(shows.paired, timeout=5000):
        qtbot.mouseClick(shows.show_page.accept_button, Qt.MouseButton.LeftButton)
    wait(lambda: joins.join_page.status_label.text().startswith("Paired with"))
    name = f"{core_a.device.name} · {short_id(core_a.network.identity.device_id)}"
    assert joins.join_page.status_label.text() == f"Paired with {name}."
    assert shows.show_page.status_label.text().startswith(f"Paired with {joiner}")
    assert [d["device_id"] for d in core_a.network.device_list()] == [core_b.network.identity.device_id]


def test_an_offer_opens_a_dialog_and_accept_answers_with_the_chosen_folder(
    window: MainWindow, qtbot: QtBot, wait, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers: list[tuple[str, bool, str | None]] = []
    monkeypatch.setattr(type(window.core.network), "answer_offer", lambda self, *args: answers.append(args))
    offer = ev.SpacedropOffered("o1", "d" * 64, "Phone", 3, 0, 2_500_000, ("a.jpg", "b.jpg", "c.txt"))
    window.core.bus.emit(offer)
    wait(lambda: visible(OfferDialog) is not None)
    dialog = visible(OfferDialog)
    assert "Phone" in dialog.windowTitle()
    assert dialog.names_label.text() == "a.jpg\nb.jpg\nc.txt"
    target = tmp_path / "inbox"
    target.mkdir()
    dialog.folder_edit.setText(str(target))
    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    assert answers == [("o1", True, str(target))]
    wait(lambda: visible(OfferDialog) is None)

    # An offer answered elsewhere (the CLI) closes its dialog.
    window.core.bus.emit(ev.SpacedropOffered("o2", "d" * 64, "Phone", 1, 0, 10, ("x",)))
    wait(lambda: visible(OfferDialog) is not None)
    window.core.bus.emit(ev.SpacedropAnswered("o2", False, ""))
    wait(lambda: visible(OfferDialog) is None)
    assert answers == [("o1", True, str(target))]


# ---- a password-protected network key -----------------------------------------------------------------


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Networking the GUI turns on listens on loopback, no mDNS; the password still opens the real key."""
    start = NetworkService.start

    async def on_loopback(
        self: NetworkService, port: int | None = None, host: str = "", password: str | None = None, **_: Any
    ) -> None:
        await start(self, port=0, host="127.0.0.1", password=password, discovery=False)

    monkeypatch.setattr(NetworkService, "start", on_loopback)


def unlock(qtbot: QtBot, wait, password: str) -> UnlockKeyDialog:
    """Type ``password`` into the unlock dialog (waited for) and press Enter."""
    wait(lambda: visible(UnlockKeyDialog) is not None and visible(UnlockKeyDialog).password_edit.isEnabled())
    dialog = visible(UnlockKeyDialog)
    qtbot.keyClicks(dialog.password_edit, password)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    return dialog


def test_turning_networking_on_asks_for_the_keys_password_until_it_is_right(
    window: MainWindow, qtbot: QtBot, wait, loopback_only: None
) -> None:
    core = window.core
    identity.create(core.data_dir, core.device.name, password="pw")
    actions = window.device_actions
    actions.networking_action.trigger()
    wait(lambda: visible(UnlockKeyDialog) is not None)
    dialog = visible(UnlockKeyDialog)
    assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
    assert "network key" in dialog.reason_label.text()
    assert not dialog.unlock_button.isEnabled()  # nothing typed yet
    assert not actions.networking_action.isChecked()  # not on while it asks

    unlock(qtbot, wait, "not it")
    wait(lambda: dialog.message_label.text() == "Wrong password")
    assert dialog.isVisible() and dialog.password_edit.text() == ""  # asks again, the try forgotten
    assert not core.network.running and not core.config.networking_enabled

    qtbot.keyClicks(dialog.password_edit, "pw")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    wait(lambda: actions.networking_action.isChecked())
    assert core.network.running and core.config.networking_enabled
    wait(lambda: visible(UnlockKeyDialog) is None)
    assert visible(QMessageBox) is None


def test_cancelling_the_password_leaves_networking_off(
    window: MainWindow, qtbot: QtBot, wait, loopback_only: None
) -> None:
    core = window.core
    identity.create(core.data_dir, core.device.name, password="pw")
    actions = window.device_actions
    # Through the offer to turn networking on that a send makes while it is off.
    actions.drop(DropRequest((b"/etc/hostname",), Target(device="d" * 64), SEND))
    wait(lambda: visible(QMessageBox) is not None)
    box = visible(QMessageBox)
    next(b for b in box.buttons() if b.text() == "Turn &On Networking").click()
    wait(lambda: visible(UnlockKeyDialog) is not None)
    qtbot.mouseClick(visible(UnlockKeyDialog).cancel_button, Qt.MouseButton.LeftButton)
    wait(lambda: visible(UnlockKeyDialog) is None)
    assert not core.network.running and not actions.networking_action.isChecked()
    assert not core.config.networking_enabled
    assert visible(QMessageBox) is None  # cancelling is no error
    assert device_rows(window)[0].online is False


def test_networking_left_on_with_a_locked_key_asks_for_the_password_at_start(
    run: Runner, tmp_path: Path, files: Path, qtbot: QtBot, wait, loopback_only: None
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    identity.create(data_dir, "vm", password="pw")
    config = AppConfig.load(data_dir)
    config.networking_enabled = True
    config.save()
    gui = GuiSession(data_dir, None, open_settings(data_dir))
    run(gui.start(open_path=files))
    try:
        window = gui.window
        assert window is not None
        # The core could not start it (it only logs why); the window asks instead.
        dialog = unlock(qtbot, wait, "wrong")
        assert "Networking was on when Spacedrive last ran" in dialog.reason_label.text()
        wait(lambda: dialog.message_label.text() == "Wrong password")
        assert not window.device_actions.networking_action.isChecked()
        unlock(qtbot, wait, "pw")
        wait(lambda: window.device_actions.networking_action.isChecked())
        assert gui.core is not None and gui.core.network.running
        assert device_rows(window)[0].online
    finally:
        run(gui.stop())
