"""Numbers, sizes and times as people read them, in the user's locale."""

from __future__ import annotations

import functools
import time

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale


def data_size(size: int) -> str:
    """Bytes in decimal units ("1.2 GB"), as Finder, Nautilus and disk labels count them."""
    return QLocale().formattedDataSize(size, 1, QLocale.DataSizeFormat.DataSizeSIFormat)


def items_text(count: int) -> str:
    """How many items a folder holds, with the locale's digit grouping (``%Ln``)."""
    tr = QCoreApplication.translate
    return tr("Formatting", "1 item") if count == 1 else tr("Formatting", "%Ln items", "", count)


def files_text(count: int) -> str:
    tr = QCoreApplication.translate
    return tr("Formatting", "1 file") if count == 1 else tr("Formatting", "%Ln files", "", count)


def folders_text(count: int) -> str:
    tr = QCoreApplication.translate
    return tr("Formatting", "1 folder") if count == 1 else tr("Formatting", "%Ln folders", "", count)


def date_time(seconds: float) -> str:
    """A moment in the locale's short date and time format."""
    return _minute_text(int(seconds // 60))


@functools.lru_cache(maxsize=8192)
def _minute_text(minute: int) -> str:
    """The text of one minute, remembered: a view repaints the same dates again and again as rows
    stream in, and the files of one folder often share their minutes. (The locale is set once, when
    the app starts.)"""
    moment = QDateTime.fromMSecsSinceEpoch(minute * 60_000)
    locale = QLocale()
    if locale.language() == QLocale.Language.C:  # no locale set (LANG=C): "25 11 2026" reads badly
        return moment.toString("yyyy-MM-dd HH:mm")
    return locale.toString(moment, QLocale.FormatType.ShortFormat)


def ago(seconds: float, now: float | None = None) -> str:
    """How long ago ``seconds`` (Unix time) was, coarsely: "just now", "5 minutes ago", then the date."""
    elapsed = (time.time() if now is None else now) - seconds
    tr = QCoreApplication.translate
    if elapsed < 60:
        return tr("Formatting", "just now")
    if elapsed < 120:
        return tr("Formatting", "a minute ago")
    if elapsed < 3600:
        return tr("Formatting", "%n minutes ago", "", int(elapsed // 60))
    if elapsed < 7200:
        return tr("Formatting", "an hour ago")
    if elapsed < 86400:
        return tr("Formatting", "%n hours ago", "", int(elapsed // 3600))
    return date_time(seconds)
