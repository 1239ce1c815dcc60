"""The sidebar in the window: volumes with capacity bars, the sections' "+" buttons, opening places."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from spacedrive.domain import events as ev
from ui.models.sidebar import PATH_ROLE, USAGE_ROLE, VOLUME_ROLE, Section
from ui.session import GuiSession
from ui.views.main_window import MainWindow
from ui.widgets.sidebar import BAR_SPACE, SidebarDelegate


def window_of(session: GuiSession) -> MainWindow:
    assert session.window is not None
    return session.window


def volume_rows(window: MainWindow) -> list[QModelIndex]:
    model = window.sidebar_model
    parent = model.section_index(Section.VOLUMES)
    return [model.index(row, 0, parent) for row in range(model.rowCount(parent))]


def visible_dialog(kind: type) -> object | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def row_height(window: MainWindow, index: QModelIndex) -> int:
    option = QStyleOptionViewItem()
    option.initFrom(window.sidebar)
    return window.sidebar.itemDelegate().sizeHint(option, index).height()


def test_volumes_show_their_capacity_and_open_their_mount_point(
    session: GuiSession, wait, qtbot: QtBot
) -> None:
    window = window_of(session)
    root = next(index for index in volume_rows(window) if index.data(PATH_ROLE) == "/")
    volume = root.data(VOLUME_ROLE)
    usage = root.data(USAGE_ROLE)
    assert 0 < usage < 1
    assert usage == pytest.approx(volume.used_percent / 100)
    tip = root.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("/\n") and " free of " in tip and volume.file_system in tip
    device = window.sidebar_model.index(0, 0, window.sidebar_model.section_index(Section.DEVICES))
    assert row_height(window, root) == row_height(window, device) + BAR_SPACE  # room for the bar

    window.sidebar.scrollTo(root)
    qtbot.mouseClick(
        window.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=window.sidebar.visualRect(root).center()
    )
    wait(lambda: window.content.path == Path("/"))
    assert window.content.index_label.text() == "Not indexed"
    assert window.sidebar.currentIndex() == root  # the sidebar marks the place shown


def test_volume_events_refresh_the_section(
    session: GuiSession, wait, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = window_of(session)
    assert session.core is not None
    manager = session.core.volumes
    real = manager.list()
    stick = dataclasses.replace(
        real[0], fingerprint="stick", name="Stick", mount_point="/media/stick", is_removable=True
    )
    monkeypatch.setattr(manager, "list", lambda: [*real, stick])
    session.core.bus.emit(ev.VolumeAdded(fingerprint="stick", name="Stick", mount_point="/media/stick"))
    wait(lambda: "Stick" in [index.data() for index in volume_rows(window)])
    monkeypatch.setattr(manager, "list", lambda: real)
    session.core.bus.emit(ev.VolumeRemoved(fingerprint="stick", name="Stick", mount_point="/media/stick"))
    wait(lambda: "Stick" not in [index.data() for index in volume_rows(window)])


@pytest.mark.parametrize(
    ("section", "dialog_kind"), [(Section.LOCATIONS, QFileDialog), (Section.LIBRARIES, QInputDialog)]
)
def test_a_sections_plus_button_adds(session: GuiSession, wait, qtbot: QtBot, section, dialog_kind) -> None:
    window = window_of(session)
    sidebar = window.sidebar
    index = window.sidebar_model.section_index(section)
    option = QStyleOptionViewItem()
    option.initFrom(sidebar)
    option.rect = sidebar.visualRect(index)
    button = SidebarDelegate.add_button_rect(option)
    assert option.rect.contains(button)
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=button.center())
    wait(lambda: visible_dialog(dialog_kind))
    dialog = visible_dialog(dialog_kind)
    assert isinstance(dialog, dialog_kind)
    dialog.reject()
    wait(lambda: visible_dialog(dialog_kind) is None)
