"""JobsPanel: the dock listing jobs, with Pause, Resume and Cancel for the selected one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
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


class JobsPanel(QDockWidget):
    """Lists the jobs of every open library; its buttons act on the selected job through the core."""

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
            (Column.STATUS, 100),
            (Column.PROGRESS, 140),
            (Column.RATE, 90),
            (Column.ID, 90),
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

        self.pause_button = self._button(self.tr("&Pause"), ("media-playback-pause",), "job-pause")
        self.resume_button = self._button(self.tr("&Resume"), ("media-playback-start",), "job-resume")
        self.cancel_button = self._button(self.tr("&Cancel Job"), ("process-stop",), "job-cancel")
        self.pause_button.clicked.connect(self.pause_selected)
        self.resume_button.clicked.connect(self.resume_selected)
        self.cancel_button.clicked.connect(self.cancel_selected)
        buttons = QHBoxLayout()
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

    @asyncSlot()
    async def pause_selected(self) -> None:
        await self._run(JobManager.pause)

    @asyncSlot()
    async def resume_selected(self) -> None:
        await self._run(JobManager.resume)

    @asyncSlot()
    async def cancel_selected(self) -> None:
        await self._run(JobManager.cancel)

    async def _run(self, command: JobCommand) -> None:
        index = self.selected_index()
        if index is None:
            return
        try:
            jobs = self._core.libraries.get_open(index.data(LIBRARY_ID_ROLE)).jobs
            await command(jobs, index.data(JOB_ID_ROLE))
        except SpacedriveError as e:
            show_error(self, self.tr("The job could not be changed"), e.message)

    def _update_buttons(self) -> None:
        self.stack.setCurrentWidget(self.table if self._model.rowCount() else self.empty_label)
        index = self.selected_index()
        status = JobStatus(index.data(STATUS_ROLE)) if index is not None else None
        self.pause_button.setEnabled(status in (JobStatus.QUEUED, JobStatus.RUNNING))
        self.resume_button.setEnabled(status is JobStatus.PAUSED)
        self.cancel_button.setEnabled(status is not None and not status.is_finished)
