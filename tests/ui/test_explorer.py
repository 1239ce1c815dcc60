"""Tabs and the split view: new and closed tabs, switching, two independent panes, the active one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.models.sidebar import PATH_ROLE, Section
from ui.session import GuiSession
from ui.views.main_window import MainWindow


def window_of(session: GuiSession) -> MainWindow:
    assert session.window is not None
    return session.window


def tab_titles(window: MainWindow, side: int = 0) -> list[str]:
    tabs = window.explorer.sides[side].tabs
    return [tabs.tabText(i) for i in range(tabs.count())]


def activate(window: MainWindow, qtbot: QtBot) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def test_new_tab_opens_the_current_folder_and_close_keeps_one(
    session: GuiSession, run, wait, files: Path, qtbot: QtBot
) -> None:
    window = window_of(session)
    activate(window, qtbot)
    explorer = window.explorer
    assert tab_titles(window) == ["files"]
    assert not explorer.sides[0].tabs.tabBar().isVisible()  # one tab: no tab bar
    first = explorer.active_pane()
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    second = explorer.active_pane()
    assert second is not first
    wait(lambda: second.path == files)
    assert tab_titles(window) == ["files", "files"]
    assert explorer.sides[0].tabs.tabBar().isVisible()
    run(second.open_path(files / "Albums"))
    assert tab_titles(window) == ["files", "Albums"]
    assert window.content is second.content  # the window's content is the active tab's
    assert first.path == files  # the other tab did not move

    qtbot.keyClick(window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert explorer.active_pane() is first
    qtbot.keyClick(window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert explorer.active_pane() is second

    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert tab_titles(window) == ["files"]
    assert explorer.active_pane() is first
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert tab_titles(window) == ["files"]  # the last tab stays
    assert explorer.active_pane() is first


def test_each_tab_keeps_its_own_history(session: GuiSession, run, wait, files: Path) -> None:
    explorer = window_of(session).explorer
    first = explorer.active_pane()
    run(first.open_path(files / "Albums"))
    second = explorer.new_tab(files.parent)
    wait(lambda: second.path == files.parent)
    assert not second.history.can_go_back()
    first.go_back()
    wait(lambda: first.path == files)
    assert second.path == files.parent


def test_split_view_shows_two_independent_panes(
    session: GuiSession, run, wait, files: Path, qtbot: QtBot
) -> None:
    window = window_of(session)
    activate(window, qtbot)
    explorer = window.explorer
    left = explorer.active_pane()
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert explorer.is_split() and window.explorer_actions.split.isChecked()
    right = explorer.active_pane()
    assert right is not left and explorer.sides[1].isAncestorOf(right)
    wait(lambda: right.path == files)  # the new side starts where the active pane was
    assert explorer.sides[1].marker.isVisible() and not explorer.sides[0].marker.isVisible()
    assert explorer.sides[1].accessibleDescription() == "Active pane"

    run(right.open_path(files / "Albums"))
    assert left.path == files
    assert window.content is right.content

    # A click in the left pane makes it the active one: the window's commands now act there.
    qtbot.mouseClick(left.content.current_view().viewport(), Qt.MouseButton.LeftButton)
    assert explorer.active_pane() is left
    assert explorer.sides[0].marker.isVisible() and not explorer.sides[1].marker.isVisible()
    run(left.open_path(files.parent))
    assert right.path == files / "Albums"

    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # a tab on the active side
    assert tab_titles(window, 0) == [files.parent.name, files.parent.name]
    assert tab_titles(window, 1) == ["Albums"]

    qtbot.keyClick(window, Qt.Key.Key_F3)  # closes the side that is not active
    assert not explorer.is_split()
    assert len(explorer.panes()) == 2 and right not in explorer.panes()


def test_view_modes_are_per_pane_and_the_toolbar_follows_the_active_one(
    session: GuiSession, wait, qtbot: QtBot
) -> None:
    window = window_of(session)
    explorer = window.explorer
    left = explorer.active_pane()
    explorer.set_split(True)
    right = explorer.active_pane()
    details = next(a for a in window.view_selector.mode_actions() if a.data() == "details")
    details.trigger()
    assert right.content.view_mode().value == "details"
    assert left.content.view_mode().value == "grid"
    qtbot.mouseClick(left.content.current_view().viewport(), Qt.MouseButton.LeftButton)
    assert window.view_selector.view_mode().value == "grid"
    qtbot.mouseClick(right.content.current_view().viewport(), Qt.MouseButton.LeftButton)
    assert window.view_selector.view_mode().value == "details"


def test_the_sidebar_opens_folders_in_the_active_pane(session: GuiSession, wait, qtbot: QtBot) -> None:
    window = window_of(session)
    explorer = window.explorer
    explorer.set_split(True)
    left, right = (side.current_pane() for side in explorer.sides)
    qtbot.mouseClick(left.content.current_view().viewport(), Qt.MouseButton.LeftButton)
    model = window.sidebar_model
    parent = model.section_index(Section.VOLUMES)
    root = next(
        model.index(r, 0, parent)
        for r in range(model.rowCount(parent))
        if model.index(r, 0, parent).data(PATH_ROLE) == "/"
    )
    window.sidebar.scrollTo(root)
    qtbot.mouseClick(
        window.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=window.sidebar.visualRect(root).center()
    )
    wait(lambda: left.path == Path("/"))
    assert right.path != Path("/")
    assert explorer.active_pane() is left  # clicking the sidebar does not change the active pane


def test_a_middle_click_on_a_folder_opens_it_in_a_new_tab(
    session: GuiSession, wait, files: Path, qtbot: QtBot
) -> None:
    window = window_of(session)
    explorer = window.explorer
    pane = explorer.active_pane()
    view = pane.content.current_view()
    albums = next(
        view.model().index(r, 0)
        for r in range(view.model().rowCount())
        if view.model().index(r, 0).data() == "Albums"
    )
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.MiddleButton, pos=view.visualRect(albums).center())
    assert tab_titles(window) == ["files", "Albums"]
    wait(lambda: explorer.active_pane().path == files / "Albums")
    assert pane.path == files


def test_mouse_back_and_forward_buttons(session: GuiSession, run, wait, files: Path, qtbot: QtBot) -> None:
    window = window_of(session)
    pane = window.explorer.active_pane()
    run(pane.open_path(files / "Albums"))
    viewport = pane.content.current_view().viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.BackButton)
    wait(lambda: pane.path == files)
    qtbot.mouseClick(viewport, Qt.MouseButton.ForwardButton)
    wait(lambda: pane.path == files / "Albums")
