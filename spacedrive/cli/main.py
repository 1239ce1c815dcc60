"""``spacedrive``: the command tree of the spec (docs/cli.md), over the daemon or an embedded core."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from spacedrive import __version__
from spacedrive.cli import daemon
from spacedrive.cli.monitor import monitor
from spacedrive.cli.output import Output, console, print_fields, table, when
from spacedrive.cli.session import connect
from spacedrive.config import resolve_data_dir
from spacedrive.errors import InvalidArgument, SpacedriveError
from spacedrive.infrastructure.ipc.client import Client, SocketClient

CommandFn = Callable[[argparse.Namespace, Client, Output], Awaitable[int]]


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
    sub.add_parser("stop", help="stop the daemon (or GUI) serving this data directory")
    sub.add_parser("status", help="show the status of Spacedrive for this data directory")
    daemon_p = sub.add_parser("daemon", help="daemon instances")
    daemon_sub = daemon_p.add_subparsers(dest="action", metavar="ACTION", required=True)
    daemon_sub.add_parser("list", help="list every running daemon and GUI instance")
    daemon_sub.add_parser("status", help="detailed status of this instance's daemon")

    lib = sub.add_parser("library", help="create, open and manage libraries")
    lib_sub = lib.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = lib_sub.add_parser("create", help="create a library")
    p.add_argument("name")
    p.add_argument("--path", help="folder to create NAME.sdlibrary in (default: the data dir's libraries/)")
    p.add_argument("--description", default="")
    lib_sub.add_parser("list", help="list libraries")
    p = lib_sub.add_parser("info", help="details and statistics of a library (default: the current one)")
    p.add_argument("library", nargs="?")
    lib_sub.add_parser("current", help="show the current library")
    p = lib_sub.add_parser("open", help="open a library folder from anywhere and make it current")
    p.add_argument("path")
    p = lib_sub.add_parser("switch", help="make a library current (by name or id)")
    p.add_argument("library")
    p = lib_sub.add_parser("rename", help="rename a library")
    p.add_argument("library", help="name or id of the library")
    p.add_argument("name", help="the new name")
    p = lib_sub.add_parser("close", help="close a library (default: the current one); it stays listed")
    p.add_argument("library", nargs="?")
    p = lib_sub.add_parser(
        "delete", help="delete a library folder (its database and thumbnails, not your files)"
    )
    p.add_argument("library")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")

    job = sub.add_parser("job", help="list and control background jobs")
    job_sub = job.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = job_sub.add_parser("list", help="list jobs of the open libraries")
    p.add_argument("--status", help="only jobs with this status (queued, running, paused, completed, ...)")
    for name, text in (
        ("info", "show a job"),
        ("pause", "pause a job"),
        ("resume", "resume a paused job"),
        ("cancel", "cancel a job"),
    ):
        p = job_sub.add_parser(name, help=text)
        p.add_argument("job_id", help="job id, or its first characters as `job list` shows them")
    p = job_sub.add_parser("monitor", help="live progress bars of running jobs (Ctrl+C to exit)")
    p.add_argument("--job-id", help="follow one job and exit when it ends")
    p.add_argument("--until-idle", action="store_true", help="exit when no job is queued or running")
    return parser


# ---- renderers ------------------------------------------------------------------------------------------


def _library_rows(rows: list[dict[str, Any]]) -> None:
    table(
        ["", "name", "id", "state", "path"],
        [
            [
                "*" if r["is_current"] else "",
                r["name"],
                r["id"][:8],
                "open" if r["is_open"] else (r["problem"] or "closed"),
                r["path"],
            ]
            for r in rows
        ],
        "No libraries yet. Create one with: spacedrive library create NAME",
    )


def _job_rows(rows: list[dict[str, Any]]) -> None:
    def pct(r: dict[str, Any]) -> str:
        p = r["progress"]
        return f"{100 * p['completed'] / p['total']:.0f}%" if p["total"] else ""

    table(
        ["id", "name", "status", "progress", "created", "error"],
        [[r["id"][:8], r["name"], r["status"], pct(r), when(r["created_at"]), r["error"]] for r in rows],
        "No jobs.",
    )


def _library_line(verb: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: console.print(f"{verb} library [bold]{d['name']}[/bold] ({d['id']}) at {d['path']}")


# ---- commands over a client -----------------------------------------------------------------------------


async def _status(args: argparse.Namespace, client: Client, out: Output) -> int:
    out.result(await client.call("core.status"), lambda d: print_fields(d, skip=("device",)))
    return 0


async def _library(args: argparse.Namespace, client: Client, out: Output) -> int:
    action = args.action
    if action == "create":
        path = str(Path(args.path).expanduser().absolute()) if args.path else None
        data = await client.call("library.create", name=args.name, path=path, description=args.description)
        out.result(data, _library_line("Created"))
    elif action == "list":
        out.result(await client.call("library.list"), _library_rows)
    elif action == "info":
        out.result(await client.call("library.info", ref=args.library))
    elif action == "current":
        data = await client.call("library.current")
        out.result(
            data,
            lambda d: out.message(
                "No current library." if d is None else f"{d['name']} ({d['id']}) at {d['path']}"
            ),
        )
    elif action == "open":
        path = str(Path(args.path).expanduser().absolute())
        out.result(await client.call("library.open", path=path), _library_line("Opened"))
    elif action == "switch":
        out.result(await client.call("library.switch", ref=args.library), _library_line("Switched to"))
    elif action == "rename":
        out.result(
            await client.call("library.rename", ref=args.library, name=args.name), _library_line("Renamed")
        )
    elif action == "close":
        out.result(await client.call("library.close", ref=args.library), _library_line("Closed"))
    elif action == "delete":
        info = await client.call("library.info", ref=args.library)
        if not args.yes and not _confirm(
            f"Delete library '{info['name']}' at {info['path']}? "
            "Its database and thumbnails are removed; your files are not touched."
        ):
            raise InvalidArgument("not deleted (confirm at the prompt, or pass --yes)")
        out.result(await client.call("library.delete", ref=info["id"]), _library_line("Deleted"))
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise InvalidArgument("refusing to delete without --yes (standard input is not a terminal)")
    answer = input(f"{question} [y/N] ")
    return answer.strip().lower() in ("y", "yes")


async def _job(args: argparse.Namespace, client: Client, out: Output) -> int:
    action = args.action
    if action == "list":
        out.result(await client.call("job.list", status=args.status), _job_rows)
    elif action == "monitor":
        until_idle = args.until_idle or not isinstance(client, SocketClient)
        return await monitor(client, out, args.job_id, until_idle)
    else:
        data = await client.call(f"job.{action}", id=args.job_id)
        verbs = {"info": None, "pause": "Paused", "resume": "Resumed", "cancel": "Cancelled"}
        verb = verbs[action]
        out.result(
            data, None if verb is None else lambda d: out.message(f"{verb} job {d['name']} ({d['id']}).")
        )
    return 0


COMMANDS: dict[str, CommandFn] = {"status": _status, "library": _library, "job": _job}


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
        if args.foreground:
            return await daemon.run_foreground(data_dir, args.instance)
        return daemon.start_background(data_dir, args.instance, args.verbose, out)
    if args.command == "stop":
        return await daemon.stop(data_dir, out)
    if args.command == "daemon" and args.action == "list":
        return daemon.list_daemons(out)
    command = _status if args.command == "daemon" else COMMANDS[args.command]
    async with connect(data_dir) as client:
        return await command(args, client, out)


def main(argv: list[str] | None = None) -> int:
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
