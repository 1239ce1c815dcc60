"""File commands as a user gives them: select, press the shortcut, see the result on disk and in the view."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from ui.clipboard import GNOME_FILES
from ui.session import GuiSession
from ui.views.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(autouse=True)
def _private_trash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trashed files go to a trash in the test's folder, never the real one."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def window(session: GuiSession, qtbot: QtBot) -> MainWindow:
    assert session.window is not None
    focus(session.window, qtbot)
    return session.window


def focus(window: MainWindow, qtbot: QtBot) -> None:
    """The window active and keyboard focus on the items, as after a click on them."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.content.focus_items()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)


def names(window: MainWindow) -> list[str]:
    model = window.content.model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def select(window: MainWindow, *wanted: str) -> None:
    window.content.select_names([name.encode() for name in wanted])


def key(qtbot: QtBot, window: MainWindow, k: Qt.Key, modifier: Qt.KeyboardModifier = CTRL) -> None:
    focused = QApplication.focusWidget()
    assert focused is not None and window.explorer.isAncestorOf(focused)
    qtbot.keyClick(focused, k, modifier)


def visible_box() -> QMessageBox | None:
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    return boxes[0] if boxes else None


def test_copy_then_paste_in_another_folder(window: MainWindow, run, wait, files: Path, qtbot: QtBot) -> None:
    select(window, "notes.txt", "photo 2.jpg")
    key(qtbot, window, Qt.Key.Key_C)
    mime = QGuiApplication.clipboard().mimeData()
    assert bytes(mime.data(GNOME_FILES).data()).startswith(b"copy\nfile://")
    run(window.content.open_path(files / "Albums"))  # empty: a message stands in for the items
    focus(window, qtbot)
    assert window.file_actions.paste.isEnabled()
    key(qtbot, window, Qt.Key.Key_V)
    wait(lambda: names(window) == ["notes.txt", "photo 2.jpg"])
    assert (files / "Albums" / "notes.txt").read_text() == "notes.txt"
    assert (files / "notes.txt").exists()  # a copy leaves the original
    assert {e.name for e in window.content.selected_entries()} == {"notes.txt", "photo 2.jpg"}


def test_cut_dims_the_items_and_paste_moves_them(
    window: MainWindow, run, wait, files: Path, qtbot: QtBot
) -> None:
    select(window, "notes.txt")
    key(qtbot, window, Qt.Key.Key_X)
    model = window.content.model
    row = model.row_of(b"notes.txt")
    assert row is not None and model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    run(window.content.open_path(files / "Albums"))  # empty: a message stands in for the items
    focus(window, qtbot)
    key(qtbot, window, Qt.Key.Key_V)
    wait(lambda: names(window) == ["notes.txt"])
    assert not (files / "notes.txt").exists()
    assert not window.file_actions.paste.isEnabled()  # a cut is pasted once


def test_f2_renames_in_place_and_undo_names_it_back(
    window: MainWindow, wait, files: Path, qtbot: QtBot
) -> None:
    select(window, "notes.txt")
    key(qtbot, window, Qt.Key.Key_F2, Qt.KeyboardModifier.NoModifier)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    assert editor.selectedText() == "notes"  # the extension is left alone
    qtbot.keyClicks(editor, "memo")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    wait(lambda: "memo.txt" in names(window))
    assert (files / "memo.txt").exists() and not (files / "notes.txt").exists()
    undo = window.file_actions.undo
    assert undo.isEnabled() and undo.text() == "&Undo Rename “notes.txt” to “memo.txt”"
    key(qtbot, window, Qt.Key.Key_Z)
    wait(lambda: "notes.txt" in names(window))
    assert (files / "notes.txt").exists() and not (files / "memo.txt").exists()
    assert window.file_actions.redo.text() == "Re&do Rename “notes.txt” to “memo.txt”"


def test_a_refused_rename_says_why_and_keeps_the_name(
    window: MainWindow, run, wait, files: Path, qtbot: QtBot
) -> None:
    entry = next(e for e in window.content.model.entries() if e.name == "notes.txt")
    run(window.file_actions.rename_entry(entry, "photo 2.jpg"))
    box = visible_box()
    assert box is not None and "already exists" in box.informativeText()
    box.close()
    assert (files / "notes.txt").read_text() == "notes.txt" and "notes.txt" in names(window)


def test_delete_moves_to_the_trash_and_undo_restores(
    window: MainWindow, wait, files: Path, tmp_path: Path, qtbot: QtBot
) -> None:
    select(window, "photo 10.jpg")
    key(qtbot, window, Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier)
    wait(lambda: "photo 10.jpg" not in names(window))
    assert not (files / "photo 10.jpg").exists()
    assert (tmp_path / "xdg" / "Trash" / "files" / "photo 10.jpg").exists()
    assert window.file_actions.undo.text() == "&Undo Move “photo 10.jpg” to the trash"
    key(qtbot, window, Qt.Key.Key_Z)
    wait(lambda: "photo 10.jpg" in names(window))
    assert (files / "photo 10.jpg").read_text() == "photo 10.jpg"


def test_shift_delete_asks_before_deleting_for_good(
    window: MainWindow, wait, files: Path, tmp_path: Path, qtbot: QtBot
) -> None:
    select(window, "notes.txt")
    key(qtbot, window, Qt.Key.Key_Delete, SHIFT)
    wait(visible_box)
    box = visible_box()
    assert box is not None and box.text() == "Permanently delete “notes.txt”?"
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(50)
    assert (files / "notes.txt").exists()
    focus(window, qtbot)
    key(qtbot, window, Qt.Key.Key_Delete, SHIFT)
    wait(visible_box)
    box = visible_box()
    assert box is not None
    next(b for b in box.buttons() if b.text() == "Delete").click()
    wait(lambda: "notes.txt" not in names(window))
    assert not (files / "notes.txt").exists() and not (tmp_path / "xdg" / "Trash" / "files").exists()


def test_new_folder_is_created_and_named_in_place(
    window: MainWindow, wait, files: Path, qtbot: QtBot
) -> None:
    key(qtbot, window, Qt.Key.Key_N, CTRL | SHIFT)
    wait(lambda: "New Folder" in names(window))
    assert (files / "New Folder").is_dir()
    wait(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.selectedText() == "New Folder"
    qtbot.keyClicks(editor, "Trips")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    wait(lambda: "Trips" in names(window))
    assert (files / "Trips").is_dir() and not (files / "New Folder").exists()


def test_duplicate_and_the_menus(window: MainWindow, wait, files: Path, qtbot: QtBot) -> None:
    select(window, "notes.txt")
    window.file_actions.duplicate.trigger()
    wait(lambda: "notes (2).txt" in names(window))
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    texts = [a.text() for a in edit_menu.actions() if a.text()]
    assert texts[:2] == ["&Undo Copy “notes (2).txt”", "Re&do"]
    assert "Cu&t" in texts and "Move to &Trash" in texts and "New &Folder" in texts
    content = window.content
    item_menu = content.context_menu(content.model.index(content.model.row_of(b"Albums") or 0, 0))
    item_texts = [a.text().replace("&", "") for a in item_menu.actions() if a.text()]
    assert {"Cut", "Copy", "Paste Into Folder", "Rename…", "Tags", "Move to Trash"} <= set(item_texts)
    background = [
        a.text().replace("&", "") for a in content.context_menu(content.model.index(-1, 0)).actions()
    ]
    assert background[:3] == ["New Folder", "New Empty File", "Paste"]
    window.content.selection.clearSelection()
    assert not window.file_actions.copy.isEnabled() and not window.file_actions.trash.isEnabled()
    assert isinstance(item_menu, QWidget)
