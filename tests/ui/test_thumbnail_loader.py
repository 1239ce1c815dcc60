"""ThumbnailLoader: a request is answered from memory once its thumbnail was made, made off the loop
otherwise (announced by thumbnail_ready), newest first, once per entry, and for high-DPI screens."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QPixmap

import ui.thumbnails
from spacedrive import Core
from spacedrive.domain.entry import Entry
from spacedrive.infrastructure.fs.content_id import cas_id_of_file
from spacedrive.operations.media import Thumbnailer
from tests.core import media_samples as samples
from ui.thumbnails import ThumbnailLoader

Runner = Callable[..., Any]


class CountingThumbnailer(Thumbnailer):
    """Counts what the loader asks the core for."""

    asked: list[bytes] = []

    async def thumbnail(self, entry: Entry, size: int, thumbnails_dir: Path | None = None) -> Any:
        CountingThumbnailer.asked.append(entry.path)
        return await super().thumbnail(entry, size, thumbnails_dir)


@pytest.fixture
def core(run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Core]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    started = Core(tmp_path / "data", mode="gui")
    run(started.start(ensure_default_library=True))
    try:
        yield started
    finally:
        run(started.stop())


@pytest.fixture
def make_loader(
    run: Runner, core: Core, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., ThumbnailLoader]]:
    CountingThumbnailer.asked = []
    monkeypatch.setattr(ui.thumbnails, "Thumbnailer", CountingThumbnailer)
    made: list[ThumbnailLoader] = []

    def factory(**options: Any) -> ThumbnailLoader:
        loader = ThumbnailLoader(core, **options)
        made.append(loader)
        return loader

    try:
        yield factory
    finally:
        for loader in made:
            run(loader.close())


def collect(loader: ThumbnailLoader) -> list[bytes]:
    ready: list[bytes] = []
    loader.thumbnail_ready.connect(ready.append)
    return ready


def test_a_thumbnail_is_announced_then_served_from_memory(
    make_loader: Callable[..., ThumbnailLoader], wait: Callable[..., None], tmp_path: Path
) -> None:
    loader = make_loader()
    ready = collect(loader)
    photo = samples.jpeg_with_exif(tmp_path / "photo.jpg", size=(800, 600))
    entry = samples.entry_for(photo)

    assert loader.request(entry, 96) is None
    wait(lambda: ready, timeout=30)
    assert ready == [entry.path]

    pixmap = loader.request(entry, 96)
    assert isinstance(pixmap, QPixmap) and not pixmap.isNull()
    assert (pixmap.width(), pixmap.height()) == (96, 72)  # fits the size asked, keeps 4:3
    assert pixmap.devicePixelRatio() == 1.0
    assert loader.request(entry, 96) is pixmap  # from memory, nothing made again
    assert CountingThumbnailer.asked == [entry.path]
    # It landed in the user's shared cache (the file is not in a library).
    assert list((tmp_path / "cache" / "thumbnails" / "normal").glob("*.png"))


def test_high_dpi_screens_get_pixmaps_with_twice_the_pixels(
    make_loader: Callable[..., ThumbnailLoader],
    wait: Callable[..., None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ui.thumbnails, "_device_pixel_ratio", lambda: 2.0)
    loader = make_loader()
    ready = collect(loader)
    entry = samples.entry_for(samples.jpeg_with_exif(tmp_path / "photo.jpg", size=(1200, 900)))
    loader.request(entry, 128)
    wait(lambda: ready, timeout=30)
    pixmap = loader.request(entry, 128)
    assert pixmap is not None
    assert (pixmap.width(), pixmap.height()) == (256, 192)
    assert pixmap.devicePixelRatio() == 2.0
    # Made at the 256 px bucket, not stretched from the 128 px one.
    assert list((tmp_path / "cache" / "thumbnails" / "large").glob("*.png"))


def test_an_indexed_file_is_cached_in_the_library_by_content(
    make_loader: Callable[..., ThumbnailLoader], wait: Callable[..., None], tmp_path: Path, core: Core
) -> None:
    loader = make_loader()
    ready = collect(loader)
    clip = samples.video(tmp_path / "clip.mp4", audio=False)
    cas_id = cas_id_of_file(clip)
    assert cas_id is not None
    loader.request(samples.entry_for(clip, cas_id), 200)
    wait(lambda: ready, timeout=30)
    assert (core.current_library().thumbnails_dir / cas_id[:2] / f"{cas_id}.webp").is_file()
    pixmap = loader.request(samples.entry_for(clip, cas_id), 200)
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (200, 150)


def test_files_without_a_thumbnail_cost_nothing_twice(
    make_loader: Callable[..., ThumbnailLoader], wait: Callable[..., None], tmp_path: Path
) -> None:
    loader = make_loader()
    ready = collect(loader)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    broken = samples.random_bytes(tmp_path / "broken.jpg")
    good = samples.png_rgba(tmp_path / "good.png")

    assert loader.request(samples.entry_for(notes), 64) is None
    assert CountingThumbnailer.asked == []  # not media: not even queued
    assert loader.request(samples.entry_for(broken), 64) is None
    loader.request(samples.entry_for(good), 64)
    wait(lambda: ready, timeout=30)
    wait(lambda: len(CountingThumbnailer.asked) == 2)
    for _ in range(3):
        assert loader.request(samples.entry_for(broken), 64) is None
    loader.request(samples.entry_for(good), 64)
    assert ready == [os.fsencode(good)]  # the broken file was never announced
    assert sorted(CountingThumbnailer.asked) == sorted([os.fsencode(broken), os.fsencode(good)])


def test_newest_requests_run_first_and_cancel_pending_drops_the_rest(
    make_loader: Callable[..., ThumbnailLoader], wait: Callable[..., None], tmp_path: Path
) -> None:
    loader = make_loader(workers=1)  # two at a time: one decoding, one looking in the cache
    ready = collect(loader)
    photos = [samples.jpeg_with_exif(tmp_path / f"{i}.jpg", color=(i * 40, 0, 0)) for i in range(5)]
    for photo in photos:
        loader.request(samples.entry_for(photo), 64)
    wait(lambda: len(ready) == 5, timeout=30)
    # 0 and 1 started at once; of the queued ones the newest started first, the oldest (2) last.
    # (Asked, not finished: two run side by side and either may finish first.)
    assert CountingThumbnailer.asked[-5:] == [os.fsencode(p) for p in (photos[0], photos[1], *photos[4:1:-1])]

    more = [samples.jpeg_with_exif(tmp_path / f"more {i}.jpg", color=(0, i * 40, 0)) for i in range(6)]
    for photo in more:
        loader.request(samples.entry_for(photo), 64)
    loader.cancel_pending()  # the user opened another folder
    wait(lambda: len(CountingThumbnailer.asked) == 7)
    wait(lambda: len(ready) == 7, timeout=30)
    assert sorted(ready[5:]) == sorted([os.fsencode(more[0]), os.fsencode(more[1])])
    # Asked again later, a dropped one is made then.
    loader.request(samples.entry_for(more[5]), 64)
    wait(lambda: len(ready) == 8, timeout=30)


def test_memory_is_bounded(
    make_loader: Callable[..., ThumbnailLoader], wait: Callable[..., None], tmp_path: Path
) -> None:
    loader = make_loader(memory_bytes=64 * 48 * 4)  # room for one 64 px thumbnail
    ready = collect(loader)
    first, second = (samples.entry_for(samples.jpeg_with_exif(tmp_path / f"{i}.jpg")) for i in range(2))
    loader.request(first, 64)
    wait(lambda: len(ready) == 1, timeout=30)
    loader.request(second, 64)
    wait(lambda: len(ready) == 2, timeout=30)
    assert loader.request(second, 64) is not None
    assert loader.request(first, 64) is None  # evicted: read back from the disk cache
    wait(lambda: len(ready) == 3, timeout=30)
    assert loader.request(first, 64) is not None


def test_close_stops_pending_work(
    run: Runner, make_loader: Callable[..., ThumbnailLoader], tmp_path: Path
) -> None:
    loader = make_loader(workers=1)
    for i in range(4):
        loader.request(samples.entry_for(samples.video(tmp_path / f"{i}.mp4", audio=False)), 64)
    run(loader.close(), timeout=10)
    assert loader.request(samples.entry_for(tmp_path / "0.mp4"), 64) is None
