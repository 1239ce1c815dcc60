from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from spacedrive import Core
from spacedrive.infrastructure.jobs import Job, JobContext


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Control sockets of one test never meet another's."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("run")))


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    c = Core(tmp_path / "data", background=True)
    await c.start(ensure_default_library=True)
    try:
        yield c
    finally:
        await c.stop()


@dataclass
class CountJob(Job):
    """Counts to ``total``, one checkpoint per step; ``delay`` seconds per step."""

    NAME = "test.count"
    total: int
    delay: float = 0.0
    done: int = 0
    seen: list[int] = field(default_factory=list)

    async def run(self, ctx: JobContext) -> None:
        while self.done < self.total:
            await ctx.check_interrupt()
            self.done += 1
            ctx.progress(self.done, self.total, phase="counting")
            await ctx.checkpoint()
            await asyncio.sleep(self.delay)


@dataclass
class FailingJob(Job):
    NAME = "test.failing"
    message: str = "disk on fire"

    async def run(self, ctx: JobContext) -> None:
        await ctx.check_interrupt()
        raise RuntimeError(self.message)


@dataclass
class OneShotJob(Job):
    """Not resumable: a run interrupted by a crash is reported failed, never half-repeated."""

    NAME = "test.oneshot"
    RESUMABLE = False
    delay: float = 10.0

    async def run(self, ctx: JobContext) -> None:
        await asyncio.sleep(self.delay)
