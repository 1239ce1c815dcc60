"""``spacedrive file``: copy, move, rename, duplicate, mkdir, touch, delete (to the trash), restore.

Copies, moves and deletes are jobs: the command shows a progress bar (bytes, files, speed, time left)
until the job ends, or returns at once with ``--no-wait``. In a terminal a conflict is asked about;
otherwise ``--conflict`` decides (by default the item fails and is listed, to retry with ``file retry``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from typing import Any

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from spacedrive.cli.output import Output, console, escape, human_size
from spacedrive.domain import events as ev
from spacedrive.errors import InvalidArgument
from spacedrive.infrastructure.ipc.client import Client, SocketClient

CONFLICTS = ["ask", "skip", "replace", "keep-both", "merge", "abort", "fail"]
_CHOICES = {"s": "skip", "r": "replace", "k": "keep-both", "m": "merge", "a": "abort"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    file_p = sub.add_parser("file", help="copy, move, rename, delete and restore files (indexed or not)")
    fs = file_p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (("copy", "copy files and folders into a folder"), ("move", "move them there")):
        p = fs.add_parser(name, help=text)
        p.add_argument("paths", nargs="+", metavar="SRC... DST", help="sources, then the destination folder")
        p.add_argument(
            "--conflict",
            choices=CONFLICTS,
            help="when a name is taken (default: ask in a terminal, else fail the item)",
        )
        p.add_argument("--verify", action="store_true", help="read every copied byte back and compare")
        p.add_argument("--no-wait", action="store_true", help="return at once; the job runs in Spacedrive")
    p = fs.add_parser("rename", help="rename a file or folder")
    p.add_argument("path")
    p.add_argument("name", help="the new name (not a path)")
    p = fs.add_parser("delete", help="move to the trash (or delete for good with --permanent)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--permanent", action="store_true", help="delete for good instead of trashing")
    p.add_argument("--yes", action="store_true", help="do not ask before a permanent delete")
    p.add_argument("--no-wait", action="store_true")
    for name, text in (("mkdir", "create a folder"), ("touch", "create an empty file")):
        fs.add_parser(name, help=text).add_argument("path")
    p = fs.add_parser("duplicate", help="copy each next to itself as 'name (2).ext'")
    p.add_argument("paths", nargs="+")
    p.add_argument("--no-wait", action="store_true")
    p = fs.add_parser("restore", help="put trashed items back (by original path, trash path or name)")
    p.add_argument("refs", nargs="+")
    p = fs.add_parser("retry", help="run the failed items of a file job again")
    p.add_argument("job_id")
    p.add_argument("--conflict", choices=CONFLICTS)
    p.add_argument("--no-wait", action="store_true")
    fs.add_parser("undo", help="undo the last file operation of the running Spacedrive")
    fs.add_parser("redo", help="redo what was undone")


def _abs(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def _interactive(out: Output) -> bool:
    return not out.as_json and sys.stdin.isatty()


async def run(args: argparse.Namespace, client: Client, out: Output) -> int:
    action = args.action
    if action in ("copy", "move"):
        if len(args.paths) < 2:
            raise InvalidArgument("give at least one source and the destination folder")
        conflict = args.conflict or ("ask" if _interactive(out) and not args.no_wait else "fail")
        data = await client.call(
            f"file.{action}",
            sources=[_abs(p) for p in args.paths[:-1]],
            destination=_abs(args.paths[-1]),
            conflict=conflict,
            verify=args.verify,
        )
        return await _finish(client, out, data, args.no_wait)
    if action == "delete":
        if args.permanent and not args.yes:
            if not _interactive(out):
                raise InvalidArgument("a permanent delete needs --yes when nobody can be asked")
            answer = await asyncio.to_thread(input, f"Delete {len(args.paths)} item(s) for good? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                out.message("Nothing was deleted.")
                return 1
        data = await client.call("file.delete", paths=[_abs(p) for p in args.paths], permanent=args.permanent)
        return await _finish(client, out, data, args.no_wait)
    if action == "duplicate":
        data = await client.call("file.duplicate", paths=[_abs(p) for p in args.paths])
        return await _finish(client, out, data, args.no_wait)
    if action == "retry":
        data = await client.call(
            "file.retry", job_id=await _job_id(client, args.job_id), conflict=args.conflict
        )
        return await _finish(client, out, data, args.no_wait)
    if action == "rename":
        data = await client.call("file.rename", path=_abs(args.path), name=args.name)
    elif action in ("mkdir", "touch"):
        data = await client.call(f"file.{action}", path=_abs(args.path))
    elif action == "restore":
        refs = [_abs(r) if "/" in r or r.startswith(("~", ".")) else r for r in args.refs]
        data = await client.call("file.restore", refs=refs)
    else:
        data = await client.call(f"file.{action}")
        if data.get("job_id"):
            return await _finish(client, out, data, False)
    out.result(data, lambda d: console.print("\n".join(escape(p) for p in d["paths"]) or "Done."))
    return 0


async def _job_id(client: Client, ref: str) -> str:
    return str((await client.call("job.info", id=ref))["id"])


async def _finish(client: Client, out: Output, data: dict[str, Any], no_wait: bool) -> int:
    """Follow the action's job to its end with a progress bar, then print what it did."""
    job_id = data["job_id"]
    if no_wait:
        if not isinstance(client, SocketClient):
            out.message("Queued: it runs while Spacedrive runs (`spacedrive start` or the window).")
        out.result(data, lambda d: out.message(f"Job {d['job_id']} queued."))
        return 0
    await client.call("job.run_queued")
    info = await follow_job(client, out, job_id)
    report = await client.call("file.report", job_id=job_id)
    result = {**data, "job": info, "report": report}
    out.result(result, _summary)
    return 0 if info["status"] == "completed" else 1


async def follow_job(client: Client, out: Output, job_id: str) -> dict[str, Any]:
    events = client.events()
    bar = None if out.as_json else _bar()
    task = bar.add_task("starting", total=None, files="") if bar else None
    pending: asyncio.Future[ev.Event] = asyncio.ensure_future(anext(events))
    try:
        with bar if bar else contextlib.nullcontext():
            while True:
                done, _ = await asyncio.wait({pending}, timeout=1.0)
                event = pending.result() if pending in done else None
                if pending in done:
                    pending = asyncio.ensure_future(anext(events))
                if isinstance(event, ev.ConflictAsked) and str(event.job_id) == job_id:
                    await _answer(client, bar, event)
                info: dict[str, Any] = await client.call("job.info", id=job_id)
                if bar is not None and task is not None:
                    p = info["progress"]
                    bar.update(
                        task,
                        description=escape(info["title"]),
                        total=p["bytes_total"] or None,
                        completed=p["bytes_completed"],
                        files=f"{p['completed']}/{p['total']} files" if p["total"] else "",
                    )
                if info["status"] in ("completed", "failed", "cancelled"):
                    return info
    finally:
        pending.cancel()
        with contextlib.suppress(BaseException):
            await events.aclose()  # type: ignore[attr-defined]


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        DownloadColumn(binary_units=True),
        TextColumn("{task.fields[files]}"),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


async def _answer(client: Client, bar: Progress | None, asked: ev.ConflictAsked) -> None:
    """Ask in the terminal what to do about a conflict, and send the answer to the job."""
    if bar is not None:
        bar.stop()
    kind = "folder" if asked.destination_is_dir else "file"
    console.print(f"[yellow]{escape(asked.destination)}[/yellow] already exists ({kind}).")
    options = "[s]kip, [r]eplace, [k]eep both, " + ("[m]erge, " if asked.can_merge else "") + "[a]bort"
    choice = ""
    while choice not in _CHOICES or (choice == "m" and not asked.can_merge):
        choice = (await asyncio.to_thread(input, f"{options}; add ! to apply to all: ")).strip().lower()
        apply_to_all = choice.endswith("!")
        choice = choice.rstrip("!")[:1]
    await client.call(
        "file.resolve_conflict", job_id=str(asked.job_id), choice=_CHOICES[choice], apply_to_all=apply_to_all
    )
    if bar is not None:
        bar.start()


def _summary(d: dict[str, Any]) -> None:
    job, report = d["job"], d["report"]
    p = job["progress"]
    counts = [f"{len(report.get('done', []))} done"]
    if p.get("bytes_completed") and not report.get("failed"):
        counts[0] += f", {human_size(p['bytes_completed'])}"
    counts += [f"{len(report[k])} {k}" for k in ("skipped", "failed") if report.get(k)]
    console.print(f"{escape(job['title'])}: {job['status']} ({'; '.join(counts)})")
    for skipped in report.get("skipped", []):
        console.print(f"  skipped {escape(skipped)}")
    for failed in report.get("failed", []):
        console.print(f"  [red]failed[/red] {escape(failed['source'])}: {escape(failed['message'])}")
    if report.get("failed"):
        console.print(f"Retry the failed items with: spacedrive file retry {job['id'][:8]}")
