"""Opening a library database: migrations on open, one write path, separate readers.

SQLite has one writer at a time. Every write goes through ``Database.write()``, which serializes
writers on one connection, so the job manager, later the indexer and the GUI never meet
"database is locked"; reads use their own pooled connections and see committed data (WAL).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from spacedrive.errors import LibraryCorrupt, SchemaTooNew

BUSY_TIMEOUT_MS = 5000
SORTER_THREADS = min(4, os.cpu_count() or 1)


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Large sorts (an index rebuilt after a first scan of a big location) use helper threads.
    cursor.execute(f"PRAGMA threads={SORTER_THREADS}")
    cursor.close()


def _alembic_config(connection: Any) -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("spacedrive.infrastructure.db") / "migrations")
    )
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    assert head is not None
    return head


def migrate(db_path: Path) -> None:
    """Bring the database to the newest schema (blocking; run it in an executor).

    A database written by a newer version is refused untouched. Before altering an existing older
    schema, the file is copied aside (``database.db.bak-<revision>``) so a failed upgrade loses nothing.
    """
    from alembic import command

    _check_sqlite_file(db_path)
    engine = create_engine(f"sqlite:///{db_path}", poolclass=NullPool)
    event.listen(engine, "connect", _on_connect)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            script = ScriptDirectory.from_config(_alembic_config(conn))
            head = script.get_current_head()
            conn.rollback()
            if current == head:
                return
            if current is not None:
                try:
                    script.get_revision(current)
                except Exception as e:
                    raise SchemaTooNew(
                        f"{db_path} has schema {current}, newer than this Spacedrive knows; "
                        "update Spacedrive to open it (the library was left untouched)"
                    ) from e
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.rollback()
                shutil.copy2(db_path, db_path.with_name(f"{db_path.name}.bak-{current}"))
            with conn.begin():
                command.upgrade(_alembic_config(conn), "head")
    except SADatabaseError as e:
        raise LibraryCorrupt(f"{db_path} is not a readable SQLite database ({e.orig})") from e
    finally:
        engine.dispose()


def _check_sqlite_file(db_path: Path) -> None:
    """Fail with a clear message before SQLAlchemy or Alembic touch a file that is not SQLite."""
    if not db_path.exists():
        return
    try:
        with db_path.open("rb") as f:
            header = f.read(16)
    except OSError as e:
        raise LibraryCorrupt(f"cannot read {db_path}: {e.strerror or e}") from e
    if header and header != b"SQLite format 3\x00":
        raise LibraryCorrupt(f"{db_path} is not a SQLite database (it was left untouched)")
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise LibraryCorrupt(f"{db_path} is damaged ({e}); it was left untouched") from e
    if row is None or row[0] != "ok":
        raise LibraryCorrupt(
            f"{db_path} is damaged ({row[0] if row else 'no answer'}); it was left untouched"
        )


class Database:
    """An open library database: ``read()`` and ``write()`` give async sessions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        url = f"sqlite+aiosqlite:///{path}"
        self._writer: AsyncEngine = create_async_engine(url, pool_size=1, max_overflow=0)
        self._reader: AsyncEngine = create_async_engine(url, pool_size=4, max_overflow=4)
        for engine in (self._writer, self._reader):
            event.listen(engine.sync_engine, "connect", _on_connect)
        self._write_sessions = async_sessionmaker(self._writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self._reader, expire_on_commit=False)
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        await asyncio.get_running_loop().run_in_executor(None, migrate, path)
        return cls(path)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session on the single write connection; commits on success, rolls back on error."""
        async with self._write_lock, self._write_sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session:
            yield session

    def connect_reader(self) -> sqlite3.Connection:
        """A plain read-only connection for a long read done on worker threads (one at a time): a
        listing of 100k entries through it skips the ORM's row handling and a thread hop per page.
        The caller closes it."""
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Room for a big folder's pages (filled only as used): its rows are read through the name index,
        # a page of the table here and there, and the default 2 MB cache re-read them (330 -> 275 ms
        # for 100k entries).
        conn.execute("PRAGMA cache_size=-32768")
        return conn

    @property
    def sync_engine(self) -> Engine:
        return self._writer.sync_engine

    async def close(self) -> None:
        await self._writer.dispose()
        await self._reader.dispose()
