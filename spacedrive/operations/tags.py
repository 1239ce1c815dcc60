"""Tags on indexed and ephemeral files alike (issue 5, item 7; spec: Tag, UserMetadata, MetadataTag).

A tag hangs off an entry's user metadata, created on demand. An indexed file's entry gets it in
place; a file no location indexes gets a loose entry (``location_id`` NULL, keyed by its real
absolute folder path, DESIGN.md section 4) that keeps its UUID and tags, follows it when Spacedrive
moves it, and is adopted by the index if its folder is added later. A loose entry left with no user
metadata is removed: it exists only to carry it.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from spacedrive.domain import events as ev
from spacedrive.domain.entry import Entry
from spacedrive.domain.tag import Tag
from spacedrive.errors import InvalidArgument
from spacedrive.infrastructure.fs.paths import join_name, split_name
from spacedrive.operations.entry_paths import Place, key_clause, places_of
from spacedrive.operations.indexing.store import _raw
from spacedrive.operations.tag_errors import PathNotFound, TagExists, TagNotFound

if TYPE_CHECKING:
    from spacedrive.operations.libraries import Library

__all__ = [
    "PathNotFound",
    "TagExists",
    "TagNotFound",
    "add_tag",
    "create_tag",
    "delete_tag",
    "entries_with_tag",
    "get_tag",
    "list_tags",
    "remove_tag",
    "update_tag",
]


_COLOR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_KINDS = {0: "file", 1: "directory", 2: "symlink", 3: "other"}
_COUNT = (
    "(SELECT count(*) FROM metadata_tag mt JOIN entries e ON e.metadata_id = mt.metadata_id "
    "WHERE mt.tag_id = t.id)"
)
_TAG_COLUMNS = f"t.id, t.uuid, t.name, t.color, {_COUNT}, t.created_at, t.updated_at"


def _tag(row: Sequence[Any]) -> Tag:
    return Tag(int(row[0]), UUID(bytes=row[1]), row[2], row[3], int(row[4]), int(row[5]), int(row[6]))


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidArgument("a tag needs a name")
    if len(name) > 255 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InvalidArgument("a tag name is at most 255 characters, without control characters")
    return name


def _clean_color(color: str | None) -> str | None:
    """``#rrggbb`` (lower case) from ``#rgb``, ``#rrggbb`` or either without its ``#``."""
    if color is None or color == "":
        return None
    match = _COLOR.fullmatch(color.strip())
    if match is None:
        raise InvalidArgument(f"{color!r} is not a colour: use #rrggbb (or #rgb)")
    digits = match.group(1).lower()
    return "#" + (digits if len(digits) == 6 else "".join(c * 2 for c in digits))


async def list_tags(library: Library) -> list[Tag]:
    """Every tag with the number of files carrying it, by name."""
    async with library.db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            f"SELECT {_TAG_COLUMNS} FROM tags t ORDER BY t.name COLLATE NOCASE"
        )
        return [_tag(r) for r in result.all()]


async def get_tag(library: Library, ref: str) -> Tag:
    """By exact name, then name ignoring case, then UUID."""
    tags = await list_tags(library)
    for match in (
        [t for t in tags if t.name == ref],
        [t for t in tags if t.name.casefold() == ref.strip().casefold()],
        [t for t in tags if str(t.uuid) == ref.strip().lower()],
    ):
        if match:
            return match[0]
    raise TagNotFound(f"no tag named {ref!r} (see `tag list`)")


async def _check_free(library: Library, name: str, keep: int | None = None) -> None:
    for tag in await list_tags(library):
        if tag.name.casefold() == name.casefold() and tag.id != keep:
            raise TagExists(f"a tag named {tag.name!r} already exists")


async def create_tag(library: Library, name: str, color: str | None = None) -> Tag:
    name, color = _clean_name(name), _clean_color(color)
    await _check_free(library, name)
    now = int(time.time())
    async with library.db.write() as session:
        conn = await session.connection()
        await conn.exec_driver_sql(
            "INSERT INTO tags (uuid, name, color, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (uuid.uuid4().bytes, name, color, now, now),
        )
    tag = await get_tag(library, name)
    library.bus.emit(ev.TagCreated(library_id=library.id, id=tag.id, name=tag.name, color=tag.color))
    return tag


async def update_tag(library: Library, ref: str, name: str | None = None, color: str | None = None) -> Tag:
    """Rename and/or recolour a tag; the files keep it."""
    tag = await get_tag(library, ref)
    new_name = _clean_name(name) if name is not None else tag.name
    new_color = _clean_color(color) if color is not None else tag.color
    await _check_free(library, new_name, keep=tag.id)
    async with library.db.write() as session:
        conn = await session.connection()
        await conn.exec_driver_sql(
            "UPDATE tags SET name = ?, color = ?, updated_at = ? WHERE id = ?",
            (new_name, new_color, int(time.time()), tag.id),
        )
    updated = await get_tag(library, new_name)
    library.bus.emit(
        ev.TagUpdated(library_id=library.id, id=tag.id, name=new_name, old_name=tag.name, color=new_color)
    )
    return updated


async def delete_tag(library: Library, ref: str) -> Tag:
    """Delete a tag; the files lose it (and loose entries left with nothing to carry go)."""
    tag = await get_tag(library, ref)
    async with library.db.write() as session:
        d = await _raw(await session.connection())
        cur = await d.execute("SELECT metadata_id FROM metadata_tag WHERE tag_id = ?", (tag.id,))
        metadata = [int(r[0]) for r in await cur.fetchall()]
        await d.execute("DELETE FROM tags WHERE id = ?", (tag.id,))  # metadata_tag rows cascade
        await _drop_empty_loose(d, metadata)
    library.bus.emit(ev.TagDeleted(library_id=library.id, id=tag.id, name=tag.name))
    return tag


# ---- tagging files --------------------------------------------------------------------------------------


def _lstat_all(paths: list[bytes]) -> list[os.stat_result | None]:
    out: list[os.stat_result | None] = []
    for path in paths:
        try:
            out.append(os.lstat(path))
        except (OSError, ValueError):
            out.append(None)
    return out


async def _places(
    library: Library, paths: Sequence[str | bytes]
) -> list[tuple[Place, os.stat_result | None]]:
    if not paths:
        raise InvalidArgument("no paths given")
    raws = [os.path.abspath(os.fsencode(p)) for p in paths]
    stats = await asyncio.get_running_loop().run_in_executor(None, _lstat_all, raws)
    return list(zip(await places_of(library, *raws), stats, strict=True))


async def _entry_at(d: Any, place: Place) -> tuple[int, int | None] | None:
    """(entry id, metadata id) of the path: its indexed entry, else its loose one."""
    candidates = [place]
    if place.location is not None:
        candidates.append(Place(place.path, place.folder, place.name, None))  # not indexed (yet)
    for candidate in candidates:
        where, args = key_clause(candidate)
        cur = await d.execute(f"SELECT id, metadata_id FROM entries WHERE {where} LIMIT 1", args)
        row = await cur.fetchone()
        if row is not None:
            return int(row[0]), row[1]
    return None


async def _new_loose(d: Any, place: Place, st: os.stat_result) -> int:
    """A loose entry for a file no location indexes (yet), with what a listing shows of it."""
    is_dir = stat.S_ISDIR(st.st_mode)
    kind = 1 if is_dir else 0 if stat.S_ISREG(st.st_mode) else 2 if stat.S_ISLNK(st.st_mode) else 3
    size = st.st_size if kind == 0 else 0
    stem, ext = split_name(place.name, is_dir)
    cur = await d.execute(
        "INSERT INTO entries (uuid, location_id, relative_path, name, extension, kind, size, aggregate_size, "
        "child_count, file_count, inode, permissions, hidden, created_at, modified_at) "
        "VALUES (?, NULL, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)",
        (
            uuid.uuid4().bytes,
            place.folder,
            stem,
            ext,
            kind,
            size,
            size,
            st.st_ino,
            stat.S_IMODE(st.st_mode),
            place.name[:1] == b".",
            st.st_ctime_ns,
            st.st_mtime_ns,
        ),
    )
    return int(cur.lastrowid)


async def add_tag(library: Library, paths: Sequence[str | bytes], ref: str) -> int:
    """Tag files and folders, indexed or not; returns how many did not have the tag yet."""
    tag = await get_tag(library, ref)
    places = await _places(library, paths)
    for place, st in places:
        if st is None:
            raise PathNotFound(f"{os.fsdecode(place.path)} does not exist")
    added = 0
    now = int(time.time())
    async with library.db.write() as session:
        d = await _raw(await session.connection())
        for place, st in places:
            assert st is not None
            found = await _entry_at(d, place)
            entry_id, metadata_id = found if found is not None else (await _new_loose(d, place, st), None)
            if metadata_id is None:
                cur = await d.execute(
                    "INSERT INTO user_metadata (uuid, favorite, hidden, created_at, updated_at) "
                    "VALUES (?, 0, 0, ?, ?)",
                    (uuid.uuid4().bytes, now, now),
                )
                metadata_id = int(cur.lastrowid)
                await d.execute("UPDATE entries SET metadata_id = ? WHERE id = ?", (metadata_id, entry_id))
            cur = await d.execute(
                "INSERT OR IGNORE INTO metadata_tag (metadata_id, tag_id) VALUES (?, ?)",
                (metadata_id, tag.id),
            )
            added += max(cur.rowcount, 0)
    _emit_changes(library, tag, [p for p, _ in places], added=True)
    return added


async def remove_tag(library: Library, paths: Sequence[str | bytes], ref: str) -> int:
    """Take a tag off files and folders; returns how many had it. A path that is gone may still be
    untagged while an entry remembers it."""
    tag = await get_tag(library, ref)
    places = await _places(library, paths)
    removed = 0
    async with library.db.write() as session:
        d = await _raw(await session.connection())
        found = [(place, await _entry_at(d, place)) for place, _ in places]
        for (place, st), (_, entry) in zip(places, found, strict=True):
            if entry is None and st is None:
                raise PathNotFound(f"{os.fsdecode(place.path)} does not exist")
        metadata = [entry[1] for _, entry in found if entry is not None and entry[1] is not None]
        for metadata_id in metadata:
            cur = await d.execute(
                "DELETE FROM metadata_tag WHERE metadata_id = ? AND tag_id = ?", (metadata_id, tag.id)
            )
            removed += max(cur.rowcount, 0)
        await _drop_empty_loose(d, metadata)
    _emit_changes(library, tag, [p for p, _ in places], added=False)
    return removed


async def _drop_empty_loose(d: Any, metadata: list[int]) -> None:
    """Loose entries whose user metadata no longer holds anything go, with that metadata."""
    for i in range(0, len(metadata), 500):
        chunk = metadata[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        empty = (
            f"SELECT m.id FROM user_metadata m WHERE m.id IN ({marks}) AND m.notes IS NULL "
            "AND NOT m.favorite AND m.custom_data IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM metadata_tag mt WHERE mt.metadata_id = m.id) "
            "AND NOT EXISTS (SELECT 1 FROM metadata_label ml WHERE ml.metadata_id = m.id)"
        )
        cur = await d.execute(empty, chunk)
        ids = [int(r[0]) for r in await cur.fetchall()]
        if not ids:
            continue
        id_marks = ", ".join("?" for _ in ids)
        await d.execute(f"DELETE FROM entries WHERE location_id IS NULL AND metadata_id IN ({id_marks})", ids)
        await d.execute(
            f"DELETE FROM user_metadata WHERE id IN ({id_marks}) "
            "AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.metadata_id = user_metadata.id)",
            ids,
        )


def _emit_changes(library: Library, tag: Tag, places: list[Place], added: bool) -> None:
    library.bus.emit(
        ev.TagsChanged(
            library_id=library.id,
            tag_id=tag.id,
            tag=tag.name,
            added=added,
            paths=tuple(os.fsdecode(p.path) for p in places),
        )
    )
    folders = sorted({(p.location.id, p.rel_folder) for p in places if p.location is not None})
    for location_id, rel in folders:
        library.bus.emit(
            ev.EntriesChanged(
                library_id=library.id,
                location_id=location_id,
                relative_path=os.fsdecode(rel),
                created=0,
                modified=1,
                deleted=0,
                moved=0,
            )
        )


async def entries_with_tag(library: Library, ref: str) -> list[Entry]:
    """Everything carrying the tag, indexed or loose, each with its absolute folder (for a tag view)."""
    tag = await get_tag(library, ref)
    async with library.db.read() as session:
        conn = await session.connection()
        result = await conn.exec_driver_sql(
            """SELECT e.uuid, l.path, e.relative_path, e.name, e.extension, e.kind, e.size, e.aggregate_size,
                   e.file_count, e.modified_at, e.created_at, e.hidden, c.cas_id, k.name,
                   (SELECT group_concat(t.name, char(31)) FROM metadata_tag m2 JOIN tags t ON t.id = m2.tag_id
                     WHERE m2.metadata_id = e.metadata_id)
            FROM metadata_tag mt JOIN entries e ON e.metadata_id = mt.metadata_id
            LEFT JOIN locations l ON l.id = e.location_id
            LEFT JOIN content_identities c ON c.id = e.content_id
            LEFT JOIN content_kinds k ON k.id = c.kind_id
            WHERE mt.tag_id = ?""",
            (tag.id,),
        )
        rows: list[Any] = list(result.all())
    entries = []
    for r in rows:
        root, rel = r[1], bytes(r[2])
        parent = rel if root is None else (os.path.join(bytes(root), rel) if rel else bytes(root))
        kind = _KINDS.get(r[5], "other")
        entries.append(
            Entry(
                raw_name=join_name(bytes(r[3]), bytes(r[4])),
                raw_parent=parent,
                kind=kind,
                size=r[7] if kind == "directory" else r[6],
                modified=r[9] / 1e9,
                created=r[10] / 1e9,
                hidden=bool(r[11]),
                indexed=root is not None,
                uuid=UUID(bytes=r[0]),
                cas_id=r[12],
                content_kind=r[13],
                file_count=r[8] if kind == "directory" and root is not None else None,
                tags=tuple(r[14].split("\x1f")) if r[14] else (),
            )
        )
    entries.sort(key=lambda e: e.path)
    return entries


# ---- commands -------------------------------------------------------------------------------------------

from spacedrive.operations.api import Params, _req, _str, command  # noqa: E402

if TYPE_CHECKING:
    from spacedrive.core import Core


def _paths(params: Params) -> list[str]:
    paths = params.get("paths")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise InvalidArgument("'paths' must be a non-empty list of paths")
    return paths


def _file(entry: Entry) -> dict[str, Any]:
    return {**entry.to_dict(), "path": os.fsdecode(entry.path)}


@command("tag.create")
async def _create(core: Core, params: Params) -> Any:
    library = core.libraries.current()
    return (await create_tag(library, _req(params, "name"), _str(params, "color", required=False))).to_dict()


@command("tag.list")
async def _list(core: Core, params: Params) -> Any:
    return [t.to_dict() for t in await list_tags(core.libraries.current())]


@command("tag.info")
async def _info(core: Core, params: Params) -> Any:
    return (await get_tag(core.libraries.current(), _req(params, "tag"))).to_dict()


@command("tag.rename")
async def _rename(core: Core, params: Params) -> Any:
    library = core.libraries.current()
    return (await update_tag(library, _req(params, "tag"), name=_req(params, "name"))).to_dict()


@command("tag.update")
async def _update(core: Core, params: Params) -> Any:
    library = core.libraries.current()
    tag = await update_tag(
        library,
        _req(params, "tag"),
        name=_str(params, "name", required=False),
        color=params.get("color") if isinstance(params.get("color"), str) else None,
    )
    return tag.to_dict()


@command("tag.delete")
async def _delete(core: Core, params: Params) -> Any:
    return (await delete_tag(core.libraries.current(), _req(params, "tag"))).to_dict()


@command("tag.add")
async def _add(core: Core, params: Params) -> Any:
    library = core.libraries.current()
    paths = _paths(params)
    added = await add_tag(library, paths, _req(params, "tag"))
    return {"tag": (await get_tag(library, _req(params, "tag"))).to_dict(), "paths": paths, "changed": added}


@command("tag.remove")
async def _remove(core: Core, params: Params) -> Any:
    library = core.libraries.current()
    paths = _paths(params)
    removed = await remove_tag(library, paths, _req(params, "tag"))
    return {
        "tag": (await get_tag(library, _req(params, "tag"))).to_dict(),
        "paths": paths,
        "changed": removed,
    }


@command("tag.files")
async def _files(core: Core, params: Params) -> Any:
    return [_file(e) for e in await entries_with_tag(core.libraries.current(), _req(params, "tag"))]
