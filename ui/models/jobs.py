"""JobListModel: the jobs of every open library, newest first, kept current by the bridge's job signals."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from spacedrive.domain import events as ev
from spacedrive.domain.jobs import JobInfo, JobStatus, Progress

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
JobEvent = (
    ev.JobQueued
    | ev.JobStarted
    | ev.JobProgress
    | ev.JobPaused
    | ev.JobResumed
    | ev.JobCompleted
    | ev.JobFailed
    | ev.JobCancelled
)


class Column(enum.IntEnum):
    NAME = 0
    STATUS = 1
    PROGRESS = 2
    RATE = 3
    ID = 4


#: The job's UUID.
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: The UUID of the library the job belongs to.
LIBRARY_ID_ROLE = Qt.ItemDataRole.UserRole + 2
#: The job's ``JobStatus`` value (a str: Qt turns str enums into plain strings; wrap in ``JobStatus()``).
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3
#: The job's latest ``Progress``.
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 4


@dataclass(slots=True)
class _Job:
    id: UUID
    library_id: UUID
    name: str
    status: JobStatus
    progress: Progress = field(default_factory=Progress)
    error: str = ""
    #: For people ("Indexing Photos"); empty until known (job events carry only the job type's name).
    title: str = ""
    #: Whether the job has run in this session: a resumed job then runs again rather than waits.
    has_run: bool = False

    @classmethod
    def from_info(cls, info: JobInfo) -> _Job:
        return cls(
            id=info.id,
            library_id=info.library_id,
            name=info.name,
            status=info.status,
            progress=info.progress,
            error=info.error,
            title=info.title,
            has_run=info.status is JobStatus.RUNNING,
        )


def status_text(status: JobStatus) -> str:
    texts = {
        JobStatus.QUEUED: QCoreApplication.translate("JobListModel", "Queued"),
        JobStatus.RUNNING: QCoreApplication.translate("JobListModel", "Running"),
        JobStatus.PAUSED: QCoreApplication.translate("JobListModel", "Paused"),
        JobStatus.COMPLETED: QCoreApplication.translate("JobListModel", "Completed"),
        JobStatus.FAILED: QCoreApplication.translate("JobListModel", "Failed"),
        JobStatus.CANCELLED: QCoreApplication.translate("JobListModel", "Cancelled"),
    }
    return texts[status]


def percent_text(percent: int) -> str:
    return QCoreApplication.translate("JobListModel", "{percent} %").format(
        percent=QLocale().toString(percent)
    )


def rate_text(rate: float) -> str:
    """Items per second, or '' while unknown."""
    if rate <= 0:
        return ""
    number = QLocale().toString(rate, "f", 0 if rate >= 10 else 1)
    return QCoreApplication.translate("JobListModel", "{rate}/s").format(rate=number)


class JobListModel(QAbstractTableModel):
    """One row per job: name, status, progress %, rate, short id.

    Fill it with ``add_library_jobs`` (a snapshot from ``JobManager.list()``), then feed it the bridge's
    job signals through ``apply``; a snapshot followed by the events queued meanwhile ends in the jobs'
    current state, because each job's last event is its latest change.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[_Job] = []

    # ---- feeding ---------------------------------------------------------------------------------------

    def add_library_jobs(self, jobs: list[JobInfo]) -> None:
        """Add a library's snapshot (newest first). Rows already here came from newer events and stay."""
        known = {job.id for job in self._jobs}
        new = [_Job.from_info(info) for info in jobs if info.id not in known]
        if not new:
            return
        self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
        self._jobs[0:0] = new
        self.endInsertRows()

    def remove_library(self, library_id: UUID) -> None:
        """Drop the rows of a library that was closed: its jobs can no longer be paused or cancelled."""
        for row in range(len(self._jobs) - 1, -1, -1):
            if self._jobs[row].library_id == library_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._jobs[row]
                self.endRemoveRows()

    def apply(self, event: JobEvent) -> None:
        """Update (or add) the row of the job an event is about."""
        row = self._find(event.id)
        if row is None:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._jobs.insert(0, _Job(event.id, event.library_id, event.name, JobStatus.QUEUED))
            self.endInsertRows()
            row = 0
        job = self._jobs[row]
        match event:
            case ev.JobQueued():
                job.status = JobStatus.QUEUED
            case ev.JobStarted():
                job.status = JobStatus.RUNNING
                job.has_run = True
            case ev.JobProgress(progress=progress):
                job.progress = progress
                if job.status is JobStatus.QUEUED:
                    job.status = JobStatus.RUNNING
                job.has_run = True
            case ev.JobPaused():
                job.status = JobStatus.PAUSED
            case ev.JobResumed():
                job.status = JobStatus.RUNNING if job.has_run else JobStatus.QUEUED
            case ev.JobCompleted():
                job.status = JobStatus.COMPLETED
            case ev.JobFailed(error=error):
                job.status = JobStatus.FAILED
                job.error = error
            case ev.JobCancelled():
                job.status = JobStatus.CANCELLED
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def set_title(self, job_id: UUID, title: str) -> None:
        """Name a job for people; its rows show ``title`` instead of the job type's name."""
        row = self._find(job_id)
        if row is not None and title and self._jobs[row].title != title:
            self._jobs[row].title = title
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def has_title(self, job_id: UUID) -> bool:
        row = self._find(job_id)
        return row is not None and bool(self._jobs[row].title)

    def running_rows(self) -> list[int]:
        return [row for row, job in enumerate(self._jobs) if job.status is JobStatus.RUNNING]

    def _find(self, job_id: UUID) -> int | None:
        for row, job in enumerate(self._jobs):
            if job.id == job_id:
                return row
        return None

    # ---- QAbstractTableModel ---------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(Column):
            return None
        headers = {
            Column.NAME: self.tr("Name"),
            Column.STATUS: self.tr("Status"),
            Column.PROGRESS: self.tr("Progress"),
            Column.RATE: self.tr("Rate"),
            Column.ID: self.tr("ID"),
        }
        return headers[Column(section)]

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractTableModel.CheckIndexOption.IndexIsValid):
            return None
        job = self._jobs[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(job, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.PROGRESS, Column.RATE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == JOB_ID_ROLE:
            return job.id
        if role == LIBRARY_ID_ROLE:
            return job.library_id
        if role == STATUS_ROLE:
            return job.status.value
        if role == PROGRESS_ROLE:
            return job.progress
        return None

    def _display(self, job: _Job, column: Column) -> str:
        if column is Column.NAME:
            return job.title or job.name
        if column is Column.STATUS:
            return status_text(job.status)
        if column is Column.PROGRESS:
            if job.status is JobStatus.COMPLETED:
                return percent_text(100)
            if job.progress.total <= 0:
                return ""
            return percent_text(int(job.progress.fraction * 100))
        if column is Column.RATE:
            return rate_text(job.progress.rate) if job.status is JobStatus.RUNNING else ""
        return str(job.id)[:8]

    def _tooltip(self, job: _Job, column: Column) -> str | None:
        if job.status is JobStatus.FAILED and job.error:
            return job.error
        if column is Column.ID:
            return str(job.id)
        if column is Column.PROGRESS and job.progress.total > 0:
            locale = QLocale()
            return self.tr("{done} of {total}").format(
                done=locale.toString(job.progress.completed), total=locale.toString(job.progress.total)
            )
        return job.progress.message or job.progress.phase or None
