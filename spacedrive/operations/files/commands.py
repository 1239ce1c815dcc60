"""``file.*`` commands of the API (the CLI and the control socket call these).

Paths travel as exact text (``os.fsdecode`` of the bytes, surrogate-escaped where not UTF-8), so a
name that is not valid UTF-8 arrives byte for byte.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from uuid import UUID

from spacedrive.errors import InvalidArgument
from spacedrive.operations.api import Params, _req, command

if TYPE_CHECKING:
    from spacedrive.core import Core


def _paths(params: Params, key: str) -> list[str]:
    value = params.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidArgument(f"{key!r} must be a non-empty list of paths")
    return value


def _job_id(params: Params) -> UUID:
    try:
        return UUID(_req(params, "job_id"))
    except ValueError:
        raise InvalidArgument("'job_id' is not a job id") from None


def _transfer_command(operation: str) -> Any:
    async def handler(core: Core, params: Params) -> Any:
        run = core.files.copy if operation == "copy" else core.files.move
        outcome = await run(
            list(_paths(params, "sources")),
            _req(params, "destination"),
            conflict=params.get("conflict") or "ask",
            verify=bool(params.get("verify")),
        )
        return outcome.to_dict()

    return handler


command("file.copy")(_transfer_command("copy"))
command("file.move")(_transfer_command("move"))


@command("file.preview")
async def _preview(core: Core, params: Params) -> Any:
    operation = params.get("operation") or "copy"
    if operation not in ("copy", "move"):
        raise InvalidArgument("operation is copy or move")
    preview = await core.files.preview_transfer(
        operation, list(_paths(params, "sources")), _req(params, "destination")
    )
    return preview.to_dict()


@command("file.duplicate")
async def _duplicate(core: Core, params: Params) -> Any:
    return (await core.files.duplicate(list(_paths(params, "paths")))).to_dict()


@command("file.rename")
async def _rename(core: Core, params: Params) -> Any:
    return (await core.files.rename(_req(params, "path"), _req(params, "name"))).to_dict()


def _parent_and_name(path: str) -> tuple[bytes, bytes]:
    full = os.fsencode(os.path.abspath(os.path.expanduser(path)))
    return os.path.dirname(full), os.path.basename(full)


@command("file.mkdir")
async def _mkdir(core: Core, params: Params) -> Any:
    parent, name = _parent_and_name(_req(params, "path"))
    return (await core.files.create_folder(parent, name)).to_dict()


@command("file.touch")
async def _touch(core: Core, params: Params) -> Any:
    parent, name = _parent_and_name(_req(params, "path"))
    return (await core.files.create_file(parent, name)).to_dict()


@command("file.delete")
async def _delete(core: Core, params: Params) -> Any:
    paths: list[Any] = list(_paths(params, "paths"))
    if params.get("permanent"):
        return (await core.files.delete_permanently(paths)).to_dict()
    return (await core.files.trash(paths)).to_dict()


@command("file.restore")
async def _restore(core: Core, params: Params) -> Any:
    return (await core.files.restore(list(_paths(params, "refs")))).to_dict()


@command("file.resolve_conflict")
async def _resolve(core: Core, params: Params) -> Any:
    asked = core.files.resolve_conflict(
        _job_id(params), _req(params, "choice"), bool(params.get("apply_to_all"))
    )
    return asked.to_dict()


@command("file.conflicts")
async def _conflicts(core: Core, params: Params) -> Any:
    return [asked.to_dict() for asked in core.files.pending_conflicts()]


@command("file.retry")
async def _retry(core: Core, params: Params) -> Any:
    return (await core.files.retry(_job_id(params), params.get("conflict") or None)).to_dict()


@command("file.report")
async def _report(core: Core, params: Params) -> Any:
    return await core.files.report(_job_id(params))


@command("file.undo")
async def _undo(core: Core, params: Params) -> Any:
    return (await core.files.undo.undo()).to_dict()


@command("file.redo")
async def _redo(core: Core, params: Params) -> Any:
    return (await core.files.undo.redo()).to_dict()
