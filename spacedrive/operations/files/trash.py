"""The system trash, per the freedesktop.org Trash specification 1.0 (what Nautilus and Dolphin use).

A file on the home file system goes to ``$XDG_DATA_HOME/Trash``; a file on another volume goes to that
volume's ``$topdir/.Trash/$uid`` (when an admin made ``.Trash`` sticky) or ``$topdir/.Trash-$uid``, so
trashing is always a rename and never copies. Each trashed item has ``info/NAME.trashinfo`` (its original
path, URL-encoded, and the deletion date), written before the file moves to ``files/NAME``: a kill
between the two leaves an orphan info file, which the spec tells readers to ignore. Restore reads the
info back and renames the file to where it was, refusing when something else sits there now.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from dataclasses import dataclass
from urllib.parse import quote_from_bytes, unquote_to_bytes

from spacedrive.errors import RestoreConflict, SourceNotFound, TrashUnavailable
from spacedrive.infrastructure.fs.paths import display
from spacedrive.operations.files.fsops import fsync_dir, remove_tree, rename_noreplace

INFO_SUFFIX = b".trashinfo"


@dataclass(frozen=True, slots=True)
class TrashedItem:
    """A file in a trash: its name there, which trash, where it came from and when."""

    name: bytes
    trash_dir: bytes
    original: bytes
    deleted_at: str

    @property
    def file(self) -> bytes:
        return os.path.join(self.trash_dir, b"files", self.name)

    @property
    def info(self) -> bytes:
        return os.path.join(self.trash_dir, b"info", self.name + INFO_SUFFIX)


def home_trash() -> bytes:
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(os.fsencode(data_home), b"Trash")


def mount_point(path: bytes) -> bytes:
    """The top directory of the file system holding ``path`` (the nearest ancestor on another device)."""
    path = os.path.abspath(path)
    while not os.path.lexists(path):
        path = os.path.dirname(path)
    dev = os.lstat(path).st_dev
    while path != b"/":
        parent = os.path.dirname(path)
        if os.lstat(parent).st_dev != dev:
            return path
        path = parent
    return path


def trash_for(path: bytes) -> tuple[bytes, bytes | None]:
    """(trash folder, its top directory or None for the home trash) for a file at ``path``."""
    home = home_trash()
    os.makedirs(os.path.join(home, b"files"), mode=0o700, exist_ok=True)
    os.makedirs(os.path.join(home, b"info"), mode=0o700, exist_ok=True)
    if os.lstat(os.path.dirname(path) or b"/").st_dev == os.stat(home).st_dev:
        return home, None
    top = mount_point(path)
    uid = str(os.getuid()).encode()
    shared = os.path.join(top, b".Trash")
    try:
        st = os.lstat(shared)
        if stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX:
            candidate = os.path.join(shared, uid)
            _make_trash(candidate)
            return candidate, top
    except OSError:
        pass
    candidate = os.path.join(top, b".Trash-" + uid)
    try:
        _make_trash(candidate)
    except OSError as e:
        raise TrashUnavailable(
            f"the volume at {display(top)} has no usable trash ({e.strerror}); delete permanently instead"
        ) from e
    return candidate, top


def _make_trash(folder: bytes) -> None:
    for sub in (b"files", b"info"):
        os.makedirs(os.path.join(folder, sub), mode=0o700, exist_ok=True)
    if os.path.islink(folder):
        raise OSError(errno.ELOOP, "the trash folder is a symbolic link")


def reserve(path: bytes) -> TrashedItem:
    """Choose a free name in the right trash and write its info file (step one of trashing ``path``)."""
    path = os.path.abspath(path)
    trash_dir, top = trash_for(path)
    base = os.path.basename(path)
    recorded = os.path.relpath(path, top) if top is not None else path
    deleted_at = time.strftime("%Y-%m-%dT%H:%M:%S")
    body = b"[Trash Info]\nPath=%s\nDeletionDate=%s\n" % (
        quote_from_bytes(recorded, safe="/").encode(),
        deleted_at.encode(),
    )
    for n in range(1, 100_000):
        name = base if n == 1 else base[: 250 - len(INFO_SUFFIX)] + b".%d" % n
        item = TrashedItem(name, trash_dir, path, deleted_at)
        if os.path.lexists(item.file):
            continue
        try:
            fd = os.open(item.info, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            continue
        try:
            os.write(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        return item
    raise TrashUnavailable(f"no free name in the trash for {display(path)}")


def move_in(item: TrashedItem) -> None:
    """Step two: rename the file into the trash (a rename: the trash is on its file system)."""
    try:
        os.rename(item.original, item.file)
    except BaseException:
        _unlink(item.info)
        raise
    fsync_dir(os.path.dirname(item.file))


def trash(path: bytes) -> TrashedItem:
    if not os.path.lexists(path):
        raise SourceNotFound(f"{display(path)} does not exist")
    item = reserve(path)
    move_in(item)
    return item


def read_info(trash_dir: bytes, name: bytes) -> TrashedItem:
    info = os.path.join(trash_dir, b"info", name + INFO_SUFFIX)
    with open(info, "rb") as f:
        text = f.read()
    original, deleted_at = b"", ""
    for line in text.splitlines():
        if line.startswith(b"Path="):
            original = unquote_to_bytes(line[5:].strip())
        elif line.startswith(b"DeletionDate="):
            deleted_at = line[13:].strip().decode("ascii", "replace")
    if not original:
        raise SourceNotFound(f"{display(info)} does not say where the file came from")
    if not original.startswith(b"/"):  # relative to the top directory of a volume's trash
        original = os.path.join(_top_of(trash_dir), original)
    return TrashedItem(name, trash_dir, original, deleted_at)


def _top_of(trash_dir: bytes) -> bytes:
    parent = os.path.dirname(trash_dir)
    return os.path.dirname(parent) if os.path.basename(parent) == b".Trash" else parent


def list_items(trash_dir: bytes) -> list[TrashedItem]:
    """What a trash holds (items whose file is gone, or whose info is unreadable, are left out)."""
    try:
        names = os.listdir(os.path.join(trash_dir, b"info"))
    except FileNotFoundError:
        return []
    items = []
    for info_name in names:
        if not info_name.endswith(INFO_SUFFIX):
            continue
        name = info_name[: -len(INFO_SUFFIX)]
        try:
            item = read_info(trash_dir, name)
        except (OSError, SourceNotFound):
            continue
        if os.path.lexists(item.file):
            items.append(item)
    return items


def find(ref: bytes) -> TrashedItem:
    """A trashed item by its path in a trash (``…/Trash/files/NAME``), its trash name, or where it was.

    For an original path the most recently trashed item from there wins.
    """
    ref = os.path.abspath(ref) if ref.startswith(b"/") else ref
    folder, name = os.path.split(ref)
    if os.path.basename(folder) == b"files" and os.path.lexists(ref):
        return read_info(os.path.dirname(folder), name)
    trashes = [home_trash()]
    if ref.startswith(b"/"):
        top = mount_point(ref)
        uid = str(os.getuid()).encode()
        trashes += [os.path.join(top, b".Trash", uid), os.path.join(top, b".Trash-" + uid)]
    candidates = [
        item
        for trash_dir in trashes
        for item in list_items(trash_dir)
        if item.original == ref or item.name == ref
    ]
    if not candidates:
        raise SourceNotFound(f"nothing in the trash matches {display(ref)}")
    return max(candidates, key=lambda i: (i.deleted_at, i.name))


def restore(item: TrashedItem) -> bytes:
    """Put ``item`` back where it was; ``RestoreConflict`` if something else is there now."""
    if not os.path.lexists(item.file):
        raise SourceNotFound(f"{display(item.name)} is no longer in the trash")
    if os.path.lexists(item.original):
        raise RestoreConflict(
            f"cannot restore {display(item.original)}: something else is there now; "
            "move or rename it, then restore again"
        )
    os.makedirs(os.path.dirname(item.original), exist_ok=True)
    try:
        rename_noreplace(item.file, item.original)
    except FileExistsError:
        raise RestoreConflict(
            f"cannot restore {display(item.original)}: something else is there now"
        ) from None
    _unlink(item.info)
    fsync_dir(os.path.dirname(item.original))
    return item.original


def purge(item: TrashedItem) -> None:
    """Delete a trashed item for good."""
    remove_tree(item.file)
    _unlink(item.info)


def _unlink(path: bytes) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
