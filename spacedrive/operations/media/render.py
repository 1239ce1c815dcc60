"""Decoding a picture or a video frame into a small encoded thumbnail. Runs in worker processes.

Everything here treats the file as hostile: pixel counts are checked before anything is decoded
(``Image.MAX_IMAGE_PIXELS``, a decompression bomb is an error, not a warning), JPEGs are decoded at a
reduced scale, video decoding gives up after a bounded number of packets, and any decoding error
means "no thumbnail". Only an unreadable source raises (``OSError``): that may change, a bad file
will not. Time and crashes are bounded by the caller (``WorkerPool``).
"""

from __future__ import annotations

import errno
import io
import os
import stat
import warnings
from typing import IO, Any

from PIL import Image, ImageOps, PngImagePlugin

import spacedrive

__all__ = ["MAX_DECODED_PIXELS", "MAX_IMAGE_PIXELS", "open_image", "open_source", "render_thumbnail"]

#: Largest picture opened at all (a 200 MP phone photo is 16320x12240). Beyond it, no thumbnail.
MAX_IMAGE_PIXELS = 250_000_000
#: Largest picture decoded in full (formats without JPEG's reduced-scale decoding): ~400 MB as RGBA.
MAX_DECODED_PIXELS = 100_000_000
#: Where in a video its thumbnail frame comes from (a title card or black first frame says little).
VIDEO_POSITION = 0.10
#: Packets read after a seek before giving up on finding a frame there.
_MAX_PACKETS = 600
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


class _Undecodable(Exception):
    """The file cannot be turned into a picture (too large, no video stream, no frame)."""


def render_thumbnail(
    path: bytes, kind: str, max_edge: int, fmt: str, quality: int, uri: str | None
) -> bytes | None:
    """The thumbnail of ``path`` (``kind`` "image" or "video") encoded as ``fmt`` ("WEBP" or "PNG").

    It fits in ``max_edge`` pixels (never upscaled). With ``uri`` the PNG carries the freedesktop
    thumbnail text chunks (``Thumb::URI``, ``Thumb::MTime`` of the file as opened...). None when the
    content cannot be decoded; raises ``OSError`` when the file cannot be opened.
    """
    with open_source(path) as f:
        mtime = int(os.fstat(f.fileno()).st_mtime)
        try:
            if kind == "video":
                picture, extra = _video_picture(f, max_edge)
            else:
                picture, extra = _image_picture(f, max_edge)
            picture.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS, reducing_gap=2.0)
            return _encode(picture, fmt, quality, uri, mtime, extra)
        except Exception:  # Pillow and FFmpeg raise anything at all from broken data
            return None


def open_source(path: bytes) -> IO[bytes]:
    """Open without blocking on a FIFO; refuse anything but a regular file."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fsdecode(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_image(f: IO[bytes]) -> Image.Image:
    """``Image.open`` with the pixel limit enforced as an error (a bomb's header, not its data, is read)."""
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(f)
        except Image.DecompressionBombWarning as e:
            raise Image.DecompressionBombError(str(e)) from e


def _image_picture(f: IO[bytes], max_edge: int) -> tuple[Image.Image, dict[str, str]]:
    image = open_image(f)
    extra = {"Thumb::Image::Width": str(image.width), "Thumb::Image::Height": str(image.height)}
    # JPEG decodes straight to 1/2, 1/4 or 1/8 scale; a 50 MP photo then costs a 3 MP decode.
    image.draft("RGB", (max_edge, max_edge))
    if image.width * image.height > MAX_DECODED_PIXELS:
        raise _Undecodable(f"{image.width}x{image.height} is too large to decode in full")
    image.load()
    image = ImageOps.exif_transpose(image)
    return _displayable(image), extra


def _displayable(image: Image.Image) -> Image.Image:
    """RGB or RGBA (L/LA kept): what WebP and PNG encoders and the GUI all take."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L", "LA"):
        return image
    if mode.startswith("I;16") or mode == "I":
        # 16-bit grey (scans, medical, some TIFFs): scale to 8 bits instead of clipping to white.
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if mode in ("P", "PA") and ("transparency" in image.info or mode == "PA"):
        return image.convert("RGBA")
    if "A" in mode or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")


def _video_picture(f: IO[bytes], max_edge: int) -> tuple[Image.Image, dict[str, str]]:
    import av

    # A file object, not a path: FFmpeg then reads this file only, never a URL or a playlist's parts.
    with av.open(f, "r", metadata_errors="ignore") as container:
        if not container.streams.video:
            raise _Undecodable("no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        seconds = _duration(container, stream)
        frame = None
        if seconds > 0 and stream.time_base:
            target = int(seconds * VIDEO_POSITION / stream.time_base)
            try:
                container.seek(target, stream=stream, backward=True, any_frame=False)
                frame = _first_frame(container, stream)
            except av.FFmpegError:
                frame = None
        if frame is None:
            container.seek(0, stream=stream, backward=True, any_frame=False)
            frame = _first_frame(container, stream)
        if frame is None:
            raise _Undecodable("no decodable frame")
        width, height = _fit(frame.width, frame.height, max_edge * 2)
        picture = frame.to_image(width=width, height=height)
        extra = {"Thumb::Movie::Length": str(int(seconds))} if seconds > 0 else {}
        return _rotated(picture, frame.rotation), extra


def _duration(container: Any, stream: Any) -> float:
    if container.duration and container.duration > 0:
        return float(container.duration) / 1_000_000  # AV_TIME_BASE
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return 0.0


def _first_frame(container: Any, stream: Any) -> Any:
    """The first frame decodable from the current position, within ``_MAX_PACKETS`` packets."""
    import av

    for count, packet in enumerate(container.demux(stream)):
        if count >= _MAX_PACKETS:
            return None
        try:
            frames = packet.decode()
        except av.FFmpegError:
            continue  # a damaged packet: the next keyframe may be fine
        if frames:
            return frames[0]
    return None


def _fit(width: int, height: int, limit: int) -> tuple[int, int]:
    """Scale down (never up) to fit ``limit`` on the long edge, keeping the aspect ratio."""
    if width <= limit and height <= limit:
        return width, height
    scale = limit / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _rotated(picture: Image.Image, degrees: float) -> Image.Image:
    """Apply a phone video's display rotation (counterclockwise degrees, as FFmpeg reports it)."""
    turn = round(degrees / 90) % 4
    if turn == 1:
        return picture.transpose(Image.Transpose.ROTATE_90)
    if turn == 2:
        return picture.transpose(Image.Transpose.ROTATE_180)
    if turn == 3:
        return picture.transpose(Image.Transpose.ROTATE_270)
    return picture


def _encode(
    picture: Image.Image, fmt: str, quality: int, uri: str | None, mtime: int, extra: dict[str, str]
) -> bytes:
    out = io.BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        if uri is not None:
            # The freedesktop thumbnail spec's keys; they go before the image data, where readers
            # find them without decoding it.
            info.add_text("Thumb::URI", uri)
            info.add_text("Thumb::MTime", str(mtime))
            for key, value in extra.items():
                info.add_text(key, value)
        info.add_text("Software", f"Spacedrive {spacedrive.__version__}")
        picture.save(out, "PNG", pnginfo=info, compress_level=6)
    else:
        picture.save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()
