"""TLS 1.3 over TCP (ALPN ``sd-data/1``) for Spacedrop payloads, authenticated by pinned certificates.

QUIC in Python moves 15-19 MB/s here; OpenSSL over TCP moves ~500 MB/s, so bulk data takes this channel
while control stays on QUIC (DESIGN.md section 8). Both sides present their identity certificate:

- Trust: the peer's self-signed certificate is its own trust anchor (``cadata``), so OpenSSL checks the
  chain and the CertificateVerify signature. On top of that the leaf's key must hash to the expected or
  a pinned device id: pinned certificates are CA certificates, so a paired device could sign a leaf for
  another key, and the trust store may be a moment stale after a revocation; the id check is neither.
- Pinned set at runtime: the server accepts plain TCP and upgrades with ``start_tls`` using a context
  built from ``pinned_certs()`` as it is now, so pairing and revoking take effect on the next
  connection. Contexts are cached per pinned set (building one costs a few milliseconds).
- Refusal is explicit: in TLS 1.3 the client's handshake ends before the server has judged the client
  certificate, so the server sends one byte (``READY``) once it accepts; ``open_channel`` returns only
  after reading it, and a refusal raises :class:`PeerRejected` instead of failing at the first read.
- Abuse: :class:`Admission` runs before any TLS work; the handshake (and the READY byte) has a deadline,
  so a connection that never sends a ClientHello is dropped (slow loris). Idle deadlines belong to the
  protocol on top, whose reads are bounded by framing.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import ssl
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from cryptography.hazmat.primitives import serialization

from spacedrive.infrastructure.net.channel import Channel
from spacedrive.infrastructure.net.framing import READ_TIMEOUT, ProtocolError
from spacedrive.infrastructure.net.identity import Identity, IdentityError, device_id_of_der, short_id
from spacedrive.infrastructure.net.transport import (
    ALPN_DATA,
    Admission,
    Limits,
    Peer,
    PeerRejected,
    TransportError,
)

log = logging.getLogger(__name__)

READY = b"\x01"
#: A data channel's handler: runs on the loop, does its bulk I/O on the channel from threads.
ChannelHandler = Callable[[Peer, Channel], Awaitable[None]]


def certificate_pem(cert: bytes) -> str:
    """A certificate given as DER or PEM, as PEM text (the form ``load_verify_locations`` takes)."""
    if cert.lstrip().startswith(b"-----BEGIN"):
        return cert.decode("ascii")
    return ssl.DER_cert_to_PEM_cert(cert)


def _context(identity: Identity, server_side: bool, trusted: list[str]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.check_hostname = False  # peers are named by device id, not by host name
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols([ALPN_DATA])
    if server_side:
        context.num_tickets = 0  # no resumption: every connection shows its certificate
    context.load_verify_locations(cadata="".join(trusted))
    _load_identity(context, identity)
    return context


def _load_identity(context: ssl.SSLContext, identity: Identity) -> None:
    """Hand our key to OpenSSL, which only reads files: the file holds the key encrypted under a
    one-time random password that never leaves memory, and is removed as soon as it is read."""
    password = secrets.token_hex(32).encode()
    key = identity.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
    fd, path = tempfile.mkstemp(prefix="sd-tls-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(identity.cert_pem + key)
        context.load_cert_chain(path, password=password)
    finally:
        os.unlink(path)


def _peer_of(tls: ssl.SSLSocket) -> tuple[str, bytes]:
    """The device id and certificate the TLS peer proved; raises PeerRejected."""
    if tls.selected_alpn_protocol() != ALPN_DATA:
        raise PeerRejected(f"the peer did not agree on {ALPN_DATA}")
    der = tls.getpeercert(binary_form=True)
    if not der:
        raise PeerRejected("no certificate presented")
    try:
        return device_id_of_der(der), der
    except IdentityError as e:
        raise PeerRejected(e.message) from e


class TlsChannelServer:
    """Accepts data channels from paired devices and runs ``handler`` for each.

    Accepting and admission run on the loop; the TLS handshake and everything after run on this
    server's own threads (so a slow handshake never takes a thread another part of the core needs).
    """

    def __init__(
        self,
        identity: Identity,
        handler: ChannelHandler,
        pinned_certs: Callable[[], dict[str, bytes]],
        host: str = "0.0.0.0",
        port: int = 0,
        limits: Limits | None = None,
    ) -> None:
        """``pinned_certs`` gives device id -> certificate (DER or PEM) of every paired device, now."""
        self.identity = identity
        self.limits = limits or Limits()
        self.admission = Admission(self.limits)
        self._handler = handler
        self._pinned_certs = pinned_certs
        self._host = host
        self._port = port
        self._sock: socket.socket | None = None
        self._accepting: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._channels: set[Channel] = set()
        self._cached: tuple[frozenset[str], ssl.SSLContext] | None = None
        self._pool = ThreadPoolExecutor(self.limits.max_connections, thread_name_prefix="sd-data")

    @property
    def port(self) -> int:
        if self._sock is None:
            raise TransportError("the data channel is not listening")
        return int(self._sock.getsockname()[1])

    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._sock = socket.create_server((self._host, self._port), family=family, backlog=128)
        self._sock.setblocking(False)
        self._accepting = asyncio.create_task(self._accept_loop(), name="data-channel-accept")

    async def stop(self) -> None:
        """Stop listening, end every transfer, cancel every handler and wait for them."""
        if self._accepting is not None:
            self._accepting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._accepting
            self._accepting = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        for channel in list(self._channels):
            channel.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _context_for(self, pinned: dict[str, bytes]) -> ssl.SSLContext:
        pems = frozenset(certificate_pem(cert) for cert in pinned.values())
        if self._cached is None or self._cached[0] != pems:
            self._cached = (pems, _context(self.identity, True, sorted(pems)))
        return self._cached[1]

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._sock is not None
        while True:
            try:
                conn, addr = await loop.sock_accept(self._sock)
            except OSError as e:  # out of descriptors, say: refuse for a moment rather than spin
                log.warning("data channel: accept failed: %s", e)
                await asyncio.sleep(0.1)
                continue
            address = (str(addr[0]), int(addr[1]))
            refusal = self.admission.try_admit(address[0])
            if refusal is not None:
                log.debug("dropped a data channel from %s: %s", address, refusal)
                with contextlib.suppress(OSError):
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()
                continue
            task = asyncio.create_task(self._serve(conn, address))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve(self, conn: socket.socket, address: tuple[str, int]) -> None:
        channel = None
        try:
            channel = await self._authenticate(conn, address)
            if channel is not None:
                self._channels.add(channel)
                assert channel.peer is not None
                await self._handler(channel.peer, channel)
        except asyncio.CancelledError:
            pass  # only stop() cancels
        except Exception:
            log.exception("data channel handler failed")
        finally:
            self.admission.release(address[0])
            if channel is not None:
                self._channels.discard(channel)
                channel.abort()
                channel.close()
            else:
                conn.close()

    async def _authenticate(self, conn: socket.socket, address: tuple[str, int]) -> Channel | None:
        """TLS handshake and the client check; the channel, or None (after logging) if it is refused."""
        timeout = self.limits.handshake_timeout
        loop = asyncio.get_running_loop()
        # With nobody paired, trust only ourselves: the handshake still runs, so the client hears a
        # refusal (a bad-certificate alert) rather than a reset it would take for a broken link.
        pinned = self._pinned_certs() or {self.identity.device_id: self.identity.cert_der}
        context = self._context_for(pinned)

        def handshake() -> ssl.SSLSocket:
            conn.setblocking(True)
            conn.settimeout(timeout)
            return context.wrap_socket(conn, server_side=True)

        try:
            tls = await asyncio.wait_for(loop.run_in_executor(self._pool, handshake), timeout + 1)
            device_id, der = _peer_of(tls)
            if device_id not in self._pinned_certs():  # asked again: it may have been revoked meanwhile
                raise PeerRejected(f"device {short_id(device_id)} is not paired")
            channel = Channel(tls, Peer(device_id, der, address, ALPN_DATA), executor=self._pool)
            await loop.run_in_executor(self._pool, channel.sendall, READY)
            return channel
        except PeerRejected as e:
            log.warning("refused %s from %s: %s", ALPN_DATA, address, e.message)
        except ssl.SSLError as e:
            log.warning("refused %s from %s: %s", ALPN_DATA, address, e.reason or e)
        except (TimeoutError, ConnectionError, OSError, ProtocolError) as e:
            log.info("dropped %s from %s during the handshake: %s", ALPN_DATA, address, e or "timed out")
        return None


async def open_channel(
    identity: Identity,
    host: str,
    port: int,
    peer_cert_pem: bytes,
    expect_device_id: str,
    timeout: float = 10.0,  # noqa: ASYNC109 - the handshake deadline is part of the contract
) -> Channel:
    """A data channel to the paired device ``expect_device_id`` whose certificate (PEM or DER) we hold.

    Raises PeerRejected if the server is not that device or does not accept us, TransportError if it
    cannot be reached.
    """
    context = _client_context(identity, certificate_pem(peer_cert_pem))

    def connect() -> ssl.SSLSocket:
        raw = socket.create_connection((host, port), timeout=timeout)
        try:
            return context.wrap_socket(raw)
        except BaseException:
            raw.close()
            raise

    try:
        tls = await asyncio.to_thread(connect)
    except ssl.SSLCertVerificationError as e:
        raise PeerRejected(f"{host}:{port} is not the paired device ({e.verify_message})") from e
    except TimeoutError as e:
        raise TransportError(f"{host}:{port} did not complete a handshake within {timeout:g} s") from e
    except (ssl.SSLError, OSError) as e:
        raise TransportError(f"cannot open a data channel to {host}:{port}: {e}") from e
    try:
        device_id, der = _peer_of(tls)
        if device_id != expect_device_id:
            raise PeerRejected(f"the device is {short_id(device_id)}, not {short_id(expect_device_id)}")
        channel = Channel(tls, Peer(device_id, der, (host, port), ALPN_DATA), timeout)
        ready = bytearray(1)
        try:
            await asyncio.to_thread(channel.recv_exactly_into, memoryview(ready))
        except ProtocolError as e:
            if "sent nothing" in e.message:
                raise TransportError(f"device {short_id(device_id)} did not answer") from e
            raise PeerRejected(f"device {short_id(device_id)} refused the data channel") from e
        if bytes(ready) != READY:
            raise TransportError("the data channel opened with an unexpected byte")
    except BaseException:
        tls.close()
        raise
    channel.timeout = READ_TIMEOUT
    tls.settimeout(READ_TIMEOUT)
    return channel


_client_contexts: dict[tuple[str, str], ssl.SSLContext] = {}


def _client_context(identity: Identity, peer_pem: str) -> ssl.SSLContext:
    """The context trusting exactly ``peer_pem``; a few are kept, as building one costs milliseconds."""
    key = (identity.device_id, peer_pem)
    context = _client_contexts.get(key)
    if context is None:
        if len(_client_contexts) >= 32:
            _client_contexts.pop(next(iter(_client_contexts)))
        context = _client_contexts[key] = _context(identity, False, [peer_pem])
    return context


__all__ = ["READY", "ChannelHandler", "TlsChannelServer", "certificate_pem", "open_channel"]
