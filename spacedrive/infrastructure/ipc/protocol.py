"""Wire format of the control socket: one JSON object per line.

Request ``{"id": 1, "method": "library.list", "params": {}}``; reply ``{"id": 1, "result": ...}`` or
``{"id": 1, "error": {"code": ..., "message": ...}}``. After ``events.subscribe`` the server also
sends ``{"event": {...}}`` lines until the connection closes.
"""

from __future__ import annotations

import json
from typing import Any

#: A single request or reply larger than this is refused (protects the server from a hostile client).
MAX_LINE = 16 * 1024 * 1024


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    return message
