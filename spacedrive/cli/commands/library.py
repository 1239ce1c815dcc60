"""``spacedrive library``: create, list, open, switch, rename, close and delete libraries."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spacedrive.cli.output import Output, console, table
from spacedrive.errors import InvalidArgument
from spacedrive.infrastructure.ipc.client import Client


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def _library_line(verb: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: console.print(f"{verb} library [bold]{d['name']}[/bold] ({d['id']}) at {d['path']}")


async def run(args: argparse.Namespace, client: Client, out: Output) -> int:
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
