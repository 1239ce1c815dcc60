"""Uncaught exceptions open the crash dialog (traceback + Copy) instead of vanishing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication
from qasync import asyncSlot

from ui.dialogs.crash import CrashReporter

pytestmark = pytest.mark.qt_no_exception_capture  # the reporter, not pytest-qt, handles them here


class Clumsy(QObject):
    @asyncSlot()
    async def fail_in_coroutine(self) -> None:
        raise ZeroDivisionError("failed inside a coroutine")

    def fail_in_slot(self) -> None:
        raise KeyError("failed inside a slot")


@pytest.fixture
def reporter(loop: qasync.QEventLoop) -> Iterator[CrashReporter]:
    crash_reporter = CrashReporter()
    crash_reporter.install(loop)
    try:
        yield crash_reporter
    finally:
        crash_reporter.uninstall()


def shown_text(reporter: CrashReporter) -> str:
    assert reporter.dialog is not None
    return reporter.dialog.details.toPlainText()


def test_exception_in_an_async_slot_shows_the_dialog(reporter: CrashReporter, wait) -> None:
    clumsy = Clumsy()
    clumsy.fail_in_coroutine()
    wait(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    text = shown_text(reporter)
    assert "ZeroDivisionError: failed inside a coroutine" in text
    assert "fail_in_coroutine" in text  # the traceback, not just the message


def test_exception_in_a_qt_slot_and_in_a_loop_callback_are_both_listed(
    reporter: CrashReporter, loop: qasync.QEventLoop, wait
) -> None:
    clumsy = Clumsy()
    QTimer.singleShot(0, clumsy.fail_in_slot)
    wait(lambda: "KeyError" in (shown_text(reporter) if reporter.dialog else ""))

    def fail_in_callback() -> None:
        raise ValueError("failed inside a loop callback")

    loop.call_soon(fail_in_callback)
    wait(lambda: "ValueError: failed inside a loop callback" in shown_text(reporter))
    assert "KeyError" in shown_text(reporter)


def test_copy_puts_the_details_on_the_clipboard(reporter: CrashReporter, wait) -> None:
    reporter.report("Traceback (most recent call last):\n  ...\nRuntimeError: example\n")
    wait(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert reporter.dialog is not None
    reporter.dialog.copy_button.click()
    assert QApplication.clipboard().text() == shown_text(reporter)
    assert "RuntimeError: example" in QApplication.clipboard().text()
