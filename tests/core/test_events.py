from __future__ import annotations

import asyncio
import uuid

from spacedrive.domain import events as ev
from spacedrive.domain.jobs import Progress
from spacedrive.infrastructure.events import EventBus

LIB = uuid.uuid4()


def _progress(job: uuid.UUID, n: int) -> ev.JobProgress:
    return ev.JobProgress(library_id=LIB, id=job, name="x", progress=Progress(completed=n, total=100))


async def test_every_subscriber_gets_events_in_order() -> None:
    bus = EventBus()
    a, b = bus.subscribe(), bus.subscribe()
    events = [ev.LibraryCreated(id=uuid.uuid4(), name=f"L{i}", path="/p") for i in range(3)]
    for e in events:
        bus.emit(e)
    for sub in (a, b):
        assert [await sub.get() for _ in events] == events


async def test_a_stalled_subscriber_never_blocks_the_emitter() -> None:
    bus = EventBus()
    stalled = bus.subscribe(maxsize=10)
    live = bus.subscribe(maxsize=10_000)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i in range(5000):
        bus.emit(ev.JobQueued(library_id=LIB, id=uuid.uuid4(), name=str(i)))
    assert loop.time() - started < 1.0
    assert stalled.dropped == 4990
    received = [stalled.get_nowait() for _ in range(10)]
    assert [e.name for e in received if isinstance(e, ev.JobQueued)] == [str(i) for i in range(4990, 5000)]
    assert live.dropped == 0


async def test_queued_progress_is_replaced_by_newer_progress() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    job, other = uuid.uuid4(), uuid.uuid4()
    bus.emit(_progress(job, 1))
    bus.emit(_progress(other, 1))
    for n in range(2, 500):
        bus.emit(_progress(job, n))
    bus.emit(ev.JobCompleted(library_id=LIB, id=job, name="x"))
    got = [sub.get_nowait(), sub.get_nowait(), sub.get_nowait(), sub.get_nowait()]
    assert isinstance(got[0], ev.JobProgress) and got[0].progress.completed == 499
    assert isinstance(got[1], ev.JobProgress) and got[1].id == other
    assert isinstance(got[2], ev.JobCompleted)
    assert got[3] is None


async def test_closing_ends_iteration_and_unsubscribes() -> None:
    bus = EventBus()
    sub = bus.subscribe()

    async def consume() -> list[ev.Event]:
        return [e async for e in sub]

    task = asyncio.create_task(consume())
    bus.emit(ev.CoreStarted(device_id=uuid.uuid4()))
    await asyncio.sleep(0)
    sub.close()
    assert len(await asyncio.wait_for(task, 1)) == 1
    assert bus.subscriber_count == 0


def test_events_round_trip_through_dicts() -> None:
    job = uuid.uuid4()
    for event in (
        _progress(job, 5),
        ev.CurrentLibraryChanged(id=None),
        ev.JobFailed(library_id=LIB, id=job, name="x", error="boom"),
    ):
        assert ev.event_from_dict(event.to_dict()) == event
    assert {"LibraryCreated", "JobQueued", "JobProgress", "JobCompleted", "JobFailed"} <= set(ev.EVENT_TYPES)
