"""Thumbnails: where they are cached (library by cas_id, freedesktop by URI), what they look like, and
that hostile files end as "no thumbnail" without crashing, stalling or being decoded twice."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from spacedrive import Core
from spacedrive.domain.entry import Entry
from spacedrive.infrastructure.fs.content_id import cas_id_of_file
from spacedrive.operations.locations import add_location
from spacedrive.operations.media import (
    SIZES,
    Thumbnailer,
    ThumbnailJob,
    WorkerCrashed,
    WorkerPool,
    WorkerTimeout,
    size_bucket,
    target_for,
    thumbnail_kind,
)
from tests.core import media_samples as samples


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache dir, private to the test (XDG_CACHE_HOME, as other programs read it)."""
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "thumbnails"


@pytest.fixture
async def thumbnailer() -> AsyncIterator[Thumbnailer]:
    made = Thumbnailer(WorkerPool(2), timeout=30)
    try:
        yield made
    finally:
        await made.close()


class CountingPool(WorkerPool):
    """A pool that counts the files it is asked to decode."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.calls = 0

    async def run(self, fn: Any, *args: Any, time_limit: float = 30.0) -> Any:
        self.calls += 1
        return await super().run(fn, *args, time_limit=time_limit)


# ---- which files get one ---------------------------------------------------------------------------------


def test_pictures_and_videos_get_thumbnails_other_files_do_not(tmp_path: Path) -> None:
    base = Entry(b"x", b"/", "file", 10, 0.0, 0.0, False, False)
    assert thumbnail_kind(replace(base, raw_name=b"photo.JPG", content_kind="image")) == "image"
    assert thumbnail_kind(replace(base, raw_name=b"clip.mkv", content_kind="video")) == "video"
    assert thumbnail_kind(replace(base, raw_name=b"clip.mov")) == "video"  # no content kind: the extension
    assert thumbnail_kind(replace(base, raw_name=b"notes.txt", content_kind="text")) is None
    assert thumbnail_kind(replace(base, raw_name=b"song.mp3", content_kind="audio")) is None
    # A picture format without a decoder here is not tried (it would only fail).
    assert thumbnail_kind(replace(base, raw_name=b"raw.CR2", content_kind="image")) is None
    assert thumbnail_kind(replace(base, raw_name=b"drawing.svg", content_kind="image")) is None
    # A PNG found by its content under a name that says otherwise is tried.
    assert thumbnail_kind(replace(base, raw_name=b"download.dat", content_kind="image")) == "image"
    assert thumbnail_kind(replace(base, raw_name=b"empty.jpg", size=0, content_kind="image")) is None
    assert thumbnail_kind(replace(base, raw_name=b"Photos.jpg", kind="directory", size=None)) is None


def test_sizes_are_freedesktop_buckets() -> None:
    assert [size_bucket(px) for px in (16, 128, 129, 192, 256, 300, 512, 513, 4000)] == [
        128,
        128,
        256,
        256,
        256,
        512,
        512,
        1024,
        1024,
    ]
    assert SIZES == {128: "normal", 256: "large", 512: "x-large", 1024: "xx-large"}


# ---- the library cache -----------------------------------------------------------------------------------


async def test_an_indexed_photo_gets_a_webp_keyed_by_its_cas_id(
    tmp_path: Path, thumbnailer: Thumbnailer, cache_home: Path
) -> None:
    photo = samples.jpeg_with_exif(tmp_path / "IMG_0001.jpg", size=(1200, 800))
    cas_id = cas_id_of_file(photo)
    assert cas_id is not None
    library_thumbs = tmp_path / "Lib.sdlibrary" / "thumbnails"
    made = await thumbnailer.thumbnail(samples.entry_for(photo, cas_id), 256, library_thumbs)
    assert made is not None
    expected = library_thumbs / cas_id[:2] / f"{cas_id}.webp"
    assert made.path == expected and expected.read_bytes() == made.data
    image = decoded(made.data)
    assert image.format == "WEBP" and image.size == (256, 171)  # fits 256, keeps 3:2
    r, g, b = image.convert("RGB").getpixel((128, 85))
    assert r > 150 and g < 90 and b < 90  # the photo's red, not a placeholder
    assert not cache_home.exists()  # nothing in the user's cache for an indexed file

    # High-DPI sizes live beside it; a copy of the same content elsewhere shares them.
    copy = tmp_path / "copy of IMG_0001.jpg"
    copy.write_bytes(photo.read_bytes())
    large = await thumbnailer.thumbnail(samples.entry_for(copy, cas_id), 512, library_thumbs)
    assert large is not None and large.path == library_thumbs / cas_id[:2] / f"{cas_id}-512.webp"
    assert decoded(large.data).size == (512, 341)


async def test_exif_orientation_is_applied(tmp_path: Path, thumbnailer: Thumbnailer) -> None:
    photo = samples.jpeg_with_exif(tmp_path / "portrait.jpg", size=(400, 200), orientation=6)
    made = await thumbnailer.thumbnail(
        samples.entry_for(photo, cas_id_of_file(photo)), 128, tmp_path / "thumbs"
    )
    assert made is not None
    assert decoded(made.data).size == (64, 128)  # stored landscape, shown portrait


async def test_a_video_thumbnail_comes_from_inside_the_clip_not_its_black_first_frame(
    tmp_path: Path, thumbnailer: Thumbnailer
) -> None:
    clip = samples.video(tmp_path / "clip.mp4", frames=30, fps=10, size=(320, 240))
    made = await thumbnailer.thumbnail(
        samples.entry_for(clip, cas_id_of_file(clip)), 256, tmp_path / "thumbs"
    )
    assert made is not None
    image = decoded(made.data).convert("RGB")
    assert image.size == (256, 192)
    r, g, b = image.getpixel((128, 96))
    assert g > 150 and r < 100 and b < 120


async def test_transparency_survives(tmp_path: Path, thumbnailer: Thumbnailer) -> None:
    logo = samples.png_rgba(tmp_path / "logo.png", size=(300, 150))
    made = await thumbnailer.thumbnail(samples.entry_for(logo), 128)
    assert made is not None
    image = decoded(made.data)
    assert image.mode == "RGBA"
    assert image.getpixel((10, 10))[3] == 255 and image.getpixel((120, 10))[3] == 0


# ---- the freedesktop cache -------------------------------------------------------------------------------


async def test_a_file_outside_the_library_uses_the_shared_freedesktop_cache(
    tmp_path: Path, thumbnailer: Thumbnailer, cache_home: Path
) -> None:
    folder = tmp_path / "Holiday photos"
    folder.mkdir()
    photo = samples.jpeg_with_exif(folder / "beach #1.jpg")
    # GLib's escaping, written out: the space and the hash are escaped, the slashes are not.
    uri = "file://" + os.fsdecode(os.fsencode(folder)).replace(" ", "%20") + "/beach%20%231.jpg"
    name = hashlib.md5(uri.encode()).hexdigest() + ".png"

    made = await thumbnailer.thumbnail(samples.entry_for(photo), 256, tmp_path / "library-thumbs")
    assert made is not None
    assert made.path == cache_home / "large" / name
    image = Image.open(made.path)
    assert image.format == "PNG" and max(image.size) == 256
    assert image.info["Thumb::URI"] == uri
    assert image.info["Thumb::MTime"] == str(int(photo.stat().st_mtime))
    assert image.info["Thumb::Image::Width"] == "640"
    # The spec's permissions: thumbnails reveal what a user's files contain.
    assert (made.path.stat().st_mode & 0o777) == 0o600
    assert (made.path.parent.stat().st_mode & 0o777) == 0o700

    small = await thumbnailer.thumbnail(samples.entry_for(photo), 128)
    assert small is not None and small.path == cache_home / "normal" / name


async def test_a_stale_freedesktop_thumbnail_is_made_again(tmp_path: Path, cache_home: Path) -> None:
    photo = samples.jpeg_with_exif(tmp_path / "a.jpg", color=(200, 40, 40))
    pool = CountingPool(1)
    thumbnailer = Thumbnailer(pool, timeout=30)
    try:
        first = await thumbnailer.thumbnail(samples.entry_for(photo), 128)
        again = await thumbnailer.thumbnail(samples.entry_for(photo), 128)
        assert first is not None and again is not None and again.data == first.data
        assert pool.calls == 1  # the second came from the cache

        samples.jpeg_with_exif(photo, color=(40, 40, 200))
        later = time.time() + 10
        os.utime(photo, (later, later))
        fresh = await thumbnailer.thumbnail(samples.entry_for(photo), 128)
    finally:
        await thumbnailer.close()
    assert fresh is not None and pool.calls == 2
    assert Image.open(fresh.path).info["Thumb::MTime"] == str(int(later))
    r, _g, b = decoded(fresh.data).convert("RGB").getpixel((20, 20))
    assert b > 150 and r < 90  # the new, blue content


async def test_non_utf8_names_get_percent_escaped_uris(
    tmp_path: Path, thumbnailer: Thumbnailer, cache_home: Path
) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.png"
    samples.png_rgba(Path(os.fsdecode(raw)))
    target = target_for(samples.entry_for(Path(os.fsdecode(raw))), 128)
    assert target is not None and target.uri is not None and target.uri.endswith("/caf%E9.png")
    assert await thumbnailer.ensure(target) is not None
    assert target.path.exists()


# ---- hostile files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("bomb.png", samples.bomb_png),
        ("cut.jpg", samples.truncated_jpeg),
        ("noise.jpg", samples.random_bytes),
        ("noise.mp4", samples.random_bytes),
    ],
)
async def test_bad_files_get_no_thumbnail_once_and_for_all(
    tmp_path: Path, cache_home: Path, name: str, make: Any
) -> None:
    bad = make(tmp_path / name)
    library_thumbs = tmp_path / "thumbs"
    pool = CountingPool(1)
    thumbnailer = Thumbnailer(pool, timeout=30)
    started = time.monotonic()
    try:
        for cas_id in (cas_id_of_file(bad), None):  # in a library, then as an ephemeral file
            entry = samples.entry_for(bad, cas_id)
            assert await thumbnailer.thumbnail(entry, 256, library_thumbs) is None
            assert await thumbnailer.thumbnail(entry, 256, library_thumbs) is None
        # The failure is recorded: the second request of each did not decode again.
        assert pool.calls == 2
        assert list(library_thumbs.rglob("*.webp")) == []
        assert list((cache_home / "large").glob("*.png")) == []
        assert len(list((cache_home / "fail").rglob("*.png"))) == 1
        # The pool still works for good files.
        good = samples.png_rgba(tmp_path / "good.png")
        assert await thumbnailer.thumbnail(samples.entry_for(good), 128) is not None
    finally:
        await thumbnailer.close()
    assert time.monotonic() - started < 20


async def test_a_file_that_changed_after_failing_is_tried_again(tmp_path: Path, cache_home: Path) -> None:
    photo = samples.random_bytes(tmp_path / "later.jpg")
    pool = CountingPool(1)
    thumbnailer = Thumbnailer(pool, timeout=30)
    try:
        assert await thumbnailer.thumbnail(samples.entry_for(photo), 128) is None
        samples.jpeg_with_exif(photo)
        later = time.time() + 10
        os.utime(photo, (later, later))
        assert await thumbnailer.thumbnail(samples.entry_for(photo), 128) is not None
    finally:
        await thumbnailer.close()
    assert pool.calls == 2


async def test_an_unreadable_file_records_no_failure(tmp_path: Path, cache_home: Path) -> None:
    photo = samples.jpeg_with_exif(tmp_path / "private.jpg")
    entry = samples.entry_for(photo)
    photo.unlink()
    thumbnailer = Thumbnailer(WorkerPool(1), timeout=30)
    try:
        assert await thumbnailer.thumbnail(entry, 128) is None
    finally:
        await thumbnailer.close()
    assert not (cache_home / "fail").exists()


async def test_a_worker_that_hangs_or_dies_is_replaced_and_only_its_call_fails() -> None:
    pool = WorkerPool(2)
    try:
        started = time.monotonic()
        hung, crashed, fine = await asyncio.gather(
            pool.run(time.sleep, 30, time_limit=0.5),
            pool.run(os._exit, 3, time_limit=10),
            pool.run(sum, [1, 2, 3], time_limit=10),
            return_exceptions=True,
        )
        assert isinstance(hung, WorkerTimeout)
        assert isinstance(crashed, WorkerCrashed)
        assert fine == 6
        assert time.monotonic() - started < 10
        # Both workers were replaced: the pool serves on at full width.
        assert await asyncio.gather(*(pool.run(abs, -i, time_limit=10) for i in range(4))) == [0, 1, 2, 3]
    finally:
        await pool.close()


async def test_closing_the_pool_does_not_wait_for_a_slow_file() -> None:
    pool = WorkerPool(1)
    slow = asyncio.ensure_future(pool.run(time.sleep, 30, time_limit=60))
    await asyncio.sleep(0.5)  # it is running
    started = time.monotonic()
    await pool.close()
    assert time.monotonic() - started < 5
    with pytest.raises(WorkerCrashed):
        await slow


# ---- the job ---------------------------------------------------------------------------------------------


async def test_a_deep_scan_queues_thumbnails_for_its_pictures_and_videos(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "Pictures"
    (tree / "2023").mkdir(parents=True)
    photos = [
        samples.jpeg_with_exif(tree / "2023" / f"IMG_{i}.jpg", color=(i * 40, 90, 90)) for i in range(3)
    ]
    (tree / "2023" / "IMG_0 copy.jpg").write_bytes(photos[0].read_bytes())  # same content, one thumbnail
    clip = samples.video(tree / "clip.mp4", audio=False)
    logo = samples.png_rgba(tree / "logo.png")
    bad = samples.random_bytes(tree / "broken.jpg")
    (tree / "notes.txt").write_text("not a picture")
    library = core.current_library()

    info, job_id = await add_location(library, str(tree), mode="deep")
    assert (await library.jobs.wait(job_id)).status.value == "completed"
    thumb_jobs = [j for j in await library.jobs.list() if j.name == ThumbnailJob.NAME]
    assert len(thumb_jobs) == 1
    finished = await library.jobs.wait(thumb_jobs[0].id)
    assert finished.status.value == "completed", finished.error
    assert finished.progress.completed == finished.progress.total == 7  # every picture and video entry

    thumbs = library.thumbnails_dir
    for path in [*photos, clip, logo]:
        cas_id = cas_id_of_file(path)
        assert cas_id is not None
        made = thumbs / cas_id[:2] / f"{cas_id}.webp"
        assert made.is_file(), path.name
        assert max(Image.open(made).size) <= 256
    bad_id = cas_id_of_file(bad)
    assert bad_id is not None and (thumbs / bad_id[:2] / f"{bad_id}.fail").exists()
    assert len(list(thumbs.rglob("*.webp"))) == 5

    # A second run (a rescan) finds everything cached and makes nothing.
    state = ThumbnailJob(location_id=info.id, path=os.fsencode(tree))
    again = await library.jobs.dispatch(state)
    assert (await library.jobs.wait(again)).status.value == "completed"
    assert state.made == 0 and state.done == 7


async def test_shallow_and_content_scans_queue_no_thumbnails(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "Pictures"
    tree.mkdir()
    samples.jpeg_with_exif(tree / "a.jpg")
    library = core.current_library()
    _info, job_id = await add_location(library, str(tree), mode="content")
    assert (await library.jobs.wait(job_id)).status.value == "completed"
    assert [j for j in await library.jobs.list() if j.name == ThumbnailJob.NAME] == []
    assert list(library.thumbnails_dir.rglob("*.webp")) == []


async def test_the_thumbnail_job_resumes_after_its_checkpoint(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "Pictures"
    tree.mkdir()
    photos = [samples.jpeg_with_exif(tree / f"{i}.jpg", color=(i * 20, 10, 10)) for i in range(6)]
    library = core.current_library()
    info, job_id = await add_location(library, str(tree), mode="content")  # no automatic thumbnails
    assert (await library.jobs.wait(job_id)).status.value == "completed"

    async def entry_ids() -> list[int]:
        async with library.db.read() as session:
            conn = await session.connection()
            rows = await conn.exec_driver_sql(
                "SELECT id FROM entries WHERE location_id = ? AND kind = 0 ORDER BY id", (info.id,)
            )
            return [r[0] for r in rows.all()]

    ids = await entry_ids()
    # As if an earlier run had checkpointed after the first three entries.
    state = ThumbnailJob(location_id=info.id, path=os.fsencode(tree), after_id=ids[2], done=3)
    job = await library.jobs.dispatch(state)
    done = await library.jobs.wait(job)
    assert done.status.value == "completed"
    assert state.done == 6 and state.made == 3
    made = {p.stem for p in library.thumbnails_dir.rglob("*.webp")}
    later = {cas_id_of_file(p) for p in photos}
    assert len(made) == 3 and made < later
