"""The inspector as a user reads it: one file, one folder, several items, the shown folder, copies of a
file in the library, a photo's camera and size, and a thumbnail arriving late."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtGui import QColor, QGuiApplication, QPixmap
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit

from spacedrive.domain.entry import Entry
from spacedrive.operations.listing import iter_listing
from spacedrive.operations.locations import add_location
from spacedrive.operations.media.media_info import MediaInfo
from tests.ui.helpers import FakeThumbnails
from ui.describe import duration_text, media_rows
from ui.session import GuiSession
from ui.thumbnails import ThumbnailLoader
from ui.widgets.inspector import Inspector

MTIME = datetime(2024, 3, 1, 12, 30).timestamp()


def entry_for(path: Path, content_kind: str | None = None, **fields: object) -> Entry:
    st = path.lstat()
    kind = "directory" if path.is_dir() else "file"
    values: dict[str, object] = {
        "raw_name": os.fsencode(path.name),
        "raw_parent": os.fsencode(path.parent),
        "kind": kind,
        "size": st.st_size if kind == "file" else None,
        "modified": st.st_mtime,
        "created": st.st_ctime,
        "hidden": False,
        "indexed": False,
        "content_kind": content_kind,
    }
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


def details(inspector: Inspector) -> dict[str, str]:
    """The visible rows of the details form: label -> value."""
    form = inspector.form
    rows = {}
    for row in range(form.rowCount()):
        if not form.isRowVisible(row):
            continue
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
        assert isinstance(label, QLabel)
        if isinstance(field, QLineEdit | QLabel):
            rows[label.text()] = field.text()
        else:
            rows[label.text()] = inspector.cas_label.text()
    return rows


@pytest.fixture
def inspector(session: GuiSession, qtbot) -> Inspector:
    assert session.core is not None
    widget = Inspector(session.core)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_one_file(inspector: Inspector, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello world")
    os.utime(path, (MTIME, MTIME))
    inspector.set_entries([entry_for(path, "text", tags=("work", "urgent"))])
    assert inspector.title_label.text() == "notes.txt"
    assert inspector.subtitle_label.text() == "Text (TXT)"
    rows = details(inspector)
    assert rows["Size"] == "11 bytes"
    assert rows["Kind"] == "Text (TXT)"
    assert "2024" in rows["Modified"] and "Created" in rows
    assert rows["Path"] == str(path)
    assert rows["Tags"] == "work, urgent"
    assert "Content ID" not in rows and "Copies" not in rows  # not indexed: no content id
    assert inspector.preview.pixmap() is not None and not inspector.preview.pixmap().isNull()


def test_one_folder_counts_its_items_from_disk(inspector: Inspector, tmp_path: Path, wait) -> None:
    folder = tmp_path / "Albums"
    (folder / "2023").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(b"x" * 1500)
    (folder / "b.jpg").write_bytes(b"x" * 500)
    inspector.set_entries([entry_for(folder)])
    assert inspector.subtitle_label.text() == "Folder"
    wait(lambda: "Contents" in details(inspector))
    rows = details(inspector)
    assert rows["Contents"] == "3 items (2 files, 1 folder)"
    assert rows["Size"] == "2.0 kB in its files"


def test_an_indexed_folder_shows_its_aggregate_size(inspector: Inspector, tmp_path: Path) -> None:
    folder = tmp_path / "Music"
    folder.mkdir()
    inspector.set_entries([entry_for(folder, size=3_500_000_000, file_count=1200, indexed=True)])
    rows = details(inspector)
    assert rows["Size"] == "3.5 GB"
    assert rows["Contents"] == "1200 files"


def test_several_items_are_summed_up(inspector: Inspector, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x" * 1000)
    (tmp_path / "b.txt").write_bytes(b"x" * 2000)
    (tmp_path / "sub").mkdir()
    entries = [entry_for(tmp_path / name) for name in ("a.txt", "b.txt", "sub")]
    inspector.set_entries(entries)
    assert inspector.title_label.text() == "3 items"
    assert inspector.subtitle_label.text() == "2 files, 1 folder"
    assert details(inspector) == {"Size": "at least 3.0 kB"}  # the folder's size is not known
    inspector.set_entries(entries[:2])
    assert details(inspector) == {"Size": "3.0 kB"}


def test_nothing_selected_shows_the_folders_summary(inspector: Inspector, files: Path, wait) -> None:
    inspector.set_entries([])
    assert inspector.title_label.text() == "Nothing selected"
    inspector.set_folder(str(files))
    assert inspector.title_label.text() == "files"
    wait(lambda: "Contents" in details(inspector))
    assert details(inspector)["Contents"] == "4 items (3 files, 1 folder)"
    assert details(inspector)["Path"] == str(files)
    inspector.set_entries([entry_for(files / "notes.txt")])
    inspector.set_entries([])  # the selection cleared: back to the folder
    assert inspector.title_label.text() == "files"


def test_copies_of_a_file_in_the_library(
    session: GuiSession, inspector: Inspector, tmp_path: Path, run, wait
) -> None:
    core = session.core
    assert core is not None
    root = tmp_path / "photos"
    (root / "backup").mkdir(parents=True)
    (root / "cat.jpg").write_bytes(b"meow" * 1000)
    (root / "backup" / "cat.jpg").write_bytes(b"meow" * 1000)
    (root / "dog.jpg").write_bytes(b"woof" * 1000)
    library = core.current_library()
    _info, job = run(add_location(library, str(root), mode="content"))
    run(library.jobs.wait(job))

    async def listed() -> list[Entry]:
        return [e async for chunk in iter_listing(core, str(root)) for e in chunk]

    entries = {e.name: e for e in run(listed())}
    cat = entries["cat.jpg"]
    inspector.set_entries([cat])
    assert details(inspector)["Content ID"] == cat.cas_id
    wait(lambda: "Copies" in details(inspector))
    assert details(inspector)["Copies"] == "1 other copy in this library"
    assert inspector.duplicates_label.toolTip() == str(root / "backup" / "cat.jpg")
    inspector.copy_cas_button.click()
    assert QGuiApplication.clipboard().text() == cat.cas_id

    inspector.set_entries([entries["dog.jpg"]])
    wait(lambda: "Copies" in details(inspector))
    assert details(inspector)["Copies"] == "No other copies in this library"


def jpeg_with_exif(path: Path) -> None:
    image = Image.new("RGB", (640, 480), (200, 100, 50))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS R5"  # Model
    exif[0x0112] = 6  # Orientation: rotated a quarter turn, shown 480 × 640
    exif.get_ifd(0x8769)[0x9003] = "2023:07:14 18:45:00"  # DateTimeOriginal
    image.save(path, "JPEG", exif=exif)


def test_a_photos_size_camera_and_date(inspector: Inspector, tmp_path: Path, wait) -> None:
    photo = tmp_path / "IMG_0001.JPG"
    jpeg_with_exif(photo)
    inspector.set_entries([entry_for(photo, "image")])
    wait(lambda: "Camera" in details(inspector))
    rows = details(inspector)
    assert rows["Dimensions"] == "480 × 640"
    assert rows["Camera"] == "Canon EOS R5"
    assert "2023" in rows["Taken"] and "18:45" in rows["Taken"]


def test_a_newer_selection_wins_over_a_slow_answer(inspector: Inspector, tmp_path: Path, qtbot) -> None:
    photo = tmp_path / "photo.jpg"
    jpeg_with_exif(photo)
    text = tmp_path / "a.txt"
    text.write_text("a")
    inspector.set_entries([entry_for(photo, "image")])
    inspector.set_entries([entry_for(text, "text")])  # before the photo's details came back
    qtbot.wait(300)
    assert inspector.title_label.text() == "a.txt"
    assert "Camera" not in details(inspector) and "Dimensions" not in details(inspector)


def test_a_thumbnail_arriving_later_replaces_the_icon(session: GuiSession, tmp_path: Path, qtbot) -> None:
    assert session.core is not None
    loader = FakeThumbnails()
    inspector = Inspector(session.core, loader)
    qtbot.addWidget(inspector)
    photo = tmp_path / "photo.jpg"
    jpeg_with_exif(photo)
    entry = entry_for(photo, "image")
    inspector.set_entries([entry])
    thumbnail = QPixmap(256, 128)
    thumbnail.fill(QColor("red"))
    loader.ready[entry.path] = thumbnail
    loader.thumbnail_ready.emit(entry.path)
    shown = inspector.preview.pixmap()
    assert shown.toImage().pixelColor(5, 5) == QColor("red")
    assert shown.width() / shown.devicePixelRatio() == 192


def test_duration_text() -> None:
    assert [duration_text(s) for s in (4.4, 65, 3723)] == ["0:04", "1:05", "1:02:03"]


def test_what_a_video_or_song_shows() -> None:
    info = MediaInfo(
        width=1920,
        height=1080,
        duration=3723.4,
        video_codec="h264",
        frame_rate=29.97,
        audio_codec="aac",
        sample_rate=48_000,
        channels=2,
        bit_rate=5_000_000,
    )
    assert media_rows(info) == [
        ("Dimensions", "1920 × 1080"),
        ("Duration", "1:02:03"),
        ("Video", "h264, 29.97 fps"),
        ("Audio", "aac, 48 kHz, stereo"),
        ("Bit rate", "5000 kb/s"),
    ]
    assert media_rows(MediaInfo(audio_codec="flac", channels=6))[0] == ("Audio", "flac, 6 channels")
    assert media_rows(MediaInfo()) == []


def test_a_photo_gets_its_thumbnail_from_the_real_loader(
    session: GuiSession, tmp_path: Path, qtbot, run, wait
) -> None:
    assert session.core is not None
    loader = ThumbnailLoader(session.core, workers=1)
    inspector = Inspector(session.core, loader)
    qtbot.addWidget(inspector)
    try:
        photo = tmp_path / "red.jpg"
        Image.new("RGB", (800, 400), (255, 0, 0)).save(photo, "JPEG")
        inspector.set_entries([entry_for(photo, "image")])
        icon = inspector.preview.pixmap().toImage()
        wait(lambda: inspector.preview.pixmap().toImage() != icon, timeout=20)
        shown = inspector.preview.pixmap()
        assert round(shown.width() / shown.devicePixelRatio()) == 192  # the landscape photo, fitted
        center = shown.toImage().pixelColor(shown.width() // 2, shown.height() // 2)
        assert center.red() > 200 and center.green() < 60
    finally:
        run(loader.close())
