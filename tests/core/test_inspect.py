"""What the inspector reads from the library and the disk: copies of a file, folder summaries, text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spacedrive import Core
from spacedrive.errors import InvalidArgument
from spacedrive.operations.inspect import duplicates_of, folder_summary, read_text_preview, text_preview
from spacedrive.operations.listing import iter_listing
from spacedrive.operations.locations import add_location


async def test_duplicates_of_lists_every_indexed_copy(core: Core, tmp_path: Path) -> None:
    root = tmp_path / "photos"
    (root / "trip").mkdir(parents=True)
    (root / "a.jpg").write_bytes(b"same content" * 100)
    (root / "trip" / "copy of a.jpg").write_bytes(b"same content" * 100)
    (root / "other.jpg").write_bytes(b"different")
    library = core.current_library()
    _info, job_id = await add_location(library, str(root), mode="content")
    await library.jobs.wait(job_id)

    entries = [e async for chunk in iter_listing(core, str(root)) for e in chunk]
    a = next(e for e in entries if e.name == "a.jpg")
    other = next(e for e in entries if e.name == "other.jpg")
    assert a.cas_id is not None and other.cas_id is not None

    copies = await duplicates_of(library, a.cas_id)
    assert copies == sorted([os.fsencode(root / "a.jpg"), os.fsencode(root / "trip" / "copy of a.jpg")])
    assert await duplicates_of(library, other.cas_id) == [os.fsencode(root / "other.jpg")]
    assert await duplicates_of(library, "0" * 16) == []


async def test_folder_summary_counts_what_a_folder_holds(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.bin").write_bytes(b"x" * 1000)  # inside a sub-folder: not counted
    (tmp_path / "a.txt").write_bytes(b"12345")
    (tmp_path / "b.txt").write_bytes(b"123")
    (tmp_path / "link").symlink_to(tmp_path / "a.txt")
    summary = await folder_summary(os.fsencode(tmp_path))
    assert (summary.folders, summary.files, summary.others, summary.size) == (1, 2, 1, 8)
    assert summary.items == 4
    with pytest.raises(InvalidArgument):
        await folder_summary(os.fsencode(tmp_path / "missing"))


async def test_text_preview_reads_text_and_refuses_binary(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("héllo\nworld\n", encoding="utf-8")
    preview = await text_preview(os.fsencode(text))
    assert preview is not None and preview.text == "héllo\nworld\n" and not preview.truncated

    big = tmp_path / "big.txt"
    big.write_bytes("é".encode() * 100)  # 200 bytes: a cut after 101 bytes splits a character
    cut = read_text_preview(os.fsencode(big), limit=101)
    assert cut is not None and cut.truncated and cut.text == "é" * 50

    binary = tmp_path / "program"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    assert read_text_preview(os.fsencode(binary)) is None
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café crème".encode("latin-1"))
    assert read_text_preview(os.fsencode(latin1)) is None


async def test_text_preview_never_waits_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError):
        await text_preview(os.fsencode(fifo))
