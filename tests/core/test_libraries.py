from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.errors import (
    InvalidArgument,
    LibraryCorrupt,
    LibraryExists,
    LibraryLocked,
    LibraryNotFound,
    NoCurrentLibrary,
    SchemaTooNew,
)
from spacedrive.infrastructure.db.models import Base
from spacedrive.operations.libraries import Library
from spacedrive.operations.libraries import manager as manager_module

SPEC_TABLES = {
    "devices",
    "locations",
    "entries",
    "user_metadata",
    "content_identities",
    "content_kinds",
    "mime_types",
    "tags",
    "labels",
    "metadata_tag",
    "metadata_label",
    "volumes",
    "jobs",
    "audit_log",
}


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != ".sdlibrary.lock":
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


async def test_first_start_creates_my_library(core: Core) -> None:
    [info] = core.libraries.list()
    assert info.name == "My Library" and info.is_open and info.is_current
    folder = Path(info.path)
    assert folder.name == "My Library.sdlibrary"
    assert {"library.json", "database.db", "thumbnails", ".sdlibrary.lock"} <= {
        p.name for p in folder.iterdir()
    }
    assert json.loads((folder / "library.json").read_text())["version"] == 2


async def test_database_has_the_spec_schema_in_wal_with_foreign_keys(core: Core) -> None:
    db = Path(core.current_library().path) / "database.db"
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert tables >= SPEC_TABLES
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    conn.close()
    async with core.current_library().db.read() as session:
        assert (await session.execute(__import__("sqlalchemy").text("pragma foreign_keys"))).scalar() == 1


def test_migrations_match_the_models(tmp_path: Path) -> None:
    from spacedrive.infrastructure.db.database import migrate

    db = tmp_path / "m.db"
    migrate(db)
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


async def test_create_switch_rename_close_delete(core: Core) -> None:
    events = core.bus.subscribe()
    work = await core.libraries.create("Work")
    assert core.current_library().name == "My Library"  # creating does not switch
    await core.libraries.switch("work")
    assert core.current_library().id == work.id
    await core.libraries.rename("Work", "Office")
    assert core.libraries.resolve(str(work.id)).name == "Office"
    await core.libraries.close("Office")
    assert not core.libraries.resolve("Office").is_open
    with pytest.raises(NoCurrentLibrary):
        core.current_library()
    await core.libraries.switch("Office")  # switching reopens a closed library
    assert core.current_library().name == "Office"
    await core.libraries.delete("Office")
    assert not Path(work.path).exists()
    assert [i.name for i in core.libraries.list()] == ["My Library"]
    seen = []
    while (e := events.get_nowait()) is not None:
        seen.append(type(e).__name__)
    for name in (
        "LibraryCreated",
        "CurrentLibraryChanged",
        "LibraryRenamed",
        "LibraryClosed",
        "LibraryDeleted",
    ):
        assert name in seen


async def test_closed_library_stays_closed_across_restarts(tmp_path: Path) -> None:
    core = Core(tmp_path / "d")
    await core.start()
    await core.libraries.create("A")
    await core.libraries.create("B")
    await core.libraries.close("B")
    await core.stop()
    core = Core(tmp_path / "d")
    await core.start()
    try:
        assert {i.name: i.is_open for i in core.libraries.list()} == {"A": True, "B": False}
    finally:
        await core.stop()


async def test_duplicate_and_invalid_names_are_refused(core: Core) -> None:
    with pytest.raises(LibraryExists):
        await core.libraries.create("my library")
    for bad in ("", "a/b", "x\ny", ".."):
        with pytest.raises(InvalidArgument):
            await core.libraries.create(bad)
    with pytest.raises(LibraryNotFound):
        await core.libraries.switch("nope")


async def test_library_created_elsewhere_is_portable(tmp_path: Path) -> None:
    a = Core(tmp_path / "a")
    await a.start()
    lib = await a.libraries.create("Travel", parent=tmp_path / "usb")
    lib_id = lib.id
    await a.stop()
    shutil.move(str(tmp_path / "usb" / "Travel.sdlibrary"), tmp_path / "moved.sdlibrary")
    b = Core(tmp_path / "b")
    await b.start()
    try:
        opened = await b.libraries.open_path(tmp_path / "moved.sdlibrary")
        assert opened.id == lib_id and b.current_library().name == "Travel"
    finally:
        await b.stop()
    c = Core(tmp_path / "b")  # remembered across restarts
    await c.start()
    try:
        assert c.current_library().id == lib_id
    finally:
        await c.stop()


async def test_second_opener_gets_library_locked(core: Core) -> None:
    folder = core.current_library().path
    with pytest.raises(LibraryLocked, match="in use by another Spacedrive process"):
        await Library.open(folder, core.bus, core.device)


async def test_second_core_lists_locked_library_with_the_reason(core: Core, tmp_path: Path) -> None:
    other = Core(tmp_path / "other")
    await other.start()
    try:
        with pytest.raises(LibraryLocked):
            await other.libraries.open_path(core.current_library().path)
    finally:
        await other.stop()


async def test_corrupt_library_json_is_reported_and_others_still_open(tmp_path: Path) -> None:
    data = tmp_path / "d"
    core = Core(data)
    await core.start()
    await core.libraries.create("Good")
    bad = await core.libraries.create("Bad")
    bad_path = bad.path
    await core.stop()
    (bad_path / "library.json").write_text("{truncated")
    core = Core(data)
    await core.start()
    try:
        infos = {i.name: i for i in core.libraries.list()}
        assert infos["Good"].is_open
        assert "unreadable" in infos["Bad"].problem
        assert (bad_path / "library.json").read_text() == "{truncated"
    finally:
        await core.stop()


async def test_newer_library_version_is_refused_untouched(tmp_path: Path) -> None:
    core = Core(tmp_path / "d")
    await core.start()
    lib = await core.libraries.create("Future")
    folder = lib.path
    await core.libraries.close("Future")
    config = json.loads((folder / "library.json").read_text())
    (folder / "library.json").write_text(json.dumps({**config, "version": 9}))
    before = _digest(folder)
    try:
        with pytest.raises(SchemaTooNew, match="newer"):
            await core.libraries.open_path(folder)
    finally:
        await core.stop()
    assert _digest(folder) == before


async def test_newer_database_schema_is_refused_untouched(tmp_path: Path) -> None:
    core = Core(tmp_path / "d")
    await core.start()
    lib = await core.libraries.create("Future")
    folder = lib.path
    await core.libraries.close("Future")
    conn = sqlite3.connect(folder / "database.db")
    conn.execute("update alembic_version set version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    before = _digest(folder)
    try:
        with pytest.raises(SchemaTooNew, match="update Spacedrive"):
            await core.libraries.open_path(folder)
    finally:
        await core.stop()
    assert _digest(folder) == before


async def test_garbage_database_is_refused_untouched(tmp_path: Path) -> None:
    core = Core(tmp_path / "d")
    await core.start()
    lib = await core.libraries.create("Broken")
    folder = lib.path
    await core.libraries.close("Broken")
    for p in folder.glob("database.db*"):
        p.unlink()
    (folder / "database.db").write_bytes(b"this is not sqlite" * 100)
    try:
        with pytest.raises(LibraryCorrupt, match="not a SQLite database"):
            await core.libraries.open_path(folder)
    finally:
        await core.stop()
    assert (folder / "database.db").read_bytes() == b"this is not sqlite" * 100


async def test_library_folder_deleted_while_open_is_closed_with_a_message(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manager_module, "HEALTH_INTERVAL", 0.05)
    await core.libraries.stop()  # restart the health watch with the short interval
    await core.libraries.start()
    events = core.bus.subscribe()
    lib = core.current_library()
    shutil.rmtree(lib.path)
    async with asyncio.timeout(5):
        while True:
            event = await events.get()
            if isinstance(event, ev.LibraryUnavailable):
                break
    assert "disappeared" in event.reason
    assert lib.closed
    assert not any(i.is_open for i in core.libraries.list())
