"""Devices in the GUI: the sidebar's paired devices and their online dots, the pairing dialog (showing a
code, typing one, pairing two in-process cores), and incoming Spacedrop offers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from spacedrive.core import Core
from spacedrive.domain import events as ev
from ui.bridge import CoreBridge
from ui.dialogs.pairing import PairingDialog
from ui.dialogs.spacedrop import OfferDialog
from ui.dnd import SEND, DropRequest, Target
from ui.models.devices import DeviceItem
from ui.models.sidebar import DEVICE_ROLE, Section
from ui.session import GuiSession
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
    assert [a.text() for a in send.actions()] == [f"{peer.name} (offline)"]


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
    assert shows.show_page.question_label.text().startswith("Pair with ")
    assert not joins.join_page.join_button.isEnabled()  # busy
    assert joins.join_page.status_label.text() == "Connecting…"

    with qtbot.waitSignal(shows.paired, timeout=5000):
        qtbot.mouseClick(shows.show_page.accept_button, Qt.MouseButton.LeftButton)
    wait(lambda: joins.join_page.status_label.text().startswith("Paired with"))
    name = core_a.device.name
    assert joins.join_page.status_label.text() == f"Paired with {name}."
    assert shows.show_page.status_label.text().startswith(f"Paired with {core_b.device.name}")
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
