"""JobsPanel: the dock listing jobs with their speed and time left, and Pause, Resume and Cancel per job."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from spacedrive.core import Core
from spacedrive.domain.jobs import JobInfo, JobStatus, Progress
from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.jobs.manager import JobManager
from ui.dialogs.prompts import show_error
from ui.icons import themed_icon
from ui.models.jobs import JOB_ID_ROLE, LIBRARY_ID_ROLE, PROGRESS_ROLE, STATUS_ROLE, Column, JobListModel

JobCommand = Callable[[JobManager, UUID], Awaitable[JobInfo]]


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a progress bar while a job is unfinished."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        status = JobStatus(index.data(STATUS_ROLE))
        progress: Progress = index.data(PROGRESS_ROLE)
        if status.is_finished or progress.total <= 0:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        bar.fontMetrics = option.fontMetrics
        bar.minimum = 0
        bar.maximum = 100
        bar.progress = int(progress.fraction * 100)
        bar.text = index.data(Qt.ItemDataRole.DisplayRole)
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class RowActions(QWidget):
    """Pause or Resume, and Cancel, for one job's row; shows only what the job's status allows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Job actions"))
        self.pause_button = self._button(("media-playback-pause",), "job-pause")
        self.resume_button = self._button(("media-playback-start",), "job-resume")
        self.cancel_button = self._button(("process-stop",), "job-cancel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.setSpacing(2)
        for button in (self.pause_button, self.resume_button, self.cancel_button):
            layout.addWidget(button)
        layout.addStretch(1)

    @staticmethod
    def _button(theme_names: tuple[str, ...], bundled: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(themed_icon(theme_names, bundled))
        button.setIconSize(QSize(16, 16))
        button.setAutoRaise(True)
        return button

    def update_for(self, title: str, status: JobStatus) -> None:
        for button, text, tip in (
            (self.pause_button, self.tr("Pause {job}"), self.tr("Pause")),
            (self.resume_button, self.tr("Resume {job}"), self.tr("Resume")),
            (self.cancel_button, self.tr("Cancel {job}"), self.tr("Cancel")),
        ):
            button.setAccessibleName(text.format(job=title))
            button.setToolTip(tip)
        self.pause_button.setVisible(status in (JobStatus.QUEUED, JobStatus.RUNNING))
        self.resume_button.setVisible(status is JobStatus.PAUSED)
        self.cancel_button.setVisible(not status.is_finished)


class JobsPanel(QDockWidget):
    """Lists the jobs of every open library (running, paused, queued, finished and failed) with progress,
    speed and time left; each row has its own Pause/Resume/Cancel buttons, and the buttons below act on
    the selected job. "Clear Finished" hides the jobs that ended."""

    def __init__(self, core: Core, model: JobListModel, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Jobs"), parent)
        self.setObjectName("jobs_panel")
        self.setAccessibleName(self.tr("Jobs panel"))
        self._core = core
        self._model = model

        self.table = QTableView()
        self.table.setModel(model)
        self.table.setAccessibleName(self.tr("Jobs"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (Column.STATUS, 150),
            (Column.PROGRESS, 140),
            (Column.SPEED, 90),
            (Column.TIME_LEFT, 100),
            (Column.ID, 80),
            (Column.ACTIONS, 84),
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)

        self.empty_label = QLabel(self.tr("No jobs yet. Indexing, copying and other long tasks appear here."))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # drawn in the palette's muted text color
        self.empty_label.setAccessibleName(self.tr("No jobs"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.table)

        self.clear_button = QPushButton(self.tr("C&lear Finished"))
        self.clear_button.setAccessibleName(self.tr("Clear finished jobs"))
        self.clear_button.setToolTip(self.tr("Hide completed, failed and cancelled jobs from this list"))
        self.clear_button.clicked.connect(model.remove_finished)
        self.pause_button = self._button(self.tr("&Pause"), ("media-playback-pause",), "job-pause")
        self.resume_button = self._button(self.tr("&Resume"), ("media-playback-start",), "job-resume")
        self.cancel_button = self._button(self.tr("&Cancel Job"), ("process-stop",), "job-cancel")
        self.pause_button.clicked.connect(self.pause_selected)
        self.resume_button.clicked.connect(self.resume_selected)
        self.cancel_button.clicked.connect(self.cancel_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        for button in (self.pause_button, self.resume_button, self.cancel_button):
            buttons.addWidget(button)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)
        self.setWidget(body)

        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        for signal in (model.dataChanged, model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._update_buttons)
        model.rowsInserted.connect(self._add_row_actions)
        model.dataChanged.connect(self._update_row_actions)
        model.modelReset.connect(lambda: self._add_row_actions(QModelIndex(), 0, model.rowCount() - 1))
        self._add_row_actions(QModelIndex(), 0, model.rowCount() - 1)
        self._update_buttons()

    def _button(self, text: str, theme_names: tuple[str, ...], bundled: str) -> QPushButton:
        button = QPushButton(themed_icon(theme_names, bundled), text)
        button.setAccessibleName(text.replace("&", ""))
        return button

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def selected_index(self) -> QModelIndex | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0] if rows else None

    def row_actions(self, row: int) -> RowActions | None:
        widget = self.table.indexWidget(self._model.index(row, Column.ACTIONS))
        return widget if isinstance(widget, RowActions) else None

    @asyncSlot()
    async def pause_selected(self) -> None:
        await self._run_selected(JobManager.pause)

    @asyncSlot()
    async def resume_selected(self) -> None:
        await self._run_selected(JobManager.resume)

    @asyncSlot()
    async def cancel_selected(self) -> None:
        await self._run_selected(JobManager.cancel)

    async def _run_selected(self, command: JobCommand) -> None:
        index = self.selected_index()
        if index is not None:
            await self._run(command, index.data(LIBRARY_ID_ROLE), index.data(JOB_ID_ROLE))

    @asyncSlot(object, object, object)
    async def _run_for(self, command: JobCommand, library_id: UUID, job_id: UUID) -> None:
        await self._run(command, library_id, job_id)

    async def _run(self, command: JobCommand, library_id: UUID, job_id: UUID) -> None:
        try:
            await command(self._core.libraries.get_open(library_id).jobs, job_id)
        except SpacedriveError as e:
            show_error(self, self.tr("The job could not be changed"), e.message)

    def _add_row_actions(self, _parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            index = self._model.index(row, Column.ACTIONS)
            library_id, job_id = index.data(LIBRARY_ID_ROLE), index.data(JOB_ID_ROLE)
            self.table.setIndexWidget(index, self._row_actions_for(library_id, job_id))
            self._update_row(row)

    def _row_actions_for(self, library_id: UUID, job_id: UUID) -> RowActions:
        actions = RowActions()
        actions.pause_button.clicked.connect(lambda: self._run_for(JobManager.pause, library_id, job_id))
        actions.resume_button.clicked.connect(lambda: self._run_for(JobManager.resume, library_id, job_id))
        actions.cancel_button.clicked.connect(lambda: self._run_for(JobManager.cancel, library_id, job_id))
        return actions

    def _update_row_actions(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        for row in range(top_left.row(), bottom_right.row() + 1):
            self._update_row(row)

    def _update_row(self, row: int) -> None:
        actions = self.row_actions(row)
        if actions is not None:
            name = self._model.index(row, Column.NAME)
            actions.update_for(name.data(), JobStatus(name.data(STATUS_ROLE)))

    def _update_buttons(self) -> None:
        self.stack.setCurrentWidget(self.table if self._model.rowCount() else self.empty_label)
        self.clear_button.setEnabled(self._model.has_finished())
        index = self.selected_index()
        status = JobStatus(index.data(STATUS_ROLE)) if index is not None else None
        self.pause_button.setEnabled(status in (JobStatus.QUEUED, JobStatus.RUNNING))
        self.resume_button.setEnabled(status is JobStatus.PAUSED)
        self.cancel_button.setEnabled(status is not None and not status.is_finished)
