"""EventBus: fan-out of typed events to subscribers with bounded queues.

The emitter never blocks and never waits for a subscriber. Each subscriber has its own bounded queue:
a newer progress report for the same job replaces the one still queued, and when the queue is full the
oldest event is dropped and counted in ``Subscription.dropped``, so a stalled consumer costs memory
bounded by its queue size and nothing else.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from spacedrive.domain.events import Event

log = logging.getLogger(__name__)

EventFilter = Callable[[Event], bool]


class _Slot:
    __slots__ = ("event",)

    def __init__(self, event: Event) -> None:
        self.event = event


def _coalesce_key(event: Event) -> tuple[str, Any] | None:
    if not event.LOSSY:
        return None
    return (event.type, getattr(event, "id", None))


class Subscription:
    """One subscriber's queue. Iterate it with ``async for``; ``close()`` ends the iteration."""

    def __init__(self, bus: EventBus, maxsize: int, event_filter: EventFilter | None) -> None:
        self._bus = bus
        self._maxsize = maxsize
        self._filter = event_filter
        self._queue: deque[_Slot] = deque()
        self._pending: dict[tuple[str, Any], _Slot] = {}
        self._wakeup = asyncio.Event()
        self._closed = False
        #: Events lost because this subscriber fell more than ``maxsize`` events behind.
        self.dropped = 0

    def _offer(self, event: Event) -> None:
        if self._closed or (self._filter is not None and not self._filter(event)):
            return
        key = _coalesce_key(event)
        if key is not None and key in self._pending:
            self._pending[key].event = event  # still queued: replace the stale report in place
            return
        if len(self._queue) >= self._maxsize:
            oldest = self._queue.popleft()
            self._forget(oldest)
            self.dropped += 1
        slot = _Slot(event)
        self._queue.append(slot)
        if key is not None:
            self._pending[key] = slot
        self._wakeup.set()

    def _forget(self, slot: _Slot) -> None:
        key = _coalesce_key(slot.event)
        if key is not None and self._pending.get(key) is slot:
            del self._pending[key]

    def get_nowait(self) -> Event | None:
        if not self._queue:
            return None
        slot = self._queue.popleft()
        self._forget(slot)
        return slot.event

    async def get(self) -> Event | None:
        """The next event, or None once the subscription is closed and drained."""
        while not self._queue:
            if self._closed:
                return None
            self._wakeup.clear()
            await self._wakeup.wait()
        return self.get_nowait()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while (event := await self.get()) is not None:
            yield event

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._wakeup.set()
            self._bus._unsubscribe(self)

    @property
    def closed(self) -> bool:
        return self._closed


class EventBus:
    """Publishes events to every live subscription. Call ``emit`` from the event loop's thread."""

    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def subscribe(self, maxsize: int = 1024, event_filter: EventFilter | None = None) -> Subscription:
        self._loop = asyncio.get_running_loop()
        sub = Subscription(self, maxsize, event_filter)
        self._subscriptions.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)

    def emit(self, event: Event) -> None:
        log.debug("event %s", event)
        for sub in list(self._subscriptions):
            sub._offer(event)

    def emit_threadsafe(self, event: Event) -> None:
        """Emit from a worker thread: the event is handed to the loop's thread."""
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self.emit, event)

    def close(self) -> None:
        for sub in list(self._subscriptions):
            sub.close()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)
