"""Names and trees that break naive code: stored, listed and hashed exactly, never followed or opened."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spacedrive import Core
from spacedrive.infrastructure.ipc.client import LocalClient
from spacedrive.operations.indexing import content as content_module
from spacedrive.operations.indexing import job as job_module
from spacedrive.operations.indexing import walker
from spacedrive.operations.indexing.stream import stream_walk
from spacedrive.operations.locations import add_location, rescan_location
from tests.core.indexing_support import (
    OTHER,
    SYMLINK,
    cas_ids,
    db_view,
    disk_view,
    eventually,
    expected_cas_id,
    finished,
    index,
    listing,
    uuids,
)

REPO = Path(__file__).resolve().parents[2]
ODD_NAMES = [
    b"caf\xe9.txt",  # Latin-1, not UTF-8
    b"\xff\xfe",
    b"new\nline.txt",
    b"tab\there.md",
    b'double"quote.txt',
    b"single'quote",
    b"back\\slash.txt",
    b" leading and trailing space ",
    b"-starts-with-dash",
    b"x" * 251 + b".txt",  # 255 bytes, the longest name ext4 allows
    "é".encode() * 127 + b"z",  # 255 bytes of two-byte characters
    "日本語のファイル名.txt".encode(),
    b"emoji \xf0\x9f\x98\x80.png",
]


def make(path: bytes, data: bytes = b"") -> None:
    with open(path, "wb") as f:
        f.write(data)


async def test_odd_names_are_stored_and_listed_byte_for_byte(core: Core, tmp_path: Path) -> None:
    tree = os.fsencode(tmp_path / "tree")
    os.mkdir(tree)
    for i, name in enumerate(ODD_NAMES):
        make(os.path.join(tree, name), b"content %d" % i)
    odd_dir = os.path.join(tree, b"dir\xff\xfe")
    os.mkdir(odd_dir)
    make(os.path.join(odd_dir, b"inner\xe9.bin"), b"inner")
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    assert await db_view(library, info.id) == disk_view(tree)
    # Every file was found again on disk by the hasher from the stored bytes.
    stored_cas = await cas_ids(library, info.id)
    assert all(stored_cas.values()) and len(stored_cas) == len(ODD_NAMES) + 1

    root = await listing(core, tree)
    assert set(root) == set(os.listdir(tree))
    assert all(e.indexed for e in root.values())
    for i, name in enumerate(ODD_NAMES):
        entry = root[name]
        assert entry.path == os.path.join(tree, name)
        assert entry.cas_id == expected_cas_id(b"content %d" % i)
    inner = await listing(core, odd_dir)
    assert set(inner) == {b"inner\xe9.bin"} and inner[b"inner\xe9.bin"].indexed

    # The command API: exact names survive JSON (name_base64 where the bytes are not UTF-8).
    client = LocalClient(core)
    for path, expected in ((tree, set(os.listdir(tree))), (odd_dir, {b"inner\xe9.bin"})):
        rows = json.loads(json.dumps(await client.call("ls", path=os.fsdecode(path))))
        got = {base64.b64decode(r["name_base64"]) if "name_base64" in r else r["name"].encode() for r in rows}
        assert got == expected
        assert all(r["indexed"] for r in rows)
    rows = await client.call("ls", path=os.fsdecode(tree))
    by_name = {r["name"]: r for r in rows if "name_base64" not in r}
    assert by_name["new\nline.txt"]["extension"] == "txt"
    assert by_name['double"quote.txt']["uuid"]


def deep_tree(root: bytes, total: int = 4000) -> tuple[bytes, list[bytes]]:
    """Folders of 200-byte names down to an absolute path of about ``total`` bytes (PATH_MAX is 4096).

    Built relative to directory fds, as no single path argument needs to be long."""
    parts: list[bytes] = []
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        depth = 0
        while len(root) + sum(len(p) + 1 for p in parts) + 201 + len(b"/deepest.txt") < total:
            name = (b"%03d" % depth) + b"d" * 197
            os.mkdir(name, dir_fd=fd)
            new_fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = new_fd
            parts.append(name)
            depth += 1
        leaf = os.open(b"deepest.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(leaf, b"at the bottom")
        os.close(leaf)
    finally:
        os.close(fd)
    return b"/".join([root, *parts]), parts


async def test_a_tree_4000_bytes_deep(core: Core, tmp_path: Path) -> None:
    tree = os.fsencode(tmp_path / "tree")
    os.mkdir(tree)
    bottom, parts = deep_tree(tree)
    assert 3800 < len(bottom + b"/deepest.txt") < 4096
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    stored = await db_view(library, info.id)
    assert stored == disk_view(tree)
    rel = b"/".join(parts)
    assert stored[(rel, b"deepest", b"txt")][1] == len(b"at the bottom")
    assert (await cas_ids(library, info.id))[(rel, b"deepest", b"txt")] == expected_cas_id(b"at the bottom")
    # Every folder on the way counts the one file below it.
    assert stored[(b"", parts[0], b"")][2:] == (len(b"at the bottom"), 1)
    bottom_listing = await listing(core, bottom)
    assert set(bottom_listing) == {b"deepest.txt"} and bottom_listing[b"deepest.txt"].indexed


async def test_nfc_and_nfd_twins_are_two_entries(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    nfc = unicodedata.normalize("NFC", "résumé.txt").encode()
    nfd = unicodedata.normalize("NFD", "résumé.txt").encode()
    assert nfc != nfd
    make(os.path.join(os.fsencode(tree), nfc), b"composed")
    make(os.path.join(os.fsencode(tree), nfd), b"decomposed!")
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    ids = await uuids(library, info.id)
    stem_nfc, stem_nfd = nfc[: -len(b".txt")], nfd[: -len(b".txt")]
    assert ids[(b"", stem_nfc, b"txt")] != ids[(b"", stem_nfd, b"txt")]
    entries = await listing(core, tree)
    assert entries[nfc].size == len(b"composed") and entries[nfd].size == len(b"decomposed!")
    assert entries[nfc].cas_id == expected_cas_id(b"composed")
    assert entries[nfd].cas_id == expected_cas_id(b"decomposed!")


async def test_symlinks_are_listed_never_followed(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "real").mkdir(parents=True)
    (tree / "real" / "file.txt").write_text("real")
    os.symlink("self-loop", tree / "self-loop")
    os.symlink("loop-b", tree / "loop-a")
    os.symlink("loop-a", tree / "loop-b")
    os.symlink("..", tree / "real" / "up")  # a folder link pointing above itself
    os.symlink(tree, tree / "real" / "root-again")
    os.symlink("/nonexistent/nowhere", tree / "dangling.txt")
    os.symlink("real/file.txt", tree / "link.txt")
    library = core.current_library()
    info, job = await index(library, tree, mode="content")
    stored = await db_view(library, info.id)
    assert stored == disk_view(tree)
    assert len(stored) == 9  # nothing was found through a link
    for key in [
        (b"", b"self-loop", b""),
        (b"", b"loop-a", b""),
        (b"real", b"up", b""),
        (b"", b"dangling", b"txt"),
    ]:
        assert stored[key][0] == SYMLINK
    assert (await cas_ids(library, info.id)) == {(b"real", b"file", b"txt"): expected_cas_id(b"real")}
    entries = await listing(core, tree)
    assert {n: e.kind for n, e in entries.items()} == {
        b"real": "directory",
        b"self-loop": "symlink",
        b"loop-a": "symlink",
        b"loop-b": "symlink",
        b"dangling.txt": "symlink",
        b"link.txt": "symlink",
    }
    assert entries[b"link.txt"].cas_id is None  # a link is not its target's content
    # The same through a live listing of a folder outside any location.
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink("outside-loop", outside / "outside-loop")
    os.symlink("/nonexistent", outside / "dangling")
    live = await listing(core, outside)
    assert {n: (e.kind, e.indexed) for n, e in live.items()} == {
        b"outside-loop": ("symlink", False),
        b"dangling": ("symlink", False),
    }


@pytest.fixture
def special_files(tmp_path: Path) -> Iterator[Path]:
    tree = tmp_path / "tree"
    tree.mkdir()
    os.mkfifo(tree / "pipe")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(tree / "sock"))
    (tree / "plain.txt").write_text("plain")
    try:
        yield tree
    finally:
        sock.close()


async def test_fifos_and_sockets_are_listed_and_never_opened(core: Core, special_files: Path) -> None:
    library = core.current_library()
    started = time.monotonic()
    info, _ = await index(library, special_files, mode="content")  # opening the FIFO would block forever
    assert time.monotonic() - started < 5
    stored = await db_view(library, info.id)
    assert stored[(b"", b"pipe", b"")] == (OTHER, 0, 0, 0)
    assert stored[(b"", b"sock", b"")] == (OTHER, 0, 0, 0)
    entries = await listing(core, special_files)
    assert {n: e.kind for n, e in entries.items()} == {
        b"pipe": "other",
        b"sock": "other",
        b"plain.txt": "file",
    }
    assert entries[b"plain.txt"].cas_id == expected_cas_id(b"plain")
    assert entries[b"pipe"].cas_id is None and entries[b"sock"].cas_id is None
    assert (await finished(library, await rescan_location(library, info.id, force=True))).stats[
        "updated"
    ] == 3


_UNPRIVILEGED_INDEX = """
import asyncio, json, os, sys
from spacedrive import Core
from spacedrive.operations.locations import add_location, get_location
from tests.core.indexing_support import cas_ids, db_view

async def main(data_dir, tree):
    core = Core(data_dir, background=True)
    await core.start(ensure_default_library=True)
    try:
        library = core.current_library()
        info, job_id = await add_location(library, tree, mode="content")
        job = await library.jobs.wait(job_id)
        state = await library.jobs.job_state(job_id)
        loc = await get_location(library, info.id)
        rows = await db_view(library, info.id)
        cas = await cas_ids(library, info.id)
        print(json.dumps({
            "status": job.status.value,
            "error": job.error,
            "warnings": state.stats.get("warnings", []),
            "scan_state": loc.scan_state,
            "error_message": loc.error_message,
            "rows": [[os.fsdecode(b) for b in k] + list(v) for k, v in rows.items()],
            "cas": [[os.fsdecode(b) for b in k] + [v] for k, v in cas.items()],
        }))
    finally:
        await core.stop()

if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def run_without_root_powers(script: str, *args: str) -> dict[str, Any]:
    """Run ``script`` as this user without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so that file modes
    apply even to root (a plain user needs no change)."""
    cmd = [sys.executable, "-c", script, *args]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", *cmd]
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=60, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_unreadable_folder_is_a_warning_and_the_rest_is_indexed(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "locked" / "inside").mkdir(parents=True)
    (tree / "locked" / "secret.txt").write_text("secret")
    (tree / "open").mkdir()
    (tree / "open" / "fine.txt").write_text("fine")
    (tree / "unreadable.txt").write_text("no read permission")
    (tree / "top.txt").write_text("top")
    os.chmod(tree / "locked", 0)
    os.chmod(tree / "unreadable.txt", 0)
    try:
        result = run_without_root_powers(_UNPRIVILEGED_INDEX, str(tmp_path / "data"), str(tree))
        expected = disk_view(tree, lambda rel, name: rel.startswith(b"locked"))
    finally:
        os.chmod(tree / "locked", 0o755)
    assert result["status"] == "completed", result["error"]
    assert result["scan_state"] == "complete"
    assert len(result["warnings"]) == 1 and "locked" in result["warnings"][0]
    assert "could not be read" in result["error_message"]
    rows = {tuple(os.fsencode(p) for p in r[:3]): tuple(r[3:]) for r in result["rows"]}
    assert rows == expected
    assert rows[(b"", b"locked", b"")] == (1, 0, 0, 0)  # listed, its contents unknown
    cas = {tuple(r[:3]): r[3] for r in result["cas"]}
    assert cas == {
        ("open", "fine", "txt"): expected_cas_id(b"fine"),
        ("", "top", "txt"): expected_cas_id(b"top"),
        ("", "unreadable", "txt"): None,  # could not be read: no content id, and no failure
    }


async def test_files_that_vanish_or_change_during_the_scan(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    for i in range(20):
        (tree / f"d{i % 4}").mkdir(parents=True, exist_ok=True)
        (tree / f"d{i % 4}" / f"f{i}.txt").write_text(f"file {i}")
    (tree / "vanishing-folder" / "sub").mkdir(parents=True)
    (tree / "vanishing-folder" / "sub" / "x.txt").write_text("x")
    (tree / "vanishing.txt").write_text("gone before its lstat")
    real_scandir = os.scandir

    raced: list[bool] = []

    def walker_read_dir_code() -> Any:
        codes = [c for c in walker.walk.__code__.co_consts if getattr(c, "co_name", "") == "read_dir"]
        return codes[0]

    def racing_scandir(path: Any = ".") -> Any:
        from_walker = sys._getframe(1).f_code is walker_read_dir_code()
        if raced or not from_walker or os.fsencode(path) != os.fsencode(tree):
            return real_scandir(path)
        raced.append(True)
        with real_scandir(path) as it:
            entries = list(it)
        # Between the listing and the lstat of each entry, these go.
        os.remove(tree / "vanishing.txt")
        (tree / "vanishing-folder" / "sub" / "x.txt").unlink()
        (tree / "vanishing-folder" / "sub").rmdir()
        (tree / "vanishing-folder").rmdir()
        return contextlib.nullcontext(iter(entries))

    # Between the walk and the hashing, a file goes and another one changes.
    real_identify = content_module.ContentIdentifier.identify

    async def racing_identify(self: Any, batch: list[Any]) -> int:
        if (tree / "d1" / "f1.txt").exists():
            os.remove(tree / "d1" / "f1.txt")
            (tree / "d2" / "f2.txt").write_text("changed after the walk, much longer than before")
        return await real_identify(self, batch)

    # The walk runs on a thread of this process here, so it meets the racing scandir.
    monkeypatch.setattr(walker.os, "scandir", racing_scandir)
    monkeypatch.setattr(
        job_module, "stream_walk", lambda root, rules, **_options: stream_walk(root, rules, in_process=True)
    )
    monkeypatch.setattr(content_module.ContentIdentifier, "identify", racing_identify)
    library = core.current_library()
    info, job_id = await add_location(library, str(tree), mode="content")
    await library.stop_watching(info.id)  # the scan alone must cope
    state = await finished(library, job_id)
    monkeypatch.undo()
    assert raced
    assert state.stats["files"] == 20
    ids = await cas_ids(library, info.id)
    assert (b"", b"vanishing", b"txt") not in ids
    assert not any(k[0].startswith(b"vanishing-folder") or k[1] == b"vanishing-folder" for k in ids)
    assert ids[(b"d1", b"f1", b"txt")] is None  # vanished before it could be hashed
    assert ids[(b"d0", b"f0", b"txt")] == expected_cas_id(b"file 0")
    # The next scan makes the index true again.
    await finished(library, await rescan_location(library, info.id))
    assert await db_view(library, info.id) == disk_view(tree)
    ids = await cas_ids(library, info.id)
    assert ids[(b"d2", b"f2", b"txt")] == expected_cas_id(b"changed after the walk, much longer than before")
    assert all(ids[(f"d{i % 4}".encode(), f"f{i}".encode(), b"txt")] for i in range(20) if i != 1)


async def test_odd_names_arriving_while_watched(core: Core, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    library = core.current_library()
    info, _ = await index(library, tree, mode="content")
    raw = os.fsencode(tree)
    for i, name in enumerate(ODD_NAMES):
        make(os.path.join(raw, name), b"live %d" % i)
    os.mkdir(os.path.join(raw, b"dir\xff"))
    os.mkfifo(os.path.join(raw, b"dir\xff", b"pipe\n"))
    os.symlink(b"loop\xfe", os.path.join(raw, b"dir\xff", b"loop\xfe"))

    async def caught_up() -> bool:
        return await db_view(library, info.id) == disk_view(tree)

    assert await eventually(caught_up, 3.0)

    async def hashed() -> dict[Any, Any] | None:
        found = await cas_ids(library, info.id)
        return found if len(found) == len(ODD_NAMES) and all(found.values()) else None

    assert await eventually(hashed, 3.0)
    entries = await listing(core, tree)
    for i, name in enumerate(ODD_NAMES):
        assert entries[name].cas_id == expected_cas_id(b"live %d" % i)
    inner = await listing(core, os.path.join(raw, b"dir\xff"))
    assert {n: e.kind for n, e in inner.items()} == {b"pipe\n": "other", b"loop\xfe": "symlink"}
