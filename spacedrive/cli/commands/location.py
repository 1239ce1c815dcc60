"""``spacedrive location``: add, list, rescan, edit rules of and remove indexed locations."""

from __future__ import annotations

import argparse
import os
from typing import Any

from spacedrive.cli.monitor import monitor
from spacedrive.cli.output import Output, console, human_size, print_fields, table, when
from spacedrive.infrastructure.ipc.client import Client, SocketClient


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    loc = sub.add_parser("location", help="folders the current library indexes and watches")
    loc_sub = loc.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = loc_sub.add_parser("add", help="add a folder as a location and index it")
    p.add_argument("path")
    p.add_argument("--name")
    p.add_argument("--mode", choices=["shallow", "content", "deep"], default="shallow")
    p.add_argument(
        "--no-wait", action="store_true", help="return at once; indexing continues in the background"
    )
    _rule_options(p)
    loc_sub.add_parser("list", help="list locations with their totals and scan state")
    p = loc_sub.add_parser("info", help="show one location")
    p.add_argument("location", help="id, uuid, name or path")
    p = loc_sub.add_parser("remove", help="forget a location and its index (the files stay)")
    p.add_argument("location")
    p = loc_sub.add_parser("rescan", help="index a location again (only changes are written)")
    p.add_argument("location")
    p.add_argument("--force", action="store_true", help="rewrite every entry and recompute content ids")
    p.add_argument("--no-wait", action="store_true")
    p = loc_sub.add_parser("update", help="rename, change mode or indexer rules (rescans on a change)")
    p.add_argument("location")
    p.add_argument("--name")
    p.add_argument("--mode", choices=["shallow", "content", "deep"])
    p.add_argument("--no-wait", action="store_true")
    _rule_options(p)


def _rule_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--skip-hidden",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip hidden files and folders (default: index them)",
    )
    p.add_argument(
        "--skip-junk",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip node_modules, caches, .DS_Store, Thumbs.db... (default: skip)",
    )
    p.add_argument(
        "--gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip what .gitignore files exclude (default: skip)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        metavar="GLOB",
        help="skip paths matching GLOB (relative to the location; repeatable)",
    )


def _rules(args: argparse.Namespace) -> dict[str, Any] | None:
    rules: dict[str, Any] = {}
    if args.skip_hidden is not None:
        rules["skip_hidden"] = args.skip_hidden
    if args.skip_junk is not None:
        rules["skip_junk"] = args.skip_junk
    if args.gitignore is not None:
        rules["respect_gitignore"] = args.gitignore
    if args.ignore:
        rules["ignore_globs"] = args.ignore
    return rules or None


def _rows(rows: list[dict[str, Any]]) -> None:
    table(
        ["id", "name", "path", "mode", "files", "size", "state", "watching", "last scan"],
        [
            [
                r["id"],
                r["name"],
                r["path"],
                r["mode"],
                f"{r['total_file_count']:,}",
                human_size(r["total_byte_size"]),
                r["scan_state"] + (" (!)" if r["error_message"] else ""),
                "yes" if r["watching"] else "no",
                when(r["last_scan_at"]),
            ]
            for r in rows
        ],
        "No locations. Add one with: spacedrive location add PATH",
    )


async def _wait(client: Client, out: Output, data: dict[str, Any], no_wait: bool) -> int:
    job_id = data.get("job_id")
    if not job_id:
        return 0
    if no_wait:
        if not isinstance(client, SocketClient):
            out.message(
                "Indexing is queued: it runs while Spacedrive runs (`spacedrive start` or the window)."
            )
        return 0
    await client.call("job.run_queued")
    # With --json the command prints one document (the location), not the job's event stream.
    return await monitor(client, out, job_id, until_idle=False, echo_events=False)


async def run(args: argparse.Namespace, client: Client, out: Output) -> int:
    action = args.action
    if action == "add":
        path = os.path.abspath(os.path.expanduser(args.path))
        data = await client.call(
            "location.add", path=path, name=args.name, mode=args.mode, rules=_rules(args)
        )
        out.message(f"Added location [bold]{data['name']}[/bold] (id {data['id']}) at {data['path']}")
        status = await _wait(client, out, data, args.no_wait)
        final = await client.call("location.info", ref=str(data["id"]))
        out.result({**final, "job_id": data["job_id"]}, _summary)
        return status
    if action == "list":
        out.result(await client.call("location.list"), _rows)
    elif action == "info":
        out.result(await client.call("location.info", ref=args.location), print_fields)
    elif action == "remove":
        data = await client.call("location.remove", ref=args.location)
        out.result(
            data, lambda d: console.print(f"Removed location {d['name']} (its files were not touched).")
        )
    elif action == "rescan":
        data = await client.call("location.rescan", ref=args.location, force=args.force)
        status = await _wait(client, out, data, args.no_wait)
        out.result(await client.call("location.info", ref=args.location), _summary)
        return status
    elif action == "update":
        data = await client.call(
            "location.update", ref=args.location, name=args.name, mode=args.mode, rules=_rules(args)
        )
        status = await _wait(client, out, data, args.no_wait)
        out.result(await client.call("location.info", ref=args.location), print_fields)
        return status
    return 0


def _summary(d: dict[str, Any]) -> None:
    console.print(
        f"{d['name']}: {d['total_file_count']:,} files, {human_size(d['total_byte_size'])}, {d['scan_state']}"
        + (f" — {d['error_message']}" if d["error_message"] else "")
    )
