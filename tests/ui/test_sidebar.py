"""The sidebar in the window: volumes with capacity bars, the sections' "+" buttons, opening places,
favourites and recent folders."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from spacedrive.domain import events as ev
from ui.models.sidebar import PATH_ROLE, USAGE_ROLE, VOLUME_ROLE, Section
from ui.session import GuiSession
from ui.settings import open_settings
from ui.views.main_window import MainWindow
from ui.widgets.sidebar import BADGE_GAP, BAR_SPACE, SidebarDelegate, fit_name_and_badge


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


# ---- favourites and recent folders ------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with some of the standard folders (the desktop's defaults: no user-dirs.dirs)."""
    folder = tmp_path / "home"
    for name in ("Documents", "Music"):
        (folder / name).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return folder


def section_rows(window: MainWindow, section: Section) -> list[QModelIndex]:
    model = window.sidebar_model
    parent = model.section_index(section)
    return [model.index(row, 0, parent) for row in range(model.rowCount(parent))]


def row_named(window: MainWindow, section: Section, name: str) -> QModelIndex:
    return next(index for index in section_rows(window, section) if index.data() == name)


def names(window: MainWindow, section: Section) -> list[str]:
    return [index.data() for index in section_rows(window, section)]


def menu_action(menu, text: str):
    assert menu is not None
    return next(a for a in menu.actions() if a.text().replace("&", "") == text)


def click_row(window: MainWindow, index: QModelIndex, qtbot: QtBot, button=Qt.MouseButton.LeftButton) -> None:
    window.sidebar.scrollTo(index)
    qtbot.mouseClick(window.sidebar.viewport(), button, pos=window.sidebar.visualRect(index).center())


def test_favourites_hold_the_standard_folders_that_exist(
    home: Path, session: GuiSession, wait, qtbot: QtBot
) -> None:
    window = window_of(session)
    assert names(window, Section.FAVOURITES) == ["Home", "Documents", "Music"]
    documents = row_named(window, Section.FAVOURITES, "Documents")
    assert documents.data(PATH_ROLE) == str(home / "Documents")
    assert not menu_action(window.sidebar.context_menu(documents), "Remove from Favourites").isEnabled()
    click_row(window, documents, qtbot)
    wait(lambda: window.content.path == home / "Documents")
    assert window.sidebar.currentIndex() == row_named(window, Section.FAVOURITES, "Documents")


def test_added_favourites_are_remembered_and_removable(
    home: Path, run, wait, tmp_path: Path, files: Path
) -> None:
    data_dir = tmp_path / "data"
    first = GuiSession(data_dir, None, open_settings(data_dir))
    window = run(first.start(open_path=files))
    window.explorer_actions.add_favourite.trigger()  # Ctrl+D: the folder shown
    assert names(window, Section.FAVOURITES) == ["Home", "Documents", "Music", "files"]
    location_menu = window.sidebar.context_menu(row_named(window, Section.FAVOURITES, "Music"))
    assert "Add to Favourites" not in [a.text().replace("&", "") for a in location_menu.actions()]
    run(first.stop())

    second = GuiSession(data_dir, None, open_settings(data_dir))
    window = run(second.start(open_path=home))
    try:
        assert names(window, Section.FAVOURITES) == ["Home", "Documents", "Music", "files"]
        added = row_named(window, Section.FAVOURITES, "files")
        menu_action(window.sidebar.context_menu(added), "Remove from Favourites").trigger()
        assert names(window, Section.FAVOURITES) == ["Home", "Documents", "Music"]
        assert window.places.favourite_paths() == [str(home), str(home / "Documents"), str(home / "Music")]
    finally:
        run(second.stop())


def test_recent_folders_newest_first_remembered_and_opened_in_the_active_pane(
    home: Path, run, wait, tmp_path: Path, files: Path, qtbot: QtBot
) -> None:
    data_dir = tmp_path / "data"
    first = GuiSession(data_dir, None, open_settings(data_dir))
    window = run(first.start(open_path=files))
    run(window.content.open_path(files / "Albums"))
    run(window.content.open_path(home / "Music"))
    run(window.content.open_path(files / "Albums"))
    assert names(window, Section.RECENT) == ["Albums", "Music", "files"]
    run(first.stop())

    second = GuiSession(data_dir, None, open_settings(data_dir))
    window = run(second.start(open_path=home / "Documents"))
    try:
        assert names(window, Section.RECENT) == ["Documents", "Albums", "Music", "files"]
        window.explorer.set_split(True)
        left, right = (side.current_pane() for side in window.explorer.sides)
        qtbot.mouseClick(left.content.current_view().viewport(), Qt.MouseButton.LeftButton)
        click_row(window, row_named(window, Section.RECENT, "Music"), qtbot)
        wait(lambda: left.path == home / "Music")
        assert right.path == home / "Documents"
        click_row(window, row_named(window, Section.RECENT, "Albums"), qtbot, Qt.MouseButton.MiddleButton)
        assert window.explorer.sides[0].panes()[0] is left and left.path == home / "Music"
        wait(lambda: window.explorer.active_pane().path == files / "Albums")  # a new tab, on the left
        assert window.explorer.sides[0].tabs.count() == 2
        menu_action(
            window.sidebar.context_menu(row_named(window, Section.RECENT, "Music")), "Clear Recent"
        ).trigger()
        assert names(window, Section.RECENT) == ["None yet"]
    finally:
        run(second.stop())


def test_recent_keeps_the_last_ten(home: Path, session: GuiSession, run) -> None:
    window = window_of(session)
    for number in range(12):
        folder = home / f"folder {number}"
        folder.mkdir()
        run(window.content.open_path(folder))
    assert names(window, Section.RECENT) == [f"folder {n}" for n in range(11, 1, -1)]


def test_location_and_volume_menus_open_in_a_new_tab(session: GuiSession, wait) -> None:
    window = window_of(session)
    root = next(index for index in volume_rows(window) if index.data(PATH_ROLE) == "/")
    menu_action(window.sidebar.context_menu(root), "Open in New Tab").trigger()
    wait(lambda: window.explorer.active_pane().path == Path("/"))
    assert window.explorer.sides[0].tabs.count() == 2


def test_a_narrow_row_keeps_the_name_and_shortens_its_badge(qapp: QApplication) -> None:
    metrics = QFontMetrics(qapp.font())
    name, badge = "vm", "this device"
    wide = metrics.horizontalAdvance(name + badge) + 40
    assert fit_name_and_badge(metrics, name, badge, wide) == (name, badge)
    # Too narrow for both: the short name stays whole, the badge gives way (elided, then gone).
    room = metrics.horizontalAdvance(name) + metrics.horizontalAdvance("this d…") + 10
    shown, hint = fit_name_and_badge(metrics, name, badge, room)
    assert shown == name and hint.endswith("…") and hint.startswith("th")
    assert fit_name_and_badge(metrics, name, badge, metrics.horizontalAdvance(name) + 8) == (name, "")
    # A long name keeps at least half of the row; what it does not fit is elided.
    long_name = "Work Laptop of the Research Group"
    width = metrics.horizontalAdvance(long_name) // 2
    shown, hint = fit_name_and_badge(metrics, long_name, badge, width)
    assert shown.endswith("…") and metrics.horizontalAdvance(shown) >= width // 2 - metrics.averageCharWidth()
    assert (
        metrics.horizontalAdvance(shown) + (metrics.horizontalAdvance(hint) + BADGE_GAP if hint else 0)
        <= width
    )
