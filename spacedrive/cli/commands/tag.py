"""``spacedrive tag``: create, list, rename and delete tags; tag and untag files, indexed or not."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from spacedrive.cli.output import Output, console, human_size, table
from spacedrive.errors import InvalidArgument
from spacedrive.infrastructure.ipc.client import Client
from spacedrive.operations import tag_errors  # noqa: F401  (their codes cross the control socket)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tag = sub.add_parser("tag", help="tags on files and folders, indexed or not")
    tag_sub = tag.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = tag_sub.add_parser("create", help="create a tag")
    p.add_argument("name")
    p.add_argument("--color", help="#rrggbb (or #rgb)")
    tag_sub.add_parser("list", help="list tags with how many files carry each")
    p = tag_sub.add_parser("add", help="tag files and folders: tag add PATH... TAG")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("tag", metavar="TAG")
    p = tag_sub.add_parser("remove", help="untag files and folders: tag remove PATH... TAG")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("tag", metavar="TAG")
    p = tag_sub.add_parser("rename", help="rename a tag (the files keep it)")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p = tag_sub.add_parser("delete", help="delete a tag (the files lose it; the files stay)")
    p.add_argument("name")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask, even when files carry it")
    p = tag_sub.add_parser("files", help="list every file and folder carrying a tag")
    p.add_argument("name")


def _tags(rows: list[dict[str, Any]]) -> None:
    table(
        ["name", "color", "files"],
        [[r["name"], r["color"] or "", f"{r['file_count']:,}"] for r in rows],
        "No tags. Create one with: spacedrive tag create NAME",
    )


def _files(rows: list[dict[str, Any]]) -> None:
    table(
        ["path", "kind", "size", "indexed", "tags"],
        [
            [
                os.fsencode(r["path"]).decode("utf-8", "replace") + ("/" if r["kind"] == "directory" else ""),
                r["content_kind"] or r["kind"],
                human_size(r["size"]) if r["size"] is not None else "",
                "yes" if r["indexed"] else "",
                ", ".join(r["tags"]),
            ]
            for r in rows
        ],
        "(no files carry this tag)",
    )


def _paths(paths: list[str]) -> list[str]:
    return [os.path.abspath(os.path.expanduser(p)) for p in paths]


async def run(args: argparse.Namespace, client: Client, out: Output) -> int:
    action = args.action
    if action == "create":
        data = await client.call("tag.create", name=args.name, color=args.color)
        out.result(
            data,
            lambda d: console.print(f"Created tag {d['name']}" + (f" ({d['color']})" if d["color"] else "")),
        )
    elif action == "list":
        out.result(await client.call("tag.list"), _tags)
    elif action in ("add", "remove"):
        data = await client.call(f"tag.{action}", paths=_paths(args.paths), tag=args.tag)
        done = "Tagged" if action == "add" else "Untagged"
        out.result(
            data,
            lambda d: console.print(
                f"{done} {d['changed']} of {len(d['paths'])} path(s) with {d['tag']['name']}"
                if action == "add"
                else f"{done} {d['changed']} of {len(d['paths'])} path(s): {d['tag']['name']} removed"
            ),
        )
    elif action == "rename":
        data = await client.call("tag.rename", tag=args.old, name=args.new)
        out.result(data, lambda d: console.print(f"Renamed tag {args.old} to {d['name']}"))
    elif action == "delete":
        info = await client.call("tag.info", tag=args.name)
        if info["file_count"] and not args.yes and not _confirm(info, out):
            out.message("Nothing deleted.")
            return 1
        data = await client.call("tag.delete", tag=args.name)
        out.result(
            data, lambda d: console.print(f"Deleted tag {d['name']} ({d['file_count']:,} file(s) lost it)")
        )
    elif action == "files":
        out.result(await client.call("tag.files", tag=args.name), _files)
    return 0


def _confirm(info: dict[str, Any], out: Output) -> bool:
    """Ask before a tag that files carry is deleted; without a terminal, refuse (use --yes)."""
    question = f"{info['file_count']:,} file(s) carry the tag {info['name']}. Delete it?"
    if out.as_json or not sys.stdin.isatty():
        raise InvalidArgument(f"{question} Run again with --yes to delete it.")
    answer = console.input(f"{question} [y/N] ")
    return answer.strip().lower() in ("y", "yes")
