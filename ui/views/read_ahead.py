"""ReadAhead: a listing read one chunk ahead of the rows being inserted, so disk and GUI work overlap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from spacedrive.domain.entry import Entry

#: The most entries handed over at once when chunks pile up (the GUI inserts them in one go).
BATCH_LIMIT = 6000


class ReadAhead:
    """Reads ``chunks`` in a task of its own: the next chunk is read (in the core's executor) while the
    GUI inserts the last one. Chunks that arrive meanwhile are handed over together, up to a limit.
    ``close()`` stops the reading; it must be called when the consumer stops early.
    """

    def __init__(self, chunks: AsyncIterator[list[Entry]], limit: int = BATCH_LIMIT) -> None:
        self._limit = limit
        self._pending: list[Entry] = []
        self._done = False
        self._error: Exception | None = None
        self._wake = asyncio.Event()
        self._task = asyncio.ensure_future(self._read(chunks))

    async def _read(self, chunks: AsyncIterator[list[Entry]]) -> None:
        try:
            async for chunk in chunks:
                self._pending += chunk
                self._wake.set()
        except Exception as e:  # handed to the consumer, which knows which errors it expects
            self._error = e
        finally:
            self._done = True
            self._wake.set()

    async def next_batch(self) -> list[Entry] | None:
        """The entries read since the last call (waiting for some), or None once the listing is over.

        Raises what the listing raised, after every entry read before it was handed over.
        """
        while not self._pending and not self._done:
            self._wake.clear()
            await self._wake.wait()
        if self._pending:
            batch = self._pending[: self._limit]
            del self._pending[: self._limit]
            return batch
        if self._error is not None:
            raise self._error
        return None

    def close(self) -> None:
        self._task.cancel()
