"""Symbolic links made by dropping files with Alt held ("Link Here" in Dolphin and Nautilus)."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import Any

from spacedrive.errors import InvalidArgument
from spacedrive.infrastructure.fs.paths import exact
from spacedrive.operations.files.file_actions import Done, FileAction, _exists, _writable_folder
from spacedrive.operations.files.fsops import error_for, free_name, fsync_dir, identity

#: How often a name taken meanwhile is retried with the next "name (n)" before giving up.
ATTEMPTS = 100


@dataclass
class LinkAction(FileAction):
    """A link in ``parent`` to each of ``sources`` (absolute targets), named as its target; a name
    already taken gets "name (2).ext", as a copy onto itself does."""

    sources: list[bytes]
    parent: bytes
    origin: str = "user"

    @property
    def action_name(self) -> str:
        return "file.link"

    def targets(self) -> dict[str, Any]:
        return {"sources": [exact(s) for s in self.sources], "parent": exact(self.parent)}

    def check(self) -> None:
        if not self.sources:
            raise InvalidArgument("nothing to link to")
        for source in self.sources:
            _exists(source)
        _writable_folder(self.parent)

    def commit(self) -> Done:
        made = []
        for source in self.sources:
            target = os.path.abspath(source)
            is_dir = stat.S_ISDIR(os.stat(target).st_mode) if os.path.exists(target) else False
            link = os.path.join(self.parent, os.path.basename(target.rstrip(b"/")) or b"link")
            made.append(_link(target, link, is_dir))
        fsync_dir(self.parent)
        return Done(paths=tuple(made), steps=tuple((b"", p, identity(p)) for p in made))


def _link(target: bytes, link: bytes, is_dir: bool) -> bytes:
    try:
        for _ in range(ATTEMPTS):
            if os.path.lexists(link):
                link = free_name(link, is_dir)
            try:
                os.symlink(target, link)
                return link
            except FileExistsError:  # taken between the look and the link: try the next number
                continue
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fsdecode(link))
    except OSError as e:
        raise error_for(e, target, link) from e
