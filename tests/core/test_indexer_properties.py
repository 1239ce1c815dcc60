"""Property: whatever happens on disk, a rescan (and, separately, the watcher) leaves the index equal to a
fresh index of the same tree, and entries that were only renamed or moved keep their UUID."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spacedrive import Core
from spacedrive.operations.libraries import Library
from spacedrive.operations.locations import add_location, remove_location, rescan_location
from tests.core.indexing_support import eventually, finished, query, split

# Few names, so renames land on existing ones; a hidden one, a junk one and a .gitignore, so the rules
# decide what is indexed as the tree changes.
NAMES = ["a", "b", "c.txt", "d.md", "e.txt", ".h", "node_modules", ".gitignore"]
RULE_NAMES = {"node_modules", ".gitignore"}
GITIGNORES = [b"a\n", b"*.txt\n", b"b/\n", b"*\n!d.md\n", b"/e.txt\n", b""]


def contents(path: str) -> st.SearchStrategy[bytes]:
    if path.rpartition("/")[2] == ".gitignore":
        return st.sampled_from(GITIGNORES)
    return st.binary(max_size=24)


DIR = None  # the model's value for a folder; files map to their bytes


@dataclass
class Model:
    """The tree as the test believes it is, and which initial node each path holds now."""

    nodes: dict[str, bytes | None] = field(default_factory=dict)
    origin: dict[str, int] = field(default_factory=dict)  # path -> id of the initial node it is
    edited: set[int] = field(default_factory=set)

    def dirs(self) -> list[str]:
        return [""] + sorted(p for p, v in self.nodes.items() if v is DIR)

    def files(self) -> list[str]:
        return sorted(p for p, v in self.nodes.items() if v is not DIR)

    def relocate(self, old: str, new: str) -> None:
        """``old`` (and, for a folder, everything in it) now lives at ``new``."""
        for table in (self.nodes, self.origin):
            for path in sorted(table):
                if path == old or path.startswith(old + "/"):
                    table[new + path[len(old) :]] = table.pop(path)  # type: ignore[assignment]

    def remove(self, path: str) -> None:
        for table in (self.nodes, self.origin):
            for p in [p for p in table if p == path or p.startswith(path + "/")]:
                del table[p]


def join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, bytes | None], list[tuple[Any, ...]]]:
    """An initial tree and a sequence of operations valid for it."""
    model = Model()
    for _ in range(draw(st.integers(0, 4))):
        parent = draw(st.sampled_from(model.dirs()))
        name = draw(st.sampled_from(NAMES))
        if join(parent, name) not in model.nodes:
            model.nodes[join(parent, name)] = DIR
    for _ in range(draw(st.integers(0, 7))):
        parent = draw(st.sampled_from(model.dirs()))
        name = draw(st.sampled_from(NAMES))
        if join(parent, name) not in model.nodes:
            model.nodes[join(parent, name)] = draw(contents(name))
    initial = dict(model.nodes)
    ops: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(1, 8))):
        kinds = ["create_file", "create_dir"]
        if model.nodes:
            kinds += ["rename", "move", "delete"]
        if model.files():
            kinds += ["modify"]
        kind = draw(st.sampled_from(kinds))
        if kind in ("create_file", "create_dir"):
            parent, name = draw(st.sampled_from(model.dirs())), draw(st.sampled_from(NAMES))
            if join(parent, name) in model.nodes:
                continue
            value = draw(contents(name)) if kind == "create_file" else DIR
            model.nodes[join(parent, name)] = value
            ops.append((kind, join(parent, name), value))
        elif kind == "modify":
            path = draw(st.sampled_from(model.files()))
            data = draw(contents(path))
            model.nodes[path] = data
            ops.append(("modify", path, data))
        elif kind == "delete":
            path = draw(st.sampled_from(sorted(model.nodes)))
            model.remove(path)
            ops.append(("delete", path))
        else:  # rename in place, or move to another folder under the same name
            path = draw(st.sampled_from(sorted(model.nodes)))
            parent, _, name = path.rpartition("/")
            if kind == "rename":
                target = join(parent, draw(st.sampled_from(NAMES)))
            else:
                target = join(draw(st.sampled_from(model.dirs())), name)
            if target == path or target.startswith(path + "/"):
                continue
            if target in model.nodes:
                # A file may replace a file (mv -f); nothing else replaces anything here.
                if model.nodes[path] is DIR or model.nodes[target] is DIR:
                    continue
                model.remove(target)
            model.relocate(path, target)
            ops.append(("rename", path, target))
    return initial, ops


def build(root: Path, nodes: dict[str, bytes | None]) -> None:
    root.mkdir()
    for path in sorted(nodes):
        if nodes[path] is DIR:
            (root / path).mkdir()
    for path, data in nodes.items():
        if data is not DIR:
            (root / path).write_bytes(data)


def apply(root: Path, ops: list[tuple[Any, ...]]) -> None:
    for op in ops:
        kind, path = op[0], root / op[1]
        if kind == "create_dir":
            path.mkdir()
        elif kind in ("create_file", "modify"):
            path.write_bytes(op[2])
        elif kind == "delete":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        else:
            os.rename(path, root / op[2])


def key(path: str, is_dir: bool) -> tuple[bytes, bytes, bytes]:
    parent, _, name = path.rpartition("/")
    return (parent.encode(), *split(name.encode(), is_dir))


async def rows(library: Library, location_id: int) -> dict[tuple[bytes, ...], tuple[int, ...]]:
    found = await query(
        library,
        "SELECT relative_path, name, extension, kind, size, aggregate_size, child_count, file_count "
        "FROM entries WHERE location_id = ?",
        (location_id,),
    )
    return {tuple(r[:3]): tuple(r[3:]) for r in found}


async def uuid_of(library: Library, location_id: int) -> dict[tuple[bytes, ...], UUID]:
    found = await query(
        library,
        "SELECT relative_path, name, extension, uuid FROM entries WHERE location_id = ?",
        (location_id,),
    )
    return {tuple(r[:3]): UUID(bytes=r[3]) for r in found}


async def index_of(library: Library, root: Path, watch: bool) -> int:
    info, job_id = await add_location(library, str(root))
    if not watch:
        await library.stop_watching(info.id)
    await finished(library, job_id)
    return info.id


_cases = itertools.count()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
async def test_rescan_and_watcher_converge_to_a_fresh_index(
    core: Core, tmp_path: Path, scenario: tuple[dict[str, bytes | None], list[tuple[Any, ...]]]
) -> None:
    library = core.current_library()
    fresh_library = next(
        (lib for lib in core.libraries.open_libraries() if lib.name == "Fresh"), None
    ) or await core.libraries.create("Fresh")
    initial, ops = scenario
    case = tmp_path / f"case{next(_cases)}"
    case.mkdir()
    rescanned, watched = case / "rescanned", case / "watched"
    build(rescanned, initial)
    build(watched, initial)
    loc_rescanned, loc_watched = await asyncio.gather(
        index_of(library, rescanned, watch=False), index_of(library, watched, watch=True)
    )
    before = {loc: await uuid_of(library, loc) for loc in (loc_rescanned, loc_watched)}
    model = Model(nodes=dict(initial), origin={p: i for i, p in enumerate(sorted(initial))})
    for op in ops:  # replay on the model to learn where each initial node ends up
        if op[0] == "modify":
            model.edited.add(model.origin.get(op[1], -1))
            model.nodes[op[1]] = op[2]
        elif op[0] in ("create_file", "create_dir"):
            model.nodes[op[1]] = op[2]
        elif op[0] == "delete":
            model.remove(op[1])
        else:
            if op[2] in model.nodes:
                model.remove(op[2])
            model.relocate(op[1], op[2])
    apply(rescanned, ops)
    apply(watched, ops)

    await finished(library, await rescan_location(library, loc_rescanned))
    fresh = await index_of(fresh_library, rescanned, watch=False)
    expected = await rows(fresh_library, fresh)
    assert await rows(library, loc_rescanned) == expected, ops

    async def watcher_caught_up() -> bool:
        return await rows(library, loc_watched) == expected

    if not await eventually(watcher_caught_up, 3.0):
        assert await rows(library, loc_watched) == expected, ops

    # Renamed or moved, never edited: the same entry (folders keep theirs whatever happens inside),
    # unless the rules hid it at the start or the end. The watcher sees the steps in between, so
    # when the rules themselves changed on the way (a .gitignore, a junk name) it is not asked.
    rules_moved = any(p.rpartition("/")[2] in RULE_NAMES for op in ops for p in op[1:] if isinstance(p, str))
    initial_paths = sorted(initial)
    for loc in (loc_rescanned, loc_watched):
        if loc == loc_watched and rules_moved:
            continue
        now = await uuid_of(library, loc)
        for path, origin in model.origin.items():
            was = initial_paths[origin]
            is_dir = initial[was] is DIR
            if (
                origin in model.edited
                or key(path, is_dir) not in expected
                or key(was, is_dir) not in before[loc]
            ):
                continue
            assert now[key(path, is_dir)] == before[loc][key(was, is_dir)], (loc, was, path, ops)

    for loc in (loc_rescanned, loc_watched):
        await remove_location(library, loc)
    await remove_location(fresh_library, fresh)
    shutil.rmtree(case)
