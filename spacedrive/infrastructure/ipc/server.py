"""ControlServer: serves the command API (``operations.api``) of an in-process core on a local socket.

Both the daemon and the GUI run one, so a CLI command reaches whichever process holds the libraries
instead of fighting it for their locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacedrive import __version__
from spacedrive.errors import DaemonError, SpacedriveError
from spacedrive.infrastructure.fs.lock import FileLock, LockHeld
from spacedrive.infrastructure.ipc import protocol, registry
from spacedrive.operations import api

if TYPE_CHECKING:
    from spacedrive.core import Core

log = logging.getLogger(__name__)


class ControlServer:
    """Listens on the data dir's control socket. ``shutdown_requested`` is set by ``core.shutdown``."""

    def __init__(self, core: Core, kind: str, instance: str | None = None) -> None:
        self._core = core
        self._kind = kind
        self._instance = instance
        self._server: asyncio.AbstractServer | None = None
        self._record: registry.ServerRecord | None = None
        self._lock: FileLock | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.shutdown_requested = asyncio.Event()

    @property
    def record(self) -> registry.ServerRecord | None:
        return self._record

    async def start(self) -> None:
        data_dir = self._core.data_dir
        rundir = registry.runtime_dir()
        self._lock = FileLock(rundir / f"{registry.server_key(data_dir)}.lock")
        try:
            self._lock.acquire()
        except LockHeld:
            self._lock = None
            other = registry.find_server(data_dir)
            who = f"{other.kind} (pid {other.pid})" if other else "another Spacedrive process"
            raise DaemonError(f"{data_dir} is already served by {who}") from None
        token = ""
        try:
            if registry.USE_UNIX_SOCKETS:
                path = registry.socket_path(data_dir)
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()  # stale: we hold the lock, so no live server owns it
                old_umask = os.umask(0o177)
                try:
                    self._server = await asyncio.start_unix_server(
                        self._serve, path=str(path), limit=protocol.MAX_LINE
                    )
                finally:
                    os.umask(old_umask)
                os.chmod(path, 0o600)
                address = str(path)
            else:  # pragma: no cover - Windows: loopback TCP guarded by a token in a private file
                token = secrets.token_hex(16)
                self._server = await asyncio.start_server(
                    self._serve, host="127.0.0.1", port=0, limit=protocol.MAX_LINE
                )
                port = self._server.sockets[0].getsockname()[1]
                address = f"127.0.0.1:{port}"
        except OSError as e:
            self._lock.release()
            raise DaemonError(f"cannot open the control socket: {e.strerror or e}") from e
        self._record = registry.ServerRecord(
            pid=os.getpid(),
            kind=self._kind,
            data_dir=str(data_dir),
            instance=self._instance,
            socket=address,
            token=token,
            started_at=time.time(),
            version=__version__,
        )
        registry.write_record(self._record)
        log.info("control socket listening on %s", address)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None
        if self._record is not None:
            registry.remove_record(self._record)
            self._record = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        forwarder: asyncio.Task[None] | None = None
        authenticated = registry.USE_UNIX_SOCKETS
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    await self._send(
                        writer, {"error": {"code": "invalid_argument", "message": "request too large"}}
                    )
                    return
                if not line:
                    return
                try:
                    request = protocol.decode(line)
                except ValueError:
                    await self._send(
                        writer, {"error": {"code": "invalid_argument", "message": "malformed request"}}
                    )
                    return
                req_id = request.get("id")
                method = request.get("method")
                params = request.get("params") or {}
                if not authenticated:
                    token = str(params.get("token", "")) if method == "auth" else ""
                    if not self._record or not hmac.compare_digest(token, self._record.token):
                        await self._send(
                            writer, {"id": req_id, "error": {"code": "denied", "message": "bad token"}}
                        )
                        return
                    authenticated = True
                    await self._send(writer, {"id": req_id, "result": True})
                    continue
                if method == "events.subscribe":
                    if forwarder is None:
                        forwarder = asyncio.create_task(self._forward_events(writer))
                    await self._send(writer, {"id": req_id, "result": True})
                    continue
                if method == "core.shutdown":
                    await self._send(writer, {"id": req_id, "result": True})
                    self.shutdown_requested.set()
                    continue
                await self._send(writer, await self._execute(req_id, str(method), params))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if forwarder is not None:
                forwarder.cancel()
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _execute(self, req_id: Any, method: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return {"id": req_id, "result": await api.execute(self._core, method, params)}
        except SpacedriveError as e:
            return {"id": req_id, "error": e.to_dict()}
        except Exception as e:
            log.exception("command %s failed", method)
            return {"id": req_id, "error": {"code": "internal", "message": f"internal error: {e}"}}

    async def _forward_events(self, writer: asyncio.StreamWriter) -> None:
        subscription = self._core.bus.subscribe(maxsize=4096)
        try:
            async for event in subscription:
                await self._send(writer, {"event": event.to_dict()})
        except ConnectionError:
            pass
        finally:
            subscription.close()

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
        writer.write(protocol.encode(message))
        await writer.drain()


def serving_pid(data_dir: Path) -> int | None:
    record = registry.find_server(data_dir)
    return record.pid if record else None
