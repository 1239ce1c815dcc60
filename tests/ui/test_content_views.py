"""The content area as a user drives it: four views over one folder, sorting, filtering, zoom, columns."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication
from pytestqt.qtbot import QtBot

from spacedrive.core import Core
from spacedrive.domain.location import IndexMode, LocationInfo
from tests.ui.test_models import FakeThumbnails
from ui.models.folder import Column
from ui.tasks import TaskSet
from ui.views.content import ContentView
from ui.widgets.view_mode import ViewMode

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Folders, files of several sizes, kinds and dates, and a dot-file."""
    root = tmp_path / "home" / "me" / "stuff"
    root.mkdir(parents=True)
    (root / "Albums").mkdir()
    (root / "Albums" / "cover.png").write_bytes(b"\x89PNG")
    (root / "code").mkdir()
    for name, size, age in [
        ("a.txt", 10, 5),
        ("b.txt", 300, 1),
        ("photo 2.jpg", 2000, 3),
        ("photo 10.jpg", 1000, 4),
        ("clip.mp4", 50, 2),
        (".secret", 1, 6),
    ]:
        path = root / name
        path.write_bytes(b"x" * size)
        moment = 1_700_000_000 - age * 86400
        os.utime(path, (moment, moment))
    return root


@pytest.fixture
def content(run, qtbot: QtBot, tmp_path: Path, folder: Path) -> Iterator[ContentView]:
    core = Core(tmp_path / "data", mode="gui")
    run(core.start())
    tasks = TaskSet()
    view = ContentView(core, tasks)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    run(view.open_path(folder))
    view.current_view().setFocus()
    try:
        yield view
    finally:
        run(tasks.cancel_all())
        run(core.stop())


def shown(content: ContentView) -> list[str]:
    model = content.model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def press(qtbot: QtBot, content: ContentView, key: Qt.Key, modifier: Qt.KeyboardModifier = CTRL) -> None:
    qtbot.keyClick(content.current_view(), key, modifier)


def test_ctrl_1_to_4_switch_views_over_the_same_rows(content: ContentView, qtbot: QtBot) -> None:
    changes: list[str] = []
    content.view_mode_changed.connect(changes.append)
    assert shown(content) == ["Albums", "code", "a.txt", "b.txt", "clip.mp4", "photo 2.jpg", "photo 10.jpg"]
    for key, mode in [
        (Qt.Key.Key_2, ViewMode.DETAILS),
        (Qt.Key.Key_3, ViewMode.COLUMNS),
        (Qt.Key.Key_4, ViewMode.MEDIA),
        (Qt.Key.Key_1, ViewMode.GRID),
    ]:
        press(qtbot, content, key)
        view = content.current_view()
        assert content.view_mode() is mode
        assert view.isVisible() and view.hasFocus()
        assert view.model() is content.model
        first = view.visualRect(content.model.index(0, 0))
        assert view.viewport().rect().contains(first.center())  # the first row is on screen
    assert changes == ["details", "columns", "media", "grid"]


def test_media_view_shows_only_pictures_and_videos_and_keeps_the_selection(
    content: ContentView, qtbot: QtBot
) -> None:
    content.current_view().setCurrentIndex(content.model.index(5, 0))  # photo 2.jpg
    press(qtbot, content, Qt.Key.Key_4)
    assert shown(content) == ["clip.mp4", "photo 2.jpg", "photo 10.jpg"]
    assert [e.name for e in content.selected_entries()] == ["photo 2.jpg"]
    assert content.media_view.currentIndex().data() == "photo 2.jpg"
    press(qtbot, content, Qt.Key.Key_1)
    assert len(shown(content)) == 7
    assert content.grid_view.currentIndex().data() == "photo 2.jpg"


def click_header(qtbot: QtBot, content: ContentView, column: Column) -> None:
    header = content.details_view.header()
    pos = QPoint(header.sectionViewportPosition(column) + 10, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_clicking_the_details_header_sorts_folders_first(content: ContentView, qtbot: QtBot) -> None:
    press(qtbot, content, Qt.Key.Key_2)
    click_header(qtbot, content, Column.SIZE)
    assert shown(content)[2:] == ["a.txt", "clip.mp4", "b.txt", "photo 10.jpg", "photo 2.jpg"]
    click_header(qtbot, content, Column.SIZE)
    assert shown(content) == ["Albums", "code", "photo 2.jpg", "photo 10.jpg", "b.txt", "clip.mp4", "a.txt"]
    assert content.details_view.header().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    click_header(qtbot, content, Column.KIND)
    assert shown(content)[2:] == ["photo 2.jpg", "photo 10.jpg", "a.txt", "b.txt", "clip.mp4"]
    click_header(qtbot, content, Column.MODIFIED)
    assert shown(content)[2:] == ["a.txt", "photo 10.jpg", "photo 2.jpg", "clip.mp4", "b.txt"]
    press(qtbot, content, Qt.Key.Key_1)  # the order is the model's: every view shows it
    assert content.grid_view.model().index(2, 0).data() == "a.txt"


def test_filter_box_narrows_the_items_and_escape_clears_it(content: ContentView, qtbot: QtBot) -> None:
    press(qtbot, content, Qt.Key.Key_F)
    assert content.filter_box.hasFocus()
    assert content.filter_box.placeholderText() == "Filter"
    qtbot.keyClicks(content.filter_box, "PHOTO")
    assert shown(content) == ["photo 2.jpg", "photo 10.jpg"]
    assert content.count_label.text() == "2 items"
    qtbot.keyClicks(content.filter_box, "zzz")
    assert content.stack.currentWidget() is content.message_label
    assert "No items match" in content.message_label.text()
    qtbot.keyClick(content.filter_box, Qt.Key.Key_Escape)
    assert content.filter_box.text() == "" and len(shown(content)) == 7
    assert content.stack.currentWidget() is content.grid_view
    qtbot.keyClick(content.filter_box, Qt.Key.Key_Escape)  # empty: back to the items
    assert content.grid_view.hasFocus()


def test_ctrl_h_shows_hidden_files(content: ContentView, qtbot: QtBot) -> None:
    assert ".secret" not in shown(content) and not content.show_hidden()
    press(qtbot, content, Qt.Key.Key_H)
    assert ".secret" in shown(content) and content.show_hidden()
    assert content.count_label.text() == "8 items"
    press(qtbot, content, Qt.Key.Key_H)
    assert ".secret" not in shown(content)


def test_zoom_changes_the_icon_size_per_view(content: ContentView, qtbot: QtBot) -> None:
    grid = content.grid_view
    assert grid.iconSize().width() == 64 == content.zoom_slider.value()
    press(qtbot, content, Qt.Key.Key_Plus)
    press(qtbot, content, Qt.Key.Key_Equal)
    assert grid.iconSize().width() == 96 == content.zoom_slider.value()
    press(qtbot, content, Qt.Key.Key_Minus)
    assert grid.iconSize().width() == 80
    content.zoom_slider.setValue(256)  # the user drags the slider
    assert grid.iconSize().width() == 256 and grid.gridSize().width() > 256
    press(qtbot, content, Qt.Key.Key_Plus)
    assert grid.iconSize().width() == 256  # the largest
    press(qtbot, content, Qt.Key.Key_4)
    assert content.media_view.iconSize().width() == 128 == content.zoom_slider.value()
    assert content.media_view.gridSize().width() == content.media_view.gridSize().height()  # square cells


def test_typing_a_name_and_enter_open_it(content: ContentView, qtbot: QtBot, folder: Path) -> None:
    opened = []
    content.open_file_requested.connect(opened.append)
    for key in (Qt.Key.Key_1, Qt.Key.Key_2):
        press(qtbot, content, key)
        qtbot.keyClicks(content.current_view(), "cl")
        assert content.current_view().currentIndex().data() == "clip.mp4"
        qtbot.keyClick(content.current_view(), Qt.Key.Key_Return)
        assert [entry.name for entry in opened] == ["clip.mp4"]
        opened.clear()
        qtbot.wait(QApplication.keyboardInputInterval() + 50)  # the next typing starts a new search


def double_click(qtbot: QtBot, view: QAbstractItemView, pos: QPoint) -> None:
    """As the window system delivers it: a click, then the second press as a double click."""
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_double_clicking_opens_files_and_folders(
    content: ContentView, qtbot: QtBot, wait, folder: Path
) -> None:
    opened = []
    content.open_file_requested.connect(opened.append)
    view = content.current_view()
    b_txt = view.visualRect(content.model.index(3, 0)).center()
    double_click(qtbot, view, b_txt)
    assert [entry.path for entry in opened] == [os.fsencode(folder / "b.txt")]
    albums = view.visualRect(content.model.index(0, 0)).center()
    double_click(qtbot, view, albums)
    wait(lambda: content.path == folder / "Albums" and shown(content) == ["cover.png"])
    assert len(opened) == 1


def test_selection_changes_are_reported_with_their_entries(content: ContentView, qtbot: QtBot) -> None:
    with qtbot.waitSignal(content.selection_changed) as blocker:
        qtbot.keyClick(content.current_view(), Qt.Key.Key_A, CTRL)
    assert len(blocker.args[0]) == 7
    assert content.selection_label.text() == "7 selected"


def location_at(path: Path) -> LocationInfo:
    return LocationInfo(
        id=1,
        uuid=uuid.uuid4(),
        name=path.name,
        path=str(path),
        mode=IndexMode.SHALLOW,
        scan_state="complete",
        last_scan_at=None,
        total_file_count=0,
        total_byte_size=0,
        error_message="",
        rules={},
        watching=False,
    )


def test_columns_show_the_folders_above_and_a_click_opens(
    content: ContentView, qtbot: QtBot, wait, folder: Path, tmp_path: Path
) -> None:
    root = tmp_path / "home"
    content.set_locations([location_at(root)])  # the columns start at the location's root
    press(qtbot, content, Qt.Key.Key_3)
    columns = content.columns_view
    assert columns.column_paths() == [root, root / "me"]
    wait(lambda: [c.currentIndex().data() for c in columns.columns()[:-1]] == ["me", "stuff"])
    assert columns.last is content.current_view()
    albums = columns.last.visualRect(content.model.index(0, 0)).center()
    qtbot.mouseClick(columns.last.viewport(), Qt.MouseButton.LeftButton, pos=albums)
    wait(lambda: content.path == folder / "Albums")
    assert columns.column_paths() == [root, root / "me", folder]
    wait(lambda: columns.columns()[2].currentIndex().data() == "Albums")

    qtbot.keyClick(columns.last, Qt.Key.Key_Left)  # to the column of the folder above
    assert columns.columns()[2].hasFocus()
    qtbot.keyClick(columns.columns()[2], Qt.Key.Key_Right)
    assert columns.last.hasFocus()

    me = columns.columns()[0]
    stuff = me.visualRect(me.model().index(0, 0)).center()
    qtbot.mouseClick(me.viewport(), Qt.MouseButton.LeftButton, pos=stuff)
    wait(lambda: content.path == root / "me")
    assert columns.column_paths() == [root]
    # The folder it came from is selected once the listing is in.
    wait(lambda: [entry.name for entry in content.selected_entries()] == ["stuff"])


def test_columns_keep_the_shown_folder_in_view_however_deep(
    content: ContentView, qtbot: QtBot, wait, folder: Path, tmp_path: Path
) -> None:
    """More columns than fit, or a window made narrower: the shown folder's own column stays in view, as
    in Finder (it was left out of view when the columns were laid out after they were scrolled)."""
    root = tmp_path / "home"
    content.set_locations([location_at(root)])
    press(qtbot, content, Qt.Key.Key_3)
    columns = content.columns_view
    bar = columns.horizontalScrollBar()
    wait(lambda: len(columns.column_paths()) == 2)

    def last_in_view() -> bool:
        return columns.viewport().rect().contains(columns.last.geometry().translated(-bar.value(), 0))

    for width in (700, 560, 480):  # narrower and narrower: the strip scrolls further each time
        content.resize(width, 500)
        wait(lambda: bar.maximum() > 0 and last_in_view())
        assert bar.value() == bar.maximum()


def test_columns_preview_the_selected_file(content: ContentView, qtbot: QtBot) -> None:
    press(qtbot, content, Qt.Key.Key_3)
    preview = content.columns_view.preview
    assert not preview.isVisible()
    content.current_view().setCurrentIndex(content.model.index(3, 0))  # b.txt
    assert preview.isVisible()
    assert preview.name_label.text() == "b.txt"
    assert "300 bytes" in preview.facts_label.text()
    content.current_view().setCurrentIndex(content.model.index(0, 0))  # a folder: no preview
    assert not preview.isVisible()


def test_context_menus_offer_open_with_terminal_and_copy_path(content: ContentView, folder: Path) -> None:
    asked: list[object] = []
    content.open_with_requested.connect(asked.append)
    content.open_terminal_requested.connect(asked.append)

    def texts(menu) -> list[str]:
        return [a.text().replace("&", "") for a in menu.actions() if a.text()]

    def trigger(menu, text: str) -> None:
        next(a for a in menu.actions() if a.text().replace("&", "") == text).trigger()

    file_menu = content.context_menu(content.model.index(3, 0))
    assert texts(file_menu) == ["Open", "Open With…", "Copy Path"]
    trigger(file_menu, "Open With…")
    trigger(file_menu, "Copy Path")
    assert QApplication.clipboard().text() == str(folder / "b.txt")
    folder_menu = content.context_menu(content.model.index(0, 0))
    assert texts(folder_menu) == ["Open", "Open Terminal Here", "Add as Location", "Copy Path"]
    trigger(folder_menu, "Open Terminal Here")
    background = content.context_menu(content.model.index(-1, 0))
    assert texts(background)[:3] == ["Open Terminal Here", "Add as Location", "Copy Path"]
    trigger(background, "Open Terminal Here")
    assert [getattr(a, "name", a) for a in asked] == ["b.txt", str(folder / "Albums"), str(folder)]


def test_view_state_is_remembered_in_settings(
    content: ContentView, qtbot: QtBot, run, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    content.zoom_in()
    press(qtbot, content, Qt.Key.Key_H)
    press(qtbot, content, Qt.Key.Key_2)
    click_header(qtbot, content, Column.SIZE)
    content.details_view.header().resizeSection(Column.NAME, 200)
    content.save_view_state(settings)
    settings.sync()

    again = ContentView(content._core, TaskSet())
    qtbot.addWidget(again)
    again.restore_view_state(QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat))
    assert again.view_mode() is ViewMode.DETAILS
    assert again.show_hidden()
    assert (again.model.sort_column(), again.model.sort_order()) == (Column.SIZE, Qt.SortOrder.AscendingOrder)
    assert again.details_view.header().sectionSize(Column.NAME) == 200
    again.set_view_mode(ViewMode.GRID)
    assert again.grid_view.iconSize().width() == 80


def test_thumbnails_follow_the_zoom_of_the_picture_views(content: ContentView, qtbot: QtBot) -> None:
    loader = FakeThumbnails()
    content.set_thumbnail_loader(loader)
    ratio = content.devicePixelRatioF()
    assert content.model.thumbnail_size() == round(64 * ratio)
    press(qtbot, content, Qt.Key.Key_4)
    assert content.model.thumbnail_size() == round(128 * ratio)
    content.media_view.viewport().repaint()
    assert (content.model.entry(1).path, round(128 * ratio)) in loader.requests
    press(qtbot, content, Qt.Key.Key_2)
    assert content.model.thumbnail_size() == 0  # the details list shows kind icons


def test_unreadable_folder_shows_why(content: ContentView, run, folder: Path) -> None:
    run(content.open_path(folder / "missing"))
    assert "cannot be read" in content.message_label.text()
    assert content.stack.currentWidget() is content.message_label
    run(content.open_path(folder / "code"))
    assert content.message_label.text() == "This folder is empty."
