"""Locations: add (refusing nested or overlapping ones), list, rescan, edit rules, remove."""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select

from spacedrive.domain import events as ev
from spacedrive.domain.jobs import JobStatus
from spacedrive.domain.location import IndexMode, LocationInfo
from spacedrive.errors import InvalidArgument, SpacedriveError
from spacedrive.infrastructure.db.models import DeviceRow, LocationRow
from spacedrive.operations.indexing.content import drop_orphan_identities
from spacedrive.operations.indexing.job import IndexerJob
from spacedrive.operations.indexing.rules import IndexerRules

if TYPE_CHECKING:
    from spacedrive.operations.libraries import Library


class LocationNotFound(SpacedriveError):
    code = "location_not_found"


class LocationOverlap(SpacedriveError):
    """The new location would contain, or sit inside, an existing one."""

    code = "location_overlap"


def _info(row: LocationRow, watching: bool = False) -> LocationInfo:
    return LocationInfo(
        id=row.id,
        uuid=UUID(bytes=row.uuid),
        name=row.name or os.path.basename(os.fsdecode(row.path)) or os.fsdecode(row.path),
        path=os.fsdecode(row.path),
        mode=IndexMode(row.index_mode),
        scan_state=row.scan_state,
        last_scan_at=row.last_scan_at,
        total_file_count=row.total_file_count,
        total_byte_size=row.total_byte_size,
        error_message=row.error_message or "",
        rules=json.loads(row.indexer_rules) if row.indexer_rules else IndexerRules().to_dict(),
        watching=watching,
    )


def _is_within(inner: bytes, outer: bytes) -> bool:
    outer = outer.rstrip(b"/") or b"/"
    return inner == outer or inner.startswith(outer if outer.endswith(b"/") else outer + b"/")


async def list_locations(library: Library) -> list[LocationInfo]:
    async with library.db.read() as session:
        rows = (await session.scalars(select(LocationRow).order_by(LocationRow.id))).all()
    watching = library.watched_location_ids()
    return [_info(r, r.id in watching) for r in rows]


async def get_location(library: Library, ref: str | int) -> LocationInfo:
    """By id, UUID (or a prefix of 4+ characters), name or path."""
    ref_s = str(ref)
    locations = await list_locations(library)
    for match in (
        [loc for loc in locations if str(loc.id) == ref_s],
        [
            loc
            for loc in locations
            if str(loc.uuid) == ref_s.lower() or (len(ref_s) >= 4 and str(loc.uuid).startswith(ref_s.lower()))
        ],
        [loc for loc in locations if loc.name.casefold() == ref_s.casefold()],
        [loc for loc in locations if os.path.abspath(ref_s) == loc.path],
    ):
        if len(match) == 1:
            return match[0]
        if len(match) > 1:
            raise InvalidArgument(f"{ref_s!r} matches several locations; use its id")
    raise LocationNotFound(f"no location matches {ref_s!r} (see `location list`)")


async def add_location(
    library: Library,
    path: str,
    name: str | None = None,
    mode: str = "shallow",
    rules: IndexerRules | None = None,
) -> tuple[LocationInfo, UUID]:
    try:
        index_mode = IndexMode(mode)
    except ValueError:
        raise InvalidArgument(f"unknown mode {mode!r} (shallow, content or deep)") from None
    raw = os.fsencode(os.path.realpath(os.path.expanduser(path)))
    if not os.path.isdir(raw):
        raise InvalidArgument(f"{path} is not a folder")
    if not os.access(raw, os.R_OK | os.X_OK):
        raise InvalidArgument(f"{path} cannot be read")
    for other in await list_locations(library):
        other_raw = os.fsencode(other.path)
        if _is_within(raw, other_raw):
            raise LocationOverlap(f"{path} is inside the location {other.name!r} ({other.path})")
        if _is_within(other_raw, raw):
            raise LocationOverlap(f"{path} contains the location {other.name!r} ({other.path})")
    now = int(time.time())
    async with library.db.write() as session:
        device = await session.scalar(select(DeviceRow).where(DeviceRow.uuid == library.device_id.bytes))
        assert device is not None
        row = LocationRow(
            uuid=uuid.uuid4().bytes,
            device_id=device.id,
            path=raw,
            name=name or os.path.basename(raw.rstrip(b"/")).decode("utf-8", "replace") or "/",
            index_mode=index_mode.value,
            scan_state="pending",
            indexer_rules=json.dumps((rules or IndexerRules()).to_dict()),
            total_file_count=0,
            total_byte_size=0,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        info = _info(row)
    library.bus.emit(ev.LocationAdded(library_id=library.id, id=info.id, name=info.name, path=info.path))
    job_id = await library.jobs.dispatch(
        IndexerJob(location_id=info.id, path=raw, location_name=info.name, mode=index_mode.value)
    )
    await library.start_watching(info.id)
    return info, job_id


async def rescan_location(library: Library, ref: str | int, force: bool = False) -> UUID:
    info = await get_location(library, ref)
    return await library.jobs.dispatch(
        IndexerJob(
            location_id=info.id,
            path=os.fsencode(info.path),
            location_name=info.name,
            mode=info.mode.value,
            force=force,
        )
    )


async def update_location(
    library: Library,
    ref: str | int,
    name: str | None = None,
    mode: str | None = None,
    rules: dict[str, Any] | None = None,
) -> tuple[LocationInfo, UUID | None]:
    """Rename, change mode or rules; a change of mode or rules rescans the location."""
    info = await get_location(library, ref)
    async with library.db.write() as session:
        row = await session.get(LocationRow, info.id)
        assert row is not None
        if name:
            row.name = name
        if mode:
            try:
                row.index_mode = IndexMode(mode).value
            except ValueError:
                raise InvalidArgument(f"unknown mode {mode!r} (shallow, content or deep)") from None
        if rules is not None:
            merged = {**IndexerRules.from_dict(json.loads(row.indexer_rules or "{}")).to_dict(), **rules}
            row.indexer_rules = json.dumps(IndexerRules.from_dict(merged).to_dict())
        row.updated_at = int(time.time())
    library.bus.emit(ev.LocationUpdated(library_id=library.id, id=info.id))
    job_id = await rescan_location(library, info.id) if (mode or rules is not None) else None
    return await get_location(library, info.id), job_id


async def remove_location(library: Library, ref: str | int) -> LocationInfo:
    """Forget the location and its entries (the files on disk are not touched)."""
    info = await get_location(library, ref)
    await library.stop_watching(info.id)
    for job in await library.jobs.list(limit=10_000):
        if job.name == IndexerJob.NAME and not job.status.is_finished:
            state = await library.jobs.job_state(job.id)
            if (
                isinstance(state, IndexerJob)
                and state.location_id == info.id
                and job.status is not JobStatus.COMPLETED
            ):
                await library.jobs.cancel(job.id)
    async with library.db.write() as session:
        row = await session.get(LocationRow, info.id)
        if row is not None:
            await session.delete(row)  # its entries go with it (ON DELETE CASCADE)
    await drop_orphan_identities(library.db)  # content only this location had is no longer in the library
    library.bus.emit(ev.LocationRemoved(library_id=library.id, id=info.id, name=info.name))
    return info


async def get_rules(library: Library, location_id: int) -> dict[str, Any]:
    async with library.db.read() as session:
        row = await session.get(LocationRow, location_id)
    if row is None:
        raise LocationNotFound(f"location {location_id} no longer exists")
    return json.loads(row.indexer_rules) if row.indexer_rules else {}


async def set_scan_state(library: Library, location_id: int, state: str) -> None:
    async with library.db.write() as session:
        row = await session.get(LocationRow, location_id)
        if row is not None:
            row.scan_state = state
            row.updated_at = int(time.time())
    library.bus.emit(ev.LocationUpdated(library_id=library.id, id=location_id))


async def end_scan(library: Library, location_id: int, error: str | None) -> None:
    """A scan stopped before it completed: failed (with why), or back to its last complete scan."""
    async with library.db.write() as session:
        row = await session.get(LocationRow, location_id)
        if row is None or row.scan_state != "scanning":
            return
        if error is not None:
            row.scan_state, row.error_message = "failed", error
        else:
            row.scan_state = "complete" if row.last_scan_at is not None else "pending"
        row.updated_at = int(time.time())
    library.bus.emit(ev.LocationUpdated(library_id=library.id, id=location_id))


async def finish_scan(library: Library, location_id: int, files: int, size: int, error: str | None) -> None:
    now = int(time.time())
    async with library.db.write() as session:
        row = await session.get(LocationRow, location_id)
        if row is not None:
            row.scan_state = "complete"
            row.total_file_count = files
            row.total_byte_size = size
            row.last_scan_at = now
            row.error_message = error
            row.updated_at = now
    library.bus.emit(ev.LocationUpdated(library_id=library.id, id=location_id))


# ---- commands -------------------------------------------------------------------------------------------

from spacedrive.operations.api import Params, _req, _str, command  # noqa: E402

if TYPE_CHECKING:
    from spacedrive.core import Core


def _rules_from(params: Params) -> dict[str, Any] | None:
    rules = params.get("rules")
    if rules is None:
        return None
    if not isinstance(rules, dict):
        raise InvalidArgument("'rules' must be an object")
    unknown = set(rules) - set(IndexerRules.__dataclass_fields__)
    if unknown:
        raise InvalidArgument(f"unknown indexer rule(s): {', '.join(sorted(unknown))}")
    return rules


@command("location.add")
async def _add(core: Core, params: Params) -> Any:
    library = core.libraries.current()
    rules = _rules_from(params)
    info, job_id = await add_location(
        library,
        _req(params, "path"),
        _str(params, "name", required=False),
        _str(params, "mode", required=False) or "shallow",
        IndexerRules.from_dict(rules) if rules else None,
    )
    return {**info.to_dict(), "job_id": str(job_id)}


@command("location.list")
async def _list(core: Core, params: Params) -> Any:
    return [loc.to_dict() for loc in await list_locations(core.libraries.current())]


@command("location.info")
async def _info_cmd(core: Core, params: Params) -> Any:
    return (await get_location(core.libraries.current(), _req(params, "ref"))).to_dict()


@command("location.remove")
async def _remove(core: Core, params: Params) -> Any:
    return (await remove_location(core.libraries.current(), _req(params, "ref"))).to_dict()


@command("location.rescan")
async def _rescan(core: Core, params: Params) -> Any:
    library = core.libraries.current()
    job_id = await rescan_location(library, _req(params, "ref"), bool(params.get("force")))
    return {**(await get_location(library, _req(params, "ref"))).to_dict(), "job_id": str(job_id)}


@command("location.update")
async def _update(core: Core, params: Params) -> Any:
    info, job_id = await update_location(
        core.libraries.current(),
        _req(params, "ref"),
        _str(params, "name", required=False),
        _str(params, "mode", required=False),
        _rules_from(params),
    )
    return {**info.to_dict(), "job_id": str(job_id) if job_id else None}


async def reset_interrupted_scans(library: Library) -> None:
    """A scan cut short by a stopped process shows as pending until its job continues."""
    async with library.db.write() as session:
        conn = await session.connection()
        await conn.exec_driver_sql(
            "UPDATE locations SET scan_state = 'pending' WHERE scan_state = 'scanning'"
        )
