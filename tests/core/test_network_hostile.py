"""Hostile peers against the real stack: two ``Core``s with networking on loopback, attackers by hand.

Every case checks three things: the attack is refused, the refusal is logged by a ``spacedrive``
logger, and it leaves nothing behind (no device pinned on either honest side, nothing written outside
or inside the receiving folder, and the honest service still pairs, pings or sends afterwards).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from spacedrive.domain import events as ev
from spacedrive.domain.jobs import JobStatus
from spacedrive.infrastructure.net import codes, pake, tls_channel
from spacedrive.infrastructure.net import identity as idm
from spacedrive.infrastructure.net import pairing as pairing_mod
from spacedrive.infrastructure.net.framing import ProtocolError, encode_frame, read_frame, write_frame
from spacedrive.infrastructure.net.pairing import MIN_ATTEMPT_GAP
from spacedrive.infrastructure.net.pake import PairingFailed
from spacedrive.infrastructure.net.tls_channel import open_channel
from spacedrive.infrastructure.net.transport import Limits, PeerRejected, TransportError
from spacedrive.operations.api import execute
from spacedrive.operations.network.service import DeviceUnreachable
from spacedrive.operations.spacedrop.protocol import Accept
from spacedrive.operations.spacedrop.sender import build_offer, send_files

from .network_support import (
    ALPN_MSG,
    ALPN_PAIR,
    LOCAL,
    Node,
    Relay,
    eventually,
    frame_type,
    logged,
    make_identity,
    pair,
    raw_join,
    raw_session,
    running_nodes,
    split_frames,
    tree,
)

MiB = 1024 * 1024
#: The data channel's and QUIC's handshake deadline in the slow-loris case (the default is 10 s).
SHORT_HANDSHAKE = 1.0


@pytest.fixture(autouse=True)
def _capture_spacedrive_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="spacedrive")


@pytest.fixture
async def nodes(tmp_path: Path) -> AsyncIterator[tuple[Node, Node]]:
    """A (the initiator, the receiver) and B (the joiner, the sender), not yet paired."""
    async with running_nodes(tmp_path, "a", "b") as (a, b):
        yield a, b


@pytest.fixture
def initiator_pake_runs(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every SPAKE2 side A started in this process, i.e. each time an initiator spent PAKE work."""
    runs: list[bytes] = []

    class Counted(pake.SPAKE2_A):  # type: ignore[misc]
        def __init__(self, password: bytes, *args: Any, **kwargs: Any) -> None:
            runs.append(password)
            super().__init__(password, *args, **kwargs)

    monkeypatch.setattr(pake, "SPAKE2_A", Counted)
    return runs


def no_retry_gap(node: Node) -> None:
    """Cases that are not about the one-second gap between two attempts at a code turn it off."""
    assert node.service.pairing is not None
    node.service.pairing.min_attempt_gap = 0.0


def sniffed(session: pairing_mod.PairingSession) -> codes.PairingCode:
    """A guessed code carrying the session's real rendezvous id, as mDNS advertises it."""
    return dataclasses.replace(codes.generate(), rendezvous=session.rendezvous)


async def ping(node: Node, device_id: str) -> None:
    node.service.close_later(await node.service.connect(device_id))


async def spacedrop(sender: Node, receiver: Node, *paths: Path) -> Any:
    r = await execute(
        sender.core, "network.spacedrop", {"device": receiver.id, "paths": [str(p) for p in paths]}
    )
    return await sender.wait_job(r["job_id"])


def drain(sub: Any) -> list[Any]:
    out = []
    while (event := sub.get_nowait()) is not None:
        out.append(event)
    return out


def offer_frame(*entries: tuple[str, int]) -> dict[str, Any]:
    return {
        "t": "offer",
        "id": uuid.uuid4().hex,
        "sender": "mallory",
        "files": [[name, size, 0, False] for name, size in entries],
        "total": sum(size for _, size in entries),
    }


async def offer_once(session: Any, frame: dict[str, Any]) -> dict[str, Any]:
    """The receiver's answer to one hand-written offer (an error frame comes back as a dict)."""
    reader, writer = await session.open_stream()
    await write_frame(writer, frame)
    try:
        return await read_frame(reader, expect=("accept", "decline"), timeout=5)
    except ProtocolError as e:
        if not e.message.startswith("peer refused: "):
            raise
        return {"t": "error", "reason": e.message.removeprefix("peer refused: ")}


def make_inbox(root: Path) -> Path:
    """``root/recv/inbox``: the parent is watched too, for anything written beside the inbox."""
    inbox = root / "recv" / "inbox"
    inbox.mkdir(parents=True)
    return inbox


# ---- 1. wrong code ------------------------------------------------------------------------------------


async def test_wrong_code_is_refused_and_pins_nothing(nodes, tmp_path, caplog, initiator_pake_runs) -> None:
    a, b = nodes
    no_retry_gap(a)
    session = a.service.generate_code(auto_accept=True)

    # Another valid code has another rendezvous id: refused before any PAKE work and not counted as a
    # guess at this code (it guesses nothing about it).
    typed = codes.generate()
    with pytest.raises(PairingFailed, match="unknown or expired code"):
        await b.service.join(typed.text, a.addr)
    assert initiator_pake_runs == []
    assert (session.state, session.failures) == ("waiting", 0)
    assert logged(caplog, "pairing: refused", "unknown or expired code")
    assert logged(caplog, "pairing: joining", "unknown or expired code")

    # A guesser who saw the rendezvous id advertised reaches the PAKE, fails it, and costs the code one
    # of its three attempts.
    with pytest.raises(PairingFailed, match="wrong code"):
        await raw_join(make_identity(tmp_path, "mallory"), a.port, sniffed(session))
    assert len(initiator_pake_runs) == 1
    assert (session.state, session.failures) == ("waiting", 1)
    assert logged(caplog, "pairing: refused", "wrong code")
    assert a.pinned() == set() and b.pinned() == set()

    await b.service.join(" ".join(session.words), a.addr)
    await eventually(lambda: a.pinned() == {b.id})
    assert b.pinned() == {a.id}


# ---- 2. relay in the middle ---------------------------------------------------------------------------


async def test_relay_in_the_middle_over_quic_fails_on_both_sides(
    nodes, tmp_path, caplog, initiator_pake_runs
) -> None:
    a, b = nodes
    no_retry_gap(a)
    relay_ident = make_identity(tmp_path, "relay")
    relay = Relay(relay_ident, a.port)
    relay_port = await relay.start()
    session = a.service.generate_code(auto_accept=True)
    try:
        with pytest.raises(PairingFailed, match="wrong code"):
            await b.service.join(" ".join(session.words), f"{LOCAL}:{relay_port}")
    finally:
        await relay.stop()

    # The relay did carry the whole exchange: the joiner's hello and PAKE answer, the initiator's PAKE
    # message and its refusal. With the relay's certificate on each side, the keys differ.
    assert relay.streams == 1
    assert [frame_type(f) for f in split_frames(bytes(relay.from_joiner))] == ["hello", "pake"]
    assert [frame_type(f) for f in split_frames(bytes(relay.from_initiator))] == ["pake", "error"]
    assert len(initiator_pake_runs) == 1
    assert (session.state, session.failures) == ("waiting", 1)
    assert logged(caplog, "pairing: refused", idm.short_id(relay_ident.device_id), "wrong code")
    assert logged(caplog, "pairing: joining", idm.short_id(relay_ident.device_id), "failed")
    assert a.pinned() == set() and b.pinned() == set()

    # The same code, typed by the same person, now reaches the real initiator: pins B, not the relay.
    await b.service.join(" ".join(session.words), a.addr)
    await eventually(lambda: a.pinned() == {b.id})
    assert b.pinned() == {a.id}


# ---- 3. replayed and reordered messages ---------------------------------------------------------------


async def replay(ident: idm.Identity, port: int, frames: list[bytes]) -> str:
    """Write recorded joiner frames on a fresh connection; the initiator's refusal."""
    async with raw_session(ident, port, ALPN_PAIR, None) as session:
        reader, writer = await session.open_stream()
        writer.write(b"".join(frames))
        await writer.drain()
        with pytest.raises(ProtocolError, match="peer refused") as refused:
            while True:
                await read_frame(reader, expect=("pake", "confirm", "done"), timeout=5)
        return refused.value.message


async def test_joiner_messages_recorded_by_a_relay_and_replayed_are_refused(
    nodes, tmp_path, caplog, initiator_pake_runs
) -> None:
    a, b = nodes
    no_retry_gap(a)
    relay_ident = make_identity(tmp_path, "relay")
    relay = Relay(relay_ident, a.port)
    relay_port = await relay.start()
    session = a.service.generate_code(auto_accept=True)
    try:
        with pytest.raises(PairingFailed):
            await b.service.join(" ".join(session.words), f"{LOCAL}:{relay_port}")
    finally:
        await relay.stop()
    recorded = split_frames(bytes(relay.from_joiner))
    assert [frame_type(f) for f in recorded] == ["hello", "pake"]

    # Replayed under the identity the joiner's proof was bound to, then under another: a fresh PAKE
    # message from the initiator each time, so the recorded proof never verifies.
    for ident in (relay_ident, make_identity(tmp_path, "mallory")):
        assert "wrong code" in await replay(ident, a.port, recorded)
    assert len(initiator_pake_runs) == 3
    assert (session.state, session.failures, session.reason) == ("failed", 3, "3 wrong attempts")
    assert len(logged(caplog, "pairing: refused", "wrong code")) == 3

    # Burned: even the right code is refused now, before any PAKE work.
    with pytest.raises(PairingFailed, match="can no longer be used"):
        await b.service.join(" ".join(session.words), a.addr)
    assert len(initiator_pake_runs) == 3
    assert a.pinned() == set() and b.pinned() == set()

    await pair(a, b)


async def test_frames_replayed_from_a_completed_pairing_are_refused_before_pake(
    nodes, tmp_path, caplog, monkeypatch, initiator_pake_runs
) -> None:
    a, b = nodes
    no_retry_gap(a)
    sent: list[dict[str, Any]] = []
    real_write = pairing_mod.write_frame

    async def recording(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
        sent.append(dict(message))
        await real_write(writer, message)

    monkeypatch.setattr(pairing_mod, "write_frame", recording)
    session = a.service.generate_code(auto_accept=True)
    await b.service.join(" ".join(session.words), a.addr)
    await eventually(lambda: a.pinned() == {b.id})
    monkeypatch.setattr(pairing_mod, "write_frame", real_write)
    joiner_frames = [
        encode_frame(m)
        for m in sent
        if m["t"] in ("hello", "device") or (m["t"] == "pake" and "confirm" in m)
    ]
    assert [frame_type(f) for f in joiner_frames] == ["hello", "pake", "device"]
    assert len(initiator_pake_runs) == 1

    mallory = make_identity(tmp_path, "mallory")
    # The code is spent: the joiner's own identity and a stranger are both turned away at the hello.
    for ident in (b.ident, mallory):
        assert "can no longer be used" in await replay(ident, a.port, joiner_frames)
    # Under a new code the recorded rendezvous id is unknown.
    a.service.generate_code(auto_accept=True)
    assert "unknown or expired code" in await replay(mallory, a.port, joiner_frames)
    assert len(initiator_pake_runs) == 1
    assert logged(caplog, "pairing: refused", "can no longer be used")
    assert logged(caplog, "pairing: refused", "unknown or expired code")
    assert a.pinned() == {b.id} and b.pinned() == {a.id}
    await ping(b, a.id)


async def test_reordered_pairing_messages_over_quic_are_refused(
    nodes, tmp_path, caplog, initiator_pake_runs
) -> None:
    a, b = nodes
    no_retry_gap(a)
    session = a.service.generate_code(auto_accept=True)
    mallory = make_identity(tmp_path, "mallory")
    hello = encode_frame({"t": "hello", "v": 1, "r": session.rendezvous})
    info = {"name": "mallory", "os": "", "os_version": "", "model": ""}
    orders = {
        "'pake' where 'hello' was expected": [
            encode_frame({"t": "pake", "msg": b"\x01" * 33, "confirm": b"\0" * 32}),
            hello,
        ],
        "'device' where 'pake' was expected": [hello, encode_frame({"t": "device", "device": info})],
        "'done' where 'pake' was expected": [hello, encode_frame({"t": "done"})],
        "'confirm' where 'pake' was expected": [
            hello,
            encode_frame({"t": "confirm", "mac": b"\0" * 32, "device": info}),
        ],
    }
    for reason, frames in orders.items():
        assert reason in await replay(mallory, a.port, frames)
        assert logged(caplog, "pairing: refused", reason)
    # Protocol violations are refused without a PAKE answer ever being checked; none is a guess.
    assert (session.state, session.failures) == ("waiting", 0)
    assert a.pinned() == set() and b.pinned() == set()

    await b.service.join(" ".join(session.words), a.addr)
    await eventually(lambda: a.pinned() == {b.id})


# ---- 4. unpinned devices ------------------------------------------------------------------------------


async def test_unpaired_device_is_refused_on_control_and_data_channels(nodes, tmp_path, caplog) -> None:
    a, b = nodes
    await pair(a, b)
    served = a.count_handler(ALPN_MSG)
    mallory = make_identity(tmp_path, "mallory")

    with pytest.raises(PeerRejected, match="not paired"):
        async with raw_session(mallory, a.port, ALPN_MSG, a.id):
            pass
    with pytest.raises(PeerRejected):
        await open_channel(mallory, LOCAL, a.port, a.ident.cert_der, a.id, timeout=5)

    assert served == []
    short = idm.short_id(mallory.device_id)
    assert logged(caplog, "refused sd-msg/1", f"device {short} is not paired")
    await eventually(lambda: logged(caplog, "refused sd-data/1"))  # the server logs on its own thread
    assert a.pinned() == {b.id} and b.pinned() == {a.id}
    await ping(b, a.id)
    assert [p.device_id for p in served] == [b.id]


async def test_device_whose_certificate_changed_after_pairing_is_refused(nodes, tmp_path, caplog) -> None:
    a, b = nodes
    await pair(a, b)
    old_id = b.id
    served = a.count_handler(ALPN_MSG)
    # Same data dir, new key: what a reinstall or a stolen name with another key looks like.
    await b.service.stop()
    idm.create(b.core.data_dir, "b", replace=True)
    await b.start_network()
    assert b.id != old_id and b.pinned() == {a.id}

    with pytest.raises(DeviceUnreachable, match="not paired"):
        await b.service.connect(a.id)
    with pytest.raises(PeerRejected):
        await open_channel(b.ident, LOCAL, a.port, a.ident.cert_der, a.id, timeout=5)

    assert served == []
    assert logged(caplog, "refused sd-msg/1", f"device {idm.short_id(b.id)} is not paired")
    await eventually(lambda: logged(caplog, "refused sd-data/1"))  # the server logs on its own thread
    assert a.pinned() == {old_id}

    await pair(a, b)
    assert a.pinned() == {old_id, b.id}
    await ping(b, a.id)


# ---- 5. revoked devices -------------------------------------------------------------------------------


async def test_revoked_device_can_no_longer_ping_send_or_open_a_data_channel(nodes, tmp_path, caplog) -> None:
    a, b = nodes
    await pair(a, b)
    # Carol stays paired with A, so A's data channel still has a trust store to check B against.
    carol = make_identity(tmp_path, "carol")
    await raw_join(carol, a.port, a.service.generate_code(auto_accept=True).code, "carol")
    await eventually(lambda: a.pinned() == {b.id, carol.device_id})
    inbox = make_inbox(tmp_path)
    a.service.auto_accept_dir = inbox
    note = tmp_path / "note.txt"
    note.write_bytes(b"revoked devices send nothing")
    served = a.count_handler(ALPN_MSG)

    await a.service.revoke(b.id)
    assert a.pinned() == {carol.device_id}

    with pytest.raises(DeviceUnreachable, match="not paired"):
        await b.service.connect(a.id)
    info = await spacedrop(b, a, note)
    assert info.status is JobStatus.FAILED and "not paired" in info.error
    with pytest.raises(PeerRejected):
        await open_channel(b.ident, LOCAL, a.port, a.ident.cert_der, a.id, timeout=5)

    assert served == []
    assert tree(inbox.parent) == ["inbox"]
    assert logged(caplog, "refused sd-msg/1", f"device {idm.short_id(b.id)} is not paired")
    await eventually(lambda: logged(caplog, "refused sd-data/1"))  # the server logs on its own thread

    # Pairing again is the way back.
    await pair(a, b)
    info = await spacedrop(b, a, note)
    assert info.status is JobStatus.COMPLETED, info.error
    assert (inbox / "note.txt").read_bytes() == note.read_bytes()


async def test_revoked_last_device_is_refused_on_the_data_channel_as_a_refusal(nodes, caplog) -> None:
    """With nobody left paired, the data channel's refusal must still read as a refusal (PeerRejected,
    as open_channel promises), not as a network failure that a sender retries for two minutes."""
    a, b = nodes
    await pair(a, b)
    await a.service.revoke(b.id)
    assert a.pinned() == set()
    with pytest.raises(PeerRejected):
        await open_channel(b.ident, LOCAL, a.port, a.ident.cert_der, a.id, timeout=5)
    await eventually(lambda: logged(caplog, "refused sd-data/1"))  # the server logs on its own thread


async def test_revoked_device_is_refused_on_a_connection_it_opened_before_the_revoke(
    nodes, tmp_path, caplog
) -> None:
    """A revoked device that kept its QUIC connection open must not keep talking over it."""
    a, b = nodes
    await pair(a, b)
    sub = a.core.bus.subscribe()
    ping_frame = {"t": "ping", "device": b.service.device_info(), "port": b.port}
    offer = offer_frame(("x.txt", 1))
    answered: dict[str, Any] = {}
    async with raw_session(b.ident, a.port, ALPN_MSG, a.id) as session:
        reader, writer = await session.open_stream()
        await write_frame(writer, ping_frame)
        await read_frame(reader, expect="pong", timeout=5)

        await a.service.revoke(b.id)

        for kind, frame in (("ping", ping_frame), ("offer", offer)):
            try:  # the revoke closed the connection; if a stream still opens, nothing answers on it
                reader, writer = await session.open_stream()
            except TransportError:
                continue
            await write_frame(writer, frame)
            with contextlib.suppress(ProtocolError):
                answered[kind] = await read_frame(reader, expect=("pong", "accept", "decline"), timeout=2)
    offered = [e for e in drain(sub) if isinstance(e, ev.SpacedropOffered)]
    assert (answered, offered) == ({}, [])
    assert logged(caplog, idm.short_id(b.id), "not paired")
    assert a.pinned() == set()


# ---- 6. hostile offers from a paired peer -------------------------------------------------------------

UNSAFE_NAMES = {
    "../../x": "'..' component",
    "C:\\x": "backslash",
    "C:x": "drive prefix",
    "/etc/passwd": "absolute path",
    "a/../../b": "'..' component",
    "CON.txt": "reserved device name",
    "a\x00b": "U+0000",
}


async def test_hostile_names_in_offers_from_a_paired_peer_are_refused(nodes, tmp_path, caplog) -> None:
    a, b = nodes
    await pair(a, b)
    inbox = make_inbox(tmp_path)
    sub = a.core.bus.subscribe()

    async with raw_session(b.ident, a.port, ALPN_MSG, a.id) as session:
        # Asking mode: nothing about a hostile offer reaches the user.
        for name, why in UNSAFE_NAMES.items():
            answer = await offer_once(session, offer_frame((name, 5)))
            assert answer["t"] == "error" and why in answer["reason"], (name, answer)
        offered = [e for e in drain(sub) if isinstance(e, ev.SpacedropOffered)]
        assert offered == [] and a.service.pending_offers() == []

        # The event stream is watched: a fair offer does show, and is declined by the user.
        fair = offer_frame(("fine.txt", 5))
        answer_task = asyncio.create_task(offer_once(session, fair))
        await eventually(lambda: a.service.pending_offers() != [])
        offered = [e for e in drain(sub) if isinstance(e, ev.SpacedropOffered)]
        assert [e.names for e in offered] == [("fine.txt",)]
        a.service.answer_offer(fair["id"], accept=False)
        assert (await answer_task)["t"] == "decline"

        # Auto-accept mode: refused all the same, also when one hostile name hides among fair ones.
        a.service.auto_accept_dir = inbox
        for name, why in UNSAFE_NAMES.items():
            answer = await offer_once(session, offer_frame(("ok.txt", 3), (name, 5)))
            assert answer["t"] == "error" and why in answer["reason"], (name, answer)

    assert len(logged(caplog, "control stream from", idm.short_id(b.id))) == 2 * len(UNSAFE_NAMES)
    assert tree(inbox.parent) == ["inbox"]
    escaped = ("x", "b", "passwd", "CON.txt", "ok.txt")
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.name in escaped]
    assert (await b.jobs_named("spacedrop_send")) == [] and (await a.jobs_named("spacedrop_receive")) == []

    hello = tmp_path / "hello.txt"
    hello.write_text("a fair send still arrives")
    info = await spacedrop(b, a, hello)
    assert info.status is JobStatus.COMPLETED, info.error
    assert tree(inbox.parent) == ["inbox", "inbox/hello.txt"]


# ---- 7. more bytes than offered -----------------------------------------------------------------------


async def accepted(node: Node, sender: idm.Identity, frame: dict[str, Any]) -> dict[str, Any]:
    async with raw_session(sender, node.port, ALPN_MSG, node.id) as session:
        answer = await offer_once(session, frame)
    assert answer["t"] == "accept", answer
    return answer


async def test_sender_writing_past_the_offered_size_is_refused(nodes, tmp_path, caplog) -> None:
    a, b = nodes
    await pair(a, b)
    inbox = make_inbox(tmp_path)
    a.service.auto_accept_dir = inbox
    answer = await accepted(a, b.ident, offer_frame(("big.bin", MiB)))

    channel = await open_channel(b.ident, LOCAL, answer["port"], a.ident.cert_der, a.id, timeout=5)
    try:
        await channel.write_frame({"t": "data", "token": answer["token"]})
        await channel.write_frame({"t": "file", "i": 0, "offset": 0})
        with contextlib.suppress(ProtocolError):
            await channel.run(channel.sendall, b"\xff" * (MiB + 64 * 1024))
        with pytest.raises(ProtocolError):
            await channel.read_frame(expect="ok", timeout=10)
    finally:
        channel.abort()
        channel.close()

    (job,) = await a.jobs_named("spacedrop_receive")
    info = await a.wait_job(str(job.id))
    assert info.status is JobStatus.FAILED and "4294967295 bytes" in info.error
    assert logged(caplog, "spacedrop_receive", "failed", "4294967295 bytes", level=logging.INFO)
    entries = tree(inbox.parent)
    assert "inbox/big.bin" not in entries
    assert all(e == "inbox" or e.endswith(".sdpart") for e in entries), entries
    assert all((inbox.parent / e).stat().st_size <= MiB for e in entries if e != "inbox")

    small = tmp_path / "small.txt"
    small.write_text("after the attack")
    info = await spacedrop(b, a, small)
    assert info.status is JobStatus.COMPLETED, info.error
    assert (inbox / "small.txt").read_text() == "after the attack"


# ---- 8. stolen or wrong tokens ------------------------------------------------------------------------


async def test_data_channel_with_a_wrong_token_or_from_another_device_is_refused(
    nodes, tmp_path, caplog
) -> None:
    a, b = nodes
    await pair(a, b)
    # Carol is paired with A too, and hostile.
    carol = make_identity(tmp_path, "carol")
    code = a.service.generate_code(auto_accept=True).code
    assert [p.device_id for p in await raw_join(carol, a.port, code, "carol")] == [a.id]
    await eventually(lambda: a.pinned() == {b.id, carol.device_id})

    inbox = make_inbox(tmp_path)
    a.service.auto_accept_dir = inbox
    payload = tmp_path / "payload.bin"
    payload.write_bytes(os.urandom(200_000))
    offer, sources = build_offer([payload], "b")
    answer = await accepted(a, b.ident, offer.to_frame())
    accept = Accept.from_frame(answer, offer)

    async def present(ident: idm.Identity, token: bytes) -> None:
        channel = await open_channel(ident, LOCAL, answer["port"], a.ident.cert_der, a.id, timeout=5)
        try:
            await channel.write_frame({"t": "data", "token": token})
            with pytest.raises(ProtocolError, match="unknown or used transfer token"):
                await channel.read_frame(timeout=5)
        finally:
            channel.close()

    await present(b.ident, os.urandom(32))
    await present(carol, accept.token)
    assert len(logged(caplog, "data channel from", "unknown or used transfer token")) == 2
    assert logged(caplog, "data channel from", idm.short_id(carol.device_id))
    assert tree(inbox.parent) == ["inbox"]

    # The token was not used up by the attempts: the real sender still delivers.
    channel = await open_channel(b.ident, LOCAL, answer["port"], a.ident.cert_der, a.id, timeout=5)
    try:
        await channel.write_frame({"t": "data", "token": accept.token})
        await send_files(sources, offer, accept, channel)
    finally:
        channel.close()
    (job,) = await a.jobs_named("spacedrop_receive")
    assert (await a.wait_job(str(job.id))).status is JobStatus.COMPLETED
    assert (inbox / "payload.bin").read_bytes() == payload.read_bytes()
    assert tree(inbox.parent) == ["inbox", "inbox/payload.bin"]


# ---- 9. slow loris and a UDP flood --------------------------------------------------------------------


@pytest.fixture
async def quick_nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Node, Node]]:
    """Nodes whose TLS data channel gives a handshake SHORT_HANDSHAKE seconds: NetworkService builds
    its listeners with ``Limits()`` and offers no setting, so the default is shortened where
    tls_channel looks it up (QUIC keeps its 10 s)."""
    monkeypatch.setattr(tls_channel, "Limits", functools.partial(Limits, handshake_timeout=SHORT_HANDSHAKE))
    async with running_nodes(tmp_path, "a", "b") as (a, b):
        yield a, b


async def test_slow_loris_and_udp_garbage_do_not_stop_the_service(quick_nodes, tmp_path, caplog) -> None:
    a, b = quick_nodes
    await pair(a, b)
    loris_reader, loris_writer = await asyncio.open_connection(LOCAL, a.port)
    opened = time.monotonic()

    stop = asyncio.Event()
    sent = 0

    async def flood() -> None:
        nonlocal sent
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            while not stop.is_set():
                for size in (40, 1200, 1350, 7):
                    # A long header with a version nobody speaks, or random short-header bytes.
                    data = bytearray(os.urandom(size))
                    data[1:5] = b"\xde\xad\xbe\xef"
                    with contextlib.suppress(BlockingIOError):
                        sock.sendto(bytes(data), (LOCAL, a.port))
                        sent += 1
                # About 2000 datagrams a second: the flood shares this process's loop with the service,
                # so an unbounded one would measure the loop, not the service's handling of garbage.
                await asyncio.sleep(0.002)
        finally:
            sock.close()

    flooding = asyncio.create_task(flood())
    try:
        await asyncio.sleep(0.2)
        await asyncio.wait_for(ping(b, a.id), 5)
        assert not flooding.done() and sent > 100
    finally:
        stop.set()
        await flooding

    # The loris is dropped by the server once the handshake deadline passes.
    assert await asyncio.wait_for(loris_reader.read(), SHORT_HANDSHAKE + 2) == b""
    assert time.monotonic() - opened <= SHORT_HANDSHAKE + 1.5
    loris_writer.close()
    assert logged(caplog, "dropped sd-data/1", "during the handshake", level=logging.INFO)

    inbox = make_inbox(tmp_path)
    a.service.auto_accept_dir = inbox
    note = tmp_path / "note.txt"
    note.write_text("still serving")
    info = await spacedrop(b, a, note)
    assert info.status is JobStatus.COMPLETED, info.error
    assert a.pinned() == {b.id} and b.pinned() == {a.id}


# ---- 10. floods of pairing attempts -------------------------------------------------------------------


async def test_burst_of_guesses_gets_one_pake_run_and_then_the_address_is_refused(
    nodes, tmp_path, caplog, initiator_pake_runs
) -> None:
    a, b = nodes
    await pair(a, b)  # one of this address's five attempts
    await asyncio.sleep(0.3)  # let the pairing's connections close (8 live connections per address)
    runs_before = len(initiator_pake_runs)
    session = a.service.generate_code(auto_accept=True)
    mallory = make_identity(tmp_path, "mallory")

    results = await asyncio.gather(
        *(raw_join(mallory, a.port, sniffed(session)) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, PairingFailed) for r in results), results
    # One attempt reached the PAKE; the others were turned away by the gap, the one-at-a-time rule or
    # the per-address budget, before any PAKE work.
    assert len(initiator_pake_runs) - runs_before == 1
    assert (session.state, session.failures) == ("waiting", 1)
    assert logged(caplog, "pairing: refused", "too many pairing attempts from this address")
    assert len(logged(caplog, "pairing: refused")) == 5

    # The budget is spent: even the right code from this address gets no PAKE work now.
    with pytest.raises(PairingFailed, match="too many pairing attempts"):
        await b.service.join(" ".join(session.words), a.addr)
    assert len(initiator_pake_runs) - runs_before == 1
    assert a.pinned() == {b.id} and b.pinned() == {a.id}
    await ping(b, a.id)


async def test_code_burns_after_three_wrong_attempts(nodes, tmp_path, caplog, initiator_pake_runs) -> None:
    a, b = nodes
    session = a.service.generate_code(auto_accept=True)
    mallory = make_identity(tmp_path, "mallory")
    for attempt in range(3):
        if attempt:
            await asyncio.sleep(MIN_ATTEMPT_GAP + 0.05)
        with pytest.raises(PairingFailed, match="wrong code"):
            await raw_join(mallory, a.port, sniffed(session))
    assert len(initiator_pake_runs) == 3
    assert (session.state, session.reason) == ("failed", "3 wrong attempts")
    assert session.result.done() and isinstance(session.result.exception(), PairingFailed)

    with pytest.raises(PairingFailed, match="can no longer be used"):
        await b.service.join(" ".join(session.words), a.addr)
    assert len(initiator_pake_runs) == 3
    assert len(logged(caplog, "pairing: refused", "wrong code")) == 3
    assert logged(caplog, "pairing: refused", "can no longer be used (3 wrong attempts)")
    assert a.pinned() == set() and b.pinned() == set()

    await pair(a, b)  # a new code: the address's fifth attempt
