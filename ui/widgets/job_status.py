"""JobStatusWidget: the status bar's summary of running jobs (name, progress bar, speed, time left)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from spacedrive.domain.jobs import Progress
from ui.models.jobs import PROGRESS_ROLE, Column, JobListModel


class JobStatusWidget(QWidget):
    """Shows the newest running job (title, progress bar, what it is doing, speed and time left), "+N more"
    when others run too, and "No running jobs" when idle."""

    def __init__(self, model: JobListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.setAccessibleName(self.tr("Job status"))

        self.idle_label = QLabel(self.tr("No running jobs"))
        self.idle_label.setAccessibleName(self.tr("No running jobs"))
        self.name_label = QLabel()
        self.name_label.setAccessibleName(self.tr("Running job"))
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName(self.tr("Job progress"))
        self.progress_bar.setFixedWidth(160)
        self.progress_bar.setMaximumHeight(self.fontMetrics().height() + 4)
        self.progress_bar.setTextVisible(True)
        self.detail_label = QLabel()
        self.detail_label.setEnabled(False)  # muted: the job's title says what runs, this says how far
        self.detail_label.setAccessibleName(self.tr("Job step"))
        self.rate_label = QLabel()
        self.rate_label.setAccessibleName(self.tr("Job speed"))
        self.time_left_label = QLabel()
        self.time_left_label.setAccessibleName(self.tr("Job time left"))
        self.more_label = QLabel()
        self.more_label.setAccessibleName(self.tr("Other running jobs"))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(8)
        for widget in (
            self.idle_label,
            self.name_label,
            self.progress_bar,
            self.detail_label,
            self.rate_label,
            self.time_left_label,
            self.more_label,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        model.dataChanged.connect(self.refresh)
        model.rowsInserted.connect(self.refresh)
        model.rowsRemoved.connect(self.refresh)
        model.modelReset.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        running = self._model.running_rows()
        busy = bool(running)
        self.idle_label.setVisible(not busy)
        for widget in (
            self.name_label,
            self.progress_bar,
            self.detail_label,
            self.rate_label,
            self.time_left_label,
        ):
            widget.setVisible(busy)
        self.more_label.setVisible(len(running) > 1)
        if not busy:
            return
        index = self._model.index(running[0], Column.NAME)
        progress: Progress = index.data(PROGRESS_ROLE)
        self.name_label.setText(index.data(Qt.ItemDataRole.DisplayRole))
        if progress.total > 0:
            self.progress_bar.setRange(0, 100)
            self.progress_bar.setValue(int(progress.fraction * 100))
        else:
            self.progress_bar.setRange(0, 0)  # busy indicator: the job has not said how much there is
        detail = progress.message or progress.phase
        self.progress_bar.setToolTip(detail)
        self.detail_label.setText(detail)
        self.detail_label.setVisible(bool(detail))
        row = running[0]
        for label, column in ((self.rate_label, Column.SPEED), (self.time_left_label, Column.TIME_LEFT)):
            text = self._model.index(row, column).data()
            label.setText(text)
            label.setVisible(bool(text))
        self.more_label.setText(self.tr("+%n more", "", len(running) - 1))
