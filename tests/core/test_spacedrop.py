"""Spacedrop over a connected socket pair: what arrives, what resumes, and what is refused.

The receiver side runs exactly as the real data channel drives it (offer, prepare, accept, receive),
over the same blocking ``Channel`` the TLS channel gives; misbehaving senders are written by hand with
the same frames.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import blake3
import pytest

from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.net.channel import Channel, channel_pair
from spacedrive.infrastructure.net.framing import ProtocolError
from spacedrive.operations.spacedrop import (
    SKIP,
    Accept,
    Offer,
    OfferedFile,
    Receiver,
    SourceChanged,
    UnsafeName,
    build_offer,
    resolve_inside,
    sanitize_relative,
    send_files,
)
from spacedrive.operations.spacedrop import receiver as receiver_module

MiB = 1024 * 1024
Sender = Callable[[list[Path], Offer, Accept, Channel], Awaitable[int]]


@dataclass
class Outcome:
    accept: Accept | None = None
    declined: str | None = None
    sent: int = 0
    sender_error: BaseException | None = None
    receiver_error: BaseException | None = None
    progress: list[tuple[int, int, str]] = field(default_factory=list)


async def default_sender(sources: list[Path], offer: Offer, accept: Accept, channel: Channel) -> int:
    return await send_files(sources, offer, accept, channel)


async def drop(
    offer: Offer,
    sources: list[Path],
    target: Path,
    sender: Sender = default_sender,
    device: str = "device-a",
    progress: list[tuple[int, int, str]] | None = None,
) -> Outcome:
    """One whole exchange: the offer, the receiver's answer, then the data (if accepted)."""
    out = Outcome()
    ours, theirs = channel_pair()

    async def serve(channel: Channel) -> None:
        try:
            frame = await channel.read_frame(expect="offer", max_size=64 * MiB)
            try:
                received = Offer.from_frame(frame)
                rx = Receiver(target, received, device)
                accept = await asyncio.to_thread(rx.prepare)
            except SpacedriveError as e:  # the reason the sender's user is shown
                await channel.write_frame({"t": "decline", "id": frame.get("id"), "reason": e.message})
                return
            await channel.write_frame(accept.to_frame())
            await rx.receive(channel, lambda *a: out.progress.append(a))
        except Exception as e:
            out.receiver_error = e
        finally:
            channel.abort()
            channel.close()

    receiving = asyncio.create_task(serve(theirs))
    try:
        await ours.write_frame(offer.to_frame())
        reply = await ours.read_frame(expect=("accept", "decline"))
        if reply["t"] == "decline":
            out.declined = reply["reason"]
        else:
            out.accept = Accept.from_frame(reply, offer)
            try:
                out.sent = await sender(sources, offer, out.accept, ours)
            except Exception as e:
                out.sender_error = e
                ours.abort()  # what the send job does when a send fails
        await asyncio.wait_for(receiving, 20)
    finally:
        ours.abort()
        ours.close()
    return out


def make_tree(root: Path) -> Path:
    tree = root / "photos"
    (tree / "2024" / "summer").mkdir(parents=True)
    (tree / "empty folder").mkdir()
    (tree / "2024" / "summer" / "beach.jpg").write_bytes(os.urandom(300_000))
    (tree / "2024" / "notes.txt").write_text("sand\n")
    (tree / "zero.bin").write_bytes(b"")
    (tree / "big.bin").write_bytes(os.urandom(20 * MiB))
    return tree


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path below ``root`` with its content (None for folders), partials included."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


def partials(root: Path) -> list[Path]:
    return sorted(root.rglob("*.sdpart"))


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    src, dst = tmp_path / "src", tmp_path / "box" / "inbox"
    src.mkdir()
    dst.mkdir(parents=True)
    return src, dst


async def test_a_folder_tree_arrives_identical(dirs: tuple[Path, Path]) -> None:
    src, dst = dirs
    tree = make_tree(src)
    single = src / "alone.txt"
    single.write_text("just me")
    offer, sources = build_offer([tree, single], "Alice")
    out = await drop(offer, sources, dst)
    assert out.receiver_error is None and out.sender_error is None
    assert snapshot(dst / "photos") == snapshot(tree)
    assert (dst / "photos" / "empty folder").is_dir()
    assert (dst / "alone.txt").read_text() == "just me"
    assert out.sent == offer.total
    # The sender's modification times travel with the files.
    assert (dst / "photos/big.bin").stat().st_mtime_ns == (tree / "big.bin").stat().st_mtime_ns
    assert out.progress[-1][:2] == (offer.total, offer.total)
    assert len(out.progress) < 30  # throttled, not one call per chunk
    assert partials(dst) == []


async def test_a_cut_transfer_resumes_with_only_the_missing_bytes(dirs: tuple[Path, Path]) -> None:
    src, dst = dirs
    tree = make_tree(src)
    offer, sources = build_offer([tree], "Alice")
    limit = offer.total - 10 * MiB  # cut inside big.bin, after the small files

    class CuttingChannel(Channel):
        """Passes ``limit`` bytes of file data through, then the connection breaks."""

        left = limit + 10_000  # frames are a few bytes each

        def sendall(self, data: bytes | bytearray | memoryview) -> None:
            if len(data) > self.left:
                super().sendall(memoryview(data)[: self.left])
                self.abort()
                raise ProtocolError("connection lost: cable pulled")
            self.left -= len(data)
            super().sendall(data)

    async def cut(sources: list[Path], offer: Offer, accept: Accept, channel: Channel) -> int:
        cutting = CuttingChannel(channel.sock)
        return await send_files(sources, offer, accept, cutting)

    first = await drop(offer, sources, dst, sender=cut)
    assert isinstance(first.sender_error, ProtocolError) and "cable pulled" in str(first.sender_error)
    assert isinstance(first.receiver_error, ProtocolError)
    assert not (dst / "photos" / "big.bin").exists()
    kept = partials(dst)
    assert len(kept) == 1 and kept[0].stat().st_size > 0

    again, sources = build_offer([tree], "Alice")  # a new offer of the same files (new id)
    second = await drop(again, sources, dst)
    assert second.receiver_error is None and second.sender_error is None
    big = next(i for i, f in enumerate(again.files) if f.path == "photos/big.bin")
    resumed = second.accept.offsets[big] if second.accept else 0
    assert 0 < resumed < 20 * MiB
    # Files that arrived the first time are recognised and not sent again; big.bin only its tail.
    offsets = dict(
        zip((f.path for f in again.files), second.accept.offsets if second.accept else [], strict=True)
    )
    assert offsets["photos/2024/notes.txt"] == offsets["photos/2024/summer/beach.jpg"] == SKIP
    assert offsets["photos/zero.bin"] == 0  # after big.bin in the offer: it never arrived
    assert second.sent == 20 * MiB - resumed
    assert snapshot(dst / "photos") == snapshot(tree)
    assert partials(dst) == []


async def test_another_sender_does_not_resume_from_a_partial(dirs: tuple[Path, Path]) -> None:
    src, dst = dirs
    (src / "f.bin").write_bytes(os.urandom(3 * MiB))
    offer, sources = build_offer([src / "f.bin"], "Alice")
    key = Receiver(dst, offer, "device-a")._key(offer.files[0])
    (dst / receiver_module.partial_name("f.bin", key)).write_bytes(b"x" * MiB)
    out = await drop(offer, sources, dst, device="device-b")
    assert out.accept is not None and out.accept.offsets == [0]
    assert (dst / "f.bin").read_bytes() == (src / "f.bin").read_bytes()


async def test_a_partial_longer_than_declared_is_discarded(dirs: tuple[Path, Path]) -> None:
    src, dst = dirs
    (src / "f.bin").write_bytes(os.urandom(MiB))
    offer, sources = build_offer([src / "f.bin"], "Alice")
    key = Receiver(dst, offer, "device-a")._key(offer.files[0])
    (dst / receiver_module.partial_name("f.bin", key)).write_bytes(b"x" * (2 * MiB))
    out = await drop(offer, sources, dst)
    assert out.accept is not None and out.accept.offsets == [0]
    assert (dst / "f.bin").read_bytes() == (src / "f.bin").read_bytes()
    assert partials(dst) == []


async def raw_file(channel: Channel, offset: int, payload: bytes, digest: str) -> None:
    await channel.write_frame({"t": "file", "i": 0, "offset": offset})
    await channel.run(channel.sendall, payload)
    await channel.write_frame({"t": "end", "i": 0, "blake3": digest})
    await channel.write_frame({"t": "done"})


async def test_a_sender_sending_more_than_offered_is_refused(dirs: tuple[Path, Path]) -> None:
    src, dst = dirs
    data = os.urandom(100_000)
    (src / "f.bin").write_bytes(data)
    offer, sources = build_offer([src / "f.bin"], "Alice")

    async def oversend(sources: list[Path], offer: Offer, accept: Accept, channel: Channel) -> int:
        extra = data + b"EVIL" * 5000
        await raw_file(channel, 0, extra, blake3.blake3(extra).hexdigest())
        await channel.read_frame(expect="ok")
        return len(extra)

    out = await drop(offer, sources, dst, sender=oversend)
    assert isinstance(out.receiver_error, ProtocolError)
    assert isinstance(out.sender_error, ProtocolError)  # the receiver told it why
    assert not (dst / "f.bin").exists()
    assert [p.stat().st_size for p in partials(dst)] == [len(data)]  # never past the declared size


async def test_corrupted_bytes_fail_the_hash_check_and_drop_the_partial(dirs: tuple[Path, Path]) -> None:
    src, dst = dirs
    data = os.urandom(200_000)
    (src / "f.bin").write_bytes(data)
    offer, sources = build_offer([src / "f.bin"], "Alice")

    async def corrupt(sources: list[Path], offer: Offer, accept: Accept, channel: Channel) -> int:
        bad = data[:1000] + bytes([data[1000] ^ 1]) + data[1001:]
        await raw_file(channel, 0, bad, blake3.blake3(data).hexdigest())
        await channel.read_frame(expect="ok")
        return len(bad)

    out = await drop(offer, sources, dst, sender=corrupt)
    assert out.receiver_error is not None and out.receiver_error.code == "verify_failed"  # type: ignore[attr-defined]
    assert "damaged" in str(out.sender_error)
    assert list(dst.iterdir()) == []


BAD_NAMES = ["../../x", "C:\\x", "/etc/passwd", "a\x00b", "CON.txt", "x/../../y", "\\\\server\\x", "a\nb"]


@pytest.mark.parametrize("bad", BAD_NAMES)
async def test_an_offer_with_an_unsafe_name_is_refused_whole(dirs: tuple[Path, Path], bad: str) -> None:
    src, dst = dirs
    (src / "ok.txt").write_text("fine")
    before = snapshot(dst.parent)
    offer = Offer("ab" * 16, "Mallory", [OfferedFile("ok.txt", 4, 0), OfferedFile(bad, 4, 0)], 8)
    out = await drop(offer, [src / "ok.txt", src / "ok.txt"], dst)
    assert out.declined is not None and repr(bad) in out.declined
    assert snapshot(dst.parent) == before


async def test_a_symlink_in_the_target_leading_outside_is_refused(dirs: tuple[Path, Path]) -> None:
    src, dst = dirs
    outside = dst.parent / "outside"
    outside.mkdir()
    (dst / "docs").symlink_to(outside)
    (src / "docs").mkdir()
    (src / "docs" / "a.txt").write_text("hello")
    offer, sources = build_offer([src / "docs"], "Alice")
    out = await drop(offer, sources, dst)
    assert out.declined is not None and "outside the target" in out.declined
    assert list(outside.iterdir()) == []
    with pytest.raises(UnsafeName):
        resolve_inside(dst, "docs/a.txt")


async def test_an_existing_file_is_kept_and_the_new_one_arrives_beside_it(dirs: tuple[Path, Path]) -> None:
    src, dst = dirs
    (src / "a.txt").write_text("new")
    (dst / "a.txt").write_text("old")
    offer, sources = build_offer([src / "a.txt"], "Alice")
    out = await drop(offer, sources, dst)
    assert out.receiver_error is None
    assert (dst / "a.txt").read_text() == "old"
    assert (dst / "a (2).txt").read_text() == "new"


async def test_an_offer_bigger_than_the_free_space_is_declined(
    dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = dirs
    (src / "f.bin").write_bytes(os.urandom(MiB))
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: type("U", (), {"free": 512 * 1024})())
    offer, sources = build_offer([src / "f.bin"], "Alice")
    out = await drop(offer, sources, dst)
    assert out.declined is not None and "not enough free space" in out.declined
    assert list(dst.iterdir()) == []


async def test_a_file_changed_since_the_offer_aborts_with_a_clear_error(dirs: tuple[Path, Path]) -> None:
    src, dst = dirs
    (src / "f.txt").write_text("first version")
    offer, sources = build_offer([src / "f.txt"], "Alice")
    (src / "f.txt").write_text("second, longer version")
    out = await drop(offer, sources, dst)
    assert isinstance(out.sender_error, SourceChanged)
    assert "changed since it was offered" in str(out.receiver_error)
    assert not (dst / "f.txt").exists()


def test_malformed_offers_and_answers_are_refused() -> None:
    files = [OfferedFile("a", 1, 0), OfferedFile("a", 1, 0)]
    with pytest.raises(ProtocolError, match="twice"):
        Offer.from_frame(Offer("ab" * 16, "A", files, 2).to_frame())
    nested = [OfferedFile("a", 1, 0), OfferedFile("a/b", 1, 0)]
    with pytest.raises(ProtocolError, match="inside the file"):
        Offer.from_frame(Offer("ab" * 16, "A", nested, 2).to_frame())
    with pytest.raises(ProtocolError, match="total"):
        Offer.from_frame(Offer("ab" * 16, "A", [OfferedFile("a", 1, 0)], 5).to_frame())
    with pytest.raises(ProtocolError, match="size"):
        Offer.from_frame(Offer("ab" * 16, "A", [OfferedFile("a", -1, 0)], -1).to_frame())
    offer = Offer("ab" * 16, "A", [OfferedFile("a", 10, 0)], 10)
    with pytest.raises(ProtocolError, match="offset"):  # a receiver cannot make us skip past the end
        Accept.from_frame(Accept(offer.id, [11], bytes(32)).to_frame(), offer)


def test_build_offer_skips_links_inside_folders_and_reports_them(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "real.txt").write_text("x")
    (tmp_path / "d" / "link").symlink_to("/etc")
    (tmp_path / "d" / "bad\\name").write_text("x")
    skipped: list[tuple[Path, str]] = []
    offer, sources = build_offer([tmp_path / "d"], "Alice", on_skip=lambda p, why: skipped.append((p, why)))
    assert [f.path for f in offer.files] == ["d", "d/real.txt"]
    assert sources == [tmp_path / "d", tmp_path / "d" / "real.txt"]
    assert {p.name for p, _ in skipped} == {"link", "bad\\name"}


@pytest.mark.parametrize(
    "bad",
    [
        *BAD_NAMES,
        "",
        "a//b",
        "a/",
        ".",
        "a/./b",
        "nul",
        "lpt9.tar.gz",
        "Com1 .txt",
        "end.",
        "end ",
        "x" * 256,
        "a/" * 2049 + "a",
        "a\x7fb",
        "a\u009bb",
        "gpj.\u202eexe",
        "\ud800",
    ],
)
def test_sanitize_refuses(bad: str) -> None:
    with pytest.raises(UnsafeName):
        sanitize_relative(bad, windows=False)


@pytest.mark.parametrize(
    "good", ["a.txt", "folder/sub/a.txt", ".hidden", "12:30 notes.txt", "CONSOLE.txt", "é/日本.md"]
)
def test_sanitize_accepts(good: str) -> None:
    assert sanitize_relative(good, windows=False) == good


def test_windows_receivers_also_refuse_windows_only_characters() -> None:
    with pytest.raises(UnsafeName):
        sanitize_relative("12:30 notes.txt", windows=True)


async def test_loopback_throughput_256_mib(dirs: tuple[Path, Path]) -> None:
    """For information (DESIGN.md section 10 figures come from benchmarks, not asserted here)."""
    src, dst = dirs
    big = src / "big.bin"
    block = os.urandom(16 * MiB)
    big.write_bytes(b"".join(bytes([n]) + block[1:] for n in range(16)))
    offer, sources = build_offer([big], "Alice")
    started = time.perf_counter()
    out = await drop(offer, sources, dst)
    seconds = time.perf_counter() - started
    assert out.receiver_error is None and (dst / "big.bin").stat().st_size == 256 * MiB
    rate = 256 / seconds
    print(f"\nspacedrop loopback (plain TCP, hash + fsync): 256 MiB in {seconds:.2f} s = {rate:.0f} MiB/s")
