"""``spacedrive network``: this device's identity, pairing with a 12-word code, paired devices, Spacedrop.

Commands go to the running daemon or GUI when there is one. Without one, `pair generate`, `pair join`,
`spacedrop` and `receive` start networking in this process for as long as they run.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import time
from typing import Any

from spacedrive.cli.commands.file import follow_job
from spacedrive.cli.output import Output, console, escape, human_size, print_fields, table, when
from spacedrive.errors import InvalidArgument
from spacedrive.infrastructure.ipc.client import Client

FINAL_STATES = ("paired", "failed", "expired", "cancelled")
POLL = 0.2


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    net = sub.add_parser("network", help="pair devices and send files between them (Spacedrop)")
    ns = net.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = ns.add_parser("init", help="create this device's network identity (an Ed25519 key)")
    init.add_argument("--password", action="store_true", help="encrypt the key with a password (asked)")
    init.add_argument(
        "--force", action="store_true", help="replace an existing identity (unpairs everything)"
    )
    start = ns.add_parser("start", help="turn networking on (now and at every start)")
    start.add_argument("--port", type=int, help="UDP (QUIC) and TCP (data) port; default 7373")
    ns.add_parser("stop", help="turn networking off")
    ns.add_parser("status", help="this device's id, port, addresses and pairing state")
    ns.add_parser("devices", help="paired devices, online or not")
    revoke = ns.add_parser("revoke", help="forget a paired device: it can no longer connect")
    revoke.add_argument("device", help="device id (or a unique prefix of it) or name")

    pair = ns.add_parser("pair", help="pair with another device using a 12-word code")
    ps = pair.add_subparsers(dest="pair_action", metavar="ACTION", required=True)
    gen = ps.add_parser("generate", help="show a code for the other device to type, and wait")
    gen.add_argument("--auto-accept", action="store_true", help="pair without asking once the code is proven")
    gen.add_argument("--port", type=int, help="port to listen on when no Spacedrive is running")
    join = ps.add_parser("join", help="type the code shown by the other device")
    join.add_argument("words", nargs="+", help='the 12 words, e.g. "apple brave ..."')
    join.add_argument("--addr", help="the other device's host:port (else it is looked for on the LAN)")
    join.add_argument("--port", type=int, help="port to listen on when no Spacedrive is running")

    drop = ns.add_parser("spacedrop", help="send files and folders to a paired device")
    drop.add_argument("device", help="device id (or a unique prefix) or name")
    drop.add_argument("paths", nargs="+", help="files and folders to send")
    drop.add_argument("--addr", help="the device's host:port, if it cannot be found otherwise")
    drop.add_argument("--no-wait", action="store_true", help="return at once; the job runs in Spacedrive")
    drop.add_argument("--port", type=int, help="port to listen on when no Spacedrive is running")
    recv = ns.add_parser("receive", help="wait for Spacedrops and accept or decline each")
    recv.add_argument("--auto-accept", metavar="DIR", help="save every offer into DIR without asking")
    recv.add_argument("--once", action="store_true", help="stop after the first transfer ends")
    recv.add_argument("--port", type=int, help="port to listen on when no Spacedrive is running")


def key_password(args: argparse.Namespace) -> str | None:
    """The network key's password when the key is encrypted: ``$SPACEDRIVE_KEY_PASSWORD``, else asked
    for in the terminal; None when the key is not encrypted (or there is no terminal to ask in)."""
    from spacedrive.config import resolve_data_dir
    from spacedrive.infrastructure.net import identity

    data_dir = resolve_data_dir(args.data_dir, args.instance)
    if not identity.is_encrypted(data_dir) or os.environ.get(identity.PASSWORD_ENV):
        return None
    if not sys.stdin.isatty():
        return None  # the command fails with a message that says how to give it
    return getpass.getpass("Password for the network key: ") or None


async def run(args: argparse.Namespace, client: Client, out: Output) -> int:
    action = args.action
    if action == "init":
        return await _init(args, client, out)
    if action in ("start", "pair", "spacedrop", "receive"):
        args.key_password = await asyncio.to_thread(key_password, args)
    if action in ("start", "stop", "status"):
        params = {"port": args.port} if action == "start" and args.port is not None else {}
        if action == "start" and args.key_password:
            params["password"] = args.key_password
        out.result(await client.call(f"network.{action}", **params), _status)
        return 0
    if action == "devices":
        out.result(await client.call("network.devices"), _devices)
        return 0
    if action == "revoke":
        out.result(
            await client.call("network.revoke", device=args.device),
            lambda d: console.print(f"Unpaired {escape(d['name'])}; it can no longer connect."),
        )
        return 0
    if action == "pair":
        return await (_generate if args.pair_action == "generate" else _join)(args, client, out)
    if action == "spacedrop":
        return await _spacedrop(args, client, out)
    return await _receive(args, client, out)


async def _init(args: argparse.Namespace, client: Client, out: Output) -> int:
    password = None
    if args.password:
        password = os.environ.get("SPACEDRIVE_KEY_PASSWORD")
        if not password:
            password = await asyncio.to_thread(getpass.getpass, "Password for the network key: ")
            again = await asyncio.to_thread(getpass.getpass, "Again: ")
            if password != again:
                raise InvalidArgument("the passwords differ; nothing was created")
        if not password:
            raise InvalidArgument("an empty password protects nothing; nothing was created")
    data = await client.call("network.init", password=password, force=args.force)
    out.result(
        data,
        lambda d: console.print(
            f"Network identity {d['short_id']} created"
            + (" (key encrypted with your password)" if d["encrypted"] else "")
        ),
    )
    return 0


def _status(d: dict[str, Any]) -> None:
    shown = dict(d)
    pairing = shown.pop("pairing", None)
    shown["addresses"] = ", ".join(d.get("addresses") or []) or "-"
    print_fields(shown)
    if pairing:
        console.print(f"pairing       {pairing['state']} {escape(pairing.get('reason') or '')}")


def _devices(rows: list[dict[str, Any]]) -> None:
    table(
        ["name", "id", "os", "model", "state", "last seen", "address"],
        [
            [
                r["name"],
                r["device_id"][:16],
                f"{r['os']} {r['os_version']}".strip(),
                r["model"],
                "online" if r["online"] else "offline",
                when(r["last_seen"]),
                (r["addresses"] or ["-"])[0],
            ]
            for r in rows
        ],
        "No paired devices. Pair one with `spacedrive network pair generate`.",
    )


async def _generate(args: argparse.Namespace, client: Client, out: Output) -> int:
    params: dict[str, Any] = {"auto_accept": args.auto_accept, "password": args.key_password}
    if args.port is not None:
        params["port"] = args.port
    data = await client.call("network.pair.generate", **params)
    if out.as_json:
        print(_json_line({"event": "code", **data}), flush=True)
    else:
        console.print("\nOn the other device, run `spacedrive network pair join` with these 12 words:\n")
        words = data["words"]
        for row in range(0, 12, 4):
            console.print(
                "   "
                + "".join(
                    f"[bold]{row + i + 1:>2}. {w:<10}[/bold]" for i, w in enumerate(words[row : row + 4])
                )
            )
        console.print(f"\nReachable at {', '.join(data['addresses'])}. The code expires in 5 minutes.\n")
    asked = False
    try:
        while True:
            state = await client.call("network.pair.status")
            if state is None or state["id"] != data["id"]:
                raise InvalidArgument("the code was replaced by a newer one")
            if state["state"] == "confirming" and not asked:
                asked = True
                name = state.get("device_name") or "a device"
                if out.as_json:
                    print(_json_line({"event": "confirm", **state}), flush=True)
                try:
                    prompt = f"{name} ({state['device_id'][:12]}) typed the code. Pair with it? [y/N] "
                    answer = await asyncio.to_thread(input, prompt)
                except EOFError:  # no terminal to ask: refuse rather than pair unasked
                    answer = ""
                    out.message("No answer (stdin is closed); declined. Use --auto-accept in scripts.")
                await client.call("network.pair.answer", accept=answer.strip().lower() in ("y", "yes"))
            if state["state"] in FINAL_STATES:
                break
            if not out.as_json and state["expires_at"] and time.time() > state["expires_at"] + 2:
                break
            await asyncio.sleep(POLL)
    except (KeyboardInterrupt, asyncio.CancelledError):
        await client.call("network.pair.cancel")
        raise
    out.result(state, _pair_result)
    return 0 if state["state"] == "paired" else 1


def _pair_result(d: dict[str, Any]) -> None:
    if d["state"] == "paired":
        console.print(f"[green]Paired[/green] with {escape(d.get('device_name') or d['device_id'][:16])}.")
    else:
        console.print(
            f"[red]Not paired[/red]: {d['state']}{': ' + escape(d['reason']) if d.get('reason') else ''}"
        )


async def _join(args: argparse.Namespace, client: Client, out: Output) -> int:
    words = " ".join(args.words)
    started = time.perf_counter()
    params: dict[str, Any] = {"words": words, "addr": args.addr, "password": args.key_password}
    if args.port is not None:
        params["port"] = args.port
    data = await client.call("network.pair.join", **params)
    data["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    out.result(
        data,
        lambda d: console.print(f"[green]Paired[/green] with {escape(d['name'])} ({d['device_id'][:16]})."),
    )
    return 0


async def _spacedrop(args: argparse.Namespace, client: Client, out: Output) -> int:
    paths = [os.path.abspath(p) for p in args.paths]
    params: dict[str, Any] = {"device": args.device, "paths": paths, "addr": args.addr}
    params["password"] = args.key_password
    if args.port is not None:
        params["port"] = args.port
    data = await client.call("network.spacedrop", **params)
    if args.no_wait:
        out.result(data, lambda d: console.print(f"Sending; job {d['job_id'][:8]}"))
        return 0
    await client.call("job.run_queued")
    info = await follow_job(client, out, data["job_id"])
    report = await client.call("network.spacedrop.report", job_id=data["job_id"])
    out.result(
        {**data, "job": info, "report": report},
        lambda d: console.print(
            f"{escape(d['job']['title'])}: {d['job']['status']}"
            + (f" ({escape(d['job']['error'])})" if d["job"].get("error") else "")
        ),
    )
    return 0 if info["status"] == "completed" else 1


async def _receive(args: argparse.Namespace, client: Client, out: Output) -> int:
    params: dict[str, Any] = {"dir": os.path.abspath(args.auto_accept)} if args.auto_accept else {}
    params["password"] = args.key_password
    if args.port is not None:
        params["port"] = args.port
    status = await client.call("network.receive", **params)
    target = args.auto_accept
    out.message(
        f"Waiting for Spacedrops on port {status['port']}"
        + (f", saving into {target}" if target else "")
        + " (Ctrl+C to stop)."
    )
    seen: set[str] = set()
    followed = {j["id"] for j in await client.call("job.list")}
    while True:
        for offer in await client.call("network.spacedrop.pending"):
            if offer["offer_id"] in seen:
                continue
            seen.add(offer["offer_id"])
            what = f"{offer['file_count']} file(s)" + (
                f" in {offer['folder_count']} folder(s)" if offer["folder_count"] else ""
            )
            console.print(
                f"{escape(offer['device_name'])} offers {what}, {human_size(offer['total_bytes'])}: "
                f"{escape(', '.join(offer['names'][:5]))}"
            )
            try:
                answer = (await asyncio.to_thread(input, "Save into which folder? (empty declines) ")).strip()
            except EOFError:
                answer = ""
            await client.call(
                "network.spacedrop.answer",
                offer_id=offer["offer_id"],
                accept=bool(answer),
                target_dir=os.path.abspath(os.path.expanduser(answer)) if answer else None,
            )
        # Follow each transfer that starts (accepted here, in the window, or automatically).
        for job in await client.call("job.list"):
            if job["name"] != "spacedrop_receive" or job["id"] in followed:
                continue
            followed.add(job["id"])
            info = await follow_job(client, out, job["id"])
            out.result(info, _job_line)
            if args.once:
                return 0 if info["status"] == "completed" else 1
        await asyncio.sleep(0.5)


def _job_line(job: dict[str, Any]) -> None:
    console.print(f"{escape(job['title'])}: {job['status']} {escape(job.get('error') or '')}")


def _json_line(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data)
