"""Run the walk in child processes and stream their batches back to the event loop.

Walking (syscalls and Python per file) and writing (SQLite) then overlap across cores. A tree is
shared between walkers by its top-level entries, handed out one at a time from a queue so a big
folder does not leave the other walker idle for long; the location root is no entry, so the split is
exact. Each child loads only the walker module; batches cross a pipe pickled with protocol 5.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import pickle
import sqlite3
from collections.abc import AsyncGenerator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from spacedrive.infrastructure.processes import bare_main
from spacedrive.operations.indexing.rules import IndexerRules
from spacedrive.operations.indexing.uuids import UuidCounter, scan_prefix
from spacedrive.operations.indexing.walker import (
    SCRATCH_COLUMNS,
    SCRATCH_FOLDER_COLUMNS,
    Row,
    WalkStats,
    walk,
)

#: Walker processes for a large tree (two cores here: two walkers plus the writer keep both busy).
WALKERS = max(1, min(2, os.cpu_count() or 1))


class WalkError(Exception):
    """The root itself could not be walked (missing, unreadable, not a folder)."""


#: The scratch table a walker fills: compact rows (files leave the last three columns NULL).
SCRATCH_TABLE = f"CREATE TABLE rows ({', '.join(SCRATCH_FOLDER_COLUMNS)})"

#: Rows per INSERT statement: binding many rows per statement step costs a third less than one each.
ROWS_PER_INSERT = 50


def _inserts(columns: tuple[str, ...]) -> tuple[str, str, int]:
    """(one-row INSERT, ``ROWS_PER_INSERT``-row INSERT, parameters per row) for these columns."""
    one = "(" + ", ".join("?" * len(columns)) + ")"
    head = f"INSERT INTO rows ({', '.join(columns)}) VALUES "
    return head + one, head + ", ".join([one] * ROWS_PER_INSERT), len(columns)


_FILE_INSERTS = _inserts(SCRATCH_COLUMNS)
_FOLDER_INSERTS = _inserts(SCRATCH_FOLDER_COLUMNS)


def _insert_rows(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Append a batch of compact rows (files', or folders') to a scratch table: whole groups through
    the multi-row statement, the rest one by one."""
    insert_one, insert_many, width = (
        _FILE_INSERTS if len(rows[0]) == len(SCRATCH_COLUMNS) else _FOLDER_INSERTS
    )
    whole = len(rows) - len(rows) % ROWS_PER_INSERT
    flat = list(itertools.chain.from_iterable(rows[:whole]))
    step = ROWS_PER_INSERT * width
    db.executemany(insert_many, (flat[i : i + step] for i in range(0, len(flat), step)))
    db.executemany(insert_one, rows[whole:])


@dataclass(frozen=True, slots=True)
class Written:
    """Rows a walker wrote into its scratch database (progress only; the rows stay there)."""

    count: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Piece:
    """A complete scratch database of ``count`` rows (rowids 1..count), ready to be copied.

    A walker's pieces arrive in the order it wrote them; the receiver deletes the file when done.
    """

    path: str
    count: int


#: Rows per piece: the core copies a piece in one short transaction (tens of milliseconds) while the
#: walkers go on, so the library's write lock is never held long and the copy overlaps the walk.
PIECE_ROWS = 20_000


class _Pieces:
    """A walker's rows in scratch databases of about ``PIECE_ROWS`` rows, each handed over when full.

    The walker binds its rows into SQLite itself, on its own core: the core process only copies them
    in C. No journal, no fsync: the files are thrown away after the copy.
    """

    def __init__(self, conn: Connection, prefix: str, rows_per_piece: int) -> None:
        self._conn = conn
        self._prefix = prefix
        self._rows_per_piece = rows_per_piece
        self._made = 0
        self._db: sqlite3.Connection | None = None
        self._path = ""
        self._rows = 0

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        if self._db is None:
            self._path = f"{self._prefix}-{self._made}.db"
            self._made += 1
            self._db = sqlite3.connect(self._path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute(SCRATCH_TABLE)
            self._db.execute("BEGIN")
        _insert_rows(self._db, rows)
        self._rows += len(rows)
        self._conn.send_bytes(pickle.dumps(("written", (len(rows), sum(r[4] for r in rows))), protocol=5))
        if self._rows >= self._rows_per_piece:
            self.finish()

    def finish(self) -> None:
        """Hand over the piece being written, if any."""
        if self._db is None:
            return
        self._db.execute("COMMIT")
        self._db.close()
        self._db = None
        self._conn.send_bytes(pickle.dumps(("piece", (self._path, self._rows)), protocol=5))
        self._rows = 0


def _child(
    conn: Connection,
    root: bytes,
    rules: dict[str, Any],
    recursive: bool,
    rel_prefix: bytes,
    work: Any,
    scratch: str | None,
    rows_per_piece: int,
    uuids: UuidCounter | None,
) -> None:
    pieces = _Pieces(conn, scratch, rows_per_piece) if scratch is not None else None

    def send_rows(rows: list[Row]) -> None:
        conn.send_bytes(pickle.dumps(("rows", rows), protocol=5))

    emit = pieces.add if pieces is not None else send_rows
    total = WalkStats()
    try:
        parsed = IndexerRules.from_dict(rules)
        root_listing: list[os.DirEntry[bytes]] | None = None
        while True:
            names = work.get() if work is not None else None
            if work is not None and names is None:
                break
            root_entries = None
            if names is not None:
                if root_listing is None:  # listed once, not once per top-level name taken
                    with os.scandir(root) as it:
                        root_listing = list(it)
                wanted = frozenset(names)
                root_entries = [e for e in root_listing if e.name in wanted]
            stats = walk(
                root,
                parsed,
                emit,
                recursive=recursive,
                rel_prefix=rel_prefix,
                root_entries=root_entries,
                uuids=uuids,
            )
            total.merge(stats)
            if work is None:
                break
        if pieces is not None:
            pieces.finish()
        conn.send_bytes(pickle.dumps(("done", asdict(total)), protocol=5))
    except (OSError, sqlite3.Error) as e:
        conn.send_bytes(pickle.dumps(("error", str(e)), protocol=5))
    finally:
        conn.close()


def _top_level(root: bytes) -> tuple[list[bytes], list[bytes]]:
    """(folder names, other names) at the top of ``root``."""
    dirs: list[bytes] = []
    others: list[bytes] = []
    with os.scandir(root) as it:
        for entry in it:
            try:
                (dirs if entry.is_dir(follow_symlinks=False) else others).append(entry.name)
            except OSError:
                others.append(entry.name)
    return dirs, others


async def stream_walk(
    root: bytes,
    rules: IndexerRules,
    recursive: bool = True,
    in_process: bool = False,
    rel_prefix: bytes = b"",
    workers: int = WALKERS,
    scratch_dir: str | None = None,
) -> AsyncGenerator[list[Row] | Written | Piece | WalkStats, None]:
    """Yield row batches, then one ``WalkStats``. ``in_process`` walks on a thread (small folders).

    With ``scratch_dir`` the walkers keep their rows in scratch databases there and report
    ``Written`` counts as they go and a ``Piece`` for each scratch database completed, to be copied
    while the walk goes on (``store.insert_piece``, ``store.load_scratch``).
    """
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
    work = None
    if recursive and workers > 1:
        try:
            dirs, others = await loop.run_in_executor(None, _top_level, root)
        except OSError as e:
            raise WalkError(f"cannot read {os.fsdecode(root)}: {e.strerror or e}") from e
        if len(dirs) > 1:
            work = ctx.Queue()
            work.put(others)
            for name in dirs:
                work.put([name])
            for _ in range(workers):
                work.put(None)
        else:
            workers = 1
    else:
        workers = 1
    conns: list[Connection] = []
    procs = []
    prefix = scan_prefix()
    for i in range(workers):
        parent, child = ctx.Pipe(duplex=False)
        scratch = os.path.join(scratch_dir, f"walk-{os.getpid()}-{i}") if scratch_dir else None
        proc = ctx.Process(
            target=_child,
            args=(
                child,
                root,
                rules.to_dict(),
                recursive,
                rel_prefix,
                work,
                scratch,
                PIECE_ROWS,
                UuidCounter(prefix, i) if scratch_dir else None,
            ),
            daemon=True,
        )
        with bare_main():
            proc.start()
        child.close()
        conns.append(parent)
        procs.append(proc)
    total = WalkStats()
    try:
        pending = list(conns)
        while pending:
            ready = await loop.run_in_executor(None, wait, pending)
            for conn in ready:
                assert isinstance(conn, Connection)
                try:
                    kind, payload = pickle.loads(conn.recv_bytes())
                except EOFError:
                    raise WalkError(f"a walker of {os.fsdecode(root)} stopped unexpectedly") from None
                if kind == "rows":
                    yield payload
                elif kind == "written":
                    yield Written(*payload)
                elif kind == "piece":
                    yield Piece(*payload)
                elif kind == "done":
                    total.merge(WalkStats(**payload))
                    pending.remove(conn)
                else:
                    raise WalkError(payload)
        yield total
    finally:
        for conn in conns:
            conn.close()
        for proc in procs:
            if proc.is_alive():
                proc.kill()
        for proc in procs:
            with contextlib.suppress(Exception):
                await loop.run_in_executor(None, proc.join, 5)
        if work is not None:
            work.close()
