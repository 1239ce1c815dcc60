"""Names received from another device: refused unless they are safe on every platform we run on.

A Spacedrop offer carries relative paths chosen by the sender, who may be hostile or simply run another
OS. We never repair a bad name (a repaired name can collide with another offered name, and a silently
renamed file surprises the user): the whole offer is refused with the reason, and the sender's UI
(which applies the same rules, see ``sender.build_offer``) never offers such names in the first place.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from pathlib import Path

from spacedrive.errors import SpacedriveError

#: POSIX NAME_MAX and the usual file-system limit; longer components cannot be created anywhere.
MAX_COMPONENT_BYTES = 255
#: PATH_MAX on Linux; a longer relative path could not be opened below any real target folder.
MAX_PATH_BYTES = 4096

# Windows maps these device names (with any extension, any case, even with trailing spaces before the
# dot) to devices: "CON.txt" opens the console. Refused everywhere so that a received folder can later be
# copied to Windows, and so that a Windows receiver is never tricked into writing to a device.
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{p}{n}" for p in ("COM", "LPT") for n in [*"123456789", "\u00b9", "\u00b2", "\u00b3"]]
)
# A drive prefix ("C:", "c:x") makes a Windows path absolute or drive-relative.
_DRIVE = re.compile(r"^[A-Za-z]:")
# Characters Windows refuses in names; ":" also opens NTFS alternate data streams ("a:b" writes a
# stream of "a"). Refused only where the receiver runs on Windows: on Linux and macOS they are ordinary
# characters ("12:30 notes.txt") and refusing them would refuse ordinary offers.
_WINDOWS_FORBIDDEN = frozenset('<>:"|?*')


class UnsafeName(SpacedriveError):
    """A received name could escape the target folder or is unusable here; the offer is refused."""

    code = "unsafe_name"


def _is_forbidden_char(ch: str) -> bool:
    """Control characters (C0, DEL, C1) and bidirectional overrides.

    C0 and DEL: NUL truncates paths in C APIs, newlines break listings and logs. C1 (U+0080-U+009F)
    contains U+009B, a terminal escape (CSI). Bidi overrides and isolates (U+202A-U+202E,
    U+2066-U+2069) let "gpj.exe" display as "exe.jpg": a name that lies about its type.
    """
    o = ord(ch)
    return o < 0x20 or 0x7F <= o <= 0x9F or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069


def _check_component(part: str, path: str, windows: bool) -> None:
    if part == "":
        # "a//b", a leading or a trailing "/": not a canonical relative path (a leading "/" is absolute).
        raise UnsafeName(f"{path!r} has an empty component")
    if part in (".", ".."):
        # ".." climbs out of the target folder; "." is harmless but never part of a canonical path.
        raise UnsafeName(f"{path!r} has a {part!r} component")
    for ch in part:
        if _is_forbidden_char(ch):
            raise UnsafeName(f"{path!r} contains the control character U+{ord(ch):04X}")
        if windows and ch in _WINDOWS_FORBIDDEN:
            raise UnsafeName(f"{path!r} contains {ch!r}, which Windows does not allow in names")
    if _DRIVE.match(part):
        raise UnsafeName(f"{path!r} has a drive prefix")
    if part[-1] in " .":
        # Windows strips trailing spaces and dots: "a." and "a" would be the same file there.
        raise UnsafeName(f"{path!r}: a name cannot end with a space or a dot")
    stem = part.split(".", 1)[0].rstrip(" ")
    if unicodedata.normalize("NFKC", stem).upper() in _RESERVED or stem.upper() in _RESERVED:
        raise UnsafeName(f"{path!r}: {part!r} is a reserved device name on Windows")
    if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
        raise UnsafeName(f"{path!r}: a name is at most {MAX_COMPONENT_BYTES} bytes")


def sanitize_relative(path: str, *, windows: bool = sys.platform == "win32") -> str:
    """``path`` ("/"-separated, relative) if it is safe to create below a target folder, else UnsafeName.

    ``windows`` adds the characters only Windows forbids (see ``_WINDOWS_FORBIDDEN``).
    """
    if not isinstance(path, str) or path == "":
        raise UnsafeName("an offered name is empty")
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError as e:  # lone surrogates: no file system can store them as text
        raise UnsafeName(f"{path!r} is not valid Unicode") from e
    if len(encoded) > MAX_PATH_BYTES:
        raise UnsafeName(f"an offered path is {len(encoded)} bytes (at most {MAX_PATH_BYTES})")
    if "\\" in path:
        # A separator on Windows ("\\server\share", "C:\x", "a\..\..\b"): refused rather than guessed at.
        raise UnsafeName(f"{path!r} contains a backslash")
    if path.startswith("/"):
        raise UnsafeName(f"{path!r} is an absolute path")
    for part in path.split("/"):
        _check_component(part, path, windows)
    return path


def resolve_inside(root: Path, rel: str) -> Path:
    """Where ``rel`` (already sanitized) lands below ``root``, with existing symlinks resolved.

    Refused (UnsafeName) when the resolved place is not inside ``root`` as resolved itself: a symlink
    already present in the target folder (a folder link, or a dangling link where a file would go)
    must never make us write outside it. The returned path has no symlink in its existing part, so
    opening it cannot be redirected unless the folder changes between this check and the write.
    """
    base = root.resolve(strict=True)
    candidate = base.joinpath(*sanitize_relative(rel, windows=os.name == "nt").split("/"))
    resolved = candidate.resolve(strict=False)
    if resolved == base or not resolved.is_relative_to(base):
        raise UnsafeName(f"{rel!r} would be written outside the target folder (through a symlink)")
    return resolved
