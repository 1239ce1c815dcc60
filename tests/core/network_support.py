"""Two real cores with networking on loopback, and the tools a hostile peer uses against them.

The honest side is always a full ``Core`` with its ``NetworkService`` (QUIC on the port, the TLS data
channel on the same port number over TCP). An attacker is a bare ``QuicEndpoint`` with an identity of
its own (or a stolen one), writing frames by hand; it runs in the same process and loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import msgpack
import pytest

from spacedrive import Core
from spacedrive.domain.jobs import JobInfo
from spacedrive.infrastructure.net import identity as idm
from spacedrive.infrastructure.net.codes import PairingCode
from spacedrive.infrastructure.net.devices import DeviceStore
from spacedrive.infrastructure.net.pairing import PairedPeer, PairingService
from spacedrive.infrastructure.net.quic import QuicEndpoint, QuicSession
from spacedrive.infrastructure.net.transport import ALPN_MSG, ALPN_PAIR, Peer, StreamHandler
from spacedrive.operations.network.service import NetworkService

LOCAL = "127.0.0.1"
_LEN = struct.Struct(">I")


@dataclass
class Node:
    """One honest Spacedrive instance, networking on ``LOCAL`` without mDNS."""

    core: Core

    @property
    def service(self) -> NetworkService:
        return self.core.network

    @property
    def ident(self) -> idm.Identity:
        assert self.service.identity is not None
        return self.service.identity

    @property
    def id(self) -> str:
        return self.ident.device_id

    @property
    def port(self) -> int:
        return self.service.port

    @property
    def addr(self) -> str:
        return f"{LOCAL}:{self.port}"

    def pinned(self) -> set[str]:
        """Paired device ids, as held in memory and as written to disk (a fresh store reads the file)."""
        in_memory = {d.device_id for d in self.service.devices.list()}
        on_disk = {d.device_id for d in DeviceStore(self.core.data_dir).list()}
        assert in_memory == on_disk
        return in_memory

    async def start_network(self) -> None:
        # No discovery: tests stay on loopback (CONVENTIONS.md 8) and address each other directly.
        await self.service.start(port=0, host=LOCAL, discovery=False)

    def count_handler(self, alpn: str) -> list[Peer]:
        """Record every peer whose stream reaches this node's ``alpn`` handler (the handler still runs)."""
        quic = self.service._quic
        assert quic is not None
        seen: list[Peer] = []
        inner: StreamHandler = quic.handlers[alpn]

        async def counting(peer: Peer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(peer)
            await inner(peer, reader, writer)

        quic.handlers[alpn] = counting
        return seen

    async def wait_job(self, job_id: str) -> JobInfo:
        jobs, _ = await self.core.files._jobs_and_db()
        return await asyncio.wait_for(jobs.wait(UUID(job_id)), 30)

    async def jobs_named(self, name: str) -> list[JobInfo]:
        jobs, _ = await self.core.files._jobs_and_db()
        return [j for j in await jobs.list() if j.name == name]


@contextlib.asynccontextmanager
async def running_nodes(root: Path, *names: str) -> AsyncIterator[list[Node]]:
    nodes: list[Node] = []
    try:
        for name in names:
            core = Core(root / name, mode="daemon")
            await core.start()
            node = Node(core)
            nodes.append(node)
            await node.start_network()
        yield nodes
    finally:
        for node in reversed(nodes):
            await node.core.stop()


async def pair(initiator: Node, joiner: Node) -> None:
    """An honest pairing; returns once both sides have pinned each other and the joiner's ping (which
    tells the initiator where the joiner listens) has arrived, so no honest stream comes later."""
    session = initiator.service.generate_code(auto_accept=True)
    await joiner.service.join(" ".join(session.words), initiator.addr)

    def pinged() -> bool:
        device = initiator.service.devices.get(joiner.id)
        return device is not None and f"{LOCAL}:{joiner.port}" in device.addresses

    await eventually(pinged)
    assert joiner.id in initiator.pinned() and initiator.id in joiner.pinned()


async def eventually(check: Any, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - polling a plain predicate
            await asyncio.sleep(0.02)


def make_identity(root: Path, name: str) -> idm.Identity:
    return idm.create(root / name, name)


@contextlib.asynccontextmanager
async def raw_session(
    ident: idm.Identity, port: int, alpn: str, expect: str | None
) -> AsyncIterator[QuicSession]:
    """A hand-driven QUIC client session presenting ``ident`` (the attacker's own or a stolen one)."""
    endpoint = QuicEndpoint(ident, {}, lambda _: False, host=LOCAL)
    session = await endpoint.connect(LOCAL, port, alpn, expect)
    try:
        yield session
    finally:
        await endpoint.stop()


async def raw_join(
    ident: idm.Identity, port: int, code: PairingCode, name: str = "mallory"
) -> list[PairedPeer]:
    """Run our own joiner code under ``ident`` against ``port``; the peers it would have pinned."""
    pinned: list[PairedPeer] = []

    async def on_paired(peer: PairedPeer) -> None:
        pinned.append(peer)

    info = {"name": name, "os": "Linux", "os_version": "6", "model": "x"}
    joiner = PairingService(ident.device_id, lambda: info, on_paired)
    async with raw_session(ident, port, ALPN_PAIR, None) as session:
        reader, writer = await session.open_stream()
        await joiner.join(code, session.peer.device_id, session.peer.cert_der, reader, writer)
    return pinned


def split_frames(data: bytes) -> list[bytes]:
    """Raw length-prefixed frames, each with its prefix, out of recorded stream bytes."""
    frames = []
    while data:
        (size,) = _LEN.unpack(data[:4])
        frames.append(data[: 4 + size])
        data = data[4 + size :]
    return frames


def frame_type(raw: bytes) -> str:
    return str(msgpack.unpackb(raw[4:], raw=False)["t"])


@dataclass
class Relay:
    """A device in the middle on ``sd-pair/1``: it terminates QUIC with its own identity on both sides
    and forwards every byte of each joiner stream to a stream it opens to ``target_port``."""

    ident: idm.Identity
    target_port: int
    from_joiner: bytearray = field(default_factory=bytearray)
    from_initiator: bytearray = field(default_factory=bytearray)
    streams: int = 0
    endpoint: QuicEndpoint = field(init=False)

    async def start(self) -> int:
        self.endpoint = QuicEndpoint(self.ident, {ALPN_PAIR: self._relay}, lambda _: False, host=LOCAL)
        await self.endpoint.start()
        return self.endpoint.port

    async def stop(self) -> None:
        await self.endpoint.stop()

    async def _relay(self, peer: Peer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.streams += 1
        upstream = await self.endpoint.connect(LOCAL, self.target_port, ALPN_PAIR, None)
        try:
            up_reader, up_writer = await upstream.open_stream()
            pumps = [
                asyncio.create_task(_pump(reader, up_writer, self.from_joiner)),
                asyncio.create_task(_pump(up_reader, writer, self.from_initiator)),
            ]
            # When one side is done, the other gets a moment to say its last word (an error frame).
            _, pending = await asyncio.wait(pumps, timeout=15, return_when=asyncio.FIRST_COMPLETED)
            _, pending = await asyncio.wait(pending, timeout=2)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
        finally:
            await upstream.close()


async def _pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, record: bytearray) -> None:
    with contextlib.suppress(ConnectionError, OSError, ValueError, AssertionError):
        while data := await src.read(65536):
            record += data
            dst.write(data)
            await dst.drain()
        dst.close()


def logged(caplog: pytest.LogCaptureFixture, *fragments: str, level: int = logging.WARNING) -> list[str]:
    """Messages from ``spacedrive`` loggers at ``level`` or above containing every fragment."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("spacedrive")
        and r.levelno >= level
        and all(f in r.getMessage() for f in fragments)
    ]


def tree(root: Path) -> list[str]:
    """Every entry below ``root`` (hidden partials included), relative, sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


__all__ = [
    "ALPN_MSG",
    "ALPN_PAIR",
    "LOCAL",
    "Node",
    "Relay",
    "eventually",
    "frame_type",
    "logged",
    "make_identity",
    "pair",
    "raw_join",
    "raw_session",
    "running_nodes",
    "split_frames",
    "tree",
]
