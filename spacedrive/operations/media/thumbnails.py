"""Thumbnails of pictures and videos: which files get one, where they are cached, and making them.

Two caches, chosen per file:

- **library**: an indexed file with a content id gets ``<library>/thumbnails/<cas_id[:2]>/<cas_id>.webp``
  (the default 256 px size; other sizes add ``-<px>`` to the stem). Keyed by content, it is shared
  by every copy of the file and survives renames and moves.
- **freedesktop**: any other file gets the thumbnail other file managers share,
  ``$XDG_CACHE_HOME/thumbnails/{normal,large,x-large,xx-large}/<md5 of the file URI>.png`` with the
  ``Thumb::URI`` and ``Thumb::MTime`` text chunks; one whose ``Thumb::MTime`` no longer matches the
  file is made again.

A file that cannot be thumbnailed gets a failure record (``<cas_id>.fail`` beside the library
thumbnails, ``fail/spacedrive-<version>/<md5>.png`` in the freedesktop cache) so it is not decoded
again. Writes go to a temporary name, then ``os.replace``: a reader never sees half a thumbnail.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_from_bytes

from PIL import Image, PngImagePlugin, features

import spacedrive
from spacedrive.domain.entry import Entry
from spacedrive.domain.kinds import ContentKind
from spacedrive.infrastructure.fs.kinds import kind_from_extension
from spacedrive.operations.media.pool import WorkerCrashed, WorkerError, WorkerPool, WorkerTimeout
from spacedrive.operations.media.render import render_thumbnail

__all__ = [
    "DEFAULT_SIZE",
    "SIZES",
    "Thumbnail",
    "ThumbnailTarget",
    "Thumbnailer",
    "file_uri",
    "freedesktop_target",
    "library_target",
    "media_kind",
    "size_bucket",
    "target_for",
    "thumbnail_kind",
    "thumbnail_cache_home",
]

log = logging.getLogger(__name__)

#: Thumbnail sizes (longest edge, pixels), as the freedesktop spec names them.
SIZES: dict[int, str] = {128: "normal", 256: "large", 512: "x-large", 1024: "xx-large"}
#: The size the thumbnail job makes for a library.
DEFAULT_SIZE = 256
#: Seconds one file may take to decode before its worker is killed.
DEFAULT_TIMEOUT = 20.0

# Picture formats this Pillow decodes. RAW, HEIC, SVG and the like are images too, but without a
# decoder here they would only collect failure records.
_IMAGE_EXTENSIONS = frozenset(
    {
        *("jpg", "jpeg", "jpe", "jfif", "pjpeg", "pjp", "png", "apng", "gif", "webp", "bmp", "dib"),
        *("ico", "cur", "tif", "tiff", "tga", "pbm", "pgm", "ppm", "pnm", "pcx", "psd", "qoi", "dds"),
        *("icns", "sgi", "rgb", "rgba", "bw", "xbm", "xpm", "mpo"),
        *(("avif", "avifs") if features.check("avif") else ()),
        *(("jp2", "j2k", "jpf", "jpx", "j2c") if features.check("jpg_2000") else ()),
    }
)
# The freedesktop spec lets URIs keep RFC 2396's "mark" and path characters; GLib's
# g_filename_to_uri, which GNOME's thumbnailers hash, escapes everything else.
_URI_SAFE = b"/!$&'()*+,:=@~"
_FAIL_DIR = f"spacedrive-{spacedrive.__version__}"


def media_kind(content_kind: str | None, extension: str) -> str | None:
    """ "image" or "video" when a file of this kind and extension gets a thumbnail, else None.

    An image whose extension names a picture format without a decoder here (RAW, HEIC, SVG) gets
    none; one found by its content under another extension (a PNG called ``.dat``) is tried.
    """
    ext = extension.lower()
    by_extension = kind_from_extension(ext) if ext else ContentKind.UNKNOWN
    kind = content_kind or by_extension.value
    if kind == ContentKind.VIDEO:
        return "video"
    if kind == ContentKind.IMAGE and (ext in _IMAGE_EXTENSIONS or by_extension is not ContentKind.IMAGE):
        return "image"
    return None


def thumbnail_kind(entry: Entry) -> str | None:
    """ "image" or "video" when ``entry`` gets a thumbnail, else None; cheap (no I/O)."""
    if entry.kind != "file" or not entry.size:
        return None
    return media_kind(entry.content_kind, entry.extension)


def size_bucket(pixels: int) -> int:
    """The smallest thumbnail size covering ``pixels`` on the long edge (the largest for more)."""
    for size in SIZES:
        if pixels <= size:
            return size
    return max(SIZES)


def file_uri(path: bytes) -> str:
    """The ``file://`` URI of an absolute path, escaped as GLib does (the key of freedesktop thumbnails)."""
    return "file://" + quote_from_bytes(path, safe=_URI_SAFE)


def thumbnail_cache_home() -> Path:
    """``$XDG_CACHE_HOME/thumbnails`` (``~/.cache/thumbnails`` when unset or not absolute)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "thumbnails"


@dataclass(frozen=True, slots=True)
class ThumbnailTarget:
    """One thumbnail to find or make: the source file and where its thumbnail lives."""

    source: bytes
    kind: str  # "image" or "video"
    size: int  # longest edge, pixels: one of SIZES
    path: Path
    fail_path: Path
    #: Freedesktop cache: the source's URI (written into the PNG and checked with its mtime).
    #: None for the library cache, whose WebP files are keyed by content and never stale.
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A thumbnail found in a cache or just made."""

    data: bytes  # WebP or PNG, as stored
    path: Path
    size: int


def library_target(
    thumbnails_dir: Path, source: bytes, cas_id: str, kind: str, size: int = DEFAULT_SIZE
) -> ThumbnailTarget:
    """The library cache entry of content ``cas_id`` (``source`` is one file holding it)."""
    shard = thumbnails_dir / cas_id[:2]
    stem = cas_id if size == DEFAULT_SIZE else f"{cas_id}-{size}"
    return ThumbnailTarget(source, kind, size, shard / f"{stem}.webp", shard / f"{cas_id}.fail")


def freedesktop_target(
    source: bytes, kind: str, size: int, cache_home: Path | None = None
) -> ThumbnailTarget:
    """The freedesktop cache entry of the file at ``source`` (absolute)."""
    home = cache_home or thumbnail_cache_home()
    uri = file_uri(source)
    name = hashlib.md5(uri.encode("ascii")).hexdigest() + ".png"
    return ThumbnailTarget(
        source, kind, size, home / SIZES[size] / name, home / "fail" / _FAIL_DIR / name, uri
    )


def target_for(
    entry: Entry, size: int, thumbnails_dir: Path | None = None, cache_home: Path | None = None
) -> ThumbnailTarget | None:
    """Where ``entry``'s thumbnail of ``size`` (a bucket of SIZES) lives; None if it gets none."""
    kind = thumbnail_kind(entry)
    if kind is None:
        return None
    if entry.cas_id and thumbnails_dir is not None:
        return library_target(thumbnails_dir, entry.path, entry.cas_id, kind, size)
    return freedesktop_target(entry.path, kind, size, cache_home)


# ---- the caches (blocking: called in threads) -----------------------------------------------------------


def _read_cached(target: ThumbnailTarget) -> tuple[bytes | None, bool]:
    """(thumbnail bytes or None, whether making one failed before)."""
    if target.uri is None:
        with contextlib.suppress(OSError):
            data = target.path.read_bytes()
            if data:
                return data, False
        return None, target.fail_path.exists()
    try:
        mtime = int(os.stat(target.source).st_mtime)
    except OSError:
        return None, False
    with contextlib.suppress(OSError):
        data = target.path.read_bytes()
        if _png_matches(data, target.uri, mtime):
            return data, False
    with contextlib.suppress(OSError):
        return None, _png_matches(target.fail_path.read_bytes(), target.uri, mtime)
    return None, False


def _png_matches(data: bytes, uri: str, mtime: int) -> bool:
    """Whether a freedesktop PNG was made from this URI at this mtime (text chunks only, no decoding)."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            info = image.info
    except Exception:  # a damaged cache file is a miss, whatever Pillow makes of it
        return False
    return info.get("Thumb::URI") == uri and info.get("Thumb::MTime") == str(mtime)


def _make_dirs(path: Path, private: bool) -> None:
    if private:
        # The spec asks for 0700 folders: thumbnails show what a user's files contain.
        for folder in reversed([path, *path.parents]):
            if not folder.is_dir():
                folder.mkdir(mode=0o700, exist_ok=True)
    else:
        path.mkdir(parents=True, exist_ok=True)


def _write_atomic(path: Path, data: bytes, private: bool) -> None:
    # No fsync: this is a cache. A damaged file after a power cut reads as a miss and is made again.
    _make_dirs(path.parent, private)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _store(target: ThumbnailTarget, data: bytes) -> None:
    _write_atomic(target.path, data, private=target.uri is not None)


def _record_failure(target: ThumbnailTarget) -> None:
    if target.uri is None:
        _write_atomic(target.fail_path, b"", private=False)
        return
    mtime = int(os.stat(target.source).st_mtime)
    info = PngImagePlugin.PngInfo()
    info.add_text("Thumb::URI", target.uri)
    info.add_text("Thumb::MTime", str(mtime))
    out = io.BytesIO()
    Image.new("RGBA", (1, 1)).save(out, "PNG", pnginfo=info)
    _write_atomic(target.fail_path, out.getvalue(), private=True)


# ---- making them ---------------------------------------------------------------------------------------


class Thumbnailer:
    """Finds thumbnails in their cache or makes them in a ``WorkerPool``, off the event loop.

    Cache lookups and writes run in the loop's default executor; decoding runs in the pool's worker
    processes, ``timeout`` seconds at most per file. ``close()`` stops the pool.
    """

    def __init__(
        self,
        pool: WorkerPool | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        quality: int = 85,
        cache_home: Path | None = None,
    ) -> None:
        self.pool = pool or WorkerPool()
        self.timeout = timeout
        #: WebP quality of library thumbnails (the library's ``thumbnail_quality`` setting).
        self.quality = quality
        #: The freedesktop cache folder; None: ``thumbnail_cache_home()`` at each use.
        self.cache_home = cache_home

    async def thumbnail(
        self, entry: Entry, size: int, thumbnails_dir: Path | None = None
    ) -> Thumbnail | None:
        """``entry``'s thumbnail of ``size`` pixels (a bucket of SIZES), cached or made; None if none."""
        target = target_for(entry, size, thumbnails_dir, self.cache_home)
        return None if target is None else await self.ensure(target)

    async def cached(self, target: ThumbnailTarget) -> tuple[Thumbnail | None, bool]:
        """(the cached thumbnail or None, whether it failed before): the cache only, nothing is made."""
        data, failed = await asyncio.get_running_loop().run_in_executor(None, _read_cached, target)
        return (None if data is None else Thumbnail(data, target.path, target.size)), failed

    async def ensure(self, target: ThumbnailTarget) -> Thumbnail | None:
        """The thumbnail from its cache, else made, stored and returned; None when the file has none."""
        found, failed = await self.cached(target)
        if found is not None or failed:
            return found
        loop = asyncio.get_running_loop()
        fmt = "PNG" if target.uri is not None else "WEBP"
        try:
            data = await self.pool.run(
                render_thumbnail,
                target.source,
                target.kind,
                target.size,
                fmt,
                self.quality,
                target.uri,
                time_limit=self.timeout,
            )
        except (WorkerTimeout, WorkerCrashed) as e:  # a hostile file: never again
            log.info("no thumbnail for %r: %s", target.source, e)
            data = None
        except WorkerError as e:  # the source could not be opened: that may change, record nothing
            log.debug("no thumbnail for %r: %s", target.source, e)
            return None
        try:
            if data is None:
                await loop.run_in_executor(None, _record_failure, target)
                return None
            await loop.run_in_executor(None, _store, target, data)
        except OSError as e:  # a full disk or read-only cache: the thumbnail still serves this time
            log.warning("cannot write %s: %s", target.path if data else target.fail_path, e)
        return None if data is None else Thumbnail(data, target.path, target.size)

    async def close(self) -> None:
        """Stop the worker processes."""
        await self.pool.close()
