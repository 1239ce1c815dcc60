"""ThumbnailLoader: pixmaps of pictures and videos for views, from memory at once or made off the loop."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap

from spacedrive.domain.entry import Entry
from spacedrive.errors import SpacedriveError
from spacedrive.operations.media import Thumbnailer, WorkerPool, size_bucket, thumbnail_kind

if TYPE_CHECKING:
    from pathlib import Path

    from spacedrive.core import Core

log = logging.getLogger(__name__)

#: Pixmaps kept in memory, in bytes of pixels (a 256 px thumbnail at 2x is 1 MiB at most).
MEMORY_BYTES = 96 * 1024 * 1024
#: Entries remembered as having no thumbnail (failed, or not decodable).
NONE_LIMIT = 20_000

#: (path, logical size, modified, size in bytes, cas_id): a changed file is a new key.
_Key = tuple[bytes, int, float, int | None, str | None]


@dataclass(slots=True)
class _Request:
    entry: Entry
    size: int  # logical pixels
    ratio: float  # device pixel ratio the pixmap is made for


class ThumbnailLoader(QObject):
    """Thumbnails for the explorer's views and the inspector.

    ``request(entry, size)`` answers from a bounded in-memory cache at once; otherwise it queues the
    entry and returns None. Queued requests run newest first (what the user just scrolled to), a few
    at a time: the cache files are read and decoded in threads, new thumbnails are made in worker
    processes (``spacedrive.operations.media``), and only ``QPixmap.fromImage`` runs on the loop.
    Each request is made once: a file without a thumbnail is remembered as such.

    Signals
    -------
    thumbnail_ready(bytes): the thumbnail of the entry at this path is available; ``request`` it again.
    """

    thumbnail_ready = Signal(bytes)

    def __init__(
        self,
        core: Core,
        parent: QObject | None = None,
        *,
        workers: int | None = None,
        memory_bytes: int = MEMORY_BYTES,
    ) -> None:
        super().__init__(parent)
        self._core = core
        self._thumbnailer = Thumbnailer(WorkerPool(workers))
        # One more than the workers: the next file's cache lookup overlaps the current decodes.
        self._concurrency = self._thumbnailer.pool.size + 1
        self._memory_limit = memory_bytes
        self._memory: OrderedDict[_Key, QPixmap] = OrderedDict()
        self._memory_used = 0
        self._none: OrderedDict[_Key, None] = OrderedDict()
        self._queued: OrderedDict[_Key, _Request] = OrderedDict()
        self._running: dict[_Key, asyncio.Task[None]] = {}
        self._closed = False

    # ---- the API views use --------------------------------------------------------------------------------

    def request(self, entry: Entry, size: int) -> QPixmap | None:
        """The thumbnail of ``entry`` fitting ``size`` logical pixels, or None (then it is being made,
        and ``thumbnail_ready`` follows, unless the entry has no thumbnail at all)."""
        if self._closed or thumbnail_kind(entry) is None:
            return None
        key: _Key = (entry.path, size, entry.modified, entry.size, entry.cas_id)
        pixmap = self._memory.get(key)
        if pixmap is not None:
            self._memory.move_to_end(key)
            return pixmap
        if key in self._none or key in self._running:
            return None
        if key in self._queued:
            self._queued.move_to_end(key)  # asked again: the view still shows it
        else:
            self._queued[key] = _Request(entry, size, _device_pixel_ratio())
        self._pump()
        return None

    def cancel_pending(self) -> None:
        """Forget queued requests (the folder changed); those already running finish and are cached."""
        self._queued.clear()

    async def close(self) -> None:
        """Stop: drop the queue, cancel running loads, stop the worker processes."""
        if self._closed:
            return
        self._closed = True
        self._queued.clear()
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._thumbnailer.close()
        self._memory.clear()
        self._memory_used = 0

    # ---- the queue ----------------------------------------------------------------------------------------

    def _pump(self) -> None:
        while self._queued and len(self._running) < self._concurrency and not self._closed:
            key, job = self._queued.popitem(last=True)  # newest first
            self._running[key] = asyncio.ensure_future(self._load(key, job))

    async def _load(self, key: _Key, job: _Request) -> None:
        pixels = math.ceil(job.size * job.ratio)
        image: QImage | None = None
        try:
            thumb = await self._thumbnailer.thumbnail(
                job.entry, size_bucket(pixels), self._library_thumbnails()
            )
            if thumb is not None:
                loop = asyncio.get_running_loop()
                image = await loop.run_in_executor(None, _decode, thumb.data, pixels)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must cost one thumbnail, not the window
            log.exception("thumbnail of %r failed", job.entry.path)
        finally:
            self._running.pop(key, None)
            if not self._closed:
                self._pump()
        if self._closed:
            return
        if image is None:
            self._remember_none(key)
            return
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(job.ratio)
        self._remember(key, pixmap)
        self.thumbnail_ready.emit(job.entry.path)

    def _library_thumbnails(self) -> Path | None:
        """The current library's thumbnails folder (listings of indexed folders come from it)."""
        try:
            return self._core.libraries.current().thumbnails_dir
        except (AttributeError, SpacedriveError):  # not started, or no library open
            return None

    # ---- memory -------------------------------------------------------------------------------------------

    def _remember(self, key: _Key, pixmap: QPixmap) -> None:
        self._memory[key] = pixmap
        self._memory_used += _pixmap_bytes(pixmap)
        while self._memory_used > self._memory_limit and len(self._memory) > 1:
            _old, evicted = self._memory.popitem(last=False)
            self._memory_used -= _pixmap_bytes(evicted)

    def _remember_none(self, key: _Key) -> None:
        self._none[key] = None
        if len(self._none) > NONE_LIMIT:
            self._none.popitem(last=False)


def _device_pixel_ratio() -> float:
    """The highest ratio of the screens: a pixmap made for it is sharp on every one of them."""
    app = QGuiApplication.instance()
    return max(1.0, app.devicePixelRatio()) if isinstance(app, QGuiApplication) else 1.0


def _pixmap_bytes(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * 4


def _decode(data: bytes, pixels: int) -> QImage | None:
    """Decode a cached WebP or PNG (in a thread: QImage, unlike QPixmap, may live off the GUI thread)."""
    image = QImage.fromData(data)
    if image.isNull():
        image = _decode_with_pillow(data)  # a build without Qt's WebP plugin
    if image is None or image.isNull():
        return None
    if image.width() > pixels or image.height() > pixels:
        image = image.scaled(
            pixels, pixels, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return image


def _decode_with_pillow(data: bytes) -> QImage | None:
    from PIL import Image

    with contextlib.suppress(Exception), Image.open(io.BytesIO(data)) as source:
        rgba = source.convert("RGBA")
        image = QImage(rgba.tobytes(), rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
        return image.copy()  # own the pixels: the bytes above go away with this frame
    return None
