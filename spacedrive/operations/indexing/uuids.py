"""UUIDs for the entries a scan creates: RFC 9562 version 7, ascending in the order they are handed out.

Bytes 0-5 hold the scan's start in Unix milliseconds; then the version and variant bits around 34 random
bits drawn once per scan; byte 11 names who numbers them (a walker process, or SQLite for rows that
came another way); bytes 12-15 are a counter. Entries inserted one after the other get ascending UUIDs,
so the unique index on ``entries.uuid`` is appended to at its right edge instead of being updated at a
random page per row: keeping that index while inserting 1M random UUIDs costs ~3x more than rebuilding
it, keeping it with ascending ones costs less.

This module imports nothing heavy: walker processes load it.
"""

from __future__ import annotations

import os
import time

#: Who numbers the UUIDs: walker ``i`` uses ``i``; SQLite (``sql_uuid``) this one.
SQL_NUMBERER = 0xFF
_BYTE_VALUES = "X'" + bytes(range(256)).hex() + "'"


def scan_prefix() -> bytes:
    """The 11 bytes all UUIDs of one scan share: its start time, the version and variant, 34 random bits."""
    ms = time.time_ns() // 1_000_000
    r = int.from_bytes(os.urandom(5), "big")
    return (ms & (2**48 - 1)).to_bytes(6, "big") + bytes(
        (0x70 | (r >> 30) & 0x0F, (r >> 22) & 0xFF, 0x80 | (r >> 16) & 0x3F, (r >> 8) & 0xFF, r & 0xFF)
    )


class UuidCounter:
    """Hands out the UUIDs of one numberer in a scan (a walker keeps one across its share of the tree).

    ``walker.walk`` numbers rows itself, in its inner loop (``prefix + n.to_bytes(4)``), starting after
    ``last`` and leaving it at the last number it used.
    """

    def __init__(self, prefix: bytes, numberer: int) -> None:
        self.prefix = prefix + bytes((numberer,))
        self.last = 0


def sql_uuid(prefix: bytes, counter: str) -> str:
    """An SQL expression of the UUID numbered by the integer SQL expression ``counter`` (< 2**32).

    Built in C but not for free (~0.6 us a row): bulk paths take UUIDs the walkers made.
    """
    parts = " || ".join(
        f"substr({_BYTE_VALUES}, ((({counter}) >> {shift}) & 255) + 1, 1)" for shift in (24, 16, 8, 0)
    )
    return f"CAST(X'{prefix.hex()}{SQL_NUMBERER:02x}' || {parts} AS BLOB)"
