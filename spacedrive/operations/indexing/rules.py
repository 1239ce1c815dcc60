"""Indexer rules: what a location's index skips. Stored per location as JSON; editable by the user."""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any

#: Folders and files nobody wants in a file index (Dolphin/Finder hide or skip the same kind of things).
JUNK_NAMES: frozenset[bytes] = frozenset(
    {
        b"node_modules",
        b".cache",
        b"__pycache__",
        b".pytest_cache",
        b".mypy_cache",
        b".ruff_cache",
        b".tox",
        b".venv",
        b".gradle",
        b".npm",
        b".yarn",
        b"Thumbs.db",
        b"ehthumbs.db",
        b"desktop.ini",
        b".DS_Store",
        b".Spotlight-V100",
        b".Trashes",
        b".fseventsd",
        b".TemporaryItems",
        b".AppleDouble",
        b".git",
        b".hg",
        b".svn",
        b"$RECYCLE.BIN",
        b"System Volume Information",
        b".Trash-1000",
    }
)
#: System folders skipped when a location is (or contains) a system root.
SYSTEM_NAMES: frozenset[bytes] = frozenset({b"proc", b"sys", b"dev", b"run", b"lost+found"})
#: Transient files editors and downloaders leave around.
_JUNK_SUFFIXES = (b".swp", b".swo", b".part", b".crdownload", b".tmp", b"~")


@dataclass(slots=True)
class IndexerRules:
    skip_hidden: bool = False
    skip_junk: bool = True
    skip_system: bool = True
    respect_gitignore: bool = True
    #: Glob patterns to skip, matched like .gitignore lines against the '/'-separated path relative to
    #: the location: ``*`` and ``?`` stay within one name, ``**`` spans folders, a pattern without a
    #: '/' matches a name at any depth (``*.log``, ``Thumbs.txt``), one with a '/' is anchored at the
    #: location's root (``photos/*.raw``). A matched folder is skipped with everything in it.
    ignore_globs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> IndexerRules:
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def compiled_globs(self) -> re.Pattern[bytes] | None:
        """One regex for all ``ignore_globs``, to ``fullmatch`` against a relative path (raw bytes)."""
        parts = [_glob_regex(g) for g in self.ignore_globs if g.strip("/")]
        return re.compile(b"|".join(b"(?:" + p + b")" for p in parts), re.DOTALL) if parts else None


def _glob_regex(glob: str) -> bytes:
    """The regex of one glob (see ``IndexerRules.ignore_globs``), over bytes so any name can match."""
    pattern = os.fsencode(glob.strip("/"))
    anchored = glob.startswith("/") or b"/" in pattern
    out = [] if anchored else [b"(?:.*/)?"]
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i : i + 1]
        if pattern.startswith(b"**/", i):
            out.append(b"(?:.*/)?")
            i += 3
            continue
        if pattern.startswith(b"**", i):
            out.append(b".*")
            i += 2
            continue
        if c == b"*":
            out.append(b"[^/]*")
        elif c == b"?":
            out.append(b"[^/]")
        elif c == b"[" and (end := pattern.find(b"]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            negate = body[:1] in (b"!", b"^")
            body = body[1:] if negate else body
            out.append(b"[" + (b"^/" if negate else b"") + body.replace(b"\\", b"\\\\") + b"]")
            i = end + 1
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return b"".join(out)


def is_junk(name: bytes) -> bool:
    return name in JUNK_NAMES or name.endswith(_JUNK_SUFFIXES)
