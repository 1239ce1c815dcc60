"""Locations in the window: the sidebar lists them, the folder picker and "Add as Location" add them, the
indexer's job shows its title, the content area lists indexed folders from the index and follows the disk."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox

from spacedrive.domain.jobs import JobStatus
from spacedrive.domain.location import LocationInfo
from spacedrive.operations import locations
from ui.models.folder import INDEXED_ROLE
from ui.models.jobs import STATUS_ROLE, Column
from ui.models.sidebar import LOCATION_INFO_ROLE, Section
from ui.session import GuiSession
from ui.views.main_window import MainWindow


def window_of(session: GuiSession) -> MainWindow:
    assert session.window is not None
    return session.window


def location_rows(window: MainWindow) -> list[str]:
    model = window.sidebar_model
    parent = model.section_index(Section.LOCATIONS)
    return [model.index(row, 0, parent).data() for row in range(model.rowCount(parent))]


def location_index(window: MainWindow, name: str) -> QModelIndex:
    model = window.sidebar_model
    parent = model.section_index(Section.LOCATIONS)
    row = location_rows(window).index(name)
    return model.index(row, 0, parent)


def location_info(window: MainWindow, name: str) -> LocationInfo:
    return location_index(window, name).data(LOCATION_INFO_ROLE)


def shown_names(window: MainWindow) -> list[str]:
    model = window.content.model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def visible_dialog(kind: type) -> object | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def action(menu: QMenu | None, text: str):
    assert menu is not None
    return next(a for a in menu.actions() if a.text().replace("&", "") == text)


def add_location(session: GuiSession, run, path: Path) -> LocationInfo:
    assert session.core is not None
    info, _job = run(locations.add_location(session.core.current_library(), str(path)))
    return info


def indexed(window: MainWindow, name: str) -> bool:
    return name in location_rows(window) and location_info(window, name).scan_state == "complete"


def test_a_location_added_through_the_core_appears_in_the_sidebar(session: GuiSession, run, wait) -> None:
    window = window_of(session)
    assert location_rows(window) == ["None yet"]
    add_location(session, run, session.data_dir.parent / "files")
    wait(lambda: location_rows(window) == ["files"])
    wait(lambda: indexed(window, "files"))
    tip = location_index(window, "files").data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(str(session.data_dir.parent / "files"))
    assert "3 files" in tip and "Scanned just now" in tip

    assert session.core is not None
    run(session.core.libraries.create("Empty"))
    run(session.core.libraries.switch("Empty"))
    wait(lambda: location_rows(window) == ["None yet"])  # the sidebar follows the current library


def test_the_folder_picker_adds_a_location_whose_indexing_shows_its_title(
    session: GuiSession, run, wait, tmp_path: Path
) -> None:
    window = window_of(session)
    photos = tmp_path / "Photos"
    photos.mkdir()
    for number in range(300):
        (photos / f"img {number}.jpg").write_bytes(b"x")
    seen_running: set[str] = set()
    status = window.job_status

    def note_status() -> None:
        if status.progress_bar.isVisibleTo(window):
            seen_running.add(status.name_label.text())

    window.jobs_model.dataChanged.connect(note_status)

    window.location_actions.add_action.trigger()
    wait(lambda: visible_dialog(QFileDialog))
    dialog = visible_dialog(QFileDialog)
    assert isinstance(dialog, QFileDialog)
    assert dialog.fileMode() == QFileDialog.FileMode.Directory
    assert dialog.testOption(QFileDialog.Option.ShowDirsOnly)
    dialog.setDirectory(str(photos))
    dialog.accept()

    wait(lambda: "Photos" in location_rows(window))
    model = window.jobs_model
    wait(lambda: model.rowCount() and model.index(0, Column.NAME).data() == "Indexing Photos")
    wait(lambda: model.index(0, 0).data(STATUS_ROLE) == JobStatus.COMPLETED, timeout=10)
    assert "Indexing Photos" in seen_running  # the status bar named the job while it ran
    window.jobs_panel.toggleViewAction().trigger()
    assert window.jobs_panel.table.model().index(0, Column.NAME).data() == "Indexing Photos"

    # The picked folder is shown, from the index once it is indexed.
    wait(lambda: window.content.path == photos)
    wait(lambda: window.content.index_label.text() == "Indexed")
    assert window.content.model.rowCount() == 300
    assert shown_names(window)[:3] == ["img 0.jpg", "img 1.jpg", "img 2.jpg"]


def test_refusals_from_the_core_are_shown_with_its_message(
    session: GuiSession, run, wait, files: Path
) -> None:
    window = window_of(session)
    add_location(session, run, files / "Albums")
    wait(lambda: location_rows(window) == ["Albums"])
    # The content area shows `files`, which contains the location: the core refuses to nest them.
    menu = window.content.context_menu(QModelIndex())
    action(menu, "Add as Location").trigger()
    wait(lambda: visible_dialog(QMessageBox))
    box = visible_dialog(QMessageBox)
    assert isinstance(box, QMessageBox)
    assert box.text() == "The folder could not be added as a location"
    assert "contains the location 'Albums'" in box.informativeText()
    box.accept()
    assert location_rows(window) == ["Albums"]


def test_indexed_folders_are_listed_from_the_index_and_follow_the_disk(
    session: GuiSession, run, wait, files: Path
) -> None:
    window = window_of(session)
    content = window.content
    assert content.index_label.text() == "Not indexed"
    assert not content.model.index(0, 0).data(INDEXED_ROLE)
    add_location(session, run, files)
    wait(lambda: content.index_label.text() == "Indexed")
    assert shown_names(window) == ["Albums", "notes.txt", "photo 2.jpg", "photo 10.jpg"]
    assert all(content.model.index(row, 0).data(INDEXED_ROLE) for row in range(4))
    wait(lambda: location_info(window, "files").watching)

    selected = content.model.index(1, 0)  # notes.txt
    content.current_view().setCurrentIndex(selected)
    (files / "photo 3.jpg").write_text("new")
    (files / "photo 10.jpg").unlink()
    wait(lambda: shown_names(window) == ["Albums", "notes.txt", "photo 2.jpg", "photo 3.jpg"], timeout=5)
    assert content.current_view().currentIndex().data() == "notes.txt"  # changes do not lose the selection
    assert content.model.index(3, 0).data(INDEXED_ROLE)  # from the index, which the watcher updated
    assert content.count_label.text() == "4 items"

    run(content.open_path(files / "Albums"))
    assert content.message_label.text() == "This folder is empty."
    assert content.index_label.text() == "Indexed"
    (files / "Albums" / "cover.png").write_bytes(b"\x89PNG")
    wait(lambda: shown_names(window) == ["cover.png"], timeout=5)
    assert content.index_label.text() == "Indexed"


def test_remove_asks_first_and_leaves_the_files(session: GuiSession, run, wait, files: Path) -> None:
    window = window_of(session)
    add_location(session, run, files)
    wait(lambda: indexed(window, "files"))

    def remove_and_answer(button_text: str) -> None:
        action(window.sidebar.location_menu(location_index(window, "files")), "Remove…").trigger()
        wait(lambda: visible_dialog(QMessageBox))
        box = visible_dialog(QMessageBox)
        assert isinstance(box, QMessageBox)
        assert box.text() == "Remove the location “files”?"
        assert "The files on disk are not touched." in box.informativeText()
        next(b for b in box.buttons() if b.text() == button_text).click()
        wait(lambda: visible_dialog(QMessageBox) is None)

    remove_and_answer("Cancel")
    assert location_rows(window) == ["files"]
    remove_and_answer("Remove")
    wait(lambda: location_rows(window) == ["None yet"])
    assert sorted(p.name for p in files.iterdir()) == ["Albums", "notes.txt", "photo 10.jpg", "photo 2.jpg"]
    wait(lambda: window.content.index_label.text() == "Not indexed")


def test_location_menu_reveals_and_rescans(
    session: GuiSession, run, wait, files: Path, tmp_path: Path
) -> None:
    window = window_of(session)
    add_location(session, run, files / "Albums")
    wait(lambda: indexed(window, "Albums"))
    run(window.content.open_path(tmp_path))
    menu = window.sidebar.location_menu(location_index(window, "Albums"))
    action(menu, "Reveal").trigger()
    wait(lambda: window.content.path == files / "Albums")
    assert window.sidebar.currentIndex() == location_index(window, "Albums")

    action(window.sidebar.location_menu(location_index(window, "Albums")), "Rescan").trigger()
    model = window.jobs_model
    wait(
        lambda: (
            [model.index(r, Column.NAME).data() for r in range(model.rowCount())].count("Indexing Albums")
            == 2
        )
    )
    section_menu = window.sidebar.location_menu(window.sidebar_model.section_index(Section.LOCATIONS))
    assert [a.text() for a in section_menu.actions()] == ["&Add Location…"]


def test_add_as_location_on_a_folder_item(session: GuiSession, wait, files: Path) -> None:
    window = window_of(session)
    content = window.content
    albums = content.model.index(0, 0)
    assert albums.data() == "Albums"
    file_menu = content.context_menu(content.model.index(1, 0))
    texts = [a.text().replace("&", "") for a in file_menu.actions() if a.text()]
    assert texts[:3] == ["Open", "Open With…", "Copy Path"]  # files have no folder actions
    assert "Add as Location" not in texts and "Open Terminal Here" not in texts
    action(content.context_menu(albums), "Add as Location").trigger()
    wait(lambda: location_rows(window) == ["Albums"])
    assert not action(content.context_menu(albums), "Add as Location").isEnabled()  # already one
    action(content.context_menu(albums), "Open").trigger()
    wait(lambda: content.path == files / "Albums")
    assert not action(content.context_menu(QModelIndex()), "Add as Location").isEnabled()
