"""``network.*`` commands of the API (docs/cli.md): identity, start/stop, pairing, devices, Spacedrop.

In a one-shot CLI process (no daemon or GUI running), commands that need the network start it for the
length of the command on the configured port: `network pair generate` then listens until paired.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacedrive.errors import InvalidArgument
from spacedrive.operations.api import Params, _req, _str, command

if TYPE_CHECKING:
    from spacedrive.core import Core
    from spacedrive.operations.network.service import NetworkService


async def _running(core: Core, params: Params) -> NetworkService:
    """The running service; a one-shot CLI core starts it for the length of the command."""
    if core.network.running:
        return core.network
    if core.mode != "embedded":
        from spacedrive.operations.network.service import NetworkOff

        raise NetworkOff("networking is off here; start it with `spacedrive network start`")
    port = params.get("port")
    return await core.start_network(
        port=int(port) if port is not None else None, password=_str(params, "password", False)
    )


def _bool(params: Params, key: str) -> bool:
    value = params.get(key, False)
    if not isinstance(value, bool):
        raise InvalidArgument(f"{key!r} must be true or false")
    return value


@command("network.init")
async def network_init(core: Core, params: Params) -> Any:
    from spacedrive.infrastructure.net import identity

    ident = identity.create(
        core.data_dir, core.device.name, _str(params, "password", False), _bool(params, "force")
    )
    return {
        "device_id": ident.device_id,
        "short_id": identity.short_id(ident.device_id),
        "encrypted": identity.is_encrypted(core.data_dir),
        "key": str(ident.key_path),
        "certificate": str(ident.cert_path),
    }


@command("network.start")
async def network_start(core: Core, params: Params) -> Any:
    port = params.get("port")
    await core.start_network(
        port=int(port) if port is not None else None, remember=True, password=_str(params, "password", False)
    )
    if port is not None and core.config.network_port != int(port):
        core.config.network_port = int(port)
        core.config.save()
    return core.network.status()


@command("network.stop")
async def network_stop(core: Core, params: Params) -> Any:
    await core.network.stop()
    if core.config.networking_enabled:
        core.config.networking_enabled = False
        core.config.save()
    return core.network.status()


@command("network.status")
async def network_status(core: Core, params: Params) -> Any:
    from spacedrive.infrastructure.net import identity

    status = core.network.status()
    if status["device_id"] is None:  # from the certificate: it needs no password
        status["device_id"] = identity.read_device_id(core.data_dir)
    status["enabled"] = core.config.networking_enabled
    status["mode"] = core.mode
    return status


@command("network.devices")
async def network_devices(core: Core, params: Params) -> Any:
    return core.network.device_list()


@command("network.revoke")
async def network_revoke(core: Core, params: Params) -> Any:
    return await core.network.revoke(_req(params, "device"))


@command("network.pair.generate")
async def pair_generate(core: Core, params: Params) -> Any:
    from spacedrive.operations.network.service import session_dict

    service = await _running(core, params)
    session = service.generate_code(auto_accept=_bool(params, "auto_accept"))
    return {**session_dict(session), "addresses": service.local_addresses()}


@command("network.pair.status")
async def pair_status(core: Core, params: Params) -> Any:
    from spacedrive.operations.network.service import session_dict

    session = core.network.last_session
    return session_dict(session) if session else None


@command("network.pair.answer")
async def pair_answer(core: Core, params: Params) -> Any:
    core.network.answer_pairing(_bool(params, "accept"))
    return await pair_status(core, params)


@command("network.pair.cancel")
async def pair_cancel(core: Core, params: Params) -> Any:
    pairing = core.network.pairing
    if pairing is not None and pairing.active is not None:
        pairing.active.cancel()
    return await pair_status(core, params)


@command("network.pair.join")
async def pair_join(core: Core, params: Params) -> Any:
    service = await _running(core, params)
    return await service.join(_req(params, "words"), _str(params, "addr", False))


@command("network.spacedrop")
async def spacedrop(core: Core, params: Params) -> Any:
    from spacedrive.operations.network.jobs import SpacedropSendJob

    service = await _running(core, params)
    paths = params.get("paths")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise InvalidArgument("give one or more paths to send")
    for p in paths:
        if not os.path.lexists(p):
            raise InvalidArgument(f"{p} does not exist")
    device = service.devices.find(_req(params, "device"))
    jobs, _ = await core.files._jobs_and_db()
    job_id = await jobs.dispatch(
        SpacedropSendJob(
            device_id=device.device_id,
            device_name=device.name,
            paths=[str(Path(p).absolute()) for p in paths],
            addr=_str(params, "addr", False),
        )
    )
    return {"job_id": str(job_id), "device": service.device_dict(device)}


@command("network.spacedrop.report")
async def spacedrop_report(core: Core, params: Params) -> Any:
    """What a send job did: bytes on the wire (resumed prefixes excluded), attempts, seconds, skipped."""
    import dataclasses
    from uuid import UUID

    from spacedrive.operations.network.jobs import SpacedropSendJob

    try:
        job_id = UUID(_req(params, "job_id"))
    except ValueError as e:
        raise InvalidArgument("job_id is not a job id") from e
    _, job = await core.files._find(job_id)
    if not isinstance(job, SpacedropSendJob):
        raise InvalidArgument(f"job {job_id} is not a Spacedrop send")
    return dataclasses.asdict(job)


@command("network.spacedrop.pending")
async def spacedrop_pending(core: Core, params: Params) -> Any:
    return core.network.pending_offers() if core.network.running else []


@command("network.spacedrop.answer")
async def spacedrop_answer(core: Core, params: Params) -> Any:
    core.network.answer_offer(
        _req(params, "offer_id"), _bool(params, "accept"), _str(params, "target_dir", False)
    )
    return {"offer_id": params["offer_id"], "accepted": params.get("accept")}


@command("network.receive")
async def receive(core: Core, params: Params) -> Any:
    """Set (or clear, with no ``dir``) the folder that offers are saved into without asking."""
    service = await _running(core, params)
    target = _str(params, "dir", False)
    if target is not None:
        path = Path(target).expanduser().absolute()
        if not path.is_dir():
            raise InvalidArgument(f"{path} is not a folder")
        service.auto_accept_dir = path
    else:
        service.auto_accept_dir = None
    return service.status()
