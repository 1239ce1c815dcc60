"""Helpers for the file operation tests: trees to copy, snapshots to compare, small mounts."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from spacedrive import Core
from spacedrive.domain.jobs import JobInfo
from spacedrive.operations.files.fsops import is_temp_name

ODD_NAMES = [
    b"\xff\xfe not utf-8.bin",
    b"line\nbreak.txt",
    b"x" * 251 + b".txt",  # 255 bytes
    b" leading space",
    b"-dash",
    b"caf\xc3\xa9.txt",
]


def make_tree(root: Path, big: int = 300_000) -> Path:
    """A folder with nested folders, odd names, a link, an empty file and modes/times to keep."""
    root.mkdir(parents=True)
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "sub" / "deeper" / "note.md").write_text("deep\n")
    (root / "big.bin").write_bytes(os.urandom(big))
    (root / "empty").write_bytes(b"")
    for name in ODD_NAMES:
        with open(os.path.join(os.fsencode(root), name), "wb") as f:
            f.write(name)
    os.symlink("big.bin", root / "link")
    os.symlink("/nonexistent/target", root / "dangling")
    os.chmod(root / "big.bin", 0o640)
    os.chmod(root / "sub", 0o750)
    os.utime(root / "big.bin", ns=(1_500_000_000_123_456_789, 1_600_000_000_987_654_321))
    os.utime(root / "sub" / "deeper", ns=(1_400_000_000_000_000_000, 1_450_000_000_000_000_000))
    return root


def snapshot(root: str | bytes | Path) -> dict[bytes, tuple[Any, ...]]:
    """Everything a copy must keep: type, mode, mtime (ns), content or link target, per relative path."""
    base = os.fsencode(root)
    out: dict[bytes, tuple[Any, ...]] = {}
    for folder, dirs, files in os.walk(base):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, base)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode), st.st_mtime_ns)
            else:
                with open(path, "rb") as f:
                    out[rel] = ("file", stat.S_IMODE(st.st_mode), st.st_mtime_ns, f.read())
    return out


def temps_under(root: str | bytes | Path) -> list[bytes]:
    found = []
    for folder, dirs, files in os.walk(os.fsencode(root)):
        found += [os.path.join(folder, n) for n in dirs + files if is_temp_name(n)]
    return found


async def finish(core: Core, job_id: UUID | None) -> JobInfo:
    assert job_id is not None
    return await core.files.wait(job_id)


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` (skips the test where mounting is not allowed)."""
    where.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
