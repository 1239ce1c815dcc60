"""The question a copy asks when a name is taken: a dialog that does not block the window."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ui.dialogs.conflict import KEEP_BOTH, MERGE, SKIP
from ui.session import GuiSession
from ui.views.main_window import MainWindow


def window_of(session: GuiSession) -> MainWindow:
    assert session.window is not None
    return session.window


def test_keep_both_gives_a_numbered_name(session: GuiSession, wait, files: Path) -> None:
    window = window_of(session)
    (files / "Albums" / "notes.txt").write_text("older")
    # What a paste or a drop of notes.txt into Albums does.
    window.tasks.spawn(
        window.file_actions.transfer(
            "copy", [os.fsencode(files / "notes.txt")], os.fsencode(files / "Albums")
        )
    )
    wait(lambda: window.conflicts.dialog is not None and window.conflicts.dialog.isVisible())
    dialog = window.conflicts.dialog
    assert dialog is not None and not dialog.isModal()
    assert set(dialog.buttons) == {"skip", "replace", "keep-both", "abort"}  # no merge for files
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert f"A file named “notes.txt” already exists in “{files / 'Albums'}”." in texts
    dialog.buttons[KEEP_BOTH].click()
    wait(lambda: (files / "Albums" / "notes (2).txt").exists())
    assert (files / "Albums" / "notes.txt").read_text() == "older"
    assert (files / "Albums" / "notes (2).txt").read_text() == "notes.txt"
    wait(lambda: window.conflicts.dialog is None)


def test_folders_can_be_merged(session: GuiSession, run, wait, files: Path, tmp_path: Path) -> None:
    window = window_of(session)
    core = session.core
    assert core is not None
    (tmp_path / "Albums").mkdir()
    (tmp_path / "Albums" / "new.jpg").write_text("new")
    outcome = run(core.files.copy([str(tmp_path / "Albums")], str(files)))
    wait(lambda: window.conflicts.dialog is not None)
    dialog = window.conflicts.dialog
    assert dialog is not None and MERGE in dialog.buttons
    dialog.buttons[MERGE].click()
    run(core.files.wait(outcome.job_id))
    assert (files / "Albums" / "new.jpg").read_text() == "new"


def test_questions_queue_and_an_answer_from_elsewhere_closes_the_dialog(
    session: GuiSession, run, wait, files: Path, tmp_path: Path, qtbot: QtBot
) -> None:
    window = window_of(session)
    core = session.core
    assert core is not None
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(folder)
    first = run(core.files.copy([str(files / "notes.txt")], str(tmp_path / "one")))
    wait(lambda: window.conflicts.dialog is not None)
    second = run(core.files.copy([str(files / "notes.txt")], str(tmp_path / "two")))
    wait(lambda: len(window.conflicts.queued()) == 1)
    shown = window.conflicts.dialog
    assert shown is not None and shown.asked.job_id == first.job_id
    core.files.resolve_conflict(first.job_id, SKIP)  # answered elsewhere (the CLI)
    wait(
        lambda: window.conflicts.dialog is not None and window.conflicts.dialog.asked.job_id == second.job_id
    )
    dialog = window.conflicts.dialog
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Escape cancels that operation
    run(core.files.wait(second.job_id))
    run(core.files.wait(first.job_id))
    assert (tmp_path / "one" / "notes.txt").read_text() == "one"
    assert sorted(os.listdir(tmp_path / "two")) == ["notes.txt"]
    assert (tmp_path / "two" / "notes.txt").read_text() == "two"
    wait(lambda: window.conflicts.dialog is None)
