"""Content identity: Spacedrive V2 compatible cas_ids, safe file handling, and batch hashing."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from blake3 import blake3

from spacedrive.domain.kinds import ContentKind
from spacedrive.infrastructure.fs import content_id
from spacedrive.infrastructure.fs.content_id import (
    SAMPLE_THRESHOLD,
    ContentHasher,
    cas_id_of_bytes,
    cas_id_of_file,
    full_hash_of_file,
)

MIB = 1 << 20


def naive_cas_id(data: bytes) -> str | None:
    """The spec's algorithm written out plainly: size (u64 LE), then the whole file or its samples."""
    size = len(data)
    if size == 0:
        return None
    message = size.to_bytes(8, "little")
    if size <= 102_400:
        message += data
    else:
        jump = (size - 2 * 8192) // 4
        message += data[:8192]
        for i in range(4):
            start = 8192 + i * jump
            message += data[start : start + 10_240]
        message += data[size - 8192 :]
    return blake3(message).hexdigest()[:16]


def random_bytes(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def write(path: Path | bytes, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


@pytest.mark.parametrize("size", [0, 1, 102_400, 102_401, 16_384 + 7, MIB + 3, 10 * MIB])
def test_cas_id_follows_the_spacedrive_sampling(tmp_path: Path, size: int) -> None:
    data = random_bytes(size, seed=size)
    path = tmp_path / "f.bin"
    write(path, data)
    expected = naive_cas_id(data)
    assert cas_id_of_file(path) == expected
    assert cas_id_of_bytes(data) == expected
    if size == 0:
        assert expected is None  # empty files get no content identity
    else:
        assert expected is not None and len(expected) == 16


def test_cas_id_matches_vectors_from_an_independent_blake3(tmp_path: Path) -> None:
    # Computed with the b3sum tool over the size-prefixed message, so a shared mistake in the code and
    # in naive_cas_id above would still be caught.
    assert cas_id_of_bytes(b"hello world\n") == "b2f7e21510e6bb15"
    pattern = bytes(i % 251 for i in range(MIB + 3))
    path = tmp_path / "pattern.bin"
    write(path, pattern)
    assert cas_id_of_file(path) == "d17b09d0cd21b9b6"


def test_identical_content_has_one_id_wherever_it_lives(tmp_path: Path) -> None:
    data = random_bytes(300_000, seed=1)
    (tmp_path / "a" / "deep").mkdir(parents=True)
    paths = [tmp_path / "one.jpg", tmp_path / "a" / "deep" / "copy (2).bin", tmp_path / "a" / "x"]
    for p in paths:
        write(p, data)
    write(tmp_path / "other", random_bytes(300_000, seed=2))
    ids = {cas_id_of_file(p) for p in paths}
    assert len(ids) == 1
    assert cas_id_of_file(tmp_path / "other") not in ids


def test_sampled_bytes_change_the_id_and_unsampled_middle_bytes_do_not(tmp_path: Path) -> None:
    """By design: large files are identified by a header, four samples and a footer (57 KiB of a file
    of any size), so an edit between samples keeps the id; destructive dedupe confirms with a full hash."""
    size = 4 * MIB
    original = random_bytes(size, seed=3)
    jump = (size - 16_384) // 4
    path = tmp_path / "big.bin"

    def id_with_byte_flipped(offset: int) -> str | None:
        data = bytearray(original)
        data[offset] ^= 0xFF
        write(path, bytes(data))
        return cas_id_of_file(path)

    write(path, original)
    base = cas_id_of_file(path)
    for sampled in (0, 8191, 8192 + 2 * jump + 10_239, size - 8192, size - 1):
        assert id_with_byte_flipped(sampled) != base, sampled
    unsampled = 8192 + jump + 10_240 + 100
    assert id_with_byte_flipped(unsampled) == base
    assert full_hash_of_file(path) != blake3(original).hexdigest()  # the full hash sees the edit


def test_small_files_are_hashed_whole(tmp_path: Path) -> None:
    data = bytearray(random_bytes(SAMPLE_THRESHOLD, seed=4))
    path = tmp_path / "small.bin"
    write(path, bytes(data))
    before = cas_id_of_file(path)
    data[SAMPLE_THRESHOLD // 2] ^= 1
    write(path, bytes(data))
    assert cas_id_of_file(path) != before


def test_full_hash_is_blake3_of_the_whole_file(tmp_path: Path) -> None:
    data = random_bytes(3 * MIB + 5, seed=5)
    path = tmp_path / "f"
    write(path, data)
    assert full_hash_of_file(path) == blake3(data).hexdigest()
    write(path, b"")
    assert full_hash_of_file(path) == blake3(b"").hexdigest()


def _returns_within(seconds: float, fn: Callable[[Path], object], path: Path) -> object:
    """Run ``fn(path)`` in a thread; fail if it has not returned (or raised) within ``seconds``."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(fn(path))
        except BaseException as e:
            outcome.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{fn} blocked"
    return outcome[0]


@pytest.mark.parametrize("fn", [cas_id_of_file, full_hash_of_file])
def test_fifos_symlinks_and_folders_are_refused_without_blocking(
    tmp_path: Path, fn: Callable[[Path], object]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever without O_NONBLOCK
    target = tmp_path / "target.txt"
    write(target, b"data")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    (tmp_path / "folder").mkdir()

    for path, reason in [
        (fifo, "not a regular file"),
        (tmp_path / "folder", "not a regular file"),
        (link, "symbolic link"),
    ]:
        outcome = _returns_within(1.0, fn, path)
        assert isinstance(outcome, OSError), path
        assert reason in str(outcome)


def test_a_file_shrinking_while_hashed_gets_no_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "growing.log"
    write(path, random_bytes(MIB, seed=6))
    real_pread = os.pread

    def pread_after_truncation(fd: int, n: int, offset: int) -> bytes:
        os.truncate(path, 50_000)  # another program rewrites the file between fstat and read
        return real_pread(fd, n, offset)

    monkeypatch.setattr(content_id.os, "pread", pread_after_truncation)
    with pytest.raises(OSError, match="file changed while hashing"):
        cas_id_of_file(path)


def test_names_that_are_not_utf8_work(tmp_path: Path) -> None:
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    write(path, b"latin-1 name")
    assert cas_id_of_file(path) == naive_cas_id(b"latin-1 name")


async def test_hasher_reports_each_file_and_never_fails_the_batch(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path)
    paths: list[bytes] = []
    contents: dict[bytes, bytes] = {}
    rng = random.Random(7)
    for i in range(2_000):
        folder = os.path.join(root, b"d%02d" % (i % 20))
        os.makedirs(folder, exist_ok=True)
        name = b"caf\xe9 %d.bin" % i if i % 100 == 0 else b"f%d.txt" % i
        path = os.path.join(folder, name)
        data = rng.randbytes(rng.randint(1, 4_000)) if i % 500 else rng.randbytes(150_000)
        write(path, data)
        paths.append(path)
        contents[path] = data
    vanished = os.path.join(root, b"vanished.txt")
    write(vanished, b"soon gone")
    empty = os.path.join(root, b"empty")
    write(empty, b"")
    fifo = os.path.join(root, b"fifo")
    os.mkfifo(fifo)
    folder = os.path.join(root, b"d00")
    specials = [vanished, empty, fifo, folder]
    batch = paths[:1000] + specials + paths[1000:]
    os.unlink(vanished)

    async with ContentHasher(workers=2) as hasher:
        results = await hasher.hash_files(batch)
        identities = await hasher.identify_files(batch)

    assert len(results) == len(batch) == len(identities)
    by_path = dict(zip(batch, results, strict=True))
    for path in paths:
        assert by_path[path] == (naive_cas_id(contents[path]), None)
    assert by_path[empty] == (None, None)
    for bad in (vanished, fifo, folder):
        cas, error = by_path[bad]
        assert cas is None and error
    assert "No such file" in str(by_path[vanished][1])
    assert by_path[fifo][1] == "not a regular file"
    for (cas, error), (cas2, kind, _mime, error2) in zip(results, identities, strict=True):
        assert (cas, error) == (cas2, error2)
        assert (kind is None) == (error is not None)


async def test_hasher_handles_small_batches_and_tells_kinds(tmp_path: Path) -> None:
    png = tmp_path / "holiday.txt"  # mislabelled: the content decides
    write(png, b"\x89PNG\r\n\x1a\n" + bytes(64))
    note = tmp_path / "notes"
    write(note, "naïve café\n".encode())
    empty = tmp_path / "empty.pdf"
    write(empty, b"")
    paths = [os.fsencode(p) for p in (png, note, empty, tmp_path / "missing.jpg")]
    async with ContentHasher() as hasher:
        results = await hasher.identify_files(paths)
    assert results[0][1:] == (ContentKind.IMAGE, "image/png", None)
    assert results[1][1:] == (ContentKind.TEXT, "text/plain", None)
    assert results[2] == (None, ContentKind.DOCUMENT, "application/pdf", None)
    assert results[3][:3] == (None, None, None) and results[3][3]


async def test_sizes_from_the_index_give_the_same_answers_even_when_stale(tmp_path: Path) -> None:
    """With the sizes an index recorded, small files skip their fstat; a size that is no longer true
    (the file grew or shrank, or something else took its name) falls back to the careful path."""
    root = os.fsencode(tmp_path)
    rng = random.Random(3)
    paths, sizes, contents = [], [], {}
    for i in range(300):
        path = os.path.join(root, b"f%03d" % i)
        data = rng.randbytes(rng.randint(1, 3_000)) if i % 50 else rng.randbytes(200_000)
        write(path, data)
        paths.append(path)
        sizes.append(len(data))
        contents[path] = data
    grown, shrunk = paths[1], paths[2]
    write(grown, contents[grown] + b"more")
    write(shrunk, contents[shrunk][:-1])
    contents[grown] += b"more"
    contents[shrunk] = contents[shrunk][:-1]
    fifo, folder, link = (os.path.join(root, n) for n in (b"fifo", b"folder", b"link"))
    os.mkfifo(fifo)
    os.mkdir(folder)
    os.symlink(paths[3], link)
    specials = [fifo, folder, link, os.path.join(root, b"gone")]
    batch, batch_sizes = paths + specials, sizes + [10, 10, 10, 10]  # each was a 10-byte file once

    async with ContentHasher(workers=2) as hasher:
        told = await hasher.hash_files(batch, batch_sizes)
        untold = await hasher.hash_files(batch)
        identified = await hasher.identify_files(batch, batch_sizes)
        identified_untold = await hasher.identify_files(batch)

    assert told == untold
    assert identified == identified_untold
    for path, (cas, error) in zip(paths, told[: len(paths)], strict=True):
        assert (cas, error) == (naive_cas_id(contents[path]), None)
    assert [error for _, error in told[len(paths) :]] == [
        "not a regular file",
        "not a regular file",
        "is a symbolic link",
        "No such file or directory",
    ]
    with pytest.raises(ValueError, match="one size per path"):
        async with ContentHasher() as hasher:
            await hasher.hash_files(paths, sizes[:-1])
