"""Files on the clipboard (and in drags) in the formats other file managers write and read.

Written: ``text/uri-list`` (RFC 2483: one ``file://`` URI a line, CRLF), ``x-special/gnome-copied-files``
("copy" or "cut", then the URIs: Nautilus, Nemo, Caja, Thunar), ``application/x-kde-cutselection``
("1" for a cut: Dolphin) and ``text/plain`` (the paths, one a line, for text fields). Read: the same,
plus the ``text/plain`` form some Nautilus versions used ("x-special/nautilus-clipboard", then the
operation and URIs); a bare uri list is a copy. URIs are percent-encoded from the exact bytes of the
path, so names that are not UTF-8 round-trip.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import quote_from_bytes, unquote_to_bytes, urlsplit

from PySide6.QtCore import QMimeData

URI_LIST = "text/uri-list"
GNOME_FILES = "x-special/gnome-copied-files"
KDE_CUT = "application/x-kde-cutselection"
PLAIN = "text/plain"
_NAUTILUS_TEXT = b"x-special/nautilus-clipboard"
#: Characters kept as they are in a file URI's path (RFC 3986 unreserved, sub-delims, ":", "@", "/").
_SAFE = "/-._~!$&'()*+,;=:@"


@dataclass(frozen=True, slots=True)
class ClipboardFiles:
    """Files someone copied or cut: exact absolute paths, and whether pasting should move them."""

    paths: tuple[bytes, ...]
    cut: bool = False


def file_uri(path: bytes) -> bytes:
    """``file:///…`` for an absolute path, every byte outside the URI's safe set percent-encoded."""
    return b"file://" + quote_from_bytes(path, safe=_SAFE).encode("ascii")


def path_of_uri(uri: bytes) -> bytes | None:
    """The local path a ``file:`` URI names (its percent escapes back to bytes), else None."""
    try:
        parts = urlsplit(uri.decode("ascii").strip())
    except UnicodeDecodeError:
        # Some senders put raw UTF-8 in the URI: take the bytes of its path as they are.
        if not uri.startswith(b"file://"):
            return None
        rest = uri[len(b"file://") :]
        return rest[rest.find(b"/") :] if b"/" in rest else None
    if parts.scheme != "file" or parts.netloc not in ("", "localhost", socket.gethostname()):
        return None
    path = unquote_to_bytes(parts.path)
    return path if path.startswith(b"/") else None


def encode(paths: list[bytes] | tuple[bytes, ...], cut: bool = False) -> QMimeData:
    """Mime data for ``paths`` in every format above (a drag uses the same, ``cut`` false)."""
    uris = [file_uri(os.path.abspath(p)) for p in paths]
    mime = QMimeData()
    mime.setData(URI_LIST, b"".join(u + b"\r\n" for u in uris))
    mime.setData(GNOME_FILES, b"\n".join([b"cut" if cut else b"copy", *uris]))
    mime.setData(KDE_CUT, b"1" if cut else b"0")
    mime.setData(PLAIN, b"\n".join(paths))
    return mime


def decode(mime: QMimeData | None) -> ClipboardFiles | None:
    """The files ``mime`` carries (Nautilus's, Dolphin's, ours, any uri list), or None when none."""
    if mime is None:
        return None
    if mime.hasFormat(GNOME_FILES):
        found = _from_operation_lines(bytes(mime.data(GNOME_FILES).data()).split(b"\n"))
        if found is not None:
            return found
    if mime.hasFormat(URI_LIST):
        paths = _paths(bytes(mime.data(URI_LIST).data()).splitlines())
        if paths:
            cut = bytes(mime.data(KDE_CUT).data()).strip() == b"1" if mime.hasFormat(KDE_CUT) else False
            return ClipboardFiles(paths, cut)
    if mime.hasFormat(PLAIN):
        lines = bytes(mime.data(PLAIN).data()).split(b"\n")
        if lines and lines[0].strip() == _NAUTILUS_TEXT:
            return _from_operation_lines(lines[1:])
    return None


def _from_operation_lines(lines: list[bytes]) -> ClipboardFiles | None:
    """ "copy" or "cut", then one URI a line."""
    if not lines:
        return None
    operation = lines[0].strip()
    if operation not in (b"copy", b"cut"):
        return None
    paths = _paths(lines[1:])
    return ClipboardFiles(paths, operation == b"cut") if paths else None


def _paths(lines: list[bytes]) -> tuple[bytes, ...]:
    found = []
    for line in lines:
        line = line.strip(b"\r\n\0 ")
        if line and not line.startswith(b"#"):
            path = path_of_uri(line)
            if path is not None:
                found.append(path)
    return tuple(found)
