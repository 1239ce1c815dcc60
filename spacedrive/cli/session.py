"""Reaching a core from the CLI: through a live daemon or GUI, or embedded in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from spacedrive.infrastructure.ipc import registry
from spacedrive.infrastructure.ipc.client import Client, LocalClient, SocketClient


@asynccontextmanager
async def connect(data_dir: Path) -> AsyncIterator[Client]:
    """A client for ``data_dir``: the serving process's socket if one runs, else a core started here.

    Going through the serving process means the CLI never competes with a daemon or the GUI for a
    library's lock; embedded mode opens the libraries itself and closes them on exit.
    """
    record = registry.find_server(data_dir)
    if record is not None:
        client = SocketClient(record)
        try:
            yield client
        finally:
            await client.close()
        return
    from spacedrive.core import Core  # imported only here: SQLAlchemy is slow to import

    core = Core(data_dir, mode="embedded")
    await core.start()
    try:
        yield LocalClient(core)
    finally:
        await core.stop()
