"""FileActions: cut, copy, paste, rename, trash, delete, new folder and file, duplicate, undo and redo, and
drops, on the active pane, through the core's ActionManager (``core.files``)."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from spacedrive.core import Core
from spacedrive.domain.entry import Entry
from spacedrive.domain.jobs import JobStatus
from spacedrive.errors import SpacedriveError
from ui import clipboard
from ui.dialogs.prompts import ask_text, confirm_destructive, show_error
from ui.dnd import COPY, LINK, MOVE, DropRequest
from ui.tasks import TaskSet

if TYPE_CHECKING:
    from ui.views.device_actions import DeviceActions
    from ui.views.explorer import Explorer
    from ui.views.tag_actions import TagActions

log = logging.getLogger(__name__)


def _fresh_name(folder: bytes, name: bytes) -> bytes:
    """``name``, or "name (2)", "name (3)"... whichever is free in ``folder``."""
    candidate, n = name, 1
    while os.path.lexists(os.path.join(folder, candidate)):
        n += 1
        candidate = name + b" (%d)" % n
    return candidate


class FileActions(QObject):
    """The Edit menu's file commands with the shortcuts Dolphin and Nautilus use, enabled when they apply:
    Cut (Ctrl+X), Copy (Ctrl+C), Paste (Ctrl+V), Rename (F2, in place), Move to Trash (Delete), Delete
    Permanently (Shift+Delete, asked first), New Folder (Ctrl+Shift+N), New File, Duplicate
    (Ctrl+Shift+D), Undo (Ctrl+Z) and Redo (Ctrl+Shift+Z, Ctrl+Y). Each acts on the explorer's active
    pane; the work is awaited on the loop, errors are shown in message boxes, and the panes showing the
    folders touched are listed again when it is done. Conflicts are asked (``ui.dialogs.conflict``).
    """

    def __init__(self, core: Core, explorer: Explorer, window: QWidget, tasks: TaskSet) -> None:
        super().__init__(window)
        self._core = core
        self._explorer = explorer
        self._window = window
        self._tasks = tasks
        self.tag_actions: TagActions | None = None
        self.device_actions: DeviceActions | None = None
        self.cut = self._action(
            self.tr("Cu&t"), QKeySequence.StandardKey.Cut, lambda: self.copy_selection(True)
        )
        self.copy = self._action(self.tr("&Copy"), QKeySequence.StandardKey.Copy, self.copy_selection)
        self.paste = self._action(
            self.tr("&Paste"), QKeySequence.StandardKey.Paste, self._spawn(self.paste_here)
        )
        self.rename = self._action(self.tr("&Rename…"), Qt.Key.Key_F2, self.start_rename)
        self.trash = self._action(
            self.tr("Move to &Trash"), QKeySequence.StandardKey.Delete, self._spawn(self.trash_selection)
        )
        self.delete = self._action(
            self.tr("&Delete Permanently…"), "Shift+Delete", self._spawn(self.delete_selection)
        )
        self.new_folder = self._action(
            self.tr("New &Folder"), "Ctrl+Shift+N", self._spawn(self.create_folder)
        )
        self.new_file = self._action(self.tr("New &Empty File"), None, self._spawn(self.create_file))
        self.duplicate = self._action(
            self.tr("D&uplicate"), "Ctrl+Shift+D", self._spawn(self.duplicate_selection)
        )
        self.undo = self._action(self.tr("&Undo"), QKeySequence.StandardKey.Undo, self._spawn(self.undo_last))
        self.redo = self._action(self.tr("Re&do"), QKeySequence.StandardKey.Redo, self._spawn(self.redo_last))
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        explorer.selection_changed.connect(self.update_actions)
        explorer.active_pane_changed.connect(self.update_actions)
        explorer.folder_opened.connect(self.update_actions)
        explorer.drop_requested.connect(self.drop)
        explorer.rename_requested.connect(lambda entry, name: tasks.spawn(self.rename_entry(entry, name)))
        QGuiApplication.clipboard().dataChanged.connect(self._clipboard_changed)
        self._clipboard_changed()

    def _action(self, text: str, key: Any, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        if key is not None:
            action.setShortcut(QKeySequence(key))
        # Only while the explorer has focus: the path bar and the filter box keep their own editing keys.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._explorer.addAction(action)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _spawn(self, make: Callable[[], Awaitable[Any]]) -> Callable[[], None]:
        return lambda: self._tasks.spawn(make())  # type: ignore[arg-type]

    def actions(self) -> list[QAction]:
        """In the Edit menu's order (separators between the groups are the menu's business)."""
        return [
            self.undo,
            self.redo,
            self.cut,
            self.copy,
            self.paste,
            self.rename,
            self.duplicate,
            self.trash,
            self.delete,
            self.new_folder,
            self.new_file,
        ]

    # ---- what they act on ------------------------------------------------------------------------------

    def _content(self) -> Any:
        return self._explorer.active_pane().content

    def selected(self) -> list[Entry]:
        return list(self._content().selected_entries())

    def _folder(self) -> bytes | None:
        path = self._content().path
        return os.fsencode(path) if path is not None else None

    def update_actions(self, *_args: object) -> None:
        if not shiboken6.isValid(self._explorer):
            return
        any_selected = bool(self.selected())
        folder = self._folder() is not None
        for action in (self.cut, self.copy, self.trash, self.delete, self.duplicate):
            action.setEnabled(any_selected)
        self.rename.setEnabled(len(self.selected()) == 1)
        self.paste.setEnabled(folder and clipboard.decode(QGuiApplication.clipboard().mimeData()) is not None)
        self.new_folder.setEnabled(folder)
        self.new_file.setEnabled(folder)
        undo = self._core.files.undo
        self.undo.setEnabled(undo.can_undo())
        self.undo.setText(
            self.tr("&Undo {what}").format(what=undo.undo_text()) if undo.can_undo() else self.tr("&Undo")
        )
        self.redo.setEnabled(undo.can_redo())
        self.redo.setText(
            self.tr("Re&do {what}").format(what=undo.redo_text()) if undo.can_redo() else self.tr("Re&do")
        )

    # ---- clipboard -------------------------------------------------------------------------------------

    def copy_selection(self, cut: bool = False) -> None:
        paths = [entry.path for entry in self.selected()]
        if paths:
            QGuiApplication.clipboard().setMimeData(clipboard.encode(paths, cut=cut))

    def _clipboard_changed(self) -> None:
        files = clipboard.decode(QGuiApplication.clipboard().mimeData())
        self._explorer.set_cut(frozenset(files.paths) if files is not None and files.cut else frozenset())
        self.update_actions()

    async def paste_here(self, folder: bytes | None = None) -> None:
        """Paste the files on the clipboard into ``folder`` (default: the folder shown); a cut moves them."""
        files = clipboard.decode(QGuiApplication.clipboard().mimeData())
        folder = folder or self._folder()
        if files is None or folder is None:
            return
        if files.cut:
            QGuiApplication.clipboard().clear()  # a cut is pasted once, as in Nautilus and Dolphin
        await self.transfer(MOVE if files.cut else COPY, list(files.paths), folder)

    # ---- operations ------------------------------------------------------------------------------------

    def drop(self, request: DropRequest) -> None:
        if request.target.tag is not None:
            if self.tag_actions is not None:
                self._tasks.spawn(self.tag_actions.add(list(request.paths), request.target.tag))
        elif request.target.device is not None:
            if self.device_actions is not None:
                self.device_actions.drop(request)
        elif request.target.folder is not None:
            self._tasks.spawn(self.transfer(request.operation, list(request.paths), request.target.folder))

    async def transfer(self, operation: str, paths: list[bytes], folder: bytes) -> None:
        """Copy, move or link ``paths`` into ``folder``; the new items are selected where it is shown."""
        files = self._core.files
        try:
            if operation == LINK:
                outcome = await files.create_link(paths, folder)
                made = [os.path.basename(p) for p in outcome.paths]
            else:
                run = files.move if operation == MOVE else files.copy
                outcome = await run(paths, folder, conflict="ask")
                made = [os.path.basename(p.rstrip(b"/")) for p in paths]
                await self._finish(outcome.job_id, self.tr("Some items could not be copied or moved"))
        except SpacedriveError as e:
            show_error(self._window, self.tr("The items could not be copied or moved"), e.message)
            return
        touched = {folder} | (
            {os.path.dirname(p.rstrip(b"/")) for p in paths} if operation == MOVE else set()
        )
        await self._refresh(touched, folder, made)

    async def _finish(self, job_id: Any, headline: str) -> None:
        """Wait for a file job; a failure (some items) is reported, what was done stays done."""
        if job_id is None:
            return
        info = await self._core.files.wait(job_id)
        if info.status is JobStatus.FAILED and shiboken6.isValid(self._window):
            show_error(self._window, headline, info.error or "")

    async def _refresh(
        self,
        folders: set[bytes],
        select_in: bytes | None = None,
        names: list[bytes] | None = None,
        edit: bool = False,
    ) -> None:
        if not shiboken6.isValid(self._explorer):
            return
        await self._explorer.refresh_folders(folders)
        content = self._content()
        if (
            select_in is not None
            and names
            and content.path is not None
            and os.fsencode(content.path) == select_in
        ):
            content.select_names(names, edit=edit)
        self.update_actions()

    def start_rename(self) -> None:
        """Rename the selected item in place (in the media view, which shows no names, in a dialog)."""
        content = self._content()
        entries = self.selected()
        if len(entries) != 1:
            return
        row = content.model.row_of(entries[0].raw_name)
        index = content.model.index(row, 0) if row is not None else None
        if index is None or not content.edit_name(index):
            self._tasks.spawn(self._rename_in_dialog(entries[0]))

    async def _rename_in_dialog(self, entry: Entry) -> None:
        name = await ask_text(self._window, self.tr("Rename"), self.tr("New name:"), entry.name)
        if name:
            await self.rename_entry(entry, name)

    async def rename_entry(self, entry: Entry, name: str) -> None:
        """Rename through the core; refused names keep the old one and say why."""
        try:
            outcome = await self._core.files.rename(entry.path, name)
        except SpacedriveError as e:
            show_error(
                self._window, self.tr("“{name}” could not be renamed").format(name=entry.name), e.message
            )
            return
        await self._refresh({entry.raw_parent}, entry.raw_parent, [os.path.basename(outcome.paths[0])])

    async def trash_selection(self) -> None:
        paths = [entry.path for entry in self.selected()]
        if not paths:
            return
        try:
            outcome = await self._core.files.trash(paths)
            await self._finish(outcome.job_id, self.tr("Some items could not be moved to the trash"))
        except SpacedriveError as e:
            show_error(self._window, self.tr("The items could not be moved to the trash"), e.message)
            return
        await self._refresh({os.path.dirname(p) for p in paths})

    async def delete_selection(self) -> None:
        """Ask, then delete for good."""
        entries = self.selected()
        if not entries:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Delete Permanently"),
            self.tr("Permanently delete “{name}”?").format(name=entries[0].name)
            if len(entries) == 1
            else self.tr("Permanently delete %n items?", "", len(entries)),
            QMessageBox.StandardButton.Cancel,
            self._window,
        )
        box.setInformativeText(self.tr("They do not go to the trash: this cannot be undone."))
        box.setAccessibleName(self.tr("Delete permanently"))
        if not await confirm_destructive(box, self.tr("Delete")):
            return
        paths = [entry.path for entry in entries]
        try:
            outcome = await self._core.files.delete_permanently(paths)
            await self._finish(outcome.job_id, self.tr("Some items could not be deleted"))
        except SpacedriveError as e:
            show_error(self._window, self.tr("The items could not be deleted"), e.message)
            return
        await self._refresh({os.path.dirname(p) for p in paths})

    async def create_folder(self) -> None:
        await self._create(True)

    async def create_file(self) -> None:
        await self._create(False)

    async def _create(self, folder: bool) -> None:
        """A new folder (or empty file) in the folder shown, selected and being renamed."""
        parent = self._folder()
        if parent is None:
            return
        name = _fresh_name(parent, os.fsencode(self.tr("New Folder") if folder else self.tr("New File")))
        try:
            create = self._core.files.create_folder if folder else self._core.files.create_file
            await create(parent, name)
        except SpacedriveError as e:
            show_error(self._window, self.tr("The new item could not be created"), e.message)
            return
        await self._refresh({parent}, parent, [name], edit=True)

    async def duplicate_selection(self) -> None:
        entries = self.selected()
        if not entries:
            return
        try:
            outcome = await self._core.files.duplicate([entry.path for entry in entries])
            await self._finish(outcome.job_id, self.tr("Some items could not be duplicated"))
        except SpacedriveError as e:
            show_error(self._window, self.tr("The items could not be duplicated"), e.message)
            return
        await self._refresh({entry.raw_parent for entry in entries})

    async def undo_last(self) -> None:
        await self._undo_or_redo(self._core.files.undo.undo, self.tr("Nothing was undone"))

    async def redo_last(self) -> None:
        await self._undo_or_redo(self._core.files.undo.redo, self.tr("Nothing was redone"))

    async def _undo_or_redo(self, step: Callable[[], Awaitable[Any]], headline: str) -> None:
        try:
            outcome = await step()
            await self._finish(outcome.job_id, headline)
        except SpacedriveError as e:  # UndoRefused says what changed on disk
            show_error(self._window, headline, e.message)
        await self._refresh(set(), None, None)
        await self._explorer.refresh_all()

    # ---- menus -----------------------------------------------------------------------------------------

    def add_item_actions(self, menu: QMenu, entry: Entry) -> None:
        """The selection's file commands in an item's context menu (``entry`` is the item clicked)."""
        self.update_actions()
        menu.addSeparator()
        menu.addActions([self.cut, self.copy])
        if entry.kind == "directory":
            into = menu.addAction(self.tr("Paste &Into Folder"))
            into.setEnabled(clipboard.decode(QGuiApplication.clipboard().mimeData()) is not None)
            into.triggered.connect(lambda: self._tasks.spawn(self.paste_here(entry.path)))
        menu.addSeparator()
        menu.addActions([self.rename, self.duplicate])
        if self.tag_actions is not None:
            menu.addMenu(self.tag_actions.tags_menu(menu, self.selected() or [entry]))
        if self.device_actions is not None:
            paths = [e.path for e in self.selected() or [entry]]
            menu.addMenu(self.device_actions.send_menu(menu, paths))
        menu.addSeparator()
        menu.addActions([self.trash, self.delete])

    def add_folder_actions(self, menu: QMenu) -> None:
        """The shown folder's file commands in the background's context menu."""
        self.update_actions()
        menu.addActions([self.new_folder, self.new_file, self.paste])
        menu.addSeparator()
