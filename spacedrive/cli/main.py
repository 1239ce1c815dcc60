"""``spacedrive``: the command tree of the spec (docs/cli.md), over the daemon or an embedded core."""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import sys
from pathlib import Path
from types import ModuleType

from spacedrive import __version__
from spacedrive.cli import daemon
from spacedrive.cli.commands import file, job, library, location, ls, network, tag, volume
from spacedrive.cli.output import Output, print_fields
from spacedrive.cli.session import connect
from spacedrive.config import resolve_data_dir
from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.ipc.client import Client

#: Command groups, each a module with ``register(subparsers)`` and ``async run(args, client, out)``.
COMMAND_MODULES: dict[str, ModuleType] = {
    "library": library,
    "file": file,
    "job": job,
    "location": location,
    "network": network,
    "ls": ls,
    "tag": tag,
    "volume": volume,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spacedrive", description="Spacedrive: one explorer over all your files, on every device."
    )
    parser.add_argument(
        "--data-dir", help="data directory (default: $SPACEDRIVE_DATA_DIR or the user data dir)"
    )
    parser.add_argument("--instance", help="use an isolated named instance inside the data directory")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (repeat for debug)")
    parser.add_argument("--version", action="version", version=f"spacedrive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    start = sub.add_parser("start", help="start the daemon (in the background unless --foreground)")
    start.add_argument("--foreground", action="store_true", help="run in this terminal until Ctrl+C")
    start.add_argument(
        "--enable-networking", action="store_true", help="listen for paired devices (pairing, Spacedrop)"
    )
    start.add_argument("--port", type=int, help="network port, UDP (QUIC) and TCP (data); default 7373")
    start.add_argument(
        "--auto-accept", metavar="DIR", help="save every Spacedrop from a paired device into DIR, unasked"
    )
    sub.add_parser("stop", help="stop the daemon (or GUI) serving this data directory")
    sub.add_parser("status", help="show the status of Spacedrive for this data directory")
    daemon_p = sub.add_parser("daemon", help="daemon instances")
    daemon_sub = daemon_p.add_subparsers(dest="action", metavar="ACTION", required=True)
    daemon_sub.add_parser("list", help="list every running daemon and GUI instance")
    daemon_sub.add_parser("status", help="detailed status of this instance's daemon")

    for module in COMMAND_MODULES.values():
        module.register(sub)
    ls.register_index(sub)
    return parser


# ---- commands over a client -----------------------------------------------------------------------------


async def _status(args: argparse.Namespace, client: Client, out: Output) -> int:
    out.result(await client.call("core.status"), lambda d: print_fields(d, skip=("device",)))
    return 0


# ---- entry point ----------------------------------------------------------------------------------------


def _setup_logging(verbose: int, foreground_daemon: bool, data_dir: Path) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if foreground_daemon:
        level = min(level, logging.INFO)
    logging.basicConfig(
        level=level, handlers=handlers, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if verbose < 2:
        logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)


async def _run(args: argparse.Namespace, data_dir: Path, out: Output) -> int:
    if args.command == "start":
        network = daemon.NetworkOptions(
            args.enable_networking or bool(args.auto_accept),
            args.port,
            str(Path(args.auto_accept).expanduser().absolute()) if args.auto_accept else None,
        )
        if network.enabled:
            from spacedrive.cli.commands.network import key_password
            from spacedrive.infrastructure.net.identity import PASSWORD_ENV

            password = key_password(args)
            if password:  # the daemon reads it from its environment, never from a file
                os.environ[PASSWORD_ENV] = password
        if args.foreground:
            return await daemon.run_foreground(data_dir, args.instance, network)
        return daemon.start_background(data_dir, args.instance, args.verbose, out, network)
    if args.command == "stop":
        return await daemon.stop(data_dir, out)
    if args.command == "daemon" and args.action == "list":
        return daemon.list_daemons(out)
    group = "ls" if args.command == "index" else args.command
    command = _status if group in ("status", "daemon") else COMMAND_MODULES[group].run
    async with connect(data_dir) as client:
        return await command(args, client, out)


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # a frozen build re-enters here in its worker processes
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(args.json)
    try:
        data_dir = resolve_data_dir(args.data_dir, args.instance)
        _setup_logging(args.verbose, args.command == "start" and args.foreground, data_dir)
        return asyncio.run(_run(args, data_dir, out))
    except SpacedriveError as e:
        out.error(e.code, e.message)
        return 1
    except KeyboardInterrupt:
        return 130
