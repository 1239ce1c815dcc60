"""media_info: sizes, camera, capture date, orientation from pictures; duration and codecs from videos;
hostile files give what could be read, never an exception other than OSError for an unreadable path."""

from __future__ import annotations

import os
import pickle
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from spacedrive.operations.media import MediaInfo, WorkerPool, media_info
from tests.core import media_samples as samples


def info(path: Path) -> MediaInfo:
    return media_info(os.fsencode(path))


def test_a_photo_gives_its_size_camera_date_and_orientation(tmp_path: Path) -> None:
    photo = samples.jpeg_with_exif(tmp_path / "IMG_0001.JPG", size=(640, 480), orientation=6)
    found = info(photo)
    assert (found.width, found.height) == (640, 480)
    assert found.display_size == (480, 640)  # orientation 6: shown as a portrait
    assert found.camera_make == samples.CAMERA_MAKE
    assert found.camera_model == samples.CAMERA_MODEL
    assert found.taken_at == datetime(2023, 7, 14, 9, 30, 5)
    assert found.orientation == 6
    assert found.duration is None and found.video_codec is None


def test_the_capture_date_carries_its_offset_when_the_camera_wrote_one(tmp_path: Path) -> None:
    photo = samples.jpeg_with_exif(tmp_path / "a.jpg", offset="-05:00")
    assert info(photo).taken_at == datetime(2023, 7, 14, 9, 30, 5, tzinfo=timezone(timedelta(hours=-5)))


def test_a_png_without_exif_gives_its_size(tmp_path: Path) -> None:
    found = info(samples.png_rgba(tmp_path / "logo.png", size=(300, 150)))
    assert (found.width, found.height) == (300, 150)
    assert found.camera_make is None and found.taken_at is None and found.orientation is None


def test_a_video_gives_duration_codecs_rate_and_sound(tmp_path: Path) -> None:
    clip = samples.video(tmp_path / "clip.mp4", frames=30, fps=10, size=(320, 240))
    found = info(clip)
    assert (found.width, found.height) == (320, 240)
    assert found.duration == pytest.approx(3.0, abs=0.15)
    assert found.video_codec == "mpeg4"
    assert found.audio_codec == "aac"
    assert found.frame_rate == pytest.approx(10.0)
    assert found.sample_rate == 44_100
    assert found.channels == 2
    assert found.bit_rate is not None and found.bit_rate > 0


def test_the_kind_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    clip = samples.video(tmp_path / "clip.mp4", audio=False)
    renamed = tmp_path / "holiday.jpg"
    clip.rename(renamed)
    found = info(renamed)
    assert found.video_codec == "mpeg4" and found.audio_codec is None


@pytest.mark.parametrize(
    "make",
    [
        lambda d: samples.bomb_png(d / "bomb.png"),
        lambda d: samples.random_bytes(d / "noise.jpg"),
        lambda d: samples.random_bytes(d / "noise.mp4"),
        lambda d: samples.random_bytes(d / "noise.mp3"),
        lambda d: (d / "empty.jpg").write_bytes(b"") and d / "empty.jpg" or d / "empty.jpg",
    ],
    ids=["decompression-bomb", "noise-jpg", "noise-mp4", "noise-mp3", "empty"],
)
def test_hostile_files_give_an_empty_answer_not_an_error(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    found = info(make(tmp_path))
    assert found.width is None and found.duration is None and found.video_codec is None


def test_a_truncated_jpeg_still_gives_its_size(tmp_path: Path) -> None:
    found = info(samples.truncated_jpeg(tmp_path / "cut.jpg"))
    assert (found.width, found.height) == (800, 600)


def test_a_text_file_has_no_media_details(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert info(notes) == MediaInfo()


def test_unreadable_paths_raise_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        info(tmp_path / "missing.jpg")
    with pytest.raises(OSError):
        info(tmp_path)  # a folder


def test_media_info_round_trips_through_a_worker_process(tmp_path: Path) -> None:
    """The inspector may run it in the isolated pool: the answer must cross a process boundary."""
    found = info(samples.jpeg_with_exif(tmp_path / "a.jpg"))
    assert pickle.loads(pickle.dumps(found)) == found
    assert found.to_dict()["taken_at"] == "2023-07-14T09:30:05"


async def test_media_info_in_the_worker_pool(tmp_path: Path) -> None:
    photo = samples.jpeg_with_exif(tmp_path / "a.jpg")
    pool = WorkerPool(1)
    try:
        found = await pool.run(media_info, os.fsencode(photo), time_limit=30)
    finally:
        await pool.close()
    assert found.camera_model == samples.CAMERA_MODEL
