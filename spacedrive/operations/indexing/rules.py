"""Indexer rules: what a location's index skips. Stored per location as JSON; editable by the user."""

from __future__ import annotations

import fnmatch
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
    #: Glob patterns (fnmatch, on the path relative to the location, '/'-separated) to skip.
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
        if not self.ignore_globs:
            return None
        parts = [fnmatch.translate(g.strip("/")) for g in self.ignore_globs if g.strip("/")]
        return re.compile("|".join(f"(?:{p})" for p in parts).encode()) if parts else None


def is_junk(name: bytes) -> bool:
    return name in JUNK_NAMES or name.endswith(_JUNK_SUFFIXES)
