"""The jobs panel as a user sees it: speed and time left measured from progress, a failure's reason, one
row of buttons per job that pause, resume and cancel it, and "Clear Finished"."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from spacedrive.domain import events as ev
from spacedrive.domain.jobs import JobStatus, Progress
from tests.ui.helpers import StepJob
from ui.models.jobs import STATUS_ROLE, Column, JobListModel, time_left_text
from ui.session import GuiSession
from ui.views.main_window import MainWindow

LIBRARY = uuid.uuid4()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def progress(job_id: uuid.UUID, **fields: Any) -> ev.JobProgress:
    return ev.JobProgress(library_id=LIBRARY, id=job_id, name="copy", progress=Progress(**fields))


def text(model: JobListModel, column: Column, row: int = 0) -> str:
    """The cell's text; "" while the row is not there yet (a job's first event is still on its way)."""
    return model.index(row, column).data() or ""


def test_speed_and_time_left_come_from_successive_reports(qtmodeltester) -> None:
    clock = Clock()
    model = JobListModel(clock=clock)
    job = uuid.uuid4()
    model.apply(ev.JobStarted(library_id=LIBRARY, id=job, name="hasher"))
    model.apply(progress(job, completed=0, total=1000))
    assert text(model, Column.SPEED) == "" and text(model, Column.TIME_LEFT) == ""  # nothing measured yet
    clock.now += 1
    model.apply(progress(job, completed=100, total=1000))
    assert text(model, Column.SPEED) == "100/s"
    assert text(model, Column.TIME_LEFT) == "9 s left"
    clock.now += 1
    model.apply(progress(job, completed=300, total=1000))  # 200/s now, smoothed with the 100/s before
    assert text(model, Column.SPEED) == "130/s"
    assert text(model, Column.TIME_LEFT) == "5 s left"
    clock.now += 0.1
    model.apply(progress(job, completed=301, total=1000))  # too soon to measure: the speed stays
    assert text(model, Column.SPEED) == "130/s"
    assert text(model, Column.PROGRESS) == "30 %"

    model.apply(ev.JobPaused(library_id=LIBRARY, id=job, name="hasher"))
    assert (text(model, Column.SPEED), text(model, Column.TIME_LEFT)) == ("", "")
    qtmodeltester.check(model)


def test_a_job_counting_bytes_shows_bytes_per_second_and_minutes_left() -> None:
    clock = Clock()
    model = JobListModel(clock=clock)
    job = uuid.uuid4()
    model.apply(progress(job, completed=1, total=3, bytes_completed=0, bytes_total=1_000_000_000))
    clock.now += 2
    model.apply(progress(job, completed=1, total=3, bytes_completed=10_000_000, bytes_total=1_000_000_000))
    assert text(model, Column.SPEED) == "5.0 MB/s"
    assert text(model, Column.TIME_LEFT) == "3 min left"  # 990 MB at 5 MB/s: 198 s
    assert time_left_text(20_000) == "5 h 33 min left"
    assert time_left_text(0.2) == "1 s left"


def test_a_failed_job_says_why_and_clear_finished_hides_ended_jobs(qtmodeltester) -> None:
    model = JobListModel()
    failed, done, running = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for job in (failed, done, running):
        model.apply(ev.JobStarted(library_id=LIBRARY, id=job, name="copy"))
    model.apply(
        ev.JobFailed(library_id=LIBRARY, id=failed, name="copy", error="No space left on device\nat …")
    )
    model.apply(ev.JobCompleted(library_id=LIBRARY, id=done, name="copy"))
    statuses = [text(model, Column.STATUS, row) for row in range(3)]
    assert statuses == ["Running", "Completed", "Failed: No space left on device"]
    assert model.has_finished()
    model.remove_finished()
    assert model.rowCount() == 1 and text(model, Column.STATUS) == "Running"
    assert not model.has_finished()
    qtmodeltester.check(model)


@pytest.fixture
def window(session: GuiSession) -> MainWindow:
    assert session.window is not None
    session.window.jobs_panel.toggleViewAction().trigger()
    return session.window


def test_running_job_shows_speed_and_its_row_buttons_pause_resume_and_cancel_it(
    session: GuiSession, window: MainWindow, run, wait
) -> None:
    assert session.core is not None
    jobs = session.core.current_library().jobs
    job_id = run(jobs.dispatch(StepJob(total=100_000, delay=0.002)))
    model, panel = window.jobs_model, window.jobs_panel
    wait(lambda: text(model, Column.SPEED).endswith("/s") and text(model, Column.TIME_LEFT).endswith("left"))
    wait(lambda: window.job_status.time_left_label.text().endswith("left"))
    assert window.job_status.rate_label.text().endswith("/s")
    actions = panel.row_actions(0)
    assert actions is not None
    assert actions.pause_button.accessibleName() == "Pause ui_test.steps"
    assert not actions.pause_button.isHidden() and actions.resume_button.isHidden()

    actions.pause_button.click()
    wait(lambda: model.index(0, 0).data(STATUS_ROLE) == JobStatus.PAUSED)
    assert actions.pause_button.isHidden() and not actions.resume_button.isHidden()
    assert text(model, Column.SPEED) == "" and text(model, Column.TIME_LEFT) == ""

    actions.resume_button.click()
    wait(lambda: model.index(0, 0).data(STATUS_ROLE) == JobStatus.RUNNING)
    actions.cancel_button.click()
    wait(lambda: text(model, Column.STATUS) == "Cancelled")
    assert run(jobs.info(job_id)).status is JobStatus.CANCELLED
    assert actions.cancel_button.isHidden() and actions.pause_button.isHidden()

    assert panel.clear_button.isEnabled()
    panel.clear_button.click()
    assert model.rowCount() == 0
    assert panel.stack.currentWidget() is panel.empty_label
    assert not panel.clear_button.isEnabled()


def test_each_new_job_gets_its_own_row_buttons(session: GuiSession, window: MainWindow, run, wait) -> None:
    assert session.core is not None
    jobs = session.core.current_library().jobs
    first = run(jobs.dispatch(StepJob(total=100_000, delay=0.005)))
    second = run(jobs.dispatch(StepJob(total=100_000, delay=0.005)))
    model, panel = window.jobs_model, window.jobs_panel
    wait(lambda: model.rowCount() == 2)
    actions = panel.row_actions(1)  # newest first: the first job is the lower row
    assert actions is not None
    actions.cancel_button.click()
    wait(lambda: text(model, Column.STATUS, 1) == "Cancelled")
    assert run(jobs.info(first)).status is JobStatus.CANCELLED
    assert run(jobs.info(second)).status is not JobStatus.CANCELLED
    run(jobs.cancel(second))
