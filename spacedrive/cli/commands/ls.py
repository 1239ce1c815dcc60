"""``spacedrive ls PATH`` (and the spec's ``index browse`` / ``index quick-scan``): list any folder."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from typing import Any

from spacedrive.cli.output import Output, human_size, table
from spacedrive.infrastructure.ipc.client import Client


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("ls", help="list a folder: from the index inside a location, live from disk elsewhere")
    p.add_argument("path", nargs="?", default=".")
    p.add_argument("-a", "--all", action="store_true", help="show hidden entries")


def register_index(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    idx = sub.add_parser("index", help="browse paths without adding them (spec names for `ls`)")
    idx_sub = idx.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (("browse", "list an external path"), ("quick-scan", "list one folder")):
        p = idx_sub.add_parser(name, help=text)
        p.add_argument("path")
        p.add_argument("--scope", choices=["current"], default="current", help="this folder only")
        p.add_argument("--ephemeral", action="store_true", help="never write to the library (always true)")
        p.set_defaults(all=True)


def _rows(rows: list[dict[str, Any]]) -> None:
    def sort_key(r: dict[str, Any]) -> tuple[bool, str]:
        return (r["kind"] != "directory", r["name"].casefold())

    table(
        ["name", "kind", "size", "modified", "indexed"],
        [
            [
                r["name"] + ("/" if r["kind"] == "directory" else ""),
                r["content_kind"] or r["kind"],
                human_size(r["size"]) if r["size"] is not None else "",
                datetime.fromtimestamp(r["modified"]).strftime("%Y-%m-%d %H:%M"),
                "yes" if r["indexed"] else "",
            ]
            for r in sorted(rows, key=sort_key)
        ],
        "(empty)",
    )


async def run(args: argparse.Namespace, client: Client, out: Output) -> int:
    entries = await client.call("ls", path=os.path.abspath(os.path.expanduser(args.path)))
    if not args.all:
        entries = [e for e in entries if not e["hidden"]]
    out.result(entries, _rows)
    return 0
