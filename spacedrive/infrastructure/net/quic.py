"""QUIC endpoint for pairing (``sd-pair/1``) and control messages (``sd-msg/1``), with mutual TLS.

Both sides present their self-signed identity certificate. aioquic cannot check a pinned fingerprint,
so it runs with ``verify_mode=CERT_NONE`` (it still verifies the CertificateVerify signature, i.e. that
the peer holds the certificate's key) and this module checks the identity itself when the handshake
completes, before any stream data reaches a handler:

- the peer presented a certificate with an Ed25519 key (its hash is the device id);
- server side: every ALPN except ``sd-pair/1`` requires ``is_pinned(device_id)``;
- client side: the server's id must equal ``expect_device_id`` (None is allowed only for pairing), and
  ``connect`` returns only once the server has confirmed the handshake (HANDSHAKE_DONE), which it sends
  only after accepting our certificate, so a refusal surfaces as :class:`PeerRejected`, not as a
  stream that dies later.

Session tickets and 0-RTT stay off (no ticket fetcher or handler is given to aioquic): early data
would reach us before the client certificate. New connections are admitted (:class:`Admission`) before
aioquic sees their first packet, so a flood costs a header parse, not a TLS handshake.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable
from typing import Any, cast

from aioquic._buffer import Buffer
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.asyncio.server import QuicServer
from aioquic.quic import events
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import NetworkAddress, QuicConnection
from aioquic.quic.packet import QuicPacketType, pull_quic_header
from cryptography.hazmat.primitives.serialization import Encoding

from spacedrive.infrastructure.net.identity import Identity, IdentityError, device_id_of_cert, short_id
from spacedrive.infrastructure.net.transport import (
    ALPN_PAIR,
    Admission,
    Limits,
    Peer,
    PeerRejected,
    StreamHandler,
    TransportError,
)

log = logging.getLogger(__name__)

REFUSED = 0x1  # application close code for "your identity is not accepted here"
_MAX_HELD = 256 * 1024  # stream bytes held back while the identity check is pending
_SMALLEST_INITIAL = 1200  # aioquic ignores shorter Initial packets (RFC 9000 section 14.1)


def _address(addr: NetworkAddress) -> tuple[str, int]:
    return str(addr[0]), int(addr[1])


class _Connection(QuicConnectionProtocol):
    """One QUIC connection, either side: holds stream data back until the peer's identity is checked."""

    def __init__(
        self,
        quic: QuicConnection,
        endpoint: QuicEndpoint,
        expect_device_id: str | None = None,
        address: tuple[str, int] | None = None,
    ) -> None:
        super().__init__(quic)
        self._endpoint = endpoint
        self._is_client = quic.configuration.is_client
        self._expect = expect_device_id
        self._address = address
        self._state = "handshake"  # -> "confirming" (client only) -> "open"; or -> "closed"
        self._held: list[events.StreamDataReceived] = []
        self._held_bytes = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.admitted_ip: str | None = None
        self.peer: Peer | None = None
        self.ready: asyncio.Future[Peer] = self._loop.create_future()
        self.ready.add_done_callback(lambda f: f.cancelled() or f.exception())  # never "never retrieved"
        self._deadline = self._loop.call_later(endpoint.limits.handshake_timeout, self._handshake_expired)
        if not self._is_client:
            # aioquic's server only sends a CertificateRequest when tls._request_client_certificate is
            # set, and the tls.Context is made in QuicConnection._initialize, which runs on the first
            # datagram, after QuicServer handed us the connection. Wrapping it is the only hook there is.
            initialize = quic._initialize

            def initialize_requesting_client_certificate(peer_cid: bytes) -> None:
                initialize(peer_cid)
                quic.tls._request_client_certificate = True

            quic._initialize = initialize_requesting_client_certificate  # type: ignore[method-assign]
        endpoint._connections.add(self)

    @property
    def closed(self) -> bool:
        return self._state == "closed"

    def datagram_received(self, data: bytes | str, addr: NetworkAddress) -> None:
        if self._address is None:
            self._address = _address(addr)
        super().datagram_received(data, addr)
        # HANDSHAKE_DONE raises no event; the server sends it only after accepting our certificate.
        if self._state == "confirming" and self._quic._handshake_confirmed:
            self._open()
            assert self.peer is not None
            self.ready.set_result(self.peer)

    def quic_event_received(self, event: events.QuicEvent) -> None:
        if isinstance(event, events.HandshakeCompleted):
            self._on_handshake(event.alpn_protocol)
        elif isinstance(event, events.StreamDataReceived):
            if self._state == "open":
                self._deliver(event)
            elif self._state != "closed":
                self._held.append(event)
                self._held_bytes += len(event.data)
                if self._held_bytes > _MAX_HELD:
                    self.refuse("sent too much before the handshake finished")
        elif isinstance(event, events.ConnectionTerminated):
            for reader in self._stream_readers.values():
                reader.feed_eof()
            reason = event.reason_phrase or f"error 0x{event.error_code:x}"
            if not self.ready.done():
                self.ready.set_exception(
                    PeerRejected(f"the device refused the connection: {reason}")
                    if self._state == "confirming"
                    else TransportError(f"connection failed: {reason}")
                )
            self._finish()
            if self._is_client and self._transport is not None:
                self._transport.close()  # a client connection owns its UDP socket; nothing is left to send

    def refuse(self, reason: str, error: TransportError | None = None) -> None:
        """Close the connection telling the peer why; ``connect`` raises ``error`` (PeerRejected)."""
        if self._state == "closed":
            return
        alpn = self._quic.tls.alpn_negotiated if hasattr(self._quic, "tls") else None
        log.warning("refused %s from %s: %s", alpn or "a connection", self._address, reason)
        self.close(error_code=REFUSED, reason_phrase=reason[:200])
        if not self.ready.done():
            self.ready.set_exception(error or PeerRejected(reason))
        self._finish()

    def _on_handshake(self, alpn: str | None) -> None:
        reason = self._check(alpn)
        if reason is not None:
            self.refuse(reason)
        elif self._is_client:
            self._state = "confirming"
        else:
            self._open()

    def _check(self, alpn: str | None) -> str | None:
        """Why the peer's identity is not accepted on this ALPN, or None; sets ``self.peer``."""
        if alpn is None or (self._is_client and alpn not in (self._quic.configuration.alpn_protocols or [])):
            return "no application protocol was agreed"
        cert = self._quic.tls._peer_certificate
        if cert is None:
            return "no certificate presented"
        try:
            device_id = device_id_of_cert(cert)
        except IdentityError as e:
            return e.message
        assert self._address is not None
        self.peer = Peer(device_id, cert.public_bytes(Encoding.DER), self._address, alpn)
        if self._is_client:
            if self._expect is None and alpn != ALPN_PAIR:
                return "no expected device id given for a connection that needs one"
            if self._expect is not None and device_id != self._expect:
                return f"the device is {short_id(device_id)}, not {short_id(self._expect)}"
        elif alpn != ALPN_PAIR:
            try:
                pinned = self._endpoint.is_pinned(device_id)
            except Exception:
                log.exception("checking whether %s is paired failed", short_id(device_id))
                pinned = False
            if not pinned:
                return f"device {short_id(device_id)} is not paired"
        return None

    def _open(self) -> None:
        self._state = "open"
        self._deadline.cancel()
        held, self._held = self._held, []
        for event in held:
            self._deliver(event)

    def _deliver(self, event: events.StreamDataReceived) -> None:
        reader = self._stream_readers.get(event.stream_id)
        if reader is None:
            # Only client-opened bidirectional streams (id % 4 == 0) are served; the client serves none.
            if self._is_client or event.stream_id % 4 != 0:
                return
            # A device unpaired while connected gets no new stream: the check runs per stream too.
            assert self.peer is not None
            if self.peer.alpn != ALPN_PAIR and not self._endpoint.is_pinned(self.peer.device_id):
                self.refuse(f"device {short_id(self.peer.device_id)} is not paired any more")
                return
            reader, writer = self._create_stream(event.stream_id)
            self._start_handler(reader, writer)
        reader.feed_data(event.data)
        if event.end_stream:
            reader.feed_eof()

    def _start_handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self.peer is not None
        handler = self._endpoint.handlers[self.peer.alpn]
        task = self._loop.create_task(self._run(handler, self.peer, reader, writer))
        for tasks in (self._tasks, self._endpoint._tasks):
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def _run(
        self, handler: StreamHandler, peer: Peer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            await handler(peer, reader, writer)
        except Exception:
            log.exception("%s handler for %s failed", peer.alpn, short_id(peer.device_id))
        finally:
            with contextlib.suppress(ValueError, AssertionError):  # the stream or connection is gone
                writer.close()

    def _handshake_expired(self) -> None:
        if self._state != "open":
            reason = f"handshake not finished within {self._endpoint.limits.handshake_timeout:g} s"
            self.refuse(reason, TransportError(f"{self._address} did not answer: {reason}"))

    def _finish(self) -> None:
        if self._state == "closed":
            return
        self._state = "closed"
        self._deadline.cancel()
        self._held.clear()
        if self.admitted_ip is not None:
            self._endpoint.admission.release(self.admitted_ip)
            self.admitted_ip = None
        self._endpoint._connections.discard(self)

    async def shutdown(self) -> None:
        """Close, cancel this connection's handler tasks and wait for them."""
        if self._state != "closed":
            self.close()
            self._finish()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class _Server(QuicServer):
    """aioquic's server with admission control in front of connection creation."""

    def __init__(self, endpoint: QuicEndpoint, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._endpoint = endpoint

    def datagram_received(self, data: bytes | str, addr: NetworkAddress) -> None:
        data = cast(bytes, data)
        try:
            header = pull_quic_header(
                Buffer(data=data), host_cid_length=self._configuration.connection_id_length
            )
        except ValueError:
            return
        creates = (
            header.packet_type == QuicPacketType.INITIAL
            and len(data) >= _SMALLEST_INITIAL
            and header.version in self._configuration.supported_versions
            and header.destination_cid not in self._protocols
        )
        if not creates:
            super().datagram_received(data, addr)
            return
        ip = str(addr[0])
        refusal = self._endpoint.admission.try_admit(ip)
        if refusal is not None:
            log.debug("dropped a new QUIC connection from %s: %s", ip, refusal)
            return
        super().datagram_received(data, addr)
        protocol = self._protocols.get(header.destination_cid)
        if isinstance(protocol, _Connection) and not protocol.closed:
            protocol.admitted_ip = ip
        else:
            self._endpoint.admission.release(ip)


class QuicSession:
    """A client connection to a checked peer; each stream it opens is served by the peer's handler."""

    def __init__(
        self,
        endpoint: QuicEndpoint,
        connection: _Connection,
        transport: asyncio.DatagramTransport,
        peer: Peer,
    ) -> None:
        self._endpoint = endpoint
        self._connection = connection
        self._transport = transport
        self._writers: list[asyncio.StreamWriter] = []
        self.peer = peer

    @property
    def closed(self) -> bool:
        return self._connection.closed

    async def open_stream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._connection.closed:
            raise TransportError(f"the connection to {short_id(self.peer.device_id)} is closed")
        reader, writer = await self._connection.create_stream()
        self._writers.append(writer)
        return reader, writer

    async def close(self) -> None:
        """Close and give the close frame a moment to leave before the socket goes."""
        self._endpoint._sessions.discard(self)
        for writer in self._writers:
            with contextlib.suppress(ValueError, AssertionError):  # already finished or reset
                writer.close()
        await self._connection.shutdown()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connection.wait_closed(), 0.5)
        self._transport.close()


class QuicEndpoint:
    """Serves ``handlers`` (ALPN -> handler for each stream a client opens) and makes client sessions."""

    def __init__(
        self,
        identity: Identity,
        handlers: dict[str, StreamHandler],
        is_pinned: Callable[[str], bool],
        host: str = "0.0.0.0",
        port: int = 0,
        limits: Limits | None = None,
    ) -> None:
        self.identity = identity
        self.handlers = dict(handlers)
        self.is_pinned = is_pinned
        self.limits = limits or Limits()
        self.admission = Admission(self.limits)
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._connections: set[_Connection] = set()
        self._sessions: set[QuicSession] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        if self._server is None or self._server._transport is None:
            raise TransportError("the QUIC endpoint is not listening")
        return int(self._server._transport.get_extra_info("sockname")[1])

    def _configuration(self, is_client: bool, alpns: list[str]) -> QuicConfiguration:
        configuration = QuicConfiguration(
            is_client=is_client,
            alpn_protocols=alpns,
            idle_timeout=self.limits.idle_timeout,
            verify_mode=ssl.CERT_NONE,  # self-signed; the pinned identity is checked in _Connection
        )
        configuration.certificate = self.identity.certificate
        configuration.private_key = self.identity.private_key
        return configuration

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        configuration = self._configuration(False, list(self.handlers))

        def create_protocol(quic: QuicConnection, stream_handler: object = None) -> _Connection:
            return _Connection(quic, self)

        _, protocol = await loop.create_datagram_endpoint(
            lambda: _Server(self, configuration=configuration, create_protocol=create_protocol),
            local_addr=(self._host, self._port),
        )
        self._server = protocol

    async def connect(self, host: str, port: int, alpn: str, expect_device_id: str | None) -> QuicSession:
        """A session with the device at ``host:port``; raises PeerRejected or TransportError."""
        if expect_device_id is None and alpn != ALPN_PAIR:
            raise PeerRejected(f"{alpn} needs the device id to expect")
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
        except OSError as e:
            raise TransportError(f"cannot resolve {host}: {e}") from e
        family, _, _, _, remote = infos[0]
        connection = _Connection(
            QuicConnection(configuration=self._configuration(True, [alpn])),
            self,
            expect_device_id,
            _address(remote),
        )
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: connection, local_addr=("::" if family == socket.AF_INET6 else "0.0.0.0", 0)
            )
        except OSError as e:
            await connection.shutdown()
            raise TransportError(f"cannot open a UDP socket: {e}") from e
        connection.connect(remote)
        try:
            # The connection's own deadline refuses a stalled handshake; this one is a backstop.
            peer = await asyncio.wait_for(asyncio.shield(connection.ready), self.limits.handshake_timeout + 1)
        except BaseException as e:
            await connection.shutdown()
            transport.close()
            if isinstance(e, TimeoutError):
                raise TransportError(f"{host}:{port} did not answer") from e
            raise
        session = QuicSession(self, connection, transport, peer)
        self._sessions = {s for s in self._sessions if not s.closed}  # dropped by the peer, never closed
        self._sessions.add(session)
        return session

    def disconnect(self, device_id: str, reason: str) -> int:
        """Close every connection with ``device_id`` and cancel its handlers (it was unpaired)."""
        hits = [c for c in list(self._connections) if c.peer is not None and c.peer.device_id == device_id]
        for connection in hits:
            connection.refuse(reason)
            for task in list(connection._tasks):
                task.cancel()
        return len(hits)

    async def stop(self) -> None:
        """Close every connection and session, cancel handler tasks, stop listening."""
        sessions, self._sessions = self._sessions, set()
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        await asyncio.gather(*(c.shutdown() for c in list(self._connections)), return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            self._server = None
