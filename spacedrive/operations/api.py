"""The command surface of a running core, shared by the control socket and in-process callers.

Each command is ``async handler(core, params) -> JSON-able``. The CLI calls the same commands whether
it talks to a daemon, to the GUI, or to a core embedded in its own process, so the three can never
disagree. Errors are ``SpacedriveError`` subclasses; their ``code`` crosses the socket.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from spacedrive import __version__
from spacedrive.domain.jobs import JobInfo, JobStatus
from spacedrive.errors import InvalidArgument, JobNotFound
from spacedrive.infrastructure.jobs.manager import JobManager

if TYPE_CHECKING:
    from spacedrive.core import Core

Params = dict[str, Any]
Handler = Callable[["Core", Params], Awaitable[Any]]
COMMANDS: dict[str, Handler] = {}
_STARTED_AT = time.time()


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn

    return register


async def execute(core: Core, method: str, params: Params | None = None) -> Any:
    handler = COMMANDS.get(method)
    if handler is None:
        raise InvalidArgument(f"unknown command {method!r}")
    return await handler(core, params or {})


def _str(params: Params, key: str, required: bool = True) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise InvalidArgument(f"missing {key!r}")
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{key!r} must be a string")
    return value


def _req(params: Params, key: str) -> str:
    value = _str(params, key)
    assert value is not None
    return value


# ---- core -----------------------------------------------------------------------------------------------


@command("core.status")
async def core_status(core: Core, params: Params) -> Any:
    current = core.libraries.current_id()
    jobs = [j for manager in core.files.job_managers() for j in await manager.list()]
    return {
        "version": __version__,
        "pid": os.getpid(),
        "mode": core.mode,
        "data_dir": str(core.data_dir),
        "uptime_s": round(time.time() - _STARTED_AT, 1),
        "device": core.device.to_dict(),
        "libraries": len(core.libraries.list()),
        "open_libraries": len(core.libraries.open_libraries()),
        "current_library": str(current) if current else None,
        "jobs_running": sum(1 for j in jobs if j.status is JobStatus.RUNNING),
        "jobs_queued": sum(1 for j in jobs if j.status is JobStatus.QUEUED),
        "jobs_paused": sum(1 for j in jobs if j.status is JobStatus.PAUSED),
    }


# ---- libraries ------------------------------------------------------------------------------------------


@command("library.create")
async def library_create(core: Core, params: Params) -> Any:
    parent = _str(params, "path", required=False)
    library = await core.libraries.create(
        _req(params, "name"), Path(parent) if parent else None, _str(params, "description", False) or ""
    )
    return core.libraries.resolve(str(library.id)).to_dict()


@command("library.list")
async def library_list(core: Core, params: Params) -> Any:
    return [info.to_dict() for info in core.libraries.list()]


@command("library.current")
async def library_current(core: Core, params: Params) -> Any:
    current = core.libraries.current_id()
    return core.libraries.resolve(str(current)).to_dict() if current else None


@command("library.info")
async def library_info(core: Core, params: Params) -> Any:
    ref = _str(params, "ref", required=False)
    info = core.libraries.resolve(ref) if ref else core.libraries.resolve(str(core.libraries.current().id))
    data = info.to_dict()
    if info.is_open:
        library = core.libraries.get_open(info.id)
        data["statistics"] = await library.statistics()
        data["settings"] = library.config.get("settings", {})
    return data


@command("library.open")
async def library_open(core: Core, params: Params) -> Any:
    library = await core.libraries.open_path(Path(_req(params, "path")))
    return core.libraries.resolve(str(library.id)).to_dict()


@command("library.switch")
async def library_switch(core: Core, params: Params) -> Any:
    library = await core.libraries.switch(_req(params, "ref"))
    return core.libraries.resolve(str(library.id)).to_dict()


@command("library.rename")
async def library_rename(core: Core, params: Params) -> Any:
    ref = _str(params, "ref", required=False) or str(core.libraries.current().id)
    return (await core.libraries.rename(ref, _req(params, "name"))).to_dict()


@command("library.close")
async def library_close(core: Core, params: Params) -> Any:
    return (await core.libraries.close(_str(params, "ref", required=False))).to_dict()


@command("library.delete")
async def library_delete(core: Core, params: Params) -> Any:
    return (await core.libraries.delete(_req(params, "ref"))).to_dict()


# ---- jobs -----------------------------------------------------------------------------------------------


@command("job.list")
async def job_list(core: Core, params: Params) -> Any:
    status = _str(params, "status", required=False)
    try:
        wanted = JobStatus(status) if status else None
    except ValueError:
        raise InvalidArgument(
            f"unknown status {status!r} (one of: {', '.join(s.value for s in JobStatus)})"
        ) from None
    jobs: list[JobInfo] = []
    for manager in core.files.job_managers():  # the libraries', and file jobs run without one
        jobs.extend(await manager.list(wanted))
    jobs.sort(key=lambda j: j.created_at, reverse=True)
    return [j.to_dict() for j in jobs]


async def _find_job(core: Core, ref: str) -> tuple[JobManager, UUID]:
    """A job by full id or an unambiguous prefix (as `job list` prints 8 characters)."""
    ref = ref.lower()
    found: list[tuple[JobManager, UUID]] = []
    for manager in core.files.job_managers():
        for job in await manager.list(limit=10_000):
            if str(job.id) == ref:
                return manager, job.id
            if len(ref) >= 4 and str(job.id).startswith(ref):
                found.append((manager, job.id))
    if not found:
        raise JobNotFound(f"no job matches {ref!r} (see `job list`)")
    if len(found) > 1:
        raise InvalidArgument(f"{ref!r} matches {len(found)} jobs; give more of the id")
    return found[0]


@command("job.run_queued")
async def job_run_queued(core: Core, params: Params) -> Any:
    """Let a short-lived embedded core run its queued jobs (a CLI command that waits for one)."""
    for manager in core.files.job_managers():
        manager.start_running()
    return True


def _job_command(action: str) -> Handler:
    """``job.<action>``: find the job by id or prefix, call ``JobManager.<action>``, return its info."""

    async def handler(core: Core, params: Params) -> Any:
        jobs, job_id = await _find_job(core, _req(params, "id"))
        info: JobInfo = await getattr(jobs, action)(job_id)
        return info.to_dict()

    return handler


for _action in ("info", "pause", "resume", "cancel"):
    COMMANDS[f"job.{_action}"] = _job_command(_action)


from spacedrive.operations import listing as _listing  # noqa: E402,F401  (registers ls)
from spacedrive.operations import locations as _locations  # noqa: E402,F401  (registers location.*)
from spacedrive.operations import tags as _tags  # noqa: E402,F401  (registers tag.*)
from spacedrive.operations import volumes as _volumes  # noqa: E402,F401  (registers volume.*)
from spacedrive.operations.files import commands as _files  # noqa: E402,F401  (registers file.*)
from spacedrive.operations.network import commands as _network  # noqa: E402,F401  (registers network.*)
