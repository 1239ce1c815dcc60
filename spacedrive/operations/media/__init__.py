"""Media: thumbnails of pictures and videos, and media details (size, camera, date, codecs).

The core side is Qt-free: ``Thumbnailer`` finds or makes thumbnails off the event loop (decoding in a
``WorkerPool`` of isolated processes), ``ThumbnailJob`` fills a library's cache after a deep scan, and
``media_info`` reads a file's headers. The GUI's ``ui.thumbnails.ThumbnailLoader`` builds on them.
"""

from __future__ import annotations

from spacedrive.operations.media.job import ThumbnailJob, queue_thumbnails
from spacedrive.operations.media.media_info import MediaInfo, media_info
from spacedrive.operations.media.pool import WorkerCrashed, WorkerError, WorkerPool, WorkerTimeout
from spacedrive.operations.media.thumbnails import (
    DEFAULT_SIZE,
    SIZES,
    Thumbnail,
    Thumbnailer,
    ThumbnailTarget,
    file_uri,
    freedesktop_target,
    library_target,
    media_kind,
    size_bucket,
    target_for,
    thumbnail_cache_home,
    thumbnail_kind,
)

__all__ = [
    "DEFAULT_SIZE",
    "SIZES",
    "MediaInfo",
    "Thumbnail",
    "ThumbnailJob",
    "ThumbnailTarget",
    "Thumbnailer",
    "WorkerCrashed",
    "WorkerError",
    "WorkerPool",
    "WorkerTimeout",
    "file_uri",
    "freedesktop_target",
    "library_target",
    "media_info",
    "media_kind",
    "queue_thumbnails",
    "size_bucket",
    "target_for",
    "thumbnail_cache_home",
    "thumbnail_kind",
]
