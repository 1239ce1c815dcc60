"""The item models: Qt's model tester on each, and what their views show from them."""

from __future__ import annotations

import dataclasses
import os
import uuid
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QPixmap

from spacedrive.domain import events as ev
from spacedrive.domain.device import Device
from spacedrive.domain.entry import Entry
from spacedrive.domain.jobs import JobInfo, JobStatus, Progress
from spacedrive.domain.library import LibraryInfo
from spacedrive.domain.location import IndexMode, LocationInfo
from spacedrive.domain.volume import Volume
from ui.models import folder
from ui.models.folder import ENTRY_ROLE, INDEXED_ROLE, IS_DIR_ROLE, FolderModel
from ui.models.folder import Column as FolderColumn
from ui.models.jobs import JOB_ID_ROLE, STATUS_ROLE, Column, JobListModel
from ui.models.sidebar import (
    ADD_ROLE,
    BADGE_ROLE,
    KIND_ROLE,
    LIBRARY_ID_ROLE,
    LIBRARY_INFO_ROLE,
    LOCATION_INFO_ROLE,
    PATH_ROLE,
    USAGE_ROLE,
    VOLUME_ROLE,
    ItemKind,
    Section,
    SidebarModel,
)


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


# Icons and fonts need the application object.
pytestmark = pytest.mark.usefixtures("qapp")

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
    assert titles == ["Libraries", "Locations", "Volumes", "Favourites", "Tags", "Devices", "Recent"]
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


def location(location_id: int, name: str, **changes: object) -> LocationInfo:
    info = LocationInfo(
        id=location_id,
        uuid=uuid.uuid4(),
        name=name,
        path=f"/home/me/{name}",
        mode=IndexMode.SHALLOW,
        scan_state="complete",
        last_scan_at=1_700_000_000,
        total_file_count=1234,
        total_byte_size=5_600_000_000,
        error_message="",
        rules={},
        watching=True,
    )
    return dataclasses.replace(info, **changes)


def volume(name: str, total: int, free: int, **flags: object) -> Volume:
    return Volume(
        fingerprint=f"fp-{name}",
        name=name,
        mount_point="/" if name == "Root" else f"/media/{name}",
        device="/dev/sda1",
        file_system="ext4",
        total_capacity=total,
        available_capacity=free,
        is_read_only=bool(flags.get("read_only", False)),
        is_removable=bool(flags.get("removable", False)),
        is_network=False,
        is_system=name == "Root",
    )


def test_sidebar_locations_show_scan_state_and_totals(qtmodeltester, sidebar: SidebarModel) -> None:
    qtmodeltester.check(sidebar)
    sidebar.set_locations(
        [location(1, "Photos"), location(2, "Music", scan_state="scanning", last_scan_at=None)]
    )
    assert rows(sidebar, Section.LOCATIONS) == ["Photos", "Music"]
    parent = sidebar.section_index(Section.LOCATIONS)
    photos, music = sidebar.index(0, 0, parent), sidebar.index(1, 0, parent)
    assert photos.data(KIND_ROLE) is ItemKind.LOCATION
    assert photos.data(PATH_ROLE) == "/home/me/Photos"
    assert photos.data(BADGE_ROLE) == ""
    tip = photos.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("/home/me/Photos\n") and "1234 files, 5.6 GB" in tip.replace(",", ",")
    assert music.data(BADGE_ROLE) == "scanning…"
    assert "Scanning…" in music.data(Qt.ItemDataRole.ToolTipRole)
    sidebar.set_locations([location(2, "Music")])  # Photos removed, Music finished scanning
    assert rows(sidebar, Section.LOCATIONS) == ["Music"]
    assert sidebar.index(0, 0, parent).data(LOCATION_INFO_ROLE).scan_state == "complete"
    sidebar.set_locations([])
    assert rows(sidebar, Section.LOCATIONS) == ["None yet"]


def test_sidebar_volumes_carry_their_usage_for_the_capacity_bar(qtmodeltester, sidebar: SidebarModel) -> None:
    sidebar.set_volumes(
        [
            volume("Root", 100_000_000_000, 25_000_000_000),
            volume("Stick", 0, 0, removable=True, read_only=True),
        ]
    )
    parent = sidebar.section_index(Section.VOLUMES)
    root, stick = sidebar.index(0, 0, parent), sidebar.index(1, 0, parent)
    assert root.data() == "Root" and root.data(KIND_ROLE) is ItemKind.VOLUME
    assert root.data(USAGE_ROLE) == pytest.approx(0.75)
    assert root.data(PATH_ROLE) == "/"
    assert root.data(VOLUME_ROLE).fingerprint == "fp-Root"
    tip = root.data(Qt.ItemDataRole.ToolTipRole)
    assert "25.0 GB free of 100.0 GB (75 % used)" in tip and "ext4 · system" in tip
    assert stick.data(USAGE_ROLE) is None  # capacity unknown: no bar
    assert "read-only · removable" in stick.data(Qt.ItemDataRole.ToolTipRole)
    assert sidebar.section_index(Section.LOCATIONS).data(ADD_ROLE) == "Add Location…"
    assert sidebar.section_index(Section.VOLUMES).data(ADD_ROLE) is None
    qtmodeltester.check(sidebar)


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
    assert headers == ["Name", "Status", "Progress", "Speed", "Time Left", "ID", "Actions"]
    name, status, progress, rate, left, short_id, _actions = row_text(jobs, 0)
    assert (name, status, progress, rate, left) == ("indexer", "Running", "25 %", "3.5/s", "21 s left")
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


def test_job_model_shows_a_jobs_title(jobs: JobListModel) -> None:
    new_id = uuid.uuid4()
    jobs.apply(ev.JobQueued(library_id=LIBRARY, id=new_id, name="indexer"))
    assert not jobs.has_title(new_id)
    assert jobs.index(0, Column.NAME).data() == "indexer"  # until the title is known
    jobs.set_title(new_id, "Indexing Photos")
    assert jobs.has_title(new_id)
    assert jobs.index(0, Column.NAME).data() == "Indexing Photos"
    info = dataclasses.replace(job("indexer", JobStatus.QUEUED), title="Indexing Music")
    jobs.add_library_jobs([info])
    assert jobs.index(0, Column.NAME).data() == "Indexing Music"


# ---- folder ----------------------------------------------------------------------------------------------


def entry(
    name: str | bytes, kind: str = "file", *, size: int | None = 1, indexed: bool = False, **fields: Any
) -> Entry:
    raw = name if isinstance(name, bytes) else name.encode()
    fields.setdefault("modified", 1_700_000_000.0)
    fields.setdefault("created", 1_700_000_000.0)
    fields.setdefault("hidden", raw.startswith(b"."))
    return Entry(raw, b"/data", kind, size, indexed=indexed, **fields)


def names(model: FolderModel) -> list[str]:
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_folder_model_passes_the_model_tester(qtmodeltester) -> None:
    model = FolderModel()
    model.append([entry("Albums", "directory", size=None), entry("a.txt")])
    qtmodeltester.check(model)
    assert model.index(0, 0).data(IS_DIR_ROLE) is True
    assert model.index(1, 0).data(folder.PATH_ROLE) == b"/data/a.txt"
    assert model.data(QModelIndex()) is None


def test_chunks_are_appended_then_put_in_natural_order_folders_first(qtmodeltester) -> None:
    model = FolderModel()
    qtmodeltester.check(model)  # Qt's tester then watches every change below
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.append([entry("file 10.txt"), entry("zebra", "directory"), entry("file 2.txt")])
    assert names(model) == ["zebra", "file 2.txt", "file 10.txt"]  # each chunk arrives sorted
    model.append([entry("File 1.txt"), entry("apples", "directory")])
    assert inserted == [(0, 2), (3, 4)]  # one insertion per chunk, at the end
    selected = QPersistentModelIndex(model.index(2, 0))  # "file 10.txt"
    model.finish()
    assert names(model) == ["apples", "zebra", "File 1.txt", "file 2.txt", "file 10.txt"]
    assert selected.data() == "file 10.txt" and selected.row() == 4  # followed the sort


def test_held_chunks_are_shown_together_in_one_insertion(qtmodeltester) -> None:
    model = FolderModel()
    qtmodeltester.check(model)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.append([entry("b.txt"), entry("a.txt")])
    model.append([entry("d.txt")], hold=True)
    model.append([entry("c.txt"), entry("e.txt")], hold=True)
    assert names(model) == ["a.txt", "b.txt"]  # held rows are not in the view yet
    model.append([entry("f.txt")])  # shows what was held, with its own, in one insertion
    assert inserted == [(0, 1), (2, 5)]
    assert names(model) == ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "f.txt"]
    model.append([entry("0.txt")], hold=True)
    model.finish()  # the end of the listing shows the rest, then puts everything in order
    assert names(model) == ["0.txt", "a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "f.txt"]


def test_replace_applies_only_the_differences(qtmodeltester) -> None:
    model = FolderModel()
    qtmodeltester.check(model)
    model.append([entry("a"), entry("b"), entry("c"), entry("d")])
    kept = QPersistentModelIndex(model.index(2, 0))  # "c"
    removed: list[tuple[int, int]] = []
    inserted: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.replace(
        [entry("a"), entry("c", size=99), entry("c2"), entry("c3"), entry("e"), entry("Dir", "directory")]
    )
    assert names(model) == ["Dir", "a", "c", "c2", "c3", "e"]
    assert removed == [(3, 3), (1, 1)]  # "d", then "b"
    assert inserted == [(0, 0), (3, 5)]
    assert kept.row() == 2 and kept.data(ENTRY_ROLE).size == 99
    model.replace([])
    assert model.rowCount() == 0


def test_indexed_entries_are_marked_and_described(qtmodeltester) -> None:
    model = FolderModel()
    folder = Entry(b"Albums", b"/data", "directory", 2_500_000, 0.0, 0.0, False, True, file_count=3)
    model.append([folder, entry("a.jpg", indexed=True, size=1500)])
    assert model.index(0, 0).data(INDEXED_ROLE) is True
    assert "3 files, 2.5 MB" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "1.5 kB" in model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)


@pytest.mark.skipif(os.name == "nt", reason="Windows names are always Unicode")
def test_names_that_are_not_utf8_are_shown_not_crashed_on() -> None:
    model = FolderModel()
    model.append([entry(b"caf\xe9.txt")])
    assert model.index(0, 0).data() == "caf\ufffd.txt"
    assert model.row_of(b"caf\xe9.txt") == 0


def column_texts(model: FolderModel, column: FolderColumn) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


@pytest.fixture
def listing() -> list[Entry]:
    """A folder's entries: folders, files of several kinds and sizes, a dot-file."""
    return [
        entry("photo 10.jpg", size=300, content_kind="image", modified=1_700_000_300.0),
        entry("photo 2.jpg", size=300, content_kind="image", modified=1_700_000_100.0),
        entry("notes.txt", size=20, content_kind="text", modified=1_700_000_200.0, tags=("work",)),
        entry("clip.mp4", size=5_000_000, content_kind="video", cas_id="abc123"),
        entry(".profile", size=10),
        entry("Albums", "directory", size=2_500_000, file_count=3, indexed=True),
        entry("code", "directory", size=None),
    ]


def test_columns_show_what_a_details_view_needs(qtmodeltester, listing: list[Entry]) -> None:
    model = FolderModel()
    model.append(listing)
    qtmodeltester.check(model)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in FolderColumn]
    assert headers == ["Name", "Size", "Kind", "Modified", "Created", "Tags", "Content ID"]
    assert names(model) == ["Albums", "code", "clip.mp4", "notes.txt", "photo 2.jpg", "photo 10.jpg"]
    assert column_texts(model, FolderColumn.SIZE) == [
        "2.5 MB, 3 files",
        "",
        "5.0 MB",
        "20 bytes",
        "300 bytes",
        "300 bytes",
    ]
    assert column_texts(model, FolderColumn.KIND) == ["Folder", "Folder", "Video", "Text", "Image", "Image"]
    assert column_texts(model, FolderColumn.TAGS)[3] == "work"
    assert column_texts(model, FolderColumn.CONTENT_ID)[2] == "abc123"
    assert column_texts(model, FolderColumn.MODIFIED)[3]  # a localized date
    size = model.index(0, FolderColumn.SIZE)
    assert size.data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert size.data(Qt.ItemDataRole.DecorationRole) is None  # icons only in the name column


def test_sorting_by_a_column_keeps_folders_first_and_breaks_ties_by_name(
    qtmodeltester, listing: list[Entry]
) -> None:
    model = FolderModel()
    qtmodeltester.check(model)
    model.append(listing)
    model.finish()
    current = QPersistentModelIndex(model.index(3, 0))  # notes.txt
    model.sort(FolderColumn.SIZE, Qt.SortOrder.DescendingOrder)
    assert names(model) == ["Albums", "code", "clip.mp4", "photo 2.jpg", "photo 10.jpg", "notes.txt"]
    assert current.row() == 5 and current.data() == "notes.txt"  # the selection follows its entry
    model.sort(FolderColumn.SIZE)
    assert names(model) == ["code", "Albums", "notes.txt", "photo 2.jpg", "photo 10.jpg", "clip.mp4"]
    model.sort(FolderColumn.MODIFIED)
    assert names(model)[2:] == ["clip.mp4", "photo 2.jpg", "notes.txt", "photo 10.jpg"]
    model.sort(FolderColumn.KIND)
    assert names(model)[2:] == ["photo 2.jpg", "photo 10.jpg", "notes.txt", "clip.mp4"]
    model.sort(FolderColumn.NAME, Qt.SortOrder.DescendingOrder)
    assert names(model) == ["code", "Albums", "photo 10.jpg", "photo 2.jpg", "notes.txt", "clip.mp4"]
    assert (model.sort_column(), model.sort_order()) == (FolderColumn.NAME, Qt.SortOrder.DescendingOrder)
    model.append([entry("b.txt"), entry("Docs", "directory")])  # a listing still streaming in
    model.finish()
    assert names(model) == [
        "Docs",
        "code",
        "Albums",
        "photo 10.jpg",
        "photo 2.jpg",
        "notes.txt",
        "clip.mp4",
        "b.txt",
    ]


def test_filter_and_hidden_files_narrow_the_rows_keeping_the_selection(
    qtmodeltester, listing: list[Entry]
) -> None:
    model = FolderModel()
    qtmodeltester.check(model)
    model.append(listing)
    model.finish()
    assert ".profile" not in names(model) and model.total_count() == 7  # dot-files hidden by default
    selected = QPersistentModelIndex(model.index(5, 0))  # photo 10.jpg
    model.set_filter_text("PHOTO")
    assert names(model) == ["photo 2.jpg", "photo 10.jpg"]
    assert selected.row() == 1
    model.set_filter_text("o")
    assert names(model) == ["code", "notes.txt", "photo 2.jpg", "photo 10.jpg"]
    model.set_show_hidden(True)
    assert names(model)[1] == ".profile"
    model.set_filter_text("")
    assert model.rowCount() == 7 and selected.data() == "photo 10.jpg"
    model.set_media_only(True)  # the media view
    assert names(model) == ["clip.mp4", "photo 2.jpg", "photo 10.jpg"]
    model.set_filter_text("notes")
    assert model.rowCount() == 0 and not selected.isValid()
    model.append([entry("notes.png", content_kind="image")])  # rows still arriving pass the same filters
    assert names(model) == ["notes.png"]


def test_typing_a_name_finds_it_from_any_column(listing: list[Entry]) -> None:
    model = FolderModel()
    model.append(listing)
    model.finish()
    flags = Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchWrap
    found = model.match(model.index(4, FolderColumn.SIZE), Qt.ItemDataRole.DisplayRole, "NO", 1, flags)
    assert [index.data() for index in found] == ["notes.txt"]  # wrapped around to the start
    assert model.match(model.index(0, 0), Qt.ItemDataRole.DisplayRole, "zzz", 1, flags) == []


class FakeThumbnails(QObject):
    """The thumbnail loader's interface: pictures for the paths it has, requests remembered."""

    thumbnail_ready = Signal(bytes)

    def __init__(self) -> None:
        super().__init__()
        self.pictures: dict[bytes, QPixmap] = {}
        self.requests: list[tuple[bytes, int]] = []

    def request(self, entry: Entry, size: int) -> QPixmap | None:
        self.requests.append((entry.path, size))
        return self.pictures.get(entry.path)

    def deliver(self, path: bytes) -> None:
        picture = QPixmap(64, 64)
        picture.fill(QColor("red"))
        self.pictures[path] = picture
        self.thumbnail_ready.emit(path)


def test_thumbnails_decorate_images_and_videos_when_ready(qtmodeltester, listing: list[Entry]) -> None:
    model = FolderModel()
    model.append(listing)
    model.finish()
    qtmodeltester.check(model)
    loader = FakeThumbnails()
    model.set_thumbnail_loader(loader)
    kind_icon = model.index(4, 0).data(Qt.ItemDataRole.DecorationRole)  # photo 2.jpg
    assert loader.requests == []  # no thumbnail size yet: the lists show kind icons
    model.set_thumbnail_size(128)
    assert model.index(4, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() == kind_icon.cacheKey()
    assert model.index(3, 0).data(Qt.ItemDataRole.DecorationRole) is not None  # notes.txt: never asked for
    assert loader.requests == [(b"/data/photo 2.jpg", 128)]
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, last, _roles: changed.append((first.row(), last.row())))
    loader.deliver(b"/data/photo 2.jpg")
    loader.deliver(b"/elsewhere/photo 2.jpg")  # another folder's file of the same name
    assert changed == [(4, 4)]
    icon = model.index(4, 0).data(Qt.ItemDataRole.DecorationRole)
    assert icon.pixmap(64).toImage().pixelColor(10, 10) == QColor("red")
    model.set_thumbnail_loader(None)
    assert model.index(4, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() == kind_icon.cacheKey()


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_a_gradual_replace_in_many_steps_shows_what_one_replace_would(qtmodeltester, order) -> None:
    """The index lists names in byte order ("file 10" before "file 2"); the rows are sorted in pieces and
    merged across turns of the loop, and must come out as one sort (natural order, folders first) would,
    with the filter and the sort order applied."""
    listed = [entry(f"file {n}.txt", indexed=True) for n in sorted(range(250), key=str)]
    listed += [entry(f"dir {n}", "directory", indexed=True) for n in range(7)]
    stepped, whole = FolderModel(), FolderModel()
    qtmodeltester.check(stepped)
    for model in (stepped, whole):
        model.sort(FolderColumn.NAME, order)
        model.append([entry(f"file {n}.txt") for n in range(0, 250, 3)])
        model.finish()
        model.set_filter_text("1")
    for _ in stepped._replace_steps(listed, 16):  # 16 rows a step: many pieces to merge
        pass
    whole.replace(listed)
    assert names(stepped) == names(whole)
    numbers = sorted((n for n in range(250) if "1" in str(n)), reverse=order == Qt.SortOrder.DescendingOrder)
    assert names(stepped) == ["dir 1", *(f"file {n}.txt" for n in numbers)]  # folders first either way
    assert all(stepped.index(r, 0).data(ENTRY_ROLE).indexed for r in range(stepped.rowCount()))
