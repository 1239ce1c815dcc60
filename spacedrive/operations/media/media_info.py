"""What a picture, video or song holds besides its pixels: size, camera, date, duration, codecs.

``media_info`` reads headers only (EXIF through Pillow, container and stream headers through PyAV),
never decodes pixels or samples, and tolerates any content: what it cannot read stays None.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import IO, Any

from PIL import ExifTags, UnidentifiedImageError

from spacedrive.domain.kinds import ContentKind
from spacedrive.infrastructure.fs.kinds import SNIFF_SIZE, kind_from_extension, sniff
from spacedrive.operations.media.render import open_image, open_source

__all__ = ["MediaInfo", "media_info"]

_EXIF_MAKE = 0x010F
_EXIF_MODEL = 0x0110
_EXIF_ORIENTATION = 0x0112
_EXIF_DATETIME = 0x0132
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_OFFSET_TIME_ORIGINAL = 0x9011
_TEXT_LIMIT = 200  # a camera model of a megabyte is an attack, not a model


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Media details of one file; every field is None when the file does not say."""

    #: Pixels as stored (a portrait photo may be stored landscape: see ``orientation``).
    width: int | None = None
    height: int | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    #: When the photo was taken (EXIF DateTimeOriginal) or the video recorded (its creation_time);
    #: aware when the file gives the offset, naive (camera local time) otherwise.
    taken_at: datetime | None = None
    #: EXIF orientation, 1 (upright) to 8.
    orientation: int | None = None
    duration: float | None = None  # seconds
    video_codec: str | None = None
    audio_codec: str | None = None
    frame_rate: float | None = None  # frames per second
    bit_rate: int | None = None  # bits per second, the whole file
    sample_rate: int | None = None  # Hz
    channels: int | None = None

    @property
    def display_size(self) -> tuple[int, int] | None:
        """(width, height) as the picture is shown, its EXIF orientation applied."""
        if self.width is None or self.height is None:
            return None
        if self.orientation in (5, 6, 7, 8):  # rotated by a quarter turn
            return self.height, self.width
        return self.width, self.height

    @property
    def is_empty(self) -> bool:
        return not any(v is not None for v in (getattr(self, f) for f in self.__dataclass_fields__))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["taken_at"] = self.taken_at.isoformat() if self.taken_at else None
        return data


def media_info(path: bytes) -> MediaInfo:
    """The media details of the file at ``path``, as far as its headers can be read.

    Blocking (run it in an executor). Raises ``OSError`` only when the file cannot be opened or is
    not a regular file; damaged or hostile content gives what could be read, often an empty
    ``MediaInfo``.
    """
    with open_source(path) as f:
        header = f.read(SNIFF_SIZE)
        kind = _kind(path, header)
        if kind is ContentKind.IMAGE:
            found = _image_info(f)
            if found is not None:
                return found
            # A picture format Pillow does not know (HEIC, AVIF without libavif): its size from FFmpeg.
            info = _av_info(f)
            return MediaInfo(width=info.width, height=info.height, taken_at=info.taken_at)
        if kind in _MEDIA:
            return _av_info(f)
        return MediaInfo()


_MEDIA = (ContentKind.IMAGE, ContentKind.VIDEO, ContentKind.AUDIO)


def _kind(path: bytes, header: bytes) -> ContentKind:
    """The content decides (a video called .jpg is a video); the extension only when it proves nothing."""
    sniffed = sniff(header)
    if sniffed is not None and sniffed[0] in _MEDIA:
        return sniffed[0]
    name = os.path.basename(path)
    dot = name.rfind(b".")
    return kind_from_extension(os.fsdecode(name[dot + 1 :])) if dot > 0 else ContentKind.UNKNOWN


# ---- pictures ------------------------------------------------------------------------------------------


def _image_info(f: IO[bytes]) -> MediaInfo | None:
    """What Pillow reads from the header; None when Pillow does not know the format."""
    f.seek(0)
    try:
        image = open_image(f)
    except UnidentifiedImageError:
        return None
    except Exception:  # a decompression bomb, a damaged header: nothing to trust
        return MediaInfo()
    with image:
        width, height = image.size
        exif: dict[int, Any] = {}
        sub: dict[int, Any] = {}
        with contextlib.suppress(Exception):  # broken EXIF blocks raise anything
            exif_data = image.getexif()
            exif = dict(exif_data)
            sub = dict(exif_data.get_ifd(ExifTags.IFD.Exif))
    orientation = exif.get(_EXIF_ORIENTATION)
    return MediaInfo(
        width=width,
        height=height,
        camera_make=_text(exif.get(_EXIF_MAKE)),
        camera_model=_text(exif.get(_EXIF_MODEL)),
        taken_at=_exif_datetime(
            sub.get(_EXIF_DATETIME_ORIGINAL) or exif.get(_EXIF_DATETIME),
            sub.get(_EXIF_OFFSET_TIME_ORIGINAL),
        ),
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None,
    )


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()[:_TEXT_LIMIT]
    return value or None


def _exif_datetime(value: Any, offset: Any) -> datetime | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" (and OffsetTimeOriginal's "+HH:MM"), or None if it is not one."""
    text = _text(value)
    if text is None:
        return None
    try:
        taken = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # "0000:00:00 00:00:00" and other placeholders cameras write
    zone = _text(offset)
    if zone and len(zone) == 6 and zone[0] in "+-" and zone[3] == ":":
        with contextlib.suppress(ValueError):
            minutes = int(zone[1:3]) * 60 + int(zone[4:6])
            taken = taken.replace(tzinfo=timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes)))
    return taken


# ---- video and audio -----------------------------------------------------------------------------------


def _av_info(f: IO[bytes]) -> MediaInfo:
    import av

    f.seek(0)
    try:
        container = av.open(f, "r", metadata_errors="ignore")
    except Exception:  # FFmpeg does not know it or gave up on it
        return MediaInfo()
    with container:
        values: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            if container.duration and container.duration > 0:
                values["duration"] = container.duration / 1_000_000  # AV_TIME_BASE
            if container.bit_rate and container.bit_rate > 0:
                values["bit_rate"] = int(container.bit_rate)
            values["taken_at"] = _iso_datetime(container.metadata.get("creation_time"))
        with contextlib.suppress(Exception):
            values.update(_video_stream(container))
        with contextlib.suppress(Exception):
            values.update(_audio_stream(container))
        if "duration" not in values:
            with contextlib.suppress(Exception):
                stream = container.streams[0]
                if stream.duration and stream.time_base:
                    values["duration"] = float(stream.duration * stream.time_base)
    return MediaInfo(**values)


def _video_stream(container: Any) -> dict[str, Any]:
    # Cover art in a song is a one-picture "video" stream: it says nothing about the sound.
    streams = [s for s in container.streams.video if not s.disposition & _attached_pic()]
    if not streams:
        return {}
    stream = streams[0]
    rate = stream.average_rate or stream.guessed_rate
    values: dict[str, Any] = {
        "video_codec": stream.codec_context.name,
        "width": stream.codec_context.width or None,
        "height": stream.codec_context.height or None,
        "frame_rate": round(float(rate), 3) if rate else None,
    }
    return values


def _audio_stream(container: Any) -> dict[str, Any]:
    if not container.streams.audio:
        return {}
    context = container.streams.audio[0].codec_context
    return {
        "audio_codec": context.name,
        "sample_rate": context.sample_rate or None,
        "channels": context.channels or None,
    }


def _attached_pic() -> int:
    import av

    return int(av.stream.Disposition.attached_pic)


def _iso_datetime(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
