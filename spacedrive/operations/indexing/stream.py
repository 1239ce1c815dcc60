"""Run the walker in a child process and stream its batches back to the event loop.

Walking (syscalls and Python per file) and writing (SQLite) then overlap on two cores. The child
loads only the walker module; batches cross a pipe pickled with protocol 5.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import pickle
from collections.abc import AsyncIterator
from dataclasses import asdict
from multiprocessing.connection import Connection
from typing import Any

from spacedrive.operations.indexing.rules import IndexerRules
from spacedrive.operations.indexing.walker import Row, WalkStats, walk


class WalkError(Exception):
    """The root itself could not be walked (missing, unreadable, not a folder)."""


def _child(conn: Connection, root: bytes, rules: dict[str, Any], recursive: bool, rel_prefix: bytes) -> None:
    def emit(rows: list[Row]) -> None:
        conn.send_bytes(pickle.dumps(("rows", rows), protocol=5))

    try:
        stats = walk(root, IndexerRules.from_dict(rules), emit, recursive=recursive, rel_prefix=rel_prefix)
        conn.send_bytes(pickle.dumps(("done", asdict(stats)), protocol=5))
    except OSError as e:
        conn.send_bytes(pickle.dumps(("error", str(e)), protocol=5))
    finally:
        conn.close()


async def stream_walk(
    root: bytes,
    rules: IndexerRules,
    recursive: bool = True,
    in_process: bool = False,
    rel_prefix: bytes = b"",
) -> AsyncIterator[list[Row] | WalkStats]:
    """Yield row batches, then one ``WalkStats``. ``in_process`` walks on a thread (small folders, tests)."""
    loop = asyncio.get_running_loop()
    if in_process:
        batches: list[list[Row]] = []
        stats = await loop.run_in_executor(
            None, lambda: walk(root, rules, batches.append, recursive=recursive, rel_prefix=rel_prefix)
        )
        for batch in batches:
            yield batch
        yield stats
        return
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, root, rules.to_dict(), recursive, rel_prefix), daemon=True)
    proc.start()
    child.close()
    try:
        while True:
            try:
                data = await loop.run_in_executor(None, parent.recv_bytes)
            except EOFError:
                raise WalkError(f"the walker of {os.fsdecode(root)} stopped unexpectedly") from None
            kind, payload = pickle.loads(data)
            if kind == "rows":
                yield payload
            elif kind == "done":
                yield WalkStats(**payload)
                return
            else:
                raise WalkError(payload)
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        with contextlib.suppress(Exception):
            await loop.run_in_executor(None, proc.join, 5)
