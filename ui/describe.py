"""What items are, in words: kinds ("Image (JPG)"), folder counts, durations and media details."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QLocale, QTime

from spacedrive.domain.entry import Entry
from spacedrive.operations.media.media_info import MediaInfo
from ui.formatting import date_time

MEDIA_KINDS = frozenset({"image", "video", "audio"})


#: lupdate finds strings in calls named ``translate`` with the context first.
translate = QCoreApplication.translate


def is_media(entry: Entry) -> bool:
    return entry.kind == "file" and entry.content_kind in MEDIA_KINDS


def _kind_name(content_kind: str | None) -> str:
    names = {
        "image": translate("Describe", "Image"),
        "video": translate("Describe", "Video"),
        "audio": translate("Describe", "Audio"),
        "document": translate("Describe", "Document"),
        "archive": translate("Describe", "Archive"),
        "code": translate("Describe", "Source code"),
        "text": translate("Describe", "Text"),
        "database": translate("Describe", "Database"),
        "book": translate("Describe", "Book"),
        "font": translate("Describe", "Font"),
        "mesh": translate("Describe", "3D model"),
        "config": translate("Describe", "Configuration"),
        "encrypted": translate("Describe", "Encrypted file"),
        "key": translate("Describe", "Key"),
        "executable": translate("Describe", "Program"),
        "binary": translate("Describe", "Binary file"),
    }
    return names.get(content_kind or "", translate("Describe", "File"))


def kind_text(entry: Entry) -> str:
    """What an item is, for people: "Folder", "Image (JPG)", "File"."""
    if entry.kind == "directory":
        return translate("Describe", "Folder")
    if entry.kind == "symlink":
        return translate("Describe", "Link")
    if entry.kind == "other":
        return translate("Describe", "Special file")
    kind = _kind_name(entry.content_kind)
    return f"{kind} ({entry.extension.upper()})" if entry.extension else kind


def folders_text(count: int) -> str:
    if count == 1:
        return translate("Describe", "1 folder")
    return translate("Describe", "%Ln folders", "", count)


def duration_text(seconds: float) -> str:
    """A media duration as players show it: "4:05", "1:02:03"."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def _moment_text(moment: datetime) -> str:
    """A naive moment is the camera's local time: shown as it is, not shifted to this time zone."""
    if moment.tzinfo is not None:
        return date_time(moment.timestamp())
    shown = QDateTime(QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute))
    return QLocale().toString(shown, QLocale.FormatType.ShortFormat)


def media_rows(info: MediaInfo) -> list[tuple[str, str]]:
    """(label, value) rows of what people look up in a picture, a video or a song; unknowns left out."""
    locale = QLocale()
    rows: list[tuple[str, str]] = []

    def add(label: str, value: str) -> None:
        rows.append((label, value))

    if info.display_size is not None:
        width, height = info.display_size
        size = translate("Describe", "{width} × {height}").format(width=width, height=height)
        add(translate("Describe", "Dimensions"), size)
    camera = " ".join(part for part in (info.camera_make, info.camera_model) if part)
    if camera:
        add(translate("Describe", "Camera"), camera)
    if info.taken_at:
        add(translate("Describe", "Taken"), _moment_text(info.taken_at))
    if info.duration:
        add(translate("Describe", "Duration"), duration_text(info.duration))
    if info.video_codec:
        video = info.video_codec
        if info.frame_rate:
            rate = locale.toString(float(info.frame_rate), "f", 2).rstrip("0").rstrip(locale.decimalPoint())
            video = translate("Describe", "{codec}, {rate} fps").format(codec=video, rate=rate)
        add(translate("Describe", "Video"), video)
    if info.audio_codec:
        parts = [info.audio_codec]
        if info.sample_rate:
            khz = locale.toString(info.sample_rate / 1000, "g", 4)
            parts.append(translate("Describe", "{rate} kHz").format(rate=khz))
        if info.channels == 1:
            parts.append(translate("Describe", "mono"))
        elif info.channels == 2:
            parts.append(translate("Describe", "stereo"))
        elif info.channels:
            parts.append(translate("Describe", "%n channels", "", info.channels))
        add(translate("Describe", "Audio"), ", ".join(parts))
    if info.bit_rate:
        kbps = locale.toString(round(info.bit_rate / 1000))
        add(translate("Describe", "Bit rate"), translate("Describe", "{kbps} kb/s").format(kbps=kbps))
    return rows
