"""The main window as a user sees it: libraries, switching, dialogs, jobs, remembered layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from spacedrive.domain.jobs import JobStatus
from spacedrive.infrastructure.ipc import registry
from spacedrive.infrastructure.ipc.client import SocketClient
from tests.ui.helpers import StepJob
from ui.models.jobs import STATUS_ROLE, Column
from ui.models.sidebar import Section
from ui.session import GuiAlreadyRunning, GuiSession, claim_data_dir
from ui.settings import open_settings
from ui.views.main_window import MainWindow
from ui.widgets.view_mode import ViewMode


def window_of(session: GuiSession) -> MainWindow:
    assert session.window is not None
    return session.window


def library_rows(window: MainWindow) -> list[str]:
    model = window.sidebar_model
    parent = model.section_index(Section.LIBRARIES)
    return [model.index(row, 0, parent).data() for row in range(model.rowCount(parent))]


def switcher_items(window: MainWindow) -> list[str]:
    return [window.switcher.itemText(i) for i in range(window.switcher.count())]


def visible_dialog(kind: type) -> object | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def test_fresh_start_shows_my_library_as_current(session: GuiSession, files: Path) -> None:
    window = window_of(session)
    assert window.isVisible()
    assert window.windowTitle() == "Spacedrive — My Library"
    assert library_rows(window) == ["My Library"]
    mine = window.sidebar_model.index(0, 0, window.sidebar_model.section_index(Section.LIBRARIES))
    assert mine.data(Qt.ItemDataRole.FontRole).bold()
    assert window.switcher.currentText() == "My Library"
    assert window.job_status.idle_label.text() == "No running jobs"
    assert not window.job_status.idle_label.isHidden()
    names = [window.content.model.index(r, 0).data() for r in range(window.content.model.rowCount())]
    assert names == ["Albums", "notes.txt", "photo 2.jpg", "photo 10.jpg"]
    assert window.content.count_label.text() == "4 items"
    assert (window.width(), window.height()) == (1200, 760)


def test_library_created_on_the_core_appears_in_sidebar_and_switcher(session: GuiSession, run, wait) -> None:
    window = window_of(session)
    assert session.core is not None
    run(session.core.libraries.create("Photos"))
    wait(lambda: "Photos" in library_rows(window))
    assert "Photos" in switcher_items(window)
    assert window.windowTitle() == "Spacedrive — My Library"  # created, not switched to


def test_choosing_a_library_in_the_switcher_switches(session: GuiSession, run, wait) -> None:
    window = window_of(session)
    assert session.core is not None
    photos = run(session.core.libraries.create("Photos"))
    wait(lambda: "Photos" in switcher_items(window))
    window.switcher.activated.emit(window.switcher.findText("Photos"))
    wait(lambda: window.windowTitle() == "Spacedrive — Photos")
    assert session.core.libraries.current_id() == photos.id
    assert window.switcher.currentText() == "Photos"


def test_new_library_dialog_creates_and_switches(session: GuiSession, wait) -> None:
    window = window_of(session)
    window.library_actions.new_action.trigger()
    wait(lambda: visible_dialog(QInputDialog))
    dialog = visible_dialog(QInputDialog)
    assert isinstance(dialog, QInputDialog)
    dialog.setTextValue("Travel")
    dialog.accept()
    wait(lambda: window.windowTitle() == "Spacedrive — Travel")
    assert library_rows(window) == ["My Library", "Travel"]


def test_a_refused_name_is_explained_in_a_message_box(session: GuiSession, wait) -> None:
    window = window_of(session)
    window.library_actions.new_action.trigger()
    wait(lambda: visible_dialog(QInputDialog))
    dialog = visible_dialog(QInputDialog)
    assert isinstance(dialog, QInputDialog)
    dialog.setTextValue("my library")
    dialog.accept()
    wait(lambda: visible_dialog(QMessageBox))
    box = visible_dialog(QMessageBox)
    assert isinstance(box, QMessageBox)
    assert box.text() == "The library could not be created"
    assert "already exists" in box.informativeText()
    box.accept()


def test_quitting_with_a_dialog_open_is_clean(run, wait, tmp_path: Path, files: Path) -> None:
    data_dir = tmp_path / "data"
    gui = GuiSession(data_dir, None, open_settings(data_dir))
    window = run(gui.start(open_path=files))
    window.library_actions.new_action.trigger()
    wait(lambda: visible_dialog(QInputDialog))
    run(gui.stop())  # as when `spacedrive stop` arrives while the user is typing a name
    wait(lambda: visible_dialog(QInputDialog) is None)
    assert registry.find_server(data_dir) is None


def test_rename_and_close_from_the_sidebar_menu(session: GuiSession, wait) -> None:
    window = window_of(session)
    index = window.sidebar_model.index(0, 0, window.sidebar_model.section_index(Section.LIBRARIES))
    menu = window.sidebar.library_menu(index)
    assert menu is not None
    actions = {a.text().replace("&", ""): a for a in menu.actions() if a.text()}
    assert not actions["Switch To"].isEnabled()  # already current
    actions["Rename…"].trigger()
    wait(lambda: visible_dialog(QInputDialog))
    dialog = visible_dialog(QInputDialog)
    assert isinstance(dialog, QInputDialog)
    assert dialog.textValue() == "My Library"
    dialog.setTextValue("Archive")
    dialog.accept()
    wait(lambda: window.windowTitle() == "Spacedrive — Archive")

    actions["Close"].trigger()
    wait(lambda: window.windowTitle() == "Spacedrive")
    closed = window.sidebar_model.index(0, 0, window.sidebar_model.section_index(Section.LIBRARIES))
    assert closed.data() == "Archive"
    assert closed.data(Qt.ItemDataRole.FontRole).italic()
    assert window.switcher.currentIndex() == -1
    assert not window.library_actions.close_action.isEnabled()
    menu_for_closed = window.sidebar.library_menu(closed)
    assert menu_for_closed is not None
    reopen = next(a for a in menu_for_closed.actions() if a.text() == "&Open")
    reopen.trigger()
    wait(lambda: window.windowTitle() == "Spacedrive — Archive")


def test_running_job_shows_in_status_bar_and_jobs_panel(session: GuiSession, run, wait) -> None:
    window = window_of(session)
    assert session.core is not None
    jobs = session.core.current_library().jobs
    job_id = run(jobs.dispatch(StepJob(total=2000, delay=0.005)))
    status = window.job_status
    wait(lambda: status.progress_bar.isVisibleTo(window) and status.progress_bar.value() > 0)
    assert status.name_label.text() == "ui_test.steps"
    assert status.idle_label.isHidden()
    assert status.progress_bar.maximum() == 100

    window.jobs_panel.toggleViewAction().trigger()
    assert window.jobs_panel.isVisible()
    panel = window.jobs_panel
    model = window.jobs_model
    assert model.index(0, Column.NAME).data() == "ui_test.steps"
    assert not panel.pause_button.isEnabled()  # nothing selected yet
    panel.select_row(0)
    assert panel.pause_button.isEnabled() and not panel.resume_button.isEnabled()

    panel.pause_button.click()
    wait(lambda: model.index(0, 0).data(STATUS_ROLE) == JobStatus.PAUSED)
    assert model.index(0, Column.STATUS).data() == "Paused"
    assert not status.idle_label.isHidden()  # a paused job is not running
    assert panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()

    panel.resume_button.click()
    wait(lambda: model.index(0, 0).data(STATUS_ROLE) == JobStatus.RUNNING)

    panel.cancel_button.click()
    wait(lambda: model.index(0, Column.STATUS).data() == "Cancelled")
    assert run(jobs.info(job_id)).status is JobStatus.CANCELLED
    assert not panel.cancel_button.isEnabled()
    assert not status.idle_label.isHidden()


def test_job_without_a_total_shows_a_busy_indicator(session: GuiSession, run, wait) -> None:
    window = window_of(session)
    assert session.core is not None
    jobs = session.core.current_library().jobs
    job_id = run(jobs.dispatch(StepJob(total=100_000, delay=0.005, report_total=False)))
    wait(lambda: window.job_status.progress_bar.isVisibleTo(window))
    assert window.job_status.progress_bar.maximum() == 0
    run(jobs.cancel(job_id))


def test_view_mode_and_window_layout_are_remembered(run, tmp_path: Path, files: Path) -> None:
    data_dir = tmp_path / "data"
    first = GuiSession(data_dir, None, open_settings(data_dir))
    window = run(first.start(open_path=files))
    assert window.view_selector.view_mode() is ViewMode.GRID
    assert window.content.current_view() is window.content.grid_view
    details = next(a for a in window.view_selector.mode_actions() if a.data() == "details")
    details.trigger()
    assert window.content.current_view() is window.content.details_view
    window.resize(700, 500)
    run(first.stop())
    assert (data_dir / "gui.ini").is_file()

    second = GuiSession(data_dir, None, open_settings(data_dir))
    window = run(second.start(open_path=files))
    try:
        assert window.view_selector.view_mode() is ViewMode.DETAILS
        assert window.content.current_view() is window.content.details_view
        assert (window.width(), window.height()) == (700, 500)
    finally:
        run(second.stop())


def test_opening_a_file_shows_its_folder_with_it_selected(session: GuiSession, run, files: Path) -> None:
    content = window_of(session).content
    run(content.open_path(files / "notes.txt"))
    assert content.path == files
    assert content.current_view().currentIndex().data() == "notes.txt"
    run(content.open_path(files / "missing"))
    assert "cannot be read" in content.message_label.text()
    assert content.stack.currentWidget() is content.message_label
    run(content.open_path(files / "Albums"))
    assert content.message_label.text() == "This folder is empty."


def test_cli_reaches_the_gui_through_its_control_socket(session: GuiSession, run, wait) -> None:
    record = registry.find_server(session.data_dir)
    assert record is not None and record.kind == "gui"

    async def ask() -> list[str]:
        client = SocketClient(record)
        try:
            libraries = await client.call("library.list")
            await client.call("core.shutdown")
        finally:
            await client.close()
        return [lib["name"] for lib in libraries]

    assert run(ask()) == ["My Library"]
    wait(lambda: session.quit_requested.is_set())


def test_a_second_gui_on_the_same_data_dir_is_refused(session: GuiSession, run) -> None:
    with pytest.raises(GuiAlreadyRunning, match="already open"):
        run(claim_data_dir(session.data_dir))


def test_ctrl_q_quits(session: GuiSession, wait, qtbot) -> None:
    window = window_of(session)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    wait(lambda: session.quit_requested.is_set())
    assert not window.isVisible()
