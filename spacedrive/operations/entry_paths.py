"""Where an absolute path sits in a library: an entry key of a location, or a loose entry.

Loose entries (``location_id`` NULL, DESIGN.md section 4) carry the user metadata of files no
location indexes. Their ``relative_path`` is the real (symlink-free) absolute path of their folder,
as locations store their root, so a file reached through a linked folder finds the same entry and a
location added later finds the loose entries inside it by a range of paths.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacedrive.domain import events as ev
from spacedrive.domain.location import LocationInfo
from spacedrive.errors import InvalidArgument
from spacedrive.infrastructure.fs.paths import child_relative_path, split_name

if TYPE_CHECKING:
    from spacedrive.operations.libraries import Library


@dataclass(frozen=True, slots=True)
class Place:
    """One path as the library keys it. The file itself need not exist (a move's source)."""

    #: The real path of the folder holding it, then its exact name.
    path: bytes
    folder: bytes
    name: bytes
    #: The location whose folder tree holds it (its root itself is not inside), else None.
    location: LocationInfo | None
    #: The folder inside the location, b'' at its root (meaningless without a location).
    rel_folder: bytes = b""

    @property
    def location_id(self) -> int | None:
        return self.location.id if self.location is not None else None

    @property
    def root(self) -> bytes:
        assert self.location is not None
        return os.fsencode(self.location.path)

    @property
    def key_folder(self) -> bytes:
        """Its entry's ``relative_path``: inside the location, or the absolute folder when loose."""
        return self.rel_folder if self.location is not None else self.folder

    @property
    def child_folder(self) -> bytes:
        """The ``relative_path`` of the entries inside it, when it is a folder."""
        if self.location is not None:
            return child_relative_path(self.rel_folder, self.name)
        return self.path

    def names(self) -> list[tuple[bytes, bytes]]:
        """(name, extension) its entry may have: a folder keeps its whole name, a file is split."""
        split = split_name(self.name)
        return [(self.name, b"")] if split == (self.name, b"") else [(self.name, b""), split]


def _within(path: bytes, root: bytes) -> bytes | None:
    """``path`` relative to ``root`` (b'' for the root), None when outside."""
    root = root.rstrip(b"/") or b"/"
    if path == root:
        return b""
    prefix = root if root.endswith(b"/") else root + b"/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def real_path(path: str | bytes) -> tuple[bytes, bytes]:
    """(real folder, exact name) of an absolute or relative path; the last component is not resolved
    (a symlink is itself, as listings show it)."""
    raw = os.fsencode(path)
    absolute = os.path.abspath(raw)
    folder, name = os.path.split(absolute)
    if not name:
        raise InvalidArgument(f"{os.fsdecode(raw)} names no file")
    return os.path.realpath(folder), name


class _Roots:
    """The location roots of one open library, read again only after a location was added or removed.

    File operations ask where their paths sit once per item; the roots change rarely. Additions and
    removals are queued on a subscription the moment they are emitted, so a lookup after one is exact.
    """

    def __init__(self, library: Library) -> None:
        library_id = library.id
        self.changes = library.bus.subscribe(
            maxsize=8,
            event_filter=lambda e: (
                isinstance(e, ev.LocationAdded | ev.LocationRemoved) and e.library_id == library_id
            ),
        )
        self.roots: list[tuple[int, bytes]] | None = None
        weakref.finalize(library, self.changes.close)

    def changed(self) -> bool:
        seen = False
        while self.changes.get_nowait() is not None:
            seen = True
        return seen


_ROOTS: weakref.WeakKeyDictionary[Library, _Roots] = weakref.WeakKeyDictionary()


async def _location_roots(library: Library) -> list[tuple[int, bytes]]:
    cache = _ROOTS.get(library)
    if cache is None or cache.changes.closed:
        cache = _ROOTS[library] = _Roots(library)
    if cache.changed() or cache.roots is None:
        async with library.db.read() as session:
            conn = await session.connection()
            rows: list[Any] = list((await conn.exec_driver_sql("SELECT id, path FROM locations")).all())
        roots = [(int(r[0]), bytes(r[1])) for r in rows]
        cache.roots = None if cache.changed() else roots  # changed while read: read again next time
        return roots
    return cache.roots


async def places_of(library: Library, *paths: str | bytes) -> list[Place]:
    """Where each path sits. Paths outside every location (the common case of a copy to an ephemeral
    folder) cost one small query for the location roots, not a full read of the locations."""
    roots = await _location_roots(library)
    found: list[tuple[bytes, bytes, bytes, int | None, bytes]] = []
    for path in paths:
        folder, name = real_path(path)
        full = folder + b"/" + name if folder != b"/" else b"/" + name
        where = next(
            ((loc_id, rel) for loc_id, root in roots if (rel := _within(folder, root)) is not None), None
        )
        found.append((full, folder, name, *where) if where else (full, folder, name, None, b""))
    infos: dict[int, LocationInfo] = {}
    if any(loc_id is not None for *_, loc_id, _ in found):
        # Imported here: locations registers commands, and the command modules import file operations,
        # which import this module.
        from spacedrive.operations.locations import list_locations

        infos = {loc.id: loc for loc in await list_locations(library)}
    return [
        Place(full, folder, name, infos.get(loc_id) if loc_id is not None else None, rel)
        for full, folder, name, loc_id, rel in found
    ]


async def place_of(library: Library, path: str | bytes) -> Place:
    return (await places_of(library, path))[0]


def _terms(place: Place, keyed: bool, below: bool) -> tuple[str, tuple[Any, ...]]:
    """Disjuncts that each name the location, so SQLite answers every one from the key index (a
    shared ``location_id = ?`` outside the OR would scan the whole location)."""
    loc, loc_args = (
        ("location_id = ?", (place.location_id,))
        if place.location is not None
        else ("location_id IS NULL", ())
    )
    terms: list[str] = []
    args: list[Any] = []
    if keyed:
        for name, extension in place.names():
            terms.append(f"({loc} AND relative_path = ? AND name = ? AND extension = ?)")
            args += [*loc_args, place.key_folder, name, extension]
    if below:
        child = place.child_folder
        terms.append(f"({loc} AND relative_path = ?)")
        terms.append(f"({loc} AND relative_path >= ? AND relative_path < ?)")
        args += [*loc_args, child, *loc_args, child + b"/", child + b"0"]
    return "(" + " OR ".join(terms) + ")", tuple(args)


def subtree_clause(place: Place) -> tuple[str, tuple[Any, ...]]:
    """SQL (over ``entries``, unaliased) matching the entry of ``place`` and every entry below it."""
    return _terms(place, keyed=True, below=True)


def below_clause(place: Place) -> tuple[str, tuple[Any, ...]]:
    """SQL (over ``entries``, unaliased) matching every entry below ``place`` (not its own)."""
    return _terms(place, keyed=False, below=True)


def key_clause(place: Place) -> tuple[str, tuple[Any, ...]]:
    """SQL (over ``entries``, unaliased) matching the entry of ``place`` itself."""
    return _terms(place, keyed=True, below=False)
