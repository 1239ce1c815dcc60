"""TagActions: the current library's tags in the sidebar, their commands, and the Tags menu of a selection."""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QDialog, QMenu, QMessageBox, QWidget

from spacedrive.core import Core
from spacedrive.domain.entry import Entry
from spacedrive.domain.tag import Tag
from spacedrive.errors import NoCurrentLibrary, SpacedriveError
from spacedrive.operations import tags
from ui.dialogs.prompts import ask_text, confirm_destructive, finished, show_error
from ui.icons import DEFAULT_TAG_COLOR, tag_icon
from ui.models.sidebar import SidebarModel
from ui.tasks import TaskSet

log = logging.getLogger(__name__)


class TagActions(QObject):
    """Keeps the sidebar's Tags section (each tag with its colour and file count) current, and runs tag
    commands on the current library: new, rename, change colour, delete (asked first), tag and untag
    files. Errors become message boxes over ``window``; views refresh from the core's tag events."""

    def __init__(
        self,
        core: Core,
        model: SidebarModel,
        window: QWidget,
        tasks: TaskSet,
        open_tag: Callable[[str, str | None], None],
    ) -> None:
        super().__init__(window)
        self._core = core
        self._model = model
        self._window = window
        self._tasks = tasks
        self._open_tag = open_tag
        self._generation = 0

    def tags(self) -> list[Tag]:
        return self._model.tags()

    async def refresh(self) -> None:
        """List the current library's tags into the sidebar; the latest call wins."""
        self._generation += 1
        generation = self._generation
        try:
            found = await tags.list_tags(self._core.libraries.current())
        except NoCurrentLibrary:
            found = []
        except SpacedriveError as e:
            log.info("tags not listed: %s", e.message)
            return
        if generation == self._generation and shiboken6.isValid(self._model):
            self._model.set_tags(found)

    def schedule_refresh(self, *_args: object) -> None:
        self._tasks.spawn(self.refresh())

    def open(self, tag: Tag) -> None:
        self._open_tag(tag.name, tag.color)

    async def create(self, paths: list[bytes] | None = None) -> Tag | None:
        """Ask for a name, create the tag (and put it on ``paths``)."""
        name = await ask_text(self._window, self.tr("New Tag"), self.tr("Name of the new tag:"))
        if not name:
            return None
        try:
            library = self._core.libraries.current()
            tag = await tags.create_tag(library, name)
            if paths:
                await tags.add_tag(library, paths, tag.name)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The tag could not be created"), e.message)
            return None
        await self.refresh()
        return tag

    async def rename(self, tag: Tag) -> None:
        name = await ask_text(self._window, self.tr("Rename Tag"), self.tr("New name:"), tag.name)
        if not name or name == tag.name:
            return
        try:
            await tags.update_tag(self._core.libraries.current(), tag.name, name=name)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The tag could not be renamed"), e.message)
        await self.refresh()

    async def recolor(self, tag: Tag) -> None:
        dialog = QColorDialog(QColor(tag.color or DEFAULT_TAG_COLOR), self._window)
        dialog.setWindowTitle(self.tr("Colour of “{name}”").format(name=tag.name))
        dialog.setAccessibleName(self.tr("Tag colour"))
        result = await finished(dialog)
        if not shiboken6.isValid(dialog):
            return
        color = dialog.currentColor().name()
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return
        try:
            await tags.update_tag(self._core.libraries.current(), tag.name, color=color)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The tag's colour could not be changed"), e.message)
        await self.refresh()

    async def delete(self, tag: Tag) -> None:
        """Ask (saying how many files carry it), then delete the tag; the files stay."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Delete Tag"),
            self.tr("Delete the tag “{name}”?").format(name=tag.name),
            QMessageBox.StandardButton.Cancel,
            self._window,
        )
        box.setInformativeText(
            self.tr(
                "%n item(s) carry it and will lose it. The files themselves are not touched.",
                "",
                tag.file_count,
            )
        )
        box.setAccessibleName(self.tr("Delete tag"))
        if not await confirm_destructive(box, self.tr("Delete")):
            return
        try:
            await tags.delete_tag(self._core.libraries.current(), tag.name)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The tag could not be deleted"), e.message)
        await self.refresh()

    async def add(self, paths: list[bytes], name: str) -> None:
        await self._change(paths, name, True)

    async def remove(self, paths: list[bytes], name: str) -> None:
        await self._change(paths, name, False)

    async def _change(self, paths: list[bytes], name: str, add: bool) -> None:
        try:
            library = self._core.libraries.current()
            if add:
                await tags.add_tag(library, paths, name)
            else:
                await tags.remove_tag(library, paths, name)
        except SpacedriveError as e:
            headline = (
                self.tr("The tag could not be added") if add else self.tr("The tag could not be removed")
            )
            show_error(self._window, headline, e.message)
        await self.refresh()

    def tags_menu(self, parent: QWidget, entries: list[Entry]) -> QMenu:
        """Every tag, checked when all of ``entries`` carry it; choosing one adds it to them all, or
        takes it off when all carried it; "New Tag…" creates one and puts it on them."""
        menu = QMenu(self.tr("T&ags"), parent)
        menu.setAccessibleName(self.tr("Tags"))
        paths = [entry.path for entry in entries]
        for tag in self.tags():
            on_all = bool(entries) and all(tag.name in entry.tags for entry in entries)
            action = menu.addAction(tag_icon(tag.color), tag.name.replace("&", "&&"))
            action.setCheckable(True)
            action.setChecked(on_all)
            action.triggered.connect(
                lambda _=False, n=tag.name, on=on_all: self._tasks.spawn(self._change(paths, n, not on))
            )
        if self.tags():
            menu.addSeparator()
        new = menu.addAction(self.tr("&New Tag…"))
        new.triggered.connect(lambda: self._tasks.spawn(self.create(paths)))
        menu.setEnabled(bool(paths) and self._core.libraries.current_id() is not None)
        return menu
