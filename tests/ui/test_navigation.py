"""Getting around a pane: the history alone, then the path bar and the keyboard in the window."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.navigation import History, TypedPathError, breadcrumbs, resolve_typed_path, subfolders
from ui.session import GuiSession
from ui.views.main_window import MainWindow

# ---- History -----------------------------------------------------------------------------------------


def test_history_goes_back_and_forward_like_a_browser() -> None:
    history: History[str] = History()
    assert history.current is None and not history.can_go_back() and not history.can_go_forward()
    for place in ("a", "b", "c"):
        history.visit(place)
    assert history.back_items() == ["b", "a"]
    assert history.back() == "b"
    assert history.back() == "a"
    assert history.back() is None  # nothing further back: stays
    assert history.current == "a"
    assert history.forward_items() == ["b", "c"]
    assert history.forward() == "b"
    history.visit("d")  # a new place drops what was ahead
    assert not history.can_go_forward()
    assert history.back_items() == ["b", "a"]


def test_history_ignores_the_place_already_shown_and_jumps_several_steps() -> None:
    history: History[str] = History()
    for place in ("a", "b", "b", "c", "d"):
        history.visit(place)
    assert history.back_items() == ["c", "b", "a"]
    assert history.back(3) == "a"
    history.visit("a")  # a view reporting the place it was sent back to changes nothing
    assert history.forward_items() == ["b", "c", "d"]
    assert history.forward(2) == "c"
    assert history.back(5) is None and history.current == "c"


def test_history_is_bounded() -> None:
    history: History[int] = History(limit=3)
    for place in range(10):
        history.visit(place)
    assert history.back_items() == [8, 7, 6]


# ---- paths -------------------------------------------------------------------------------------------


def test_breadcrumbs_and_subfolders(tmp_path: Path) -> None:
    assert breadcrumbs(Path("/a/b")) == [Path("/"), Path("/a"), Path("/a/b")]
    for name in ("folder 10", "folder 2", ".hidden", "Alpha"):
        (tmp_path / name).mkdir()
    (tmp_path / "file.txt").write_text("x")
    assert [p.name for p in subfolders(tmp_path)] == ["Alpha", "folder 2", "folder 10"]
    assert ".hidden" in [p.name for p in subfolders(tmp_path, show_hidden=True)]
    assert subfolders(tmp_path / "missing") == []


def test_a_typed_path_is_resolved_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    odd = tmp_path / os.fsdecode(b"caf\xe9")  # Latin-1 bytes, not UTF-8
    (odd / "inside").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_typed_path("~/caf\ufffd/inside", None) == odd / "inside"  # as the path bar shows it
    assert resolve_typed_path("inside", odd) == odd / "inside"
    assert resolve_typed_path(f"{tmp_path}/caf\ufffd/../caf\ufffd", None) == odd
    with pytest.raises(TypedPathError) as error:
        resolve_typed_path(f"{tmp_path}/nowhere", None)
    assert error.value.code == "not_found"


# ---- in the window -----------------------------------------------------------------------------------


def window_of(session: GuiSession) -> MainWindow:
    assert session.window is not None
    return session.window


def test_typing_a_path_and_pressing_enter_opens_it(
    session: GuiSession, wait, files: Path, qtbot: QtBot
) -> None:
    window = window_of(session)
    pane = window.explorer.active_pane()
    bar = pane.path_bar
    assert not bar.is_editing()
    window.explorer_actions.edit_path.trigger()  # Ctrl+L
    assert bar.is_editing()
    assert bar.field.text() == str(files) and bar.field.selectedText() == str(files)
    bar.field.setText(str(files / "Albums"))
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    wait(lambda: window.content.path == files / "Albums")
    assert not bar.is_editing()
    assert [b.text() for b in bar.segment_buttons()][-2:] == ["files", "Albums"]


def test_a_bad_path_is_explained_and_the_folder_stays(
    session: GuiSession, wait, files: Path, qtbot: QtBot
) -> None:
    window = window_of(session)
    bar = window.explorer.active_pane().path_bar
    bar.edit()
    bar.field.setText(str(files / "nowhere"))
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    wait(lambda: bar.error_label.isVisibleTo(window))
    assert "Nothing exists at" in bar.error_label.text() and "nowhere" in bar.error_label.text()
    assert bar.is_editing()  # the typed text can be corrected
    assert window.content.path == files
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.is_editing() and not bar.error_label.isVisibleTo(window)
    assert window.content.path == files


def test_completion_offers_the_subfolders(session: GuiSession, wait, files: Path) -> None:
    (files / "Albums" / "Summer").mkdir()
    (files / "Archive").mkdir()
    (files / ".cache").mkdir()
    bar = window_of(session).explorer.active_pane().path_bar
    bar.edit()
    bar.field.setFocus()
    bar.field.setText(f"{files}/A")
    wait(lambda: bar.completions() == [f"{files}/Albums/", f"{files}/Archive/"])
    bar.field.setText(f"{files}/Albums/")
    wait(lambda: bar.completions() == [f"{files}/Albums/Summer/"])
    bar.field.setText(f"{files}/.")
    wait(lambda: bar.completions() == [f"{files}/.cache/"])  # hidden ones once a dot is typed


def test_clicking_a_breadcrumb_opens_that_folder(
    session: GuiSession, wait, files: Path, run, qtbot: QtBot
) -> None:
    window = window_of(session)
    pane = window.explorer.active_pane()
    run(pane.open_path(files / "Albums"))
    buttons = pane.path_bar.segment_buttons()
    assert buttons[0].text() == "/"
    assert [b.text() for b in buttons[-2:]] == ["files", "Albums"]
    qtbot.mouseClick(buttons[-2], Qt.MouseButton.LeftButton)
    wait(lambda: window.content.path == files)
    assert pane.history.back_items() == [files / "Albums", files]


def test_a_narrow_path_bar_elides_parents_from_the_left(session: GuiSession, run, files: Path, wait) -> None:
    window = window_of(session)
    pane = window.explorer.active_pane()
    deep = files / "Albums" / "a very long folder name" / "another very long folder name" / "deepest"
    deep.mkdir(parents=True)
    run(pane.open_path(deep))
    bar = pane.path_bar
    bar.crumbs.resize(260, bar.crumbs.height())
    buttons = bar.segment_buttons()
    wait(lambda: bar.overflow_button.isVisibleTo(bar))
    assert buttons[-1].isVisibleTo(bar) and not buttons[0].isVisibleTo(bar)
    hidden = [a.text() for a in bar.overflow_button.menu().actions()]
    assert hidden[-1] == "/" and str(files) in hidden


def test_back_forward_and_up_from_the_keyboard(
    session: GuiSession, run, wait, files: Path, qtbot: QtBot
) -> None:
    window = window_of(session)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    pane = window.explorer.active_pane()
    run(pane.open_path(files / "Albums"))
    pane.content.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Backspace)  # up
    wait(lambda: window.content.path == files)
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    wait(lambda: window.content.path == files / "Albums")
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    wait(lambda: window.content.path == files)
    assert pane.history.back_items() == [files / "Albums", files]
    assert not window.explorer_actions.forward.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    wait(lambda: window.content.path == files.parent)
    assert pane.back_button.isEnabled() and not pane.forward_button.isEnabled()


def test_backspace_in_the_path_field_edits_the_text(session: GuiSession, files: Path, qtbot: QtBot) -> None:
    window = window_of(session)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    bar = window.explorer.active_pane().path_bar
    window.explorer_actions.edit_path.trigger()
    bar.field.end(False)
    qtbot.keyClick(bar.field, Qt.Key.Key_Backspace)
    assert bar.field.text() == str(files)[:-1]
    assert window.content.path == files


def test_a_name_that_is_not_utf8_shows_replaced_and_opens_exactly(
    session: GuiSession, run, wait, files: Path
) -> None:
    odd = files / os.fsdecode(b"na\xefve")
    odd.mkdir()
    window = window_of(session)
    pane = window.explorer.active_pane()
    run(pane.open_path(odd))
    assert pane.path_bar.segment_buttons()[-1].text() == "na\ufffdve"
    run(pane.open_path(files))
    pane.path_bar.edit()
    pane.path_bar.field.setText(f"{files}/na\ufffdve")
    assert run(pane.path_bar.submit(pane.path_bar.field.text()))
    wait(lambda: window.content.path == odd)
    assert os.fsencode(window.content.path).endswith(b"na\xefve")
