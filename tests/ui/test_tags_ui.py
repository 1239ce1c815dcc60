"""Tags in the window: the sidebar lists them, the selection's Tags menu puts them on, a tag shows its
files."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from spacedrive.operations import tags
from tests.ui.test_dnd import drop
from ui.models.sidebar import BADGE_ROLE, TAG_ROLE, Section
from ui.session import GuiSession
from ui.views.main_window import MainWindow


def window_of(session: GuiSession) -> MainWindow:
    assert session.window is not None
    return session.window


def tag_rows(window: MainWindow) -> list[tuple[str, str]]:
    model = window.sidebar_model
    parent = model.section_index(Section.TAGS)
    rows = [model.index(row, 0, parent) for row in range(model.rowCount(parent))]
    return [(index.data(), index.data(BADGE_ROLE)) for index in rows if index.data(TAG_ROLE) is not None]


def tag_index(window: MainWindow, name: str) -> QModelIndex:
    model = window.sidebar_model
    parent = model.section_index(Section.TAGS)
    return next(
        model.index(row, 0, parent)
        for row in range(model.rowCount(parent))
        if model.index(row, 0, parent).data() == name
    )


def tags_submenu(window: MainWindow, name: str) -> QMenu:
    content = window.content
    row = content.model.row_of(name.encode())
    assert row is not None
    menu = content.context_menu(content.model.index(row, 0))
    return next(a.menu() for a in menu.actions() if a.menu() is not None and a.text() == "T&ags")


def test_tag_a_file_from_its_menu_and_see_it_in_the_tag_view(
    session: GuiSession, run, wait, files: Path, qtbot: QtBot
) -> None:
    window = window_of(session)
    library = session.core.current_library()  # type: ignore[union-attr]
    run(tags.create_tag(library, "Red", "#ff0000"))
    run(tags.create_tag(library, "Work"))
    wait(lambda: tag_rows(window) == [("Red", "0"), ("Work", "0")])

    window.content.select_names([b"notes.txt"])
    submenu = tags_submenu(window, "notes.txt")
    red = next(a for a in submenu.actions() if a.text() == "Red")
    assert red.isCheckable() and not red.isChecked()
    red.trigger()
    wait(lambda: tag_rows(window) == [("Red", "1"), ("Work", "0")])
    wait(lambda: window.inspector.tags_label.text() == "Red")  # the inspector follows
    row = window.content.model.row_of(b"notes.txt")
    assert row is not None and window.content.model.entry(row).tags == ("Red",)
    assert next(a for a in tags_submenu(window, "notes.txt").actions() if a.text() == "Red").isChecked()

    window.sidebar.clicked.emit(tag_index(window, "Red"))  # a click on the tag in the sidebar
    content = window.content
    wait(lambda: content.tag == "Red" and content.model.rowCount() == 1)
    assert content.model.entry(0).path == os.fsencode(files / "notes.txt")
    assert content.header.title_label.text() == "Red"
    menu = content.context_menu(content.model.index(0, 0))
    show = next(a for a in menu.actions() if a.text() == "Show in &Folder")
    show.trigger()
    wait(lambda: content.path == files and [e.name for e in content.selected_entries()] == ["notes.txt"])

    # Taking the tag off from the same menu.
    next(a for a in tags_submenu(window, "notes.txt").actions() if a.text() == "Red").trigger()
    wait(lambda: tag_rows(window) == [("Red", "0"), ("Work", "0")])


def test_dropping_files_on_a_sidebar_tag_tags_them(session: GuiSession, run, wait, files: Path) -> None:
    window = window_of(session)
    library = session.core.current_library()  # type: ignore[union-attr]
    run(tags.create_tag(library, "Trip"))
    wait(lambda: tag_rows(window) == [("Trip", "0")])
    sidebar = window.sidebar
    pos = sidebar.visualRect(tag_index(window, "Trip")).center()
    assert drop(sidebar.viewport(), pos, [files / "photo 2.jpg"], Qt.KeyboardModifier.NoModifier)
    wait(lambda: tag_rows(window) == [("Trip", "1")])
    assert [e.path for e in run(tags.entries_with_tag(library, "Trip"))] == [
        os.fsencode(files / "photo 2.jpg")
    ]
    assert (files / "photo 2.jpg").exists()  # tagged, not moved


def test_tag_menu_renames_and_deletes(session: GuiSession, run, wait, qtbot: QtBot) -> None:
    window = window_of(session)
    library = session.core.current_library()  # type: ignore[union-attr]
    run(tags.create_tag(library, "Old"))
    wait(lambda: tag_rows(window) == [("Old", "0")])
    menu = window.sidebar.context_menu(tag_index(window, "Old"))
    assert menu is not None
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["&Show Files", "&Rename…", "Change &Colour…", "&Delete…", "&New Tag…"]
    run(tags.update_tag(library, "Old", name="New", color="#00ff00"))
    wait(lambda: tag_rows(window) == [("New", "0")])
    run(tags.delete_tag(library, "New"))
    wait(lambda: tag_rows(window) == [])
