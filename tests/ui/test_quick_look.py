"""Quick Look as a user sees it: a picture, a video's frame and codecs, a text file's start, "no preview"
for a binary file, a message (never a crash) for a damaged or huge picture, a folder's summary, keys."""

from __future__ import annotations

import os
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap
from pytestqt.qtbot import QtBot

from spacedrive.domain.entry import Entry
from spacedrive.infrastructure.fs.kinds import kind_from_extension
from tests.ui.helpers import FakeThumbnails
from ui.dialogs.quick_look import QuickLook
from ui.session import GuiSession
from ui.thumbnails import ThumbnailLoader


def entry_for(path: Path) -> Entry:
    st = path.lstat()
    kind = "directory" if path.is_dir() else "file"
    ext = path.suffix[1:]
    return Entry(
        raw_name=os.fsencode(path.name),
        raw_parent=os.fsencode(path.parent),
        kind=kind,
        size=st.st_size if kind == "file" else None,
        modified=st.st_mtime,
        created=st.st_ctime,
        hidden=False,
        indexed=False,
        content_kind=kind_from_extension(ext).value if kind == "file" and ext else None,
    )


@pytest.fixture
def look(session: GuiSession, qtbot: QtBot) -> QuickLook:
    assert session.core is not None
    dialog = QuickLook(session.core, None, FakeThumbnails())
    qtbot.addWidget(dialog)
    return dialog


def test_a_picture_is_shown_scaled_to_fit(look: QuickLook, tmp_path: Path, wait) -> None:
    path = tmp_path / "sunset.png"
    Image.new("RGB", (4000, 1000), (255, 0, 0)).save(path)
    look.resize(800, 600)
    look.show_entry(entry_for(path))
    assert look.isVisible() and not look.isModal()
    assert look.windowTitle() == "sunset.png"
    wait(lambda: look.stack.currentWidget() is look.picture)
    picture = look.picture.source()
    assert (picture.width(), picture.height()) == (2560, 640)  # decoded no larger than a screen needs
    shown = look.picture.pixmap()
    assert shown.width() / shown.devicePixelRatio() <= look.picture.width()  # fits the window
    assert shown.toImage().pixelColor(10, 10) == QColor(255, 0, 0)
    wait(lambda: "4000 × 1000" in look.caption.text())


def test_a_text_file_shows_its_beginning_read_only(look: QuickLook, tmp_path: Path, wait) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Plans\n\n- café at 10\n" + "x" * 70_000)
    look.show_entry(entry_for(path))
    wait(lambda: look.stack.currentWidget() is look.text_view)
    text = look.text_view.toPlainText()
    assert text.startswith("# Plans\n\n- café at 10\n")
    assert len(text) < 66_000  # the first 64 KiB, not the whole file
    assert look.text_view.isReadOnly()
    assert look.text_view.font().fixedPitch() or look.text_view.fontInfo().fixedPitch()
    assert "showing the beginning" in look.caption.text()


def test_a_binary_file_has_no_preview(look: QuickLook, tmp_path: Path, wait) -> None:
    path = tmp_path / "program.bin"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 10)
    look.show_entry(entry_for(path))
    wait(lambda: "not a text file" in look.message.text())
    assert look.stack.currentWidget() is look.message
    assert look.message.text() == "No preview available: this is not a text file"


def bomb_png(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A PNG whose header claims 10 gigapixels (its data is a few bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


@pytest.mark.parametrize("kind", ["garbage", "truncated", "bomb"])
def test_a_damaged_or_huge_picture_gives_a_message(look: QuickLook, tmp_path: Path, wait, kind: str) -> None:
    path = tmp_path / "photo.png" if kind == "bomb" else tmp_path / "photo.jpg"
    if kind == "garbage":
        path.write_bytes(os.urandom(5000))
    elif kind == "truncated":
        Image.new("RGB", (800, 600), (0, 128, 255)).save(path, "JPEG")
        path.write_bytes(path.read_bytes()[:300])
    else:
        bomb_png(path)
    look.show_entry(entry_for(path))
    wait(lambda: look.message.text().startswith("Cannot preview"))
    assert look.message.text() == "Cannot preview this picture: it is damaged or too large"


def make_video(path: Path, seconds: int = 2, rate: int = 10) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=rate)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.time_base = Fraction(1, rate)
        for i in range(seconds * rate):
            shade = (i * 10) % 255
            frame = av.VideoFrame.from_image(Image.new("RGB", (160, 120), (shade, shade, shade)))
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def test_a_video_shows_a_frame_duration_and_codec(look: QuickLook, tmp_path: Path, wait) -> None:
    path = make_video(tmp_path / "clip.mp4")
    entry = entry_for(path)
    assert entry.content_kind == "video"
    thumbnails = look._thumbnails
    look.show_entry(entry)
    wait(lambda: "Duration" in look.caption.text())
    assert "Duration: 0:02" in look.caption.text() and "mpeg4" in look.caption.text()
    assert thumbnails.asked == [(entry.path, 1024)]
    frame = QPixmap(320, 240)
    frame.fill(QColor("green"))
    thumbnails.ready[entry.path] = frame
    thumbnails.thumbnail_ready.emit(entry.path)  # the frame was made meanwhile
    assert look.picture.source().toImage().pixelColor(1, 1) == QColor("green")


def test_a_folder_shows_its_summary(look: QuickLook, files: Path, wait) -> None:
    look.show_entry(entry_for(files))
    wait(lambda: "items" in look.caption.text())
    assert look.caption.text() == "files · 4 items · 3 files · 1 folder"


def test_keys_step_through_the_items_and_close(look: QuickLook, files: Path, qtbot: QtBot, wait) -> None:
    entries = [entry_for(files / name) for name in ("notes.txt", "photo 2.jpg", "photo 10.jpg")]
    look.show_entries(entries)
    qtbot.waitExposed(look)
    shown: list[Entry] = []
    look.entry_shown.connect(shown.append)
    wait(lambda: look.stack.currentWidget() is look.text_view)
    qtbot.keyClick(look.text_view, Qt.Key.Key_Right)
    assert look.windowTitle() == "photo 2.jpg" and shown == [entries[1]]
    qtbot.keyClick(look, Qt.Key.Key_Right)
    qtbot.keyClick(look, Qt.Key.Key_Right)  # the last one: stays
    assert look.current_entry() == entries[2] and len(shown) == 2
    qtbot.keyClick(look, Qt.Key.Key_Left)
    assert look.current_entry() == entries[1]
    qtbot.keyClick(look, Qt.Key.Key_Space)
    assert not look.isVisible()
    look.show_entry(entries[0])
    assert look.isVisible()
    qtbot.keyClick(look, Qt.Key.Key_Escape)
    assert not look.isVisible()


def test_a_newer_item_wins_over_a_slow_one(look: QuickLook, tmp_path: Path, qtbot: QtBot, wait) -> None:
    big = tmp_path / "big.png"
    Image.new("RGB", (3000, 3000), (0, 0, 255)).save(big)
    text = tmp_path / "a.txt"
    text.write_text("hello")
    look.show_entry(entry_for(big))
    look.show_entry(entry_for(text))
    wait(lambda: look.stack.currentWidget() is look.text_view)
    qtbot.wait(500)
    assert look.stack.currentWidget() is look.text_view
    assert look.text_view.toPlainText() == "hello"


def test_a_videos_frame_comes_from_the_real_loader(
    session: GuiSession, tmp_path: Path, qtbot: QtBot, run, wait
) -> None:
    assert session.core is not None
    loader = ThumbnailLoader(session.core, workers=1)
    look = QuickLook(session.core, None, loader)
    qtbot.addWidget(look)
    try:
        path = make_video(tmp_path / "clip.mp4")
        look.show_entry(entry_for(path))
        wait(lambda: look.stack.currentWidget() is look.picture and look.picture.source().width() >= 160, 20)
        frame = look.picture.source()
        assert frame.width() / frame.height() == pytest.approx(160 / 120, rel=0.05)
    finally:
        run(loader.close())
