"""The question a file job asks when a name is taken: skip, replace, keep both, merge, or cancel the job.

``ConflictPrompter`` shows one non-modal ``ConflictDialog`` at a time for the questions the core's file
jobs ask (``ConflictAsked``, and those already waiting when the window opens); more wait in a queue. The
answer goes to ``core.files.resolve_conflict``; an answer given elsewhere (the CLI) closes the dialog.
The dialog is awaited as a future: nothing runs a nested event loop.
"""

from __future__ import annotations

import asyncio
import os
from uuid import UUID

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileIconProvider,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spacedrive.core import Core
from spacedrive.domain import events as ev
from spacedrive.errors import SpacedriveError
from ui.dialogs.prompts import show_error
from ui.formatting import data_size, date_time
from ui.models.folder import display_name
from ui.tasks import TaskSet

SKIP, REPLACE, KEEP_BOTH, MERGE, ABORT = "skip", "replace", "keep-both", "merge", "abort"


class ConflictDialog(QDialog):
    """One question: the item arriving and the one already there (size, modified), five answers and
    "Apply to all". Not modal: the window stays usable while it waits.

    Signals
    -------
    answered(str, bool): the user chose (a ``Choice`` value, apply to all).
    """

    answered = Signal(str, bool)

    def __init__(self, asked: ev.ConflictAsked, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.asked = asked
        self.setWindowTitle(self.tr("Name Already Taken"))
        self.setAccessibleName(self.tr("Name already taken"))
        self.setWindowModality(Qt.WindowModality.NonModal)
        name = display_name(os.path.basename(asked.destination))
        folder = display_name(os.path.dirname(asked.destination))
        what = self.tr("A folder") if asked.destination_is_dir else self.tr("A file")
        headline = QLabel(
            self.tr("{what} named “{name}” already exists in “{folder}”.").format(
                what=what, name=name, folder=folder
            )
        )
        headline.setWordWrap(True)
        headline.setAccessibleName(self.tr("Question"))
        facts = QGridLayout()
        facts.setHorizontalSpacing(16)
        provider = QFileIconProvider()
        for row, (title, is_dir, size, mtime, path) in enumerate(
            (
                (
                    self.tr("Arriving"),
                    asked.source_is_dir,
                    asked.source_size,
                    asked.source_mtime,
                    asked.source,
                ),
                (
                    self.tr("Already there"),
                    asked.destination_is_dir,
                    asked.destination_size,
                    asked.destination_mtime,
                    asked.destination,
                ),
            )
        ):
            icon = QLabel()
            kind = QFileIconProvider.IconType.Folder if is_dir else QFileIconProvider.IconType.File
            icon.setPixmap(provider.icon(kind).pixmap(32))
            label = QLabel(f"<b>{title}</b>")
            details = QLabel(
                self.tr("{size}, modified {when}\n{path}").format(
                    size=self.tr("folder") if is_dir else data_size(size),
                    when=date_time(mtime),
                    path=display_name(path),
                )
            )
            details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            details.setAccessibleName(title)
            facts.addWidget(icon, row, 0)
            facts.addWidget(label, row, 1, Qt.AlignmentFlag.AlignTop)
            facts.addWidget(details, row, 2)
        self.apply_to_all = QCheckBox(self.tr("&Apply to all"))
        self.apply_to_all.setToolTip(self.tr("Answer the same for every other name taken in this operation"))
        self.apply_to_all.setAccessibleName(self.tr("Apply to all"))
        buttons = QDialogButtonBox()
        self.buttons: dict[str, QPushButton] = {}
        for choice, text, role in (
            (SKIP, self.tr("&Skip"), QDialogButtonBox.ButtonRole.ActionRole),
            (REPLACE, self.tr("&Replace"), QDialogButtonBox.ButtonRole.DestructiveRole),
            (KEEP_BOTH, self.tr("&Keep Both"), QDialogButtonBox.ButtonRole.AcceptRole),
            (MERGE, self.tr("&Merge"), QDialogButtonBox.ButtonRole.ActionRole),
            (ABORT, self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole),
        ):
            if choice == MERGE and not asked.can_merge:
                continue
            button = buttons.addButton(text, role)
            button.setAccessibleName(text.replace("&", ""))
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            self.buttons[choice] = button
        self.buttons[MERGE if asked.can_merge else KEEP_BOTH].setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addLayout(facts)
        layout.addWidget(self.apply_to_all)
        layout.addWidget(buttons)

    def _choose(self, choice: str) -> None:
        self.answered.emit(choice, self.apply_to_all.isChecked())
        self.accept()

    def reject(self) -> None:
        """Escape or the window's close button cancel the operation, as the Cancel button does."""
        if self.isVisible():
            self.answered.emit(ABORT, False)
        super().reject()


class ConflictPrompter(QObject):
    """Asks the user the questions of file jobs, one dialog at a time, and passes the answers on."""

    def __init__(self, core: Core, window: QWidget, tasks: TaskSet) -> None:
        super().__init__(window)
        self._core = core
        self._window = window
        self._tasks = tasks
        self._queue: list[ev.ConflictAsked] = []
        self.dialog: ConflictDialog | None = None
        self._answer: asyncio.Future[tuple[str, bool] | None] | None = None

    def show_pending(self) -> None:
        """Ask the questions jobs were already waiting on when the window opened."""
        for asked in self._core.files.pending_conflicts():
            self.asked(asked)

    def asked(self, asked: ev.ConflictAsked) -> None:
        if self._is_known(asked.job_id):
            return
        self._queue.append(asked)
        if self.dialog is None:
            self._tasks.spawn(self._ask_all())

    def resolved(self, event: ev.ConflictResolved) -> None:
        """Answered elsewhere: a question still waiting goes, a dialog showing it closes."""
        self._queue = [a for a in self._queue if a.job_id != event.job_id]
        if self.dialog is not None and self.dialog.asked.job_id == event.job_id and self._answer is not None:
            _settle(self._answer, None)

    def queued(self) -> list[ev.ConflictAsked]:
        return list(self._queue)

    def _is_known(self, job_id: UUID) -> bool:
        shown = self.dialog is not None and self.dialog.asked.job_id == job_id
        return shown or any(a.job_id == job_id for a in self._queue)

    async def _ask_all(self) -> None:
        while self._queue and shiboken6.isValid(self._window):
            asked = self._queue.pop(0)
            answer = await self._ask(asked)
            if answer is None:
                continue
            try:
                self._core.files.resolve_conflict(asked.job_id, *answer)
            except SpacedriveError as e:  # the job ended or was answered meanwhile
                show_error(self._window, self.tr("The answer could not be given"), e.message)

    async def _ask(self, asked: ev.ConflictAsked) -> tuple[str, bool] | None:
        """Show the dialog and wait for its answer (None: answered elsewhere, or the window went)."""
        dialog = ConflictDialog(asked, self._window)
        self.dialog = dialog
        answer: asyncio.Future[tuple[str, bool] | None] = asyncio.get_running_loop().create_future()
        self._answer = answer
        dialog.answered.connect(lambda choice, every: _settle(answer, (choice, every)))
        dialog.destroyed.connect(lambda: _settle(answer, None))
        dialog.show()
        try:
            return await answer
        finally:
            self.dialog = None
            if shiboken6.isValid(dialog):
                dialog.answered.disconnect()
                dialog.close()
                dialog.deleteLater()


def _settle(future: asyncio.Future[tuple[str, bool] | None], answer: tuple[str, bool] | None) -> None:
    if not future.done():
        future.set_result(answer)
