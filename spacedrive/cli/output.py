"""How the CLI prints: rich tables for people, JSON for scripts (``--json``), one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def result(self, data: Any, human: Callable[[Any], None] | None = None) -> None:
        """Print a command's result: as JSON with ``--json``, else through ``human`` (or as key: value)."""
        if self.as_json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        elif human is not None:
            human(data)
        elif isinstance(data, dict):
            print_fields(data)
        elif data is not None:
            console.print(str(data))

    def message(self, text: str) -> None:
        """A human remark; suppressed with ``--json`` so stdout stays machine-readable."""
        if not self.as_json:
            console.print(text)

    def error(self, code: str, message: str) -> None:
        if self.as_json:
            sys.stdout.write(json.dumps({"error": {"code": code, "message": message}}) + "\n")
        else:
            err_console.print(f"[red]error:[/red] {escape(message)}")


def escape(text: str) -> str:
    return text.replace("[", r"\[")


def print_fields(data: dict[str, Any], skip: Sequence[str] = ()) -> None:
    width = max((len(k) for k in data), default=0)
    for key, value in data.items():
        if key in skip:
            continue
        if isinstance(value, dict):
            console.print(f"{key.replace('_', ' '):<{width}}")
            for k, v in value.items():
                console.print(f"  {k.replace('_', ' ')}: {escape(str(v))}")
            continue
        if key.endswith("_at") and isinstance(value, int | float) and value:
            value = when(value)
        console.print(f"{key.replace('_', ' '):<{width}}  {escape(str(value))}")


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], empty: str) -> None:
    if not rows:
        console.print(empty)
        return
    t = Table(show_edge=False, header_style="bold", pad_edge=False)
    for column in columns:
        t.add_column(column, overflow="fold")  # long paths wrap; never cut to "/usr/s…"
    for row in rows:
        t.add_row(*(escape(str(c)) if c is not None else "" for c in row))
    console.print(t)


def when(ts: float | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def human_size(n: int) -> str:
    """Binary units, as Dolphin shows them: 931.5 GiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
