"""Inspector: the details of the selection (or of the shown folder) beside the content area."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QFileInfo,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QIcon, QPixmap
from PySide6.QtWidgets import (
    QFileIconProvider,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from spacedrive.core import Core
from spacedrive.domain.entry import Entry
from spacedrive.errors import NoCurrentLibrary, SpacedriveError
from spacedrive.operations.inspect import duplicates_of, folder_summary
from spacedrive.operations.media.media_info import MediaInfo, media_info
from ui.describe import folders_text, is_media, kind_text, media_rows
from ui.formatting import data_size, date_time, files_text, items_text
from ui.models.folder import display_name

log = logging.getLogger(__name__)

#: Edge of the preview picture (logical pixels); thumbnails are asked for at this size.
PREVIEW_SIZE = 192
#: Paths of other copies listed in the duplicates tooltip.
MAX_LISTED_COPIES = 20


class Inspector(QWidget):
    """Shows one item (preview, name, size, kind, dates, path, content id, copies in the library, tags and
    media details), a summary of several, or the shown folder's summary when nothing is selected.

    Details that take time (copies, media details, folder counts) load in the background; a newer
    selection cancels them, so a late answer never describes the wrong item. ``thumbnails`` is a
    ``ui.thumbnails.ThumbnailLoader`` (``request(entry, size)`` and ``thumbnail_ready(bytes)``).
    """

    def __init__(self, core: Core, thumbnails: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.setAccessibleName(self.tr("Inspector"))
        self._core = core
        self._thumbnails = thumbnails
        self._entries: list[Entry] = []
        self._folder: bytes | None = None
        self._tasks: list[asyncio.Task[None]] = []
        if thumbnails is not None:
            thumbnails.thumbnail_ready.connect(self._thumbnail_ready)

        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(QSize(PREVIEW_SIZE, PREVIEW_SIZE))
        self.preview.setAccessibleName(self.tr("Preview"))
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.title_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title_label.setFont(font)
        self.title_label.setAccessibleName(self.tr("Name"))
        self.subtitle_label = QLabel()
        self.subtitle_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.subtitle_label.setEnabled(False)  # muted: palette's disabled text color
        self.subtitle_label.setAccessibleName(self.tr("Kind"))

        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.size_label = self._value(self.tr("Size"))
        self.items_label = self._value(self.tr("Contents"))
        self.kind_label = self._value(self.tr("Kind"))
        self.modified_label = self._value(self.tr("Modified"))
        self.created_label = self._value(self.tr("Created"))
        self.path_field = QLineEdit()
        self.path_field.setReadOnly(True)
        self.path_field.setFrame(False)
        self.path_field.setStyleSheet("QLineEdit { background: transparent; }")  # reads as a label
        self.path_field.setAccessibleName(self.tr("Path"))
        self.form.addRow(self.tr("Path"), self.path_field)
        self.cas_label = QLabel()
        self.cas_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.cas_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cas_label.setAccessibleName(self.tr("Content ID"))
        self.copy_cas_button = QToolButton()
        self.copy_cas_button.setText(self.tr("Copy"))
        self.copy_cas_button.setAutoRaise(True)
        self.copy_cas_button.setAccessibleName(self.tr("Copy content ID"))
        self.copy_cas_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.cas_label.text())
        )
        self._cas_row = QWidget()
        cas_layout = QHBoxLayout(self._cas_row)
        cas_layout.setContentsMargins(0, 0, 0, 0)
        cas_layout.addWidget(self.cas_label, 1)
        cas_layout.addWidget(self.copy_cas_button)
        self.form.addRow(self.tr("Content ID"), self._cas_row)
        self.duplicates_label = self._value(self.tr("Copies"))
        self.tags_label = self._value(self.tr("Tags"))
        self._fixed_rows = self.form.rowCount()

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.preview)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addSpacing(8)
        layout.addLayout(self.form)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setAccessibleName(self.tr("Inspector details"))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._show_nothing()

    def _copy_cas_id(self) -> None:
        QGuiApplication.clipboard().setText(self.cas_label.text())

    def _value(self, label: str) -> QLabel:
        value = QLabel()
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setAccessibleName(label)
        self.form.addRow(label, value)
        return value

    # ---- API -------------------------------------------------------------------------------------------

    def set_entries(self, entries: list[Entry]) -> None:
        """Show the selection: one item in detail, several summed up, none as the shown folder."""
        self._entries = list(entries)
        self._cancel()
        if len(entries) == 1:
            self._show_one(entries[0])
        elif entries:
            self._show_many(entries)
        elif self._folder is not None:
            self._show_folder(self._folder)
        else:
            self._show_nothing()

    def set_folder(self, path: str | bytes) -> None:
        """The folder the content area shows: summed up whenever nothing is selected."""
        self._folder = os.fsencode(path)
        self.set_entries([])

    def cancel(self) -> None:
        """Stop loading details (call it before the core stops)."""
        self._cancel()

    # ---- what is shown ---------------------------------------------------------------------------------

    def _show_one(self, entry: Entry) -> None:
        self._clear()
        self.title_label.setText(entry.name)
        kind = kind_text(entry)
        self.subtitle_label.setText(kind)
        self._set_preview(entry)
        self._set_row(self.kind_label, kind)
        self._set_row(self.modified_label, date_time(entry.modified))
        self._set_row(self.created_label, date_time(entry.created))
        self._set_path(entry.path)
        self._set_row(self.tags_label, ", ".join(entry.tags))
        if entry.kind == "directory":
            if entry.size is not None:
                self._set_row(self.size_label, data_size(entry.size))
            if entry.file_count is not None:
                self._set_row(self.items_label, files_text(entry.file_count))
            else:
                self._start(self._load_folder_counts(entry.path, with_size=entry.size is None))
        elif entry.size is not None:
            self._set_row(self.size_label, data_size(entry.size))
        if entry.cas_id:
            self.cas_label.setText(entry.cas_id)
            self.form.setRowVisible(self._cas_row, True)
        if entry.cas_id or (entry.kind == "file" and is_media(entry)):
            self._start(self._load_details(entry))

    def _show_many(self, entries: list[Entry]) -> None:
        self._clear()
        self.title_label.setText(items_text(len(entries)))
        folders = sum(1 for e in entries if e.kind == "directory")
        files = len(entries) - folders
        parts = [files_text(files)] if files else []
        if folders:
            parts.append(folders_text(folders))
        self.subtitle_label.setText(", ".join(parts))
        self.preview.setPixmap(self._icon_pixmap(QFileIconProvider().icon(QFileIconProvider.IconType.File)))
        total = sum(e.size or 0 for e in entries)
        unknown = any(e.size is None for e in entries)
        size = data_size(total)
        self._set_row(self.size_label, self.tr("at least {size}").format(size=size) if unknown else size)

    def _show_folder(self, path: bytes) -> None:
        self._clear()
        name = os.path.basename(path.rstrip(b"/")) or path
        self.title_label.setText(display_name(os.fsdecode(name)))
        self.subtitle_label.setText(self.tr("Folder"))
        self.preview.setPixmap(self._icon_pixmap(QFileIconProvider().icon(QFileIconProvider.IconType.Folder)))
        self._set_path(path)
        self._start(self._load_folder_counts(path, with_size=True))

    def _show_nothing(self) -> None:
        self._clear()
        self.title_label.setText(self.tr("Nothing selected"))

    def _clear(self) -> None:
        self.preview.clear()
        self.title_label.clear()
        self.subtitle_label.clear()
        self.cas_label.clear()
        while self.form.rowCount() > self._fixed_rows:
            self.form.removeRow(self._fixed_rows)
        for row in range(self._fixed_rows):
            self.form.setRowVisible(row, False)

    def _set_row(self, label: QLabel, text: str) -> None:
        label.setText(text)
        self.form.setRowVisible(label, bool(text))

    def _set_path(self, path: bytes) -> None:
        text = display_name(os.fsdecode(path))
        self.path_field.setText(text)
        self.path_field.setCursorPosition(0)
        self.path_field.setToolTip(text)
        self.form.setRowVisible(self.path_field, True)

    def _add_rows(self, rows: list[tuple[str, str]]) -> None:
        for label, text in rows:
            value = QLabel(text)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(label)
            self.form.addRow(label, value)

    # ---- preview ---------------------------------------------------------------------------------------

    def _set_preview(self, entry: Entry) -> None:
        pixmap: QPixmap | None = None
        if self._thumbnails is not None and entry.kind == "file":
            pixmap = self._thumbnails.request(entry, PREVIEW_SIZE)
        if pixmap is not None and not pixmap.isNull():
            ratio = self.devicePixelRatioF()
            scaled = pixmap.scaled(
                QSize(PREVIEW_SIZE, PREVIEW_SIZE) * ratio,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            scaled.setDevicePixelRatio(ratio)
            self.preview.setPixmap(scaled)
            return
        provider = QFileIconProvider()
        if entry.kind == "directory":
            icon = provider.icon(QFileIconProvider.IconType.Folder)
        else:
            icon = provider.icon(QFileInfo(os.fsdecode(entry.path)))
        self.preview.setPixmap(self._icon_pixmap(icon))

    def _icon_pixmap(self, icon: QIcon) -> QPixmap:
        return icon.pixmap(QSize(PREVIEW_SIZE // 2, PREVIEW_SIZE // 2), self.devicePixelRatioF())

    def _thumbnail_ready(self, path: bytes) -> None:
        if len(self._entries) == 1 and self._entries[0].path == path:
            self._set_preview(self._entries[0])

    # ---- background details ----------------------------------------------------------------------------

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.ensure_future(coro))

    def _cancel(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    def _alive(self) -> bool:
        return shiboken6.isValid(self)

    async def _load_details(self, entry: Entry) -> None:
        info: MediaInfo | None = None
        if entry.kind == "file" and is_media(entry):
            try:
                info = await asyncio.get_running_loop().run_in_executor(None, media_info, entry.path)
            except OSError as e:  # unreadable or gone; damaged content gives an empty MediaInfo
                log.info("no media info for %r: %s", entry.path, e)
        copies: list[bytes] | None = None
        if entry.cas_id:
            try:
                copies = await duplicates_of(self._core.libraries.current(), entry.cas_id)
            except (NoCurrentLibrary, SpacedriveError) as e:
                log.info("copies not counted: %s", e)
        if not self._alive():
            return
        if info is not None:
            self._add_rows(media_rows(info))
        if copies is not None:
            self._show_copies(entry, copies)

    def _show_copies(self, entry: Entry, copies: list[bytes]) -> None:
        others = [path for path in copies if path != entry.path]
        if not others:
            self._set_row(self.duplicates_label, self.tr("No other copies in this library"))
            return
        count = len(others)
        copies_text = (
            self.tr("1 other copy in this library")
            if count == 1
            else self.tr("%Ln other copies in this library", "", count)
        )
        self._set_row(self.duplicates_label, copies_text)
        listed = "\n".join(display_name(os.fsdecode(path)) for path in others[:MAX_LISTED_COPIES])
        if len(others) > MAX_LISTED_COPIES:
            listed += "\n" + self.tr("and %n more", "", len(others) - MAX_LISTED_COPIES)
        self.duplicates_label.setToolTip(listed)

    async def _load_folder_counts(self, path: bytes, with_size: bool) -> None:
        try:
            summary = await folder_summary(path)
        except SpacedriveError as e:
            if self._alive():
                self._set_row(self.items_label, e.message)
            return
        if not self._alive():
            return
        parts = [files_text(summary.files)]
        if summary.folders:
            parts.append(folders_text(summary.folders))
        details = ", ".join(parts)
        contents = items_text(summary.items) + (f" ({details})" if summary.items else "")
        self._set_row(self.items_label, contents if summary.items else self.tr("Empty"))
        if with_size:
            self._set_row(
                self.size_label, self.tr("{size} in its files").format(size=data_size(summary.size))
            )
