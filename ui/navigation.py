"""Navigation without Qt: a pane's back/forward history, breadcrumb segments, typed paths, subfolders.

The functions that touch the disk (``subfolders``, ``resolve_typed_path``) block: callers run them in an
executor. Paths are kept exact (``os.fsdecode`` of the bytes), so names that are not UTF-8 survive.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)

#: How many places a pane remembers behind (and ahead of) the one shown.
HISTORY_LIMIT = 100
#: The character shown for bytes that are not UTF-8.
REPLACEMENT = "\ufffd"
_DIGITS = re.compile(r"(\d+)")


def display_name(name: str) -> str:
    """A name safe to show: bytes that are not UTF-8 (kept by ``os.fsdecode``) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _natural_key(path: Path) -> tuple[tuple[tuple[int, int | str], ...], bytes]:
    """Folder names in natural order ("2" before "10"), ignoring case; the exact bytes break ties."""
    name = display_name(path.name).casefold()
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(name)), os.fsencode(path.name)


class History(Generic[T]):
    """Back and forward stacks around the place shown, as in a web browser.

    ``visit`` a new place: the current one goes on the back stack and the forward stack is cleared.
    Visiting the place already shown changes nothing, so a view that reports every folder it shows
    (including the ones reached by ``back``/``forward``) can feed ``visit`` without breaking the stacks.
    """

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self._limit = limit
        self._back: list[T] = []
        self._forward: list[T] = []
        self.current: T | None = None

    def visit(self, place: T) -> None:
        if place == self.current:
            return
        if self.current is not None:
            self._back.append(self.current)
            del self._back[: -self._limit]
        self._forward.clear()
        self.current = place

    def can_go_back(self) -> bool:
        return bool(self._back)

    def can_go_forward(self) -> bool:
        return bool(self._forward)

    def back(self, steps: int = 1) -> T | None:
        """Move ``steps`` places back and return the place now current (None when there is none)."""
        if steps < 1 or steps > len(self._back) or self.current is None:
            return None
        for _ in range(steps):
            self._forward.append(self.current)
            self.current = self._back.pop()
        return self.current

    def forward(self, steps: int = 1) -> T | None:
        """Move ``steps`` places forward and return the place now current (None when there is none)."""
        if steps < 1 or steps > len(self._forward) or self.current is None:
            return None
        for _ in range(steps):
            self._back.append(self.current)
            self.current = self._forward.pop()
        return self.current

    def back_items(self) -> list[T]:
        """The places behind, nearest first (for a back button's menu)."""
        return self._back[::-1]

    def forward_items(self) -> list[T]:
        """The places ahead, nearest first."""
        return self._forward[::-1]


def breadcrumbs(path: Path) -> list[Path]:
    """The folders from the root down to ``path``, each an exact path: ``/a/b`` -> ``/``, ``/a``, ``/a/b``."""
    return [*reversed(path.parents), path]


def segment_label(path: Path) -> str:
    """A breadcrumb's text: the folder's name, or the root as ``/``; undecodable bytes as U+FFFD."""
    return display_name(path.name or path.anchor or os.fspath(path))


def parent_folder(path: Path) -> Path | None:
    """The folder one level up, None at the root."""
    return None if path.parent == path else path.parent


def subfolders(folder: Path, show_hidden: bool = False) -> list[Path]:
    """The folders directly inside ``folder`` (symlinks to folders too), in natural order; blocks."""
    found: list[Path] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not show_hidden and entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir():
                        found.append(Path(entry.path))
                except OSError:
                    continue
    except OSError:
        return []
    found.sort(key=_natural_key)
    return found


class TypedPathError(Exception):
    """A path typed in the path bar does not lead to anything that can be shown."""

    def __init__(self, code: str, path: Path) -> None:
        super().__init__(code, path)
        #: "not_found" (nothing there) or "not_readable" (there, but it cannot be listed).
        self.code = code
        self.path = path


def resolve_typed_path(text: str, current: Path | None) -> Path:
    """The exact path a user typed (``~`` expanded, relative to ``current``), checked to exist; blocks.

    Components shown with U+FFFD (bytes that are not UTF-8) are matched against the names on disk, so a
    path copied from the path bar leads back to the exact folder. Raises ``TypedPathError``.
    """
    raw = Path(os.path.expanduser(text.strip()))
    if not raw.is_absolute():
        raw = (current or Path.home()) / raw
    path = Path(os.path.normpath(raw))
    if REPLACEMENT in os.fspath(path):
        path = _match_replaced(path)
    if not os.path.lexists(path):
        raise TypedPathError("not_found", path)
    if path.is_dir() and not os.access(path, os.R_OK | os.X_OK):
        raise TypedPathError("not_readable", path)
    return path


def _match_replaced(path: Path) -> Path:
    """``path`` with each component containing U+FFFD replaced by the one name on disk it displays as."""
    parts = breadcrumbs(path)
    exact = parts[0]
    for part in parts[1:]:
        name = part.name
        if REPLACEMENT in name:
            try:
                candidates = [n for n in os.listdir(exact) if display_name(n) == name]
            except OSError:
                candidates = []
            if len(candidates) == 1:
                name = candidates[0]
        exact = exact / name
    return exact
