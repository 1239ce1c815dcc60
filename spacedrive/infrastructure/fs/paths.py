"""Raw-bytes path helpers: names are kept exactly as the file system gives them."""

from __future__ import annotations

import os

SEP = b"/"


def to_bytes(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> bytes:
    return os.fsencode(path)


def split_name(name: bytes, is_dir: bool = False) -> tuple[bytes, bytes]:
    """``(stem, extension)`` without the dot; ``join_name`` gives the name back byte for byte.

    Folders, dotfiles (``.bashrc``) and names ending in a dot have no extension.
    """
    if is_dir:
        return name, b""
    dot = name.rfind(b".")
    if dot <= 0 or dot == len(name) - 1:
        return name, b""
    return name[:dot], name[dot + 1 :]


def join_name(stem: bytes, extension: bytes) -> bytes:
    return stem + b"." + extension if extension else stem


def child_relative_path(relative_path: bytes, name: bytes) -> bytes:
    """The ``relative_path`` of the entries inside folder ``name`` that lives at ``relative_path``."""
    return relative_path + SEP + name if relative_path else name


def display(raw: bytes) -> str:
    """For people: invalid UTF-8 bytes shown as U+FFFD (the raw bytes stay in the database)."""
    return raw.decode("utf-8", "replace")


def exact(raw: bytes) -> str:
    """For programs: lossless (surrogate-escaped) text that ``os.fsencode`` turns back into ``raw``."""
    return os.fsdecode(raw)
