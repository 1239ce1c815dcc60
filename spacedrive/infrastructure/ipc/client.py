"""Clients of the command API: over the control socket, or straight into an in-process core."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from spacedrive.domain.events import Event, event_from_dict
from spacedrive.errors import DaemonError, DaemonNotRunning, error_from_dict
from spacedrive.infrastructure.ipc import protocol, registry

if TYPE_CHECKING:
    from spacedrive.core import Core


class Client(ABC):
    """``call`` runs one command; ``events`` yields the core's events until closed."""

    @abstractmethod
    async def call(self, method: str, **params: Any) -> Any: ...

    @abstractmethod
    def events(self) -> AsyncIterator[Event]: ...

    @abstractmethod
    async def close(self) -> None: ...


class LocalClient(Client):
    """Runs commands on a core in this process (the CLI's embedded mode, and tests)."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def call(self, method: str, **params: Any) -> Any:
        from spacedrive.operations import api

        return await api.execute(self.core, method, params)

    async def events(self) -> AsyncIterator[Event]:
        subscription = self.core.bus.subscribe(maxsize=4096)
        try:
            async for event in subscription:
                yield event
        finally:
            subscription.close()

    async def close(self) -> None:
        pass


class SocketClient(Client):
    """Talks to a daemon or GUI through its control socket."""

    def __init__(self, record: registry.ServerRecord) -> None:
        self.record = record
        self._ids = itertools.count(1)
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._lock = asyncio.Lock()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            if registry.USE_UNIX_SOCKETS:
                reader, writer = await asyncio.open_unix_connection(
                    self.record.socket, limit=protocol.MAX_LINE
                )
            else:  # pragma: no cover - Windows
                host, port = self.record.socket.rsplit(":", 1)
                reader, writer = await asyncio.open_connection(host, int(port), limit=protocol.MAX_LINE)
        except OSError as e:
            raise DaemonNotRunning(
                f"cannot reach Spacedrive ({self.record.kind}, pid {self.record.pid}) "
                f"at {self.record.socket}: {e.strerror or e}"
            ) from e
        if self.record.token:
            await self._request(reader, writer, "auth", {"token": self.record.token})
        return reader, writer

    async def _request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str, params: dict[str, Any]
    ) -> Any:
        req_id = next(self._ids)
        writer.write(protocol.encode({"id": req_id, "method": method, "params": params}))
        await writer.drain()
        while True:
            line = await reader.readline()
            if not line:
                raise DaemonError(
                    f"Spacedrive ({self.record.kind}, pid {self.record.pid}) closed the connection"
                )
            reply = protocol.decode(line)
            if reply.get("id") != req_id:
                continue  # an event line on a subscribed connection
            if "error" in reply:
                raise error_from_dict(reply["error"])
            return reply.get("result")

    async def call(self, method: str, **params: Any) -> Any:
        async with self._lock:
            if self._conn is None:
                self._conn = await self._open()
            return await self._request(*self._conn, method, params)

    async def events(self) -> AsyncIterator[Event]:
        reader, writer = await self._open()
        try:
            await self._request(reader, writer, "events.subscribe", {})
            while line := await reader.readline():
                message = protocol.decode(line)
                if "event" in message:
                    with contextlib.suppress(ValueError, KeyError, TypeError):
                        yield event_from_dict(message["event"])
        finally:
            writer.close()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn[1].close()
            self._conn = None
