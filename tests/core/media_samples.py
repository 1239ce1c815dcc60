"""Sample media for the thumbnail and media info tests, made on the spot: photos with EXIF, a PNG with
transparency, hostile files (a decompression bomb's header, a truncated JPEG, noise named .jpg) and a
short video encoded with PyAV."""

from __future__ import annotations

import os
import random
import struct
import zlib
from pathlib import Path

import av
from PIL import ExifTags, Image

from spacedrive.domain.entry import Entry

CAMERA_MAKE = "Canon"
CAMERA_MODEL = "EOS R5"
TAKEN = "2023:07:14 09:30:05"


def noise_image(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """Busy content, so JPEG data is large enough to cut meaningfully and thumbnails differ by seed."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def jpeg_with_exif(
    path: Path,
    size: tuple[int, int] = (640, 480),
    color: tuple[int, int, int] = (200, 40, 40),
    orientation: int = 1,
    offset: str | None = None,
) -> Path:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = CAMERA_MODEL
    exif[ExifTags.Base.Orientation] = orientation
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[ExifTags.Base.DateTimeOriginal] = TAKEN
    if offset is not None:
        sub[ExifTags.Base.OffsetTimeOriginal] = offset
    Image.new("RGB", size, color).save(path, "JPEG", exif=exif, quality=90)
    return path


def png_rgba(path: Path, size: tuple[int, int] = (300, 150)) -> Path:
    image = Image.new("RGBA", size, (0, 0, 255, 0))
    image.paste((0, 200, 0, 255), (0, 0, size[0] // 2, size[1]))
    image.save(path, "PNG")
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A PNG header claiming 10 gigapixels, followed by a few bytes of data: it must never be decoded."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
    )
    return path


def truncated_jpeg(path: Path) -> Path:
    noise_image((800, 600)).save(path, "JPEG", quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def random_bytes(path: Path, size: int = 20_000) -> Path:
    path.write_bytes(random.Random(7).randbytes(size))
    return path


def video(
    path: Path,
    codec: str = "mpeg4",
    frames: int = 30,
    fps: int = 10,
    size: tuple[int, int] = (320, 240),
    audio: bool = True,
) -> Path:
    """A ``frames / fps`` second video: a black first frame (a title card), then bright green frames."""
    with av.open(os.fspath(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = 2  # keyframes close together: a seek lands near its target
        sound = container.add_stream("aac", rate=44_100, layout="stereo") if audio else None
        for i in range(frames):
            color = (0, 0, 0) if i == 0 else (40, 220, 60)
            frame = av.VideoFrame.from_image(Image.new("RGB", size, color))
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            samples = 1024
            for i in range(frames * 44_100 // fps // samples):
                chunk = av.AudioFrame(format="fltp", layout="stereo", samples=samples)
                for plane in chunk.planes:
                    plane.update(bytes(plane.buffer_size))
                chunk.sample_rate = 44_100
                chunk.pts = i * samples
                for packet in sound.encode(chunk):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return path


def entry_for(path: Path, cas_id: str | None = None, content_kind: str | None = None) -> Entry:
    """The listing's Entry for a sample file (indexed when it has a content id)."""
    st = path.stat()
    raw = os.fsencode(path)
    if content_kind is None:
        ext = path.suffix.lower()
        content_kind = {".jpg": "image", ".png": "image", ".mp4": "video"}.get(ext, "unknown")
    return Entry(
        raw_name=os.path.basename(raw),
        raw_parent=os.path.dirname(raw),
        kind="file",
        size=st.st_size,
        modified=st.st_mtime,
        created=st.st_ctime,
        hidden=False,
        indexed=cas_id is not None,
        cas_id=cas_id,
        content_kind=content_kind,
    )
