"""Helpers for GUI tests: a job that counts, a fake thumbnail loader."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPixmap

from spacedrive.domain.entry import Entry
from spacedrive.infrastructure.jobs import Job, JobContext


@dataclass
class StepJob(Job):
    """Counts to ``total``, ``delay`` seconds per step, with a pause/cancel point and checkpoint each."""

    NAME = "ui_test.steps"
    total: int = 1000
    delay: float = 0.01
    #: Whether progress reports say how many steps there are (else the GUI shows a busy indicator).
    report_total: bool = True
    done: int = 0

    async def run(self, ctx: JobContext) -> None:
        while self.done < self.total:
            await ctx.check_interrupt()
            self.done += 1
            ctx.progress(self.done, self.total if self.report_total else 0, message=f"step {self.done}")
            await ctx.checkpoint()
            await asyncio.sleep(self.delay)


class FakeThumbnails(QObject):
    """A thumbnail loader that serves what a test put in ``ready`` and records what was asked.

    Signals
    -------
    thumbnail_ready(bytes): the thumbnail of the file at this path was made.
    """

    thumbnail_ready = Signal(bytes)

    def __init__(self) -> None:
        super().__init__()
        self.ready: dict[bytes, QPixmap] = {}
        self.asked: list[tuple[bytes, int]] = []

    def request(self, entry: Entry, size: int) -> QPixmap | None:
        self.asked.append((entry.path, size))
        return self.ready.get(entry.path)
