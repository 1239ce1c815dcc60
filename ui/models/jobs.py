"""JobListModel: the jobs of every open library, newest first, kept current by the bridge's job signals."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
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
from ui.formatting import data_size

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
    SPEED = 3
    TIME_LEFT = 4
    ID = 5
    #: Empty in the model: the jobs panel puts each row's Pause/Resume/Cancel buttons here.
    ACTIONS = 6


#: The job's UUID.
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: The UUID of the library the job belongs to.
LIBRARY_ID_ROLE = Qt.ItemDataRole.UserRole + 2
#: The job's ``JobStatus`` value (a str: Qt turns str enums into plain strings; wrap in ``JobStatus()``).
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3
#: The job's latest ``Progress``.
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 4

#: Reports closer together than this (seconds) are merged before a speed is measured over them.
SPEED_INTERVAL = 0.5
#: Weight of the newest measurement in the smoothed speed (an exponential moving average).
SPEED_SMOOTHING = 0.3


@dataclass(slots=True)
class _Speed:
    """Units (items, or bytes when the job counts them) per second, smoothed over successive reports."""

    mark_time: float | None = None
    mark_done: int = 0
    phase: str = ""
    per_second: float = 0.0

    def update(self, now: float, done: int, phase: str) -> None:
        if self.mark_time is None or phase != self.phase or done < self.mark_done:
            # A new phase (or a count that went back) measures something else: start afresh.
            self.mark_time, self.mark_done, self.phase, self.per_second = now, done, phase, 0.0
            return
        elapsed = now - self.mark_time
        if elapsed < SPEED_INTERVAL:
            return
        measured = (done - self.mark_done) / elapsed
        if self.per_second > 0:
            measured = SPEED_SMOOTHING * measured + (1 - SPEED_SMOOTHING) * self.per_second
        self.mark_time, self.mark_done, self.per_second = now, done, measured

    def restart(self) -> None:
        """Forget the mark (after a pause: the time paused is not time spent working)."""
        self.mark_time, self.per_second = None, 0.0


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
    speed: _Speed = field(default_factory=_Speed)

    @property
    def counts_bytes(self) -> bool:
        return self.progress.bytes_total > 0

    def units_per_second(self) -> float:
        """Measured here from the reports' deltas; until then the core's own items/s, if any."""
        if self.speed.per_second > 0 or self.counts_bytes:
            return self.speed.per_second
        return self.progress.rate

    def seconds_left(self) -> float | None:
        rate = self.units_per_second()
        progress = self.progress
        done, total = (
            (progress.bytes_completed, progress.bytes_total)
            if self.counts_bytes
            else (progress.completed, progress.total)
        )
        if self.status is not JobStatus.RUNNING or rate <= 0 or total <= 0:
            return None
        return max(0, total - done) / rate

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


def byte_rate_text(rate: float) -> str:
    """Bytes per second ("12.5 MB/s"), or '' while unknown."""
    if rate <= 0:
        return ""
    return QCoreApplication.translate("JobListModel", "{size}/s").format(size=data_size(int(rate)))


def time_left_text(seconds: float) -> str:
    """A coarse countdown, as people read one: "5 s left", "3 min left", "2 h 10 min left"."""
    tr = QCoreApplication.translate
    whole = int(seconds + 0.5)
    if whole < 60:
        return tr("JobListModel", "%n s left", "", max(1, whole))
    minutes = (whole + 30) // 60
    if minutes < 60:
        return tr("JobListModel", "%n min left", "", minutes)
    return tr("JobListModel", "{hours} h {minutes} min left").format(
        hours=minutes // 60, minutes=minutes % 60
    )


class JobListModel(QAbstractTableModel):
    """One row per job: name, status (with a failure's reason), progress %, speed, time left, short id.

    Fill it with ``add_library_jobs`` (a snapshot from ``JobManager.list()``), then feed it the bridge's
    job signals through ``apply``; a snapshot followed by the events queued meanwhile ends in the jobs'
    current state, because each job's last event is its latest change. Speed is measured from the
    successive progress reports (``clock`` is ``time.monotonic`` unless a test passes its own).
    """

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._jobs: list[_Job] = []
        self._clock = clock

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
                done = progress.bytes_completed if job.counts_bytes else progress.completed
                job.speed.update(self._clock(), done, progress.phase)
            case ev.JobPaused():
                job.status = JobStatus.PAUSED
                job.speed.restart()
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

    def has_finished(self) -> bool:
        return any(job.status.is_finished for job in self._jobs)

    def remove_finished(self) -> None:
        """Drop completed, failed and cancelled jobs from the list (the library keeps their history)."""
        for row in range(len(self._jobs) - 1, -1, -1):
            if self._jobs[row].status.is_finished:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._jobs[row]
                self.endRemoveRows()

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
            Column.SPEED: self.tr("Speed"),
            Column.TIME_LEFT: self.tr("Time Left"),
            Column.ID: self.tr("ID"),
            Column.ACTIONS: self.tr("Actions"),
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
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            Column.PROGRESS,
            Column.SPEED,
            Column.TIME_LEFT,
        ):
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
            if job.status is JobStatus.FAILED and job.error:
                reason = job.error.strip().splitlines()[0]
                return self.tr("Failed: {reason}").format(reason=reason)
            return status_text(job.status)
        if column is Column.PROGRESS:
            if job.status is JobStatus.COMPLETED:
                return percent_text(100)
            if job.progress.total <= 0:
                return ""
            return percent_text(int(job.progress.fraction * 100))
        if column is Column.SPEED:
            if job.status is not JobStatus.RUNNING:
                return ""
            rate = job.units_per_second()
            return byte_rate_text(rate) if job.counts_bytes else rate_text(rate)
        if column is Column.TIME_LEFT:
            seconds = job.seconds_left()
            return time_left_text(seconds) if seconds is not None else ""
        if column is Column.ACTIONS:
            return ""
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
