from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.errors import DaemonError, InvalidArgument, LibraryNotFound
from spacedrive.infrastructure.ipc import registry
from spacedrive.infrastructure.ipc.client import LocalClient, SocketClient
from spacedrive.infrastructure.ipc.server import ControlServer
from tests.core.conftest import CountJob


@pytest.fixture
async def served(core: Core) -> AsyncIterator[tuple[Core, ControlServer, SocketClient]]:
    server = ControlServer(core, kind="daemon")
    await server.start()
    record = registry.find_server(core.data_dir)
    assert record is not None
    client = SocketClient(record)
    try:
        yield core, server, client
    finally:
        await client.close()
        await server.stop()


async def test_commands_over_the_socket_match_the_in_process_ones(served) -> None:  # type: ignore[no-untyped-def]
    core, _, client = served
    created = await client.call("library.create", name="Remote")
    assert created["name"] == "Remote" and created["is_open"]
    assert await client.call("library.list") == await LocalClient(core).call("library.list")
    status = await client.call("core.status")
    assert status["mode"] == "embedded" and status["pid"] == os.getpid()


async def test_errors_cross_the_socket_typed(served) -> None:  # type: ignore[no-untyped-def]
    _, _, client = served
    with pytest.raises(LibraryNotFound, match="no library matches"):
        await client.call("library.switch", ref="nothing")
    with pytest.raises(InvalidArgument, match="unknown command"):
        await client.call("library.explode")
    assert (await client.call("library.current"))["name"] == "My Library"  # the connection survived


async def test_socket_is_owner_only(served) -> None:  # type: ignore[no-untyped-def]
    core, _, _ = served
    record = registry.find_server(core.data_dir)
    assert record is not None
    assert stat.S_IMODE(os.stat(record.socket).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(registry.runtime_dir()).st_mode) == 0o700


async def test_events_stream_over_the_socket(served) -> None:  # type: ignore[no-untyped-def]
    core, _, client = served
    stream = client.events()
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.1)  # let the subscription register
    job_id = await core.current_library().jobs.dispatch(CountJob(total=20))
    seen = [await asyncio.wait_for(first, 5)]
    while not isinstance(seen[-1], ev.JobCompleted):
        seen.append(await asyncio.wait_for(anext(stream), 5))
    assert {type(e).__name__ for e in seen} >= {"JobQueued", "JobStarted", "JobCompleted"}
    assert all(getattr(e, "id", job_id) == job_id for e in seen)
    await stream.aclose()  # type: ignore[attr-defined]


async def test_hostile_input_does_not_kill_the_server(served) -> None:  # type: ignore[no-untyped-def]
    core, _, client = served
    reader, writer = await asyncio.open_unix_connection(client.record.socket)
    writer.write(b"this is not json\n")
    await writer.drain()
    reply = await reader.readline()
    assert b"malformed" in reply
    writer.close()
    assert (await client.call("library.current"))["name"] == "My Library"


async def test_a_second_server_for_the_same_data_dir_is_refused(served) -> None:  # type: ignore[no-untyped-def]
    core, _, _ = served
    with pytest.raises(DaemonError, match="already served"):
        await ControlServer(core, kind="gui").start()


async def test_shutdown_command_sets_the_flag(served) -> None:  # type: ignore[no-untyped-def]
    _, server, client = served
    await client.call("core.shutdown")
    await asyncio.wait_for(server.shutdown_requested.wait(), 2)


async def test_stale_record_of_a_dead_process_is_cleaned(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    dead = registry.ServerRecord(
        pid=2**22 + 12345,
        kind="daemon",
        data_dir=str(data_dir),
        instance=None,
        socket=str(registry.socket_path(data_dir)),
        token="",
        started_at=0.0,
        version="0",
    )
    registry.write_record(dead)
    Path(dead.socket).write_text("")  # the socket file a kill -9 leaves behind
    assert registry.find_server(data_dir) is None
    assert not registry.record_path(data_dir).exists() and not Path(dead.socket).exists()
