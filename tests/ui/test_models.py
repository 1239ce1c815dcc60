"""The item models: Qt's model tester on each, and what their views show from them."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

from spacedrive.domain import events as ev
from spacedrive.domain.device import Device
from spacedrive.domain.jobs import JobInfo, JobStatus, Progress
from spacedrive.domain.library import LibraryInfo
from ui.models.folder import IS_DIR_ROLE, FolderEntry, FolderListModel, scan_folder
from ui.models.jobs import JOB_ID_ROLE, STATUS_ROLE, Column, JobListModel
from ui.models.sidebar import KIND_ROLE, LIBRARY_ID_ROLE, LIBRARY_INFO_ROLE, ItemKind, Section, SidebarModel


def library(name: str, *, current: bool = False, is_open: bool = True, problem: str = "") -> LibraryInfo:
    return LibraryInfo(
        id=uuid.uuid4(),
        name=name,
        path=f"/data/libraries/{name}.sdlibrary",
        description="",
        created_at=0,
        updated_at=0,
        is_open=is_open and not problem,
        is_current=current,
        problem=problem,
    )


def job(name: str, status: JobStatus, progress: Progress | None = None) -> JobInfo:
    return JobInfo(
        id=uuid.uuid4(), library_id=LIBRARY, name=name, status=status, progress=progress or Progress()
    )


LIBRARY = uuid.uuid4()
DEVICE = Device(uuid.uuid4(), "laptop", "linux", "6.1", "ThinkPad", 0)


# ---- sidebar ---------------------------------------------------------------------------------------------


@pytest.fixture
def sidebar() -> SidebarModel:
    model = SidebarModel()
    model.set_libraries(
        [
            library("Archive", is_open=False),
            library("Locked", problem="in use by another process (pid 42)"),
            library("My Library", current=True),
        ]
    )
    model.set_devices([DEVICE])
    return model


def rows(model: SidebarModel, section: Section) -> list[str]:
    parent = model.section_index(section)
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def test_sidebar_model_passes_the_model_tester(qtmodeltester, sidebar: SidebarModel) -> None:
    qtmodeltester.check(sidebar)


def test_sidebar_sections_and_placeholders(sidebar: SidebarModel) -> None:
    titles = [sidebar.index(r, 0).data() for r in range(sidebar.rowCount())]
    assert titles == ["Libraries", "Locations", "Volumes", "Tags", "Devices"]
    assert rows(sidebar, Section.LIBRARIES) == ["Archive", "Locked", "My Library"]
    assert rows(sidebar, Section.LOCATIONS) == ["None yet"]
    assert rows(sidebar, Section.DEVICES) == ["laptop"]
    placeholder = sidebar.index(0, 0, sidebar.section_index(Section.TAGS))
    assert placeholder.data(KIND_ROLE) is ItemKind.PLACEHOLDER
    assert not placeholder.flags() & Qt.ItemFlag.ItemIsEnabled  # drawn greyed


def test_sidebar_marks_current_closed_and_unavailable_libraries(sidebar: SidebarModel) -> None:
    parent = sidebar.section_index(Section.LIBRARIES)
    archive, locked, mine = (sidebar.index(r, 0, parent) for r in range(3))
    assert mine.data(Qt.ItemDataRole.FontRole).bold()
    assert "Current library" in mine.data(Qt.ItemDataRole.ToolTipRole)
    assert archive.data(Qt.ItemDataRole.FontRole).italic()
    assert not locked.flags() & Qt.ItemFlag.ItemIsEnabled
    assert "in use by another process" in locked.data(Qt.ItemDataRole.ToolTipRole)
    assert mine.flags() & Qt.ItemFlag.ItemIsSelectable


def test_sidebar_update_keeps_rows_or_replaces_them(qtmodeltester, sidebar: SidebarModel) -> None:
    parent = sidebar.section_index(Section.LIBRARIES)
    infos = [sidebar.index(row, 0, parent).data(LIBRARY_INFO_ROLE) for row in range(3)]
    renamed = [infos[0], infos[1], LibraryInfo(**{**_fields(infos[2]), "name": "Mine"})]
    sidebar.set_libraries(renamed)  # same libraries: rows stay, data changes
    assert rows(sidebar, Section.LIBRARIES)[2] == "Mine"
    sidebar.set_libraries([])
    assert rows(sidebar, Section.LIBRARIES) == ["None yet"]
    sidebar.set_libraries(infos[:1])
    assert sidebar.index(0, 0, parent).data(LIBRARY_ID_ROLE) == infos[0].id
    qtmodeltester.check(sidebar)


def _fields(info: LibraryInfo) -> dict[str, object]:
    return {name: getattr(info, name) for name in LibraryInfo.__dataclass_fields__}


# ---- jobs ------------------------------------------------------------------------------------------------


@pytest.fixture
def jobs() -> JobListModel:
    model = JobListModel()
    model.add_library_jobs(
        [
            job("indexer", JobStatus.RUNNING, Progress(completed=25, total=100, rate=3.5)),
            job("thumbnailer", JobStatus.PAUSED),
            job("copy", JobStatus.COMPLETED, Progress(completed=3, total=3)),
        ]
    )
    return model


def row_text(model: JobListModel, row: int) -> list[str]:
    return [model.index(row, column).data() for column in Column]


def test_job_model_passes_the_model_tester(qtmodeltester, jobs: JobListModel) -> None:
    qtmodeltester.check(jobs)


def test_job_model_columns(jobs: JobListModel) -> None:
    headers = [jobs.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers == ["Name", "Status", "Progress", "Rate", "ID"]
    name, status, progress, rate, short_id = row_text(jobs, 0)
    assert (name, status, progress, rate) == ("indexer", "Running", "25 %", "3.5/s")
    assert str(jobs.index(0, 0).data(JOB_ID_ROLE)).startswith(short_id)
    assert row_text(jobs, 1)[1:4] == ["Paused", "", ""]
    assert row_text(jobs, 2)[1:3] == ["Completed", "100 %"]
    assert jobs.running_rows() == [0]


def test_job_model_follows_events(qtmodeltester, jobs: JobListModel) -> None:
    new_id = uuid.uuid4()
    jobs.apply(ev.JobQueued(library_id=LIBRARY, id=new_id, name="hasher"))
    assert row_text(jobs, 0)[:2] == ["hasher", "Queued"]  # newest first
    jobs.apply(ev.JobPaused(library_id=LIBRARY, id=new_id, name="hasher"))
    jobs.apply(ev.JobResumed(library_id=LIBRARY, id=new_id, name="hasher"))
    assert row_text(jobs, 0)[1] == "Queued"  # it never ran: resuming puts it back in the queue
    jobs.apply(ev.JobStarted(library_id=LIBRARY, id=new_id, name="hasher"))
    jobs.apply(
        ev.JobProgress(library_id=LIBRARY, id=new_id, name="hasher", progress=Progress(completed=1, total=4))
    )
    assert row_text(jobs, 0)[1:3] == ["Running", "25 %"]
    jobs.apply(ev.JobFailed(library_id=LIBRARY, id=new_id, name="hasher", error="disk on fire"))
    assert jobs.index(0, 0).data(STATUS_ROLE) == JobStatus.FAILED
    assert jobs.index(0, Column.STATUS).data(Qt.ItemDataRole.ToolTipRole) == "disk on fire"
    jobs.remove_library(LIBRARY)
    assert jobs.rowCount() == 0
    qtmodeltester.check(jobs)


# ---- folder ----------------------------------------------------------------------------------------------


def test_folder_model_passes_the_model_tester(qtmodeltester) -> None:
    model = FolderListModel()
    model.set_entries([FolderEntry("Albums", True), FolderEntry("a.txt", False)])
    qtmodeltester.check(model)
    assert model.index(0, 0).data(IS_DIR_ROLE) is True
    assert model.data(QModelIndex()) is None


def test_scan_lists_folders_first_in_natural_order(tmp_path: Path) -> None:
    for name in ("file 10.txt", "file 2.txt", "File 1.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "zebra").mkdir()
    entries = scan_folder(str(tmp_path))
    assert [e.name for e in entries] == ["zebra", "File 1.txt", "file 2.txt", "file 10.txt"]


@pytest.mark.skipif(os.name == "nt", reason="Windows names are always Unicode")
def test_names_that_are_not_utf8_are_shown_not_crashed_on(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(raw, "wb"):
        pass
    model = FolderListModel()
    model.set_entries(scan_folder(str(tmp_path)))
    assert model.index(0, 0).data() == "caf\ufffd.txt"
