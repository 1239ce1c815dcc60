"""The rows a scan would write for one file or folder tree of a location (blocking: run off the loop).

``follow`` writes these instead of re-listing the folder an item landed in: the same lstat fields,
the same walker below a folder, and the same indexer rules, including what the folders above decide
(junk or hidden ancestors, their .gitignore files), so the watcher's later re-scan changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import stat

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


def folder_stat(place: Place) -> tuple[int, int, int, int] | None:
    """(inode, permissions, ctime ns, mtime ns) of the folder holding ``place``, as its row stores them."""
    try:
        st = os.lstat(place.folder)
    except OSError:
        return None
    return st.st_ino, stat.S_IMODE(st.st_mode), st.st_ctime_ns, st.st_mtime_ns
