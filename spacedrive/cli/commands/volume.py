"""``spacedrive volume``: the disks, removable media and network mounts this device sees."""

from __future__ import annotations

import argparse
from typing import Any

from spacedrive.cli.output import Output, human_size, table
from spacedrive.infrastructure.ipc.client import Client

BAR_WIDTH = 10


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    vol = sub.add_parser("volume", help="disks, removable media and network mounts")
    vol_sub = vol.add_subparsers(dest="action", metavar="ACTION", required=True)
    vol_sub.add_parser("list", help="list mounted volumes with their size and free space")


def usage_bar(percent: float) -> str:
    filled = round(BAR_WIDTH * min(max(percent, 0.0), 100.0) / 100)
    return f"{'█' * filled}{'░' * (BAR_WIDTH - filled)} {percent:>3.0f}%"


def flags(v: dict[str, Any]) -> str:
    names = [
        ("system", v["is_system"]),
        ("removable", v["is_removable"]),
        ("network", v["is_network"]),
        ("read-only", v["is_read_only"]),
        ("unavailable", not v["is_available"]),
        (v["disk_type"], v["disk_type"] != "unknown"),
    ]
    return ", ".join(name for name, on in names if on)


def _volume_rows(rows: list[dict[str, Any]]) -> None:
    table(
        ["name", "mount point", "fs", "size", "free", "used", "flags"],
        [
            [
                r["name"],
                r["mount_point"],
                r["file_system"],
                human_size(r["total_capacity"]),
                human_size(r["available_capacity"]),
                usage_bar(r["used_percent"]),
                flags(r),
            ]
            for r in rows
        ],
        "No volumes found.",
    )


async def run(args: argparse.Namespace, client: Client, out: Output) -> int:
    if args.action == "list":
        out.result(await client.call("volume.list"), _volume_rows)
    return 0
