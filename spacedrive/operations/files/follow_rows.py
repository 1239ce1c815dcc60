"""The rows a scan would write for one file or folder tree of a location (blocking: run off the loop).

``follow`` writes these instead of re-listing the folder an item landed in: the same lstat fields,
the same walker below a folder, and the same indexer rules, including what the folders above decide
(junk or hidden ancestors, their .gitignore files), so the watcher's later re-scan changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass

from spacedrive.infrastructure.fs.content_id import cas_id_of_file
from spacedrive.infrastructure.fs.kinds import SNIFF_SIZE, detect_kind
from spacedrive.infrastructure.fs.paths import split_name
from spacedrive.operations.entry_paths import Place
from spacedrive.operations.indexing.partial_scan import _drop_ignored, _gitignores_above, _skipped_by_rules
from spacedrive.operations.indexing.rules import IndexerRules, is_junk
from spacedrive.operations.indexing.walker import (
    KIND_DIR,
    KIND_FILE,
    KIND_OTHER,
    KIND_SYMLINK,
    Row,
    _skipped,
    walk,
)


@dataclass(frozen=True, slots=True)
class Disk:
    """What one follow call needs to know from the disk, gathered in one trip off the loop."""

    rows: list[Row] | None = None
    target_stat: FolderStat | None = None
    source_stat: FolderStat | None = None
    cas_id: str | None = None
    sniffed: tuple[str, str | None] | None = None


#: (inode, permissions, ctime ns, mtime ns) of a folder, as its row stores them.
FolderStat = tuple[int, int, int, int]


def look(target: Place | None, source: Place | None, cas_id: str | None, compute: bool) -> Disk:
    """The rows for an indexed ``target``, the state of the folders holding it and a moved ``source``,
    and for a single file its content id (the copy's ``cas_id``, or sampled now when ``compute``) with
    its kind from its first bytes."""
    rows = item_rows(target) if target is not None else None
    one_file = target is not None and rows is not None and len(rows) == 1 and rows[0][3] == KIND_FILE
    if one_file and cas_id is None and compute and target is not None:
        with contextlib.suppress(OSError):
            cas_id = cas_id_of_file(target.path)
    return Disk(
        rows=rows,
        target_stat=folder_stat(target) if target is not None else None,
        source_stat=folder_stat(source) if source is not None and source.location is not None else None,
        cas_id=cas_id if one_file else None,
        sniffed=_sniff(target.path) if one_file and cas_id and target is not None else None,
    )


def _sniff(path: bytes) -> tuple[str, str | None] | None:
    """Kind and MIME type of a copied file from its first bytes (for a cas_id the library lacks)."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_SIZE)
    except OSError:
        return None
    kind, mime = detect_kind(os.fsdecode(split_name(os.path.basename(path))[1]), head)
    return kind.value, mime


def item_rows(place: Place) -> list[Row] | None:
    """Rows for ``place`` and everything below it, its own row first; None when the location's rules
    skip it (or it is gone)."""
    assert place.location is not None
    root = place.root.rstrip(b"/") or b"/"
    rules = IndexerRules.from_dict(place.location.rules)
    rel_folder, name = place.rel_folder, place.name
    if rel_folder and _skipped_by_rules(root, rules, rel_folder, _gitignores_above(root, rules, rel_folder)):
        return None
    item_rel = place.child_folder
    above = _gitignores_above(root, rules, item_rel)  # the .gitignore files of every folder holding it
    path = os.path.join(root, item_rel)
    try:
        st = os.lstat(path)
    except OSError:
        return None
    is_dir = stat.S_ISDIR(st.st_mode)
    hidden = name[:1] == b"."
    if (rules.skip_junk and is_junk(name)) or (rules.skip_hidden and hidden):
        return None
    system_root = rules.skip_system and root == b"/"
    if _skipped(name, item_rel, is_dir, rel_folder, system_root, rules.compiled_globs(), above):
        return None
    perms, times = stat.S_IMODE(st.st_mode), (st.st_ctime_ns, st.st_mtime_ns)
    if not is_dir:
        kind = (
            KIND_FILE
            if stat.S_ISREG(st.st_mode)
            else KIND_SYMLINK
            if stat.S_ISLNK(st.st_mode)
            else KIND_OTHER
        )
        size = st.st_size if kind == KIND_FILE else 0
        stem, ext = split_name(name)
        return [(rel_folder, stem, ext, kind, size, size, 0, 0, st.st_ino, perms, hidden, *times)]
    below: list[Row] = []
    with contextlib.suppress(OSError):  # unreadable: nothing inside, as the walker lists one
        walk(path, rules, below.extend, rel_prefix=item_rel)
    if above:
        below = _drop_ignored(below, item_rel, above, {})
    size = sum(int(r[4]) for r in below if r[3] == KIND_FILE)
    files = sum(1 for r in below if r[3] == KIND_FILE)
    children = sum(1 for r in below if r[0] == item_rel)
    own: Row = (rel_folder, name, b"", KIND_DIR, 0, size, children, files, st.st_ino, perms, hidden, *times)
    return [own, *below]


def folder_stat(place: Place) -> FolderStat | None:
    """The folder holding ``place``, as its row stores it."""
    try:
        st = os.lstat(place.folder)
    except OSError:
        return None
    return st.st_ino, stat.S_IMODE(st.st_mode), st.st_ctime_ns, st.st_mtime_ns
