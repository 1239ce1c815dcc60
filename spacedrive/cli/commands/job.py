"""``spacedrive job``: list, inspect, pause, resume, cancel and monitor jobs."""

from __future__ import annotations

import argparse
from typing import Any

from spacedrive.cli.monitor import monitor
from spacedrive.cli.output import Output, table, when
from spacedrive.infrastructure.ipc.client import Client, SocketClient


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def _job_rows(rows: list[dict[str, Any]]) -> None:
    def pct(r: dict[str, Any]) -> str:
        p = r["progress"]
        return f"{100 * p['completed'] / p['total']:.0f}%" if p["total"] else ""

    table(
        ["id", "job", "status", "progress", "created", "error"],
        [[r["id"][:8], r["title"], r["status"], pct(r), when(r["created_at"]), r["error"]] for r in rows],
        "No jobs.",
    )


async def run(args: argparse.Namespace, client: Client, out: Output) -> int:
    action = args.action
    if action == "list":
        out.result(await client.call("job.list", status=args.status), _job_rows)
    elif action == "monitor":
        embedded = not isinstance(client, SocketClient)
        if embedded:  # no Spacedrive is running: this process runs what is queued while it shows it
            await client.call("job.run_queued")
        return await monitor(client, out, args.job_id, args.until_idle or embedded)
    else:
        data = await client.call(f"job.{action}", id=args.job_id)
        verbs = {"info": None, "pause": "Paused", "resume": "Resumed", "cancel": "Cancelled"}
        verb = verbs[action]
        out.result(
            data, None if verb is None else lambda d: out.message(f"{verb} job {d['name']} ({d['id']}).")
        )
    return 0
