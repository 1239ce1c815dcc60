"""Spacedrop through two real windows: two in-process GUI sessions, networking on loopback, paired.

A folder goes from A to B through the content's "Send to Device" menu and from B to A by a drop onto A's
row in B's sidebar; each side's offer dialog is answered by clicking, the bytes arrive as they left, and
both jobs panels show the send and the receive completing. Declining shows on the sender as a failed job.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from ui.clipboard import URI_LIST, encode
from ui.dialogs.spacedrop import OfferDialog
from ui.dnd import DropTarget
from ui.models.jobs import Column
from ui.models.sidebar import DEVICE_ROLE, Section
from ui.session import GuiSession
from ui.settings import open_settings
from ui.views.main_window import MainWindow

Runner = Callable[..., Any]
Waiter = Callable[..., None]


def make_tree(root: Path) -> Path:
    """A folder with a nested folder, an empty one and a few files (one of them not tiny)."""
    root.mkdir(parents=True)
    (root / "notes.txt").write_text("notes of " + root.name)
    (root / "nested" / "deeper").mkdir(parents=True)
    (root / "nested" / "photo.jpg").write_bytes(bytes(range(256)) * 400)
    (root / "nested" / "deeper" / "data.bin").write_bytes(os.urandom(300_000))
    (root / "empty").mkdir()
    return root


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for a folder)."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


class Side:
    """One device: its GUI session (core, window), the folder its window shows and its inbox."""

    def __init__(self, session: GuiSession, home: Path) -> None:
        self.session = session
        self.home = home
        self.inbox = home / "inbox"
        self.inbox.mkdir()

    @property
    def window(self) -> MainWindow:
        assert self.session.window is not None
        return self.session.window

    @property
    def device_id(self) -> str:
        identity = self.window.core.network.identity
        assert identity is not None
        return identity.device_id

    def offer_dialog(self) -> OfferDialog | None:
        dialogs = self.window.device_actions.offers.dialogs.values()
        return next((d for d in dialogs if d.isVisible()), None)

    def jobs(self) -> list[tuple[str, str]]:
        """The jobs panel's rows as the user reads them: (name, status), newest first."""
        model = self.window.jobs_model
        return [
            (model.index(row, Column.NAME).data(), model.index(row, Column.STATUS).data())
            for row in range(model.rowCount())
        ]

    def job_status(self, starts: str, ends: str) -> str | None:
        """The status shown for the newest job whose name starts and ends so."""
        return next(
            (status for name, status in self.jobs() if name.startswith(starts) and name.endswith(ends)), None
        )


@pytest.fixture
def sides(run: Runner, wait: Waiter, tmp_path: Path) -> Iterator[tuple[Side, Side]]:
    """Two windows, each on its own data dir, networking on loopback, paired with each other."""
    made: list[Side] = []
    try:
        for name in ("a", "b"):
            home = tmp_path / f"home-{name}"
            make_tree(home / f"album-{name}")
            data_dir = tmp_path / f"data-{name}"
            session = GuiSession(data_dir, None, open_settings(data_dir))
            made.append(Side(session, home))
            run(session.start(open_path=home))
            run(session.window.core.network.start(port=0, host="127.0.0.1", discovery=False))
        a, b = made
        wait(lambda: a.window.device_actions.networking_action.isChecked())
        wait(lambda: b.window.device_actions.networking_action.isChecked())
        code = a.window.core.network.generate_code(auto_accept=True)
        run(b.window.core.network.join(" ".join(code.words), f"127.0.0.1:{a.window.core.network.port}"))
        # A learns where B listens from the ping B sends right after pairing; until then A cannot send.
        wait(lambda: a.window.core.network.devices.find(b.device_id).addresses)
        for side, peer in ((a, b), (b, a)):
            wait(
                lambda s=side, p=peer: (
                    [d.id for d in s.window.device_actions.paired_devices()] == [p.device_id]
                )
            )
        yield a, b
    finally:
        for side in reversed(made):
            run(side.session.stop())


def accept(
    side: Side, qtbot: QtBot, wait: Waiter, sender: Side, names: list[str], by_key: bool = False
) -> None:
    """Wait for the offer dialog, check what it says, choose the inbox and click Accept (or press Enter
    in the folder field)."""
    wait(lambda: side.offer_dialog() is not None)
    dialog = side.offer_dialog()
    assert dialog is not None
    assert dialog.offer.device_id == sender.device_id
    assert dialog.names_label.text().splitlines()[: len(names)] == names
    dialog.folder_edit.setText(str(side.inbox))
    if by_key:
        qtbot.keyClick(dialog.folder_edit, Qt.Key.Key_Return)
    else:
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    wait(lambda: side.offer_dialog() is None)


def send_action(window: MainWindow, item: str, device_id: str) -> Any:
    """The "Send to Device › <device>" action of the content's context menu on ``item``, selected."""
    content = window.content
    content.select_names([item.encode()])
    row = content.model.row_of(item.encode())
    assert row is not None
    menu = content.context_menu(content.model.index(row, 0))
    assert isinstance(menu, QMenu)
    send = next(a.menu() for a in menu.actions() if a.menu() is not None and a.text() == "Send to &Device")
    actions = [a for a in send.actions() if a.text()]
    assert len(actions) == 1 and actions[0].isEnabled()
    assert actions[0].text() == next(
        d.title for d in window.device_actions.paired_devices() if d.id == device_id
    )
    return actions[0]


def drop_on_device(window: MainWindow, device_id: str, paths: list[Path]) -> bool:
    """Drop ``paths`` onto the device's sidebar row as a file manager's drag would; whether it was taken."""
    sidebar = window.sidebar
    model = window.sidebar_model
    parent = model.section_index(Section.DEVICES)
    index = next(
        model.index(row, 0, parent)
        for row in range(model.rowCount(parent))
        if model.index(row, 0, parent).data(DEVICE_ROLE).id == device_id
    )
    sidebar.scrollTo(index)
    pos = sidebar.visualRect(index).center()
    mime = encode([os.fsencode(p) for p in paths])
    assert mime.hasFormat(URI_LIST)
    # Qt delivers drop events only from its own drag loop; the sidebar's drop handling gets these as it
    # would get those.
    target = sidebar.viewport().findChild(DropTarget)
    assert target is not None
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    hover = QDragMoveEvent(
        QPoint(pos), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    target.eventFilter(sidebar.viewport(), hover)
    if not hover.isAccepted():
        return False
    event = QDropEvent(
        QPointF(pos),
        actions,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QEvent.Type.Drop,
    )
    target.eventFilter(sidebar.viewport(), event)
    return event.isAccepted() and event.dropAction() == Qt.DropAction.CopyAction


def test_a_folder_goes_both_ways_through_the_menus_and_a_drop(
    sides: tuple[Side, Side], qtbot: QtBot, wait: Waiter
) -> None:
    a, b = sides
    album_a, album_b = a.home / "album-a", b.home / "album-b"
    name_a, name_b = a.window.core.device.name, b.window.core.device.name

    # A → B: the item's context menu, Send to Device › B.
    send_action(a.window, "album-a", b.device_id).trigger()
    wait(lambda: b.offer_dialog() is not None)
    assert "wants to send you 3 files in 4 folders (" in b.offer_dialog().headline_label.text()
    accept(b, qtbot, wait, a, ["album-a/"])  # the items chosen, not every folder inside
    wait(lambda: (f"Send album-a to {name_b}", "Completed") in a.jobs(), timeout=15)
    wait(lambda: b.job_status("Receive ", f" from {name_a}") == "Completed", timeout=15)
    assert tree(b.inbox / "album-a") == tree(album_a)
    assert (b.inbox / "album-a" / "empty").is_dir()

    # B → A: the folder dropped onto A's row in B's sidebar.
    assert drop_on_device(b.window, a.device_id, [album_b])
    accept(a, qtbot, wait, b, ["album-b/"], by_key=True)
    wait(lambda: (f"Send album-b to {name_a}", "Completed") in b.jobs(), timeout=15)
    wait(lambda: a.job_status("Receive ", f" from {name_b}") == "Completed", timeout=15)
    assert tree(a.inbox / "album-b") == tree(album_b)
    assert (album_b / "notes.txt").exists()  # sending leaves the files where they are


def test_declining_fails_the_senders_job_with_the_reason(
    sides: tuple[Side, Side], qtbot: QtBot, wait: Waiter
) -> None:
    a, b = sides
    name_b = b.window.core.device.name
    send_action(a.window, "album-a", b.device_id).trigger()
    wait(lambda: b.offer_dialog() is not None)
    dialog = b.offer_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.decline_button, Qt.MouseButton.LeftButton)
    wait(lambda: b.offer_dialog() is None)

    wait(lambda: (f"Send album-a to {name_b}", f"Failed: {name_b} declined") in a.jobs())
    assert b.job_status("Receive ", "") is None
    assert list(b.inbox.iterdir()) == []
