"""QuickLook: Space on a selection previews it in a window (a picture, a video's frame, text, a folder)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import shiboken6
from PIL import Image, ImageOps
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFontDatabase, QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileIconProvider,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from spacedrive.core import Core
from spacedrive.domain.entry import Entry
from spacedrive.errors import SpacedriveError
from spacedrive.operations.inspect import folder_summary, text_preview
from spacedrive.operations.media.media_info import media_info
from spacedrive.operations.media.render import MAX_DECODED_PIXELS, open_image, open_source
from ui.describe import folders_text, is_media, kind_text, media_rows
from ui.formatting import data_size, files_text, items_text

log = logging.getLogger(__name__)

#: Largest edge a picture is decoded to (the window never shows more; JPEGs decode at reduced scale).
MAX_PICTURE_EDGE = 2560
#: The thumbnail size asked for a video's frame.
FRAME_SIZE = 1024
DEFAULT_SIZE = QSize(900, 640)


class CannotPreview(Exception):
    """The picture is damaged, hostile or too large to show."""


def load_picture(path: bytes, max_edge: int = MAX_PICTURE_EDGE) -> QImage:
    """Decode a picture to fit ``max_edge``, upright. Blocking; run it in an executor.

    Raises ``CannotPreview`` for anything Pillow cannot (or must not) decode, ``OSError`` when the
    file cannot be read.
    """
    with open_source(path) as f:
        try:
            image = open_image(f)  # the pixel limit is an error here, before any data is decoded
            image.draft("RGB", (max_edge, max_edge))
            if image.width * image.height > MAX_DECODED_PIXELS:
                raise CannotPreview(f"{image.width} × {image.height} pixels")
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
            image = image.convert("RGBA")
        except CannotPreview:
            raise
        except Exception as e:  # Pillow raises anything at all from broken data
            raise CannotPreview(str(e)) from e
    data = image.tobytes("raw", "RGBA")
    # QImage (unlike QPixmap) may be made in any thread; copy() gives it its own buffer.
    return QImage(data, image.width, image.height, image.width * 4, QImage.Format.Format_RGBA8888).copy()


class _Picture(QLabel):
    """A picture scaled to fit the label, never enlarged beyond its own size."""

    def __init__(self) -> None:
        super().__init__()
        self._pixmap = QPixmap()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(QSize(64, 64))

    def set_picture(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self._fit()

    def source(self) -> QPixmap:
        """The whole picture, before scaling to fit."""
        return self._pixmap

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._pixmap.isNull():
            self.clear()
            return
        ratio = self.devicePixelRatioF()
        room = self.size() * ratio
        source = self._pixmap.size()
        scaled = self._pixmap
        if source.width() > room.width() or source.height() > room.height():
            scaled = self._pixmap.scaled(
                room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        scaled.setDevicePixelRatio(ratio)
        self.setPixmap(scaled)


class QuickLook(QDialog):
    """A non-modal preview window: Space or Escape closes it, Left/Right (or Up/Down) step through the
    items it was given. Loading happens off the loop; showing another item drops the one loading.

    ``thumbnails`` (a ``ui.thumbnails.ThumbnailLoader``) gives a video's frame; without it a video shows
    its icon and details.

    Signals
    -------
    entry_shown(Entry): stepping with the arrow keys showed another item (its view may select it).
    """

    entry_shown = Signal(object)

    def __init__(self, core: Core, parent: QWidget | None = None, thumbnails: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("quick_look")
        self.setAccessibleName(self.tr("Quick Look"))
        self.setModal(False)
        self.resize(DEFAULT_SIZE)
        self._core = core
        self._thumbnails = thumbnails
        self._entries: list[Entry] = []
        self._index = 0
        self._task: asyncio.Task[None] | None = None
        if thumbnails is not None:
            thumbnails.thumbnail_ready.connect(self._thumbnail_ready)

        self.picture = _Picture()
        self.picture.setAccessibleName(self.tr("Picture"))
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text_view.setAccessibleName(self.tr("Text"))
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(self.tr("Message"))
        self.stack = QStackedWidget()
        for page in (self.picture, self.text_view, self.message):
            self.stack.addWidget(page)
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setAccessibleName(self.tr("Details"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.caption)

        # Shortcuts rather than keyPressEvent: the text view would otherwise take Space and the arrows.
        for key, slot in (
            (Qt.Key.Key_Space, self.close),
            (Qt.Key.Key_Escape, self.close),
            (Qt.Key.Key_Right, lambda: self.step(1)),
            (Qt.Key.Key_Down, lambda: self.step(1)),
            (Qt.Key.Key_Left, lambda: self.step(-1)),
            (Qt.Key.Key_Up, lambda: self.step(-1)),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)

    # ---- API -------------------------------------------------------------------------------------------

    def show_entry(self, entry: Entry) -> None:
        """Show the window previewing ``entry``."""
        self.show_entries([entry])

    def show_entries(self, entries: list[Entry], index: int = 0) -> None:
        """Show the window previewing ``entries[index]``; the arrow keys step through the others."""
        if not entries:
            return
        self._entries = list(entries)
        self._index = max(0, min(index, len(entries) - 1))
        self._load(self._entries[self._index])
        self.show()
        self.raise_()
        self.activateWindow()

    def step(self, delta: int) -> None:
        index = self._index + delta
        if 0 <= index < len(self._entries) and index != self._index:
            self._index = index
            self._load(self._entries[index])
            self.entry_shown.emit(self._entries[index])

    def current_entry(self) -> Entry | None:
        return self._entries[self._index] if self._entries else None

    def closeEvent(self, event: QCloseEvent) -> None:
        self._cancel()
        super().closeEvent(event)

    def done(self, result: int) -> None:  # Escape rejects a dialog: stop loading too
        self._cancel()
        super().done(result)

    # ---- loading ---------------------------------------------------------------------------------------

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _load(self, entry: Entry) -> None:
        self._cancel()
        self.setWindowTitle(entry.name)
        self.caption.setText(kind_text(entry))
        self._show_message(self.tr("Loading…"))
        self._task = asyncio.ensure_future(self._preview(entry))

    async def _preview(self, entry: Entry) -> None:
        try:
            if entry.kind == "directory":
                await self._preview_folder(entry)
            elif entry.kind != "file":
                self._show_message(self.tr("No preview for this kind of item"), entry)
            elif entry.content_kind == "image":
                await self._preview_picture(entry)
            elif is_media(entry):
                await self._preview_media(entry)
            else:
                await self._preview_text(entry)
        except OSError as e:
            if shiboken6.isValid(self):
                self._show_message(self.tr("Cannot open this file: {reason}").format(reason=e.strerror or e))

    async def _preview_picture(self, entry: Entry) -> None:
        loop = asyncio.get_running_loop()
        try:
            image = await loop.run_in_executor(None, load_picture, entry.path)
        except CannotPreview as e:
            log.info("no preview of %r: %s", entry.path, e)
            if shiboken6.isValid(self):
                self._show_message(self.tr("Cannot preview this picture: it is damaged or too large"), entry)
            return
        if not shiboken6.isValid(self):
            return
        self.picture.set_picture(QPixmap.fromImage(image))
        self.stack.setCurrentWidget(self.picture)
        info = await loop.run_in_executor(None, media_info, entry.path)
        if shiboken6.isValid(self):
            self._set_caption(entry, [text for _label, text in media_rows(info)[:2]])

    async def _preview_media(self, entry: Entry) -> None:
        frame = self._thumbnails.request(entry, FRAME_SIZE) if self._thumbnails is not None else None
        if frame is not None and not frame.isNull():
            self.picture.set_picture(frame)
            self.stack.setCurrentWidget(self.picture)
        else:
            self._show_icon(entry)
        info = await asyncio.get_running_loop().run_in_executor(None, media_info, entry.path)
        if shiboken6.isValid(self):
            rows = media_rows(info)
            self._set_caption(entry, [f"{label}: {text}" for label, text in rows] or [kind_text(entry)])

    async def _preview_text(self, entry: Entry) -> None:
        preview = await text_preview(entry.path)
        if not shiboken6.isValid(self):
            return
        if preview is None:
            self._show_message(self.tr("No preview available: this is not a text file"), entry)
            return
        self.text_view.setPlainText(preview.text)
        self.stack.setCurrentWidget(self.text_view)
        details = [data_size(entry.size)] if entry.size is not None else []
        if preview.truncated:
            details.append(self.tr("showing the beginning"))
        self._set_caption(entry, details)

    async def _preview_folder(self, entry: Entry) -> None:
        self._show_icon(entry)
        try:
            summary = await folder_summary(entry.path)
        except SpacedriveError as e:
            if shiboken6.isValid(self):
                self._set_caption(entry, [e.message])
            return
        if not shiboken6.isValid(self):
            return
        parts = [items_text(summary.items)]
        if summary.items:
            parts.append(files_text(summary.files))
            parts.append(folders_text(summary.folders))
        if entry.size is not None:
            parts.append(data_size(entry.size))
        self._set_caption(entry, parts)

    # ---- pages -----------------------------------------------------------------------------------------

    def _show_message(self, text: str, entry: Entry | None = None) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        if entry is not None:
            self._set_caption(entry, [data_size(entry.size)] if entry.size is not None else [])

    def _show_icon(self, entry: Entry) -> None:
        provider = QFileIconProvider()
        if entry.kind == "directory":
            icon = provider.icon(QFileIconProvider.IconType.Folder)
        else:
            icon = provider.icon(QFileIconProvider.IconType.File)
        self.picture.set_picture(icon.pixmap(QSize(128, 128), self.devicePixelRatioF()))
        self.stack.setCurrentWidget(self.picture)

    def _set_caption(self, entry: Entry, details: list[str]) -> None:
        self.caption.setText(" · ".join([entry.name, *details]))

    def _thumbnail_ready(self, path: bytes) -> None:
        entry = self.current_entry()
        if entry is not None and entry.path == path and self.isVisible() and is_media(entry):
            frame = self._thumbnails.request(entry, FRAME_SIZE)
            if frame is not None and not frame.isNull() and entry.content_kind != "image":
                self.picture.set_picture(frame)
                self.stack.setCurrentWidget(self.picture)
