"""The QUIC endpoint and the TLS data channel let only the right devices in, and survive abuse."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aioquic.asyncio.client import connect as aioquic_connect
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection

from spacedrive.infrastructure.net import identity as idm
from spacedrive.infrastructure.net.channel import Channel
from spacedrive.infrastructure.net.framing import encode_frame, read_frame, write_frame
from spacedrive.infrastructure.net.quic import QuicEndpoint
from spacedrive.infrastructure.net.tls_channel import TlsChannelServer, _context, open_channel
from spacedrive.infrastructure.net.transport import (
    ALPN_DATA,
    ALPN_MSG,
    ALPN_PAIR,
    Limits,
    Peer,
    PeerRejected,
    TransportError,
)

LOCAL = "127.0.0.1"


@pytest.fixture
def ids(tmp_path: Path) -> dict[str, idm.Identity]:
    return {name: idm.create(tmp_path / name, name) for name in ("a", "b", "c")}


class Echo:
    """A handler that answers each frame with its content and remembers who called."""

    def __init__(self) -> None:
        self.peers: list[Peer] = []

    async def __call__(self, peer: Peer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.peers.append(peer)
        message = await read_frame(reader, "ping", timeout=5)
        await write_frame(writer, {"t": "pong", "n": message["n"], "from": peer.device_id})


@pytest.fixture
async def server(ids: dict[str, idm.Identity]) -> AsyncIterator[tuple[QuicEndpoint, Echo, set[str]]]:
    """Device a serving sd-msg/1 and sd-pair/1; b is paired with it."""
    echo, pinned = Echo(), {ids["b"].device_id}
    endpoint = QuicEndpoint(ids["a"], {ALPN_MSG: echo, ALPN_PAIR: echo}, pinned.__contains__, host=LOCAL)
    await endpoint.start()
    yield endpoint, echo, pinned
    await endpoint.stop()


async def client(identity: idm.Identity) -> QuicEndpoint:
    endpoint = QuicEndpoint(identity, {}, lambda _: False, host=LOCAL)
    return endpoint


async def ping(endpoint: QuicEndpoint, port: int, alpn: str, expect: str | None) -> dict[str, object]:
    session = await endpoint.connect(LOCAL, port, alpn, expect)
    try:
        reader, writer = await session.open_stream()
        await write_frame(writer, {"t": "ping", "n": 7})
        return await read_frame(reader, "pong", timeout=5)
    finally:
        await session.close()


async def test_paired_devices_exchange_messages(server, ids) -> None:
    endpoint, echo, _ = server
    b = await client(ids["b"])
    reply = await ping(b, endpoint.port, ALPN_MSG, ids["a"].device_id)
    assert reply == {"t": "pong", "n": 7, "from": ids["b"].device_id}
    assert echo.peers[0].device_id == ids["b"].device_id
    assert echo.peers[0].cert_der == ids["b"].cert_der
    assert echo.peers[0].alpn == ALPN_MSG
    await b.stop()


async def test_unpaired_device_is_refused_before_its_stream_is_read(server, ids) -> None:
    endpoint, echo, _ = server
    c = await client(ids["c"])
    with pytest.raises(PeerRejected, match="not paired"):
        await ping(c, endpoint.port, ALPN_MSG, ids["a"].device_id)
    await asyncio.sleep(0.05)
    assert echo.peers == []
    await c.stop()


async def test_stream_sent_along_with_the_handshake_is_never_served_to_an_unpaired_device(
    server, ids, caplog
) -> None:
    endpoint, echo, _ = server
    configuration = QuicConfiguration(is_client=True, alpn_protocols=[ALPN_MSG], verify_mode=ssl.CERT_NONE)
    configuration.certificate, configuration.private_key = ids["c"].certificate, ids["c"].private_key
    # Not waiting for the handshake: the stream data leaves in the same datagram as the client's Finished.
    async with aioquic_connect(
        LOCAL, endpoint.port, configuration=configuration, wait_connected=False
    ) as quic:
        _, writer = await quic.create_stream()
        writer.write(encode_frame({"t": "ping", "n": 1}))
        await asyncio.wait_for(quic.wait_closed(), 5)
        writer.close()
    assert echo.peers == []
    assert any("refused" in r.message and "not paired" in r.message for r in caplog.records)


async def test_client_refuses_a_server_that_is_not_the_expected_device(server, ids) -> None:
    endpoint, echo, _ = server
    b = await client(ids["b"])
    with pytest.raises(PeerRejected, match="not "):
        await ping(b, endpoint.port, ALPN_MSG, ids["c"].device_id)
    assert echo.peers == []
    with pytest.raises(PeerRejected):
        await b.connect(LOCAL, endpoint.port, ALPN_MSG, None)
    await b.stop()


async def test_pairing_accepts_an_unpaired_device_and_names_it(server, ids) -> None:
    endpoint, echo, _ = server
    c = await client(ids["c"])
    reply = await ping(c, endpoint.port, ALPN_PAIR, None)
    assert reply["from"] == ids["c"].device_id
    assert [p.device_id for p in echo.peers] == [ids["c"].device_id]
    await c.stop()


async def test_client_without_certificate_is_refused(server, ids, monkeypatch) -> None:
    endpoint, echo, _ = server
    anonymous = await client(ids["c"])

    def no_certificate(is_client: bool, alpns: list[str]) -> QuicConfiguration:
        return QuicConfiguration(is_client=True, alpn_protocols=alpns, verify_mode=ssl.CERT_NONE)

    monkeypatch.setattr(anonymous, "_configuration", no_certificate)
    with pytest.raises(PeerRejected, match="no certificate"):
        await ping(anonymous, endpoint.port, ALPN_PAIR, None)
    assert echo.peers == []
    await anonymous.stop()


async def test_unknown_protocol_fails_the_handshake(server, ids) -> None:
    endpoint, echo, _ = server
    b = await client(ids["b"])
    started = time.monotonic()
    with pytest.raises(TransportError, match="ALPN"):
        await b.connect(LOCAL, endpoint.port, "sd-other/1", ids["a"].device_id)
    assert time.monotonic() - started < 2
    await b.stop()


async def test_revoked_device_is_refused_on_its_next_connection(server, ids) -> None:
    endpoint, echo, pinned = server
    b = await client(ids["b"])
    await ping(b, endpoint.port, ALPN_MSG, ids["a"].device_id)
    pinned.discard(ids["b"].device_id)
    with pytest.raises(PeerRejected, match="not paired"):
        await ping(b, endpoint.port, ALPN_MSG, ids["a"].device_id)
    assert len(echo.peers) == 1
    await b.stop()


async def test_quic_flood_of_half_open_connections_is_bounded_and_expires(ids) -> None:
    limits = Limits(max_per_ip=4, handshake_timeout=0.5, burst_per_ip=6, new_connections_per_ip_per_s=20)
    echo = Echo()
    endpoint = QuicEndpoint(
        ids["a"], {ALPN_MSG: echo}, {ids["b"].device_id}.__contains__, LOCAL, limits=limits
    )
    await endpoint.start()
    flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # 50 fresh ClientHellos that never go further: each would be a connection waiting for us.
        for _ in range(50):
            quic = QuicConnection(configuration=QuicConfiguration(is_client=True, alpn_protocols=[ALPN_MSG]))
            quic.connect((LOCAL, endpoint.port), now=time.monotonic())
            for data, addr in quic.datagrams_to_send(now=time.monotonic()):
                flood.sendto(data, addr)
        await asyncio.sleep(0.2)
        assert endpoint.admission.live == limits.max_per_ip
        await asyncio.sleep(limits.handshake_timeout + 0.2)
        assert endpoint.admission.live == 0
        b = await client(ids["b"])
        assert (await ping(b, endpoint.port, ALPN_MSG, ids["a"].device_id))["n"] == 7
        await b.stop()
    finally:
        flood.close()
        await endpoint.stop()


class DataSink:
    """A data-channel handler that echoes frames, or counts raw bytes until EOF when asked to."""

    def __init__(self) -> None:
        self.peers: list[Peer] = []
        self.received = 0

    async def __call__(self, peer: Peer, channel: Channel) -> None:
        self.peers.append(peer)
        message = await channel.read_frame(("ping", "bulk"), timeout=5)
        if message["t"] == "ping":
            await channel.write_frame({"t": "pong", "n": message["n"], "from": peer.device_id})
            return
        await channel.run(self._drain, channel, message["size"])
        await channel.write_frame({"t": "done", "n": self.received})

    def _drain(self, channel: Channel, size: int) -> None:
        buf = memoryview(bytearray(4 << 20))
        while self.received < size:
            n = min(len(buf), size - self.received)
            channel.recv_exactly_into(buf[:n])
            self.received += n


@pytest.fixture
async def data_server(ids) -> AsyncIterator[tuple[TlsChannelServer, DataSink, dict[str, bytes]]]:
    """Device a accepting data channels; b is paired with it (its certificate pinned as DER)."""
    sink, pinned = DataSink(), {ids["b"].device_id: ids["b"].cert_der}
    server = TlsChannelServer(
        ids["a"], sink, lambda: dict(pinned), host=LOCAL, limits=Limits(handshake_timeout=0.5)
    )
    await server.start()
    yield server, sink, pinned
    await server.stop()


async def data_ping(identity: idm.Identity, port: int, server_cert: bytes, expect: str) -> dict[str, object]:
    channel = await open_channel(identity, LOCAL, port, server_cert, expect, timeout=3)
    assert channel.peer is not None and channel.peer.device_id == expect and channel.peer.alpn == ALPN_DATA
    try:
        await channel.write_frame({"t": "ping", "n": 3})
        return await channel.read_frame("pong", timeout=5)
    finally:
        channel.close()


async def test_data_channel_round_trip_between_paired_devices(data_server, ids) -> None:
    server, sink, _ = data_server
    reply = await data_ping(ids["b"], server.port, ids["a"].cert_pem, ids["a"].device_id)
    assert reply == {"t": "pong", "n": 3, "from": ids["b"].device_id}
    assert sink.peers[0].device_id == ids["b"].device_id and sink.peers[0].cert_der == ids["b"].cert_der


async def test_data_channel_refuses_unpaired_client_and_impostor_server(data_server, ids) -> None:
    server, sink, _ = data_server
    with pytest.raises(PeerRejected, match="refused"):
        await data_ping(ids["c"], server.port, ids["a"].cert_pem, ids["a"].device_id)
    # b believes it talks to c (c's certificate pinned), but the server shows a's certificate.
    with pytest.raises(PeerRejected, match="not the paired device"):
        await data_ping(ids["b"], server.port, ids["c"].cert_pem, ids["c"].device_id)
    assert sink.peers == []


async def test_data_channel_refuses_a_revoked_device_on_its_next_connection(data_server, ids) -> None:
    server, sink, pinned = data_server
    await data_ping(ids["b"], server.port, ids["a"].cert_der, ids["a"].device_id)
    pinned.clear()
    pinned[ids["c"].device_id] = ids["c"].cert_der
    with pytest.raises(PeerRejected, match="refused"):
        await data_ping(ids["b"], server.port, ids["a"].cert_der, ids["a"].device_id)
    assert await data_ping(ids["c"], server.port, ids["a"].cert_der, ids["a"].device_id)
    assert [p.device_id for p in sink.peers] == [ids["b"].device_id, ids["c"].device_id]


async def test_connection_that_never_says_hello_is_dropped_after_the_handshake_timeout(
    data_server,
) -> None:
    server, sink, _ = data_server
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(LOCAL, server.port)
    assert await asyncio.wait_for(reader.read(), 3) == b""  # closed by the server, nothing sent
    assert 0.4 < time.monotonic() - started < 2.5
    writer.close()
    assert server.admission.live == 0


async def test_data_channel_flood_is_bounded_and_a_paired_device_still_gets_in(ids) -> None:
    limits = Limits(max_per_ip=4, handshake_timeout=0.5, burst_per_ip=8, new_connections_per_ip_per_s=20)
    sink = DataSink()
    server = TlsChannelServer(
        ids["a"], sink, lambda: {ids["b"].device_id: ids["b"].cert_der}, LOCAL, 0, limits
    )
    await server.start()
    flood: list[asyncio.StreamWriter] = []
    try:
        for _ in range(50):
            _, writer = await asyncio.open_connection(LOCAL, server.port)
            flood.append(writer)
        await asyncio.sleep(0.1)
        assert server.admission.live == limits.max_per_ip
        await asyncio.sleep(limits.handshake_timeout + 0.3)
        assert server.admission.live == 0
        assert await data_ping(ids["b"], server.port, ids["a"].cert_pem, ids["a"].device_id)
    finally:
        for writer in flood:
            writer.close()
        await server.stop()


async def test_data_channel_throughput(ids) -> None:
    """Prints MB/s for 256 MiB through open_channel and through a plain ssl socket pair (not asserted).

    The receiver runs in its own thread and event loop in both cases, as it would in another process.
    """
    total = 256 << 20
    sink, started_serving, stop = DataSink(), threading.Event(), threading.Event()
    ports: list[int] = []

    def serve() -> None:
        async def main() -> None:
            pinned = {ids["b"].device_id: ids["b"].cert_der}
            server = TlsChannelServer(ids["a"], sink, lambda: pinned, LOCAL)
            await server.start()
            ports.append(server.port)
            started_serving.set()
            await asyncio.to_thread(stop.wait)
            await server.stop()

        asyncio.run(main())

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        assert await asyncio.to_thread(started_serving.wait, 5)
        channel = await _channel_throughput(ids, ports[0], total)
    finally:
        stop.set()
        await asyncio.to_thread(thread.join)
    assert sink.received == total
    plain = await asyncio.to_thread(_plain_ssl_throughput, ids["a"], ids["b"], total)
    print(f"\nTLS data channel: {channel:.0f} MB/s; plain ssl socket pair: {plain:.0f} MB/s")


async def _channel_throughput(ids: dict[str, idm.Identity], port: int, total: int) -> float:
    chunk = b"\x00" * (4 << 20)
    channel = await open_channel(ids["b"], LOCAL, port, ids["a"].cert_pem, ids["a"].device_id)
    started = time.perf_counter()
    await channel.write_frame({"t": "bulk", "size": total})

    def pump() -> None:
        for _ in range(total // len(chunk)):
            channel.sendall(chunk)

    await channel.run(pump)
    done = await channel.read_frame("done", timeout=30)
    elapsed = time.perf_counter() - started
    channel.close()
    assert done["n"] == total
    return total / elapsed / 1e6


def _plain_ssl_throughput(a: idm.Identity, b: idm.Identity, total: int) -> float:
    server_ctx, client_ctx = (
        _context(a, True, [b.cert_pem.decode()]),
        _context(b, False, [a.cert_pem.decode()]),
    )
    listener = socket.create_server((LOCAL, 0))
    received = 0

    def serve() -> None:
        nonlocal received
        conn, _ = listener.accept()
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            while received < total:
                received += len(tls.recv(1 << 20))

    thread = threading.Thread(target=serve)
    thread.start()
    chunk = b"\x00" * (1 << 20)
    started = time.perf_counter()
    with client_ctx.wrap_socket(socket.create_connection(listener.getsockname())) as tls:
        for _ in range(total // len(chunk)):
            tls.sendall(chunk)
        thread.join()
    elapsed = time.perf_counter() - started
    listener.close()
    assert received == total
    return total / elapsed / 1e6


async def test_connect_to_a_silent_address_fails_after_the_handshake_timeout(ids) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind((LOCAL, 0))
    b = QuicEndpoint(ids["b"], {}, lambda _: False, LOCAL, limits=Limits(handshake_timeout=0.5))
    started = time.monotonic()
    with pytest.raises(TransportError, match="did not answer"):
        await b.connect(LOCAL, silent.getsockname()[1], ALPN_MSG, ids["a"].device_id)
    assert time.monotonic() - started < 1.5
    silent.close()
    await b.stop()


async def test_stop_cancels_running_handlers(ids) -> None:
    entered, cancelled = asyncio.Event(), asyncio.Event()

    async def forever(peer: Peer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        entered.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    a = QuicEndpoint(ids["a"], {ALPN_PAIR: forever}, lambda _: False, LOCAL)
    await a.start()
    c = await client(ids["c"])
    session = await c.connect(LOCAL, a.port, ALPN_PAIR, None)
    _, writer = await session.open_stream()
    writer.write(b"hello")
    await asyncio.wait_for(entered.wait(), 3)
    await asyncio.wait_for(a.stop(), 3)
    assert cancelled.is_set()
    await c.stop()
    assert session.closed
