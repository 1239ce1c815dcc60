"""NetworkService: this device on the network (DESIGN.md section 8).

It owns the identity, the QUIC endpoint (pairing on ``sd-pair/1``, control on ``sd-msg/1``), the TLS
data channel for Spacedrop payloads (same port number, on TCP), discovery, and the paired-device store.
Incoming Spacedrop offers become ``SpacedropOffered`` events that the GUI or the CLI answers; accepted
offers run as jobs, so their progress shows in the jobs panel like any copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacedrive.domain import events as ev
from spacedrive.errors import InvalidArgument, SpacedriveError
from spacedrive.infrastructure.events import EventBus
from spacedrive.infrastructure.net import identity as idm
from spacedrive.infrastructure.net.channel import Channel
from spacedrive.infrastructure.net.codes import PairingCode, parse
from spacedrive.infrastructure.net.devices import DeviceStore, PairedDevice
from spacedrive.infrastructure.net.framing import ProtocolError, read_frame, send_error, write_frame
from spacedrive.infrastructure.net.pairing import PairedPeer, PairingService, PairingSession
from spacedrive.infrastructure.net.quic import QuicEndpoint, QuicSession
from spacedrive.infrastructure.net.tls_channel import TlsChannelServer
from spacedrive.infrastructure.net.transport import ALPN_MSG, ALPN_PAIR, Peer, TransportError

if TYPE_CHECKING:
    from spacedrive.core import Core
    from spacedrive.operations.spacedrop.protocol import Offer
    from spacedrive.operations.spacedrop.receiver import Receiver

log = logging.getLogger(__name__)

DEFAULT_PORT = 7373
OFFER_TIMEOUT = 300.0
DATA_TIMEOUT = 60.0
CONNECT_TIMEOUT = 5.0
PRESENCE_INTERVAL = 20.0

#: The service of each core, by its event bus: jobs only get the bus, and one process may run two cores.
_BY_BUS: weakref.WeakKeyDictionary[EventBus, NetworkService] = weakref.WeakKeyDictionary()


class NetworkOff(SpacedriveError):
    code = "network_off"


class DeviceUnreachable(SpacedriveError):
    code = "device_unreachable"


def service_for(bus: EventBus) -> NetworkService:
    service = _BY_BUS.get(bus)
    if service is None or not service.running:
        raise NetworkOff("networking is off; start it with `spacedrive network start`")
    return service


@dataclass
class IncomingOffer:
    offer: Offer
    peer: Peer
    device_name: str
    decision: asyncio.Future[Path | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass
class PendingReceive:
    """An accepted offer waiting for (then using) its data channel."""

    receiver: Receiver
    sender_id: str
    channel: asyncio.Future[Channel]
    finished: asyncio.Future[None]


def parse_addr(text: str) -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise InvalidArgument(f"address {text!r} is not host:port")
    return host.strip("[]"), int(port)


class NetworkService:
    def __init__(self, core: Core) -> None:
        self._core = core
        self.identity: idm.Identity | None = None
        self.devices = DeviceStore(core.data_dir)
        self.pairing: PairingService | None = None
        self._quic: QuicEndpoint | None = None
        self._tls: TlsChannelServer | None = None
        self._discovery: Any = None
        self._online: dict[str, bool] = {}
        self._offers: dict[str, IncomingOffer] = {}
        self._receives: dict[bytes, PendingReceive] = {}
        self._presence: asyncio.Task[None] | None = None
        #: The code shown last, kept after it ends so its outcome can be read.
        self.last_session: PairingSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        #: Where offers go without asking (``--auto-accept DIR``); None asks the user.
        self.auto_accept_dir: Path | None = None
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._quic is not None

    def device_info(self) -> dict[str, str]:
        device = self._core.device
        return {
            "name": device.name,
            "os": device.os,
            "os_version": device.os_version,
            "model": device.hardware_model,
        }

    async def start(
        self,
        port: int | None = None,
        host: str = "0.0.0.0",
        password: str | None = None,
        discovery: bool = True,
    ) -> None:
        if self.running:
            return
        # Unsealing a password-protected key runs scrypt (a few hundred ms): not on the loop.
        self.identity = await asyncio.to_thread(
            idm.load_or_create, self._core.data_dir, self._core.device.name, password
        )
        self.pairing = PairingService(
            self.identity.device_id, self.device_info, self._on_paired, on_state=self._on_pairing_state
        )
        wanted = DEFAULT_PORT if port is None else port
        last_error: OSError | None = None
        for candidate in (wanted, 0, 0, 0) if wanted else (0, 0, 0, 0):
            try:
                await self._bind(host, candidate)
                break
            except OSError as e:
                last_error = e
                await self._close_endpoints()
                log.info("port %d is taken (%s); trying another", candidate, e)
        else:
            raise NetworkOff(f"cannot listen on {host}: {last_error}")
        _BY_BUS[self._core.bus] = self
        if discovery:
            await self._start_discovery()
        self._presence = asyncio.create_task(self._presence_loop(), name="network-presence")
        self._core.bus.emit(ev.NetworkStateChanged(True, self.identity.device_id, self.port, ""))
        log.info("networking on port %d as %s", self.port, idm.short_id(self.identity.device_id))

    async def _bind(self, host: str, port: int) -> None:
        assert self.identity is not None and self.pairing is not None
        self._quic = QuicEndpoint(
            self.identity,
            {ALPN_PAIR: self._on_pair_stream, ALPN_MSG: self._on_msg_stream},
            self.devices.is_pinned,
            host=host,
            port=port,
        )
        await self._quic.start()
        self._tls = TlsChannelServer(
            self.identity, self._on_data_channel, self.devices.pinned_certs, host=host, port=self._quic.port
        )
        await self._tls.start()
        self.port = self._quic.port

    async def _close_endpoints(self) -> None:
        if self._tls is not None:
            await self._tls.stop()
            self._tls = None
        if self._quic is not None:
            await self._quic.stop()
            self._quic = None

    async def _start_discovery(self) -> None:
        assert self.identity is not None
        try:
            from spacedrive.infrastructure.net.discovery import Discovery

            self._discovery = Discovery(self.identity.device_id, self.port, on_change=self._on_discovered)
            await self._discovery.start()
            if not self._discovery.available:
                self._discovery = None
        except Exception as e:  # discovery is a convenience: the manual address always works
            log.warning("local discovery is off: %s", e)
            self._discovery = None

    async def stop(self) -> None:
        if not self.running:
            return
        if self.pairing is not None and self.pairing.active is not None:
            self.pairing.active.cancel()
        for offer in self._offers.values():
            if not offer.decision.done():
                offer.decision.set_result(None)
        for task in list(self._tasks):
            task.cancel()
        if self._presence is not None:
            self._presence.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._presence
            self._presence = None
        if self._discovery is not None:
            with contextlib.suppress(Exception):
                await self._discovery.stop()
            self._discovery = None
        await self._close_endpoints()
        _BY_BUS.pop(self._core.bus, None)
        for device_id, online in list(self._online.items()):
            if online:  # with networking off, nothing is known to be reachable
                self._core.bus.emit(ev.DeviceConnectivityChanged(device_id, False))
        self._online.clear()
        device_id = self.identity.device_id if self.identity else ""
        self._core.bus.emit(ev.NetworkStateChanged(False, device_id, 0, ""))

    # ---- status and devices ----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        session = self.pairing.active if self.pairing else None
        return {
            "running": self.running,
            "device_id": self.identity.device_id if self.identity else None,
            "port": self.port,
            "addresses": self.local_addresses(),
            "discovery": self._discovery is not None,
            "paired_devices": len(self.devices.list()),
            "online_devices": sum(1 for on in self._online.values() if on),
            "pairing": session_dict(session) if session else None,
            "auto_accept_dir": str(self.auto_accept_dir) if self.auto_accept_dir else None,
        }

    def local_addresses(self) -> list[str]:
        """Where another device can reach this one: every IPv4 address of this machine, loopback last."""
        if not self.running:
            return []
        import ifaddr

        hosts: list[str] = []
        with contextlib.suppress(OSError):
            for adapter in ifaddr.get_adapters():
                hosts += [
                    str(ip.ip) for ip in adapter.ips if ip.is_IPv4 and not str(ip.ip).startswith("127.")
                ]
        return [f"{h}:{self.port}" for h in dict.fromkeys(hosts)] + [f"127.0.0.1:{self.port}"]

    def device_list(self) -> list[dict[str, Any]]:
        return [self.device_dict(d) for d in self.devices.list()]

    def device_dict(self, device: PairedDevice) -> dict[str, Any]:
        return {**device.to_dict(), "online": self._online.get(device.device_id, False)}

    async def revoke(self, ref: str) -> dict[str, Any]:
        device = self.devices.remove(self.devices.find(ref).device_id)
        self._online.pop(device.device_id, None)
        if self._quic is not None:  # what it has open now ends too
            self._quic.disconnect(
                device.device_id, f"device {idm.short_id(device.device_id)} is not paired any more"
            )
        self._core.bus.emit(ev.DeviceRevoked(device.device_id, device.name))
        return device.to_dict()

    def _set_online(self, device_id: str, online: bool) -> None:
        if self._online.get(device_id) != online and self.devices.is_pinned(device_id):
            self._online[device_id] = online
            self._core.bus.emit(ev.DeviceConnectivityChanged(device_id, online))

    def _on_discovered(self, device_id: str, addresses: list[tuple[str, int]]) -> None:
        """A paired device appeared on the LAN (or left it: no addresses)."""
        if not self.devices.is_pinned(device_id):
            return
        if addresses:
            self.devices.seen(device_id, f"{addresses[0][0]}:{addresses[0][1]}")
        self._set_online(device_id, bool(addresses))

    async def _presence_loop(self) -> None:
        """Ping paired devices now and then, so the sidebar's online dots stay true."""
        while True:
            for device in self.devices.list():
                try:
                    self.close_later(await self.connect(device.device_id))
                except (SpacedriveError, OSError):
                    self._set_online(device.device_id, False)
            await asyncio.sleep(PRESENCE_INTERVAL)

    # ---- connections -----------------------------------------------------------------------------------

    def _candidates(self, device: PairedDevice, addr: str | None) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        if addr:
            out.append(parse_addr(addr))
        if self._discovery is not None:
            with contextlib.suppress(Exception):
                out.extend(self._discovery.addresses_of(device.device_id))
        out.extend(parse_addr(a) for a in device.addresses)
        return list(dict.fromkeys(out))  # in order, each once

    async def connect(self, ref: str, addr: str | None = None) -> QuicSession:
        """A control session (``sd-msg/1``) with a paired device, trying each address it may be at."""
        quic = self._require()
        device = self.devices.find(ref)
        candidates = self._candidates(device, addr)
        if not candidates:
            raise DeviceUnreachable(f"no address known for {device.name}; give one with --addr host:port")
        errors = []
        for host, port in candidates:
            session: QuicSession | None = None
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    session = await quic.connect(host, port, ALPN_MSG, device.device_id)
                    reader, writer = await session.open_stream()
                    await write_frame(writer, {"t": "ping", "device": self.device_info(), "port": self.port})
                    reply = await read_frame(reader, expect="pong")
                    writer.close()
            except (TimeoutError, OSError, SpacedriveError) as e:
                if session is not None:
                    self.close_later(session)
                errors.append(f"{host}:{port}: {getattr(e, 'message', None) or e or type(e).__name__}")
                continue
            self.devices.seen(device.device_id, f"{host}:{port}", _info(reply.get("device")))
            self._set_online(device.device_id, True)
            return session
        self._set_online(device.device_id, False)
        raise DeviceUnreachable(f"{device.name} is not reachable ({'; '.join(errors)})")

    def _require(self) -> QuicEndpoint:
        if self._quic is None:
            raise NetworkOff("networking is off; start it with `spacedrive network start`")
        return self._quic

    async def _on_msg_stream(
        self, peer: Peer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            from spacedrive.operations.spacedrop.protocol import MAX_OFFER_FRAME

            # Only pinned devices get here (sd-msg/1), so a large offer frame is allowed.
            first = await read_frame(reader, expect=("ping", "offer"), max_size=MAX_OFFER_FRAME)
            port = first.get("port")
            # The peer connected from an ephemeral port; the one it listens on comes with its ping.
            address = f"{peer.address[0]}:{port}" if isinstance(port, int) and 0 < port < 65536 else None
            self.devices.seen(peer.device_id, address, _info(first.get("device")))
            self._set_online(peer.device_id, True)
            if first["t"] == "ping":
                await write_frame(writer, {"t": "pong", "device": self.device_info()})
            else:
                await self._answer_offer(peer, first, writer)
        except (ProtocolError, SpacedriveError) as e:
            log.warning("control stream from %s ended: %s", idm.short_id(peer.device_id), e)
            await send_error(writer, str(e))
        finally:
            writer.close()

    # ---- pairing ---------------------------------------------------------------------------------------

    async def _on_pair_stream(
        self, peer: Peer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        assert self.pairing is not None
        try:
            await self.pairing.handle_stream(peer.device_id, peer.cert_der, peer.address, reader, writer)
        finally:
            writer.close()

    def generate_code(self, auto_accept: bool) -> PairingSession:
        if self.pairing is None or not self.running:
            raise NetworkOff("networking is off; start it with `spacedrive network start`")
        session = self.pairing.generate(auto_accept=auto_accept)
        self.last_session = session
        if self._discovery is not None:
            task = asyncio.create_task(self._discovery.advertise_rendezvous(session.rendezvous))
            task.add_done_callback(_log_failure)
        return session

    def answer_pairing(self, accept: bool) -> None:
        session = self.pairing.active if self.pairing else None
        if session is None:
            raise InvalidArgument("no pairing code is being shown")
        if accept:
            session.accept()
        else:
            session.reject()

    async def join(self, words: str, addr: str | None = None) -> dict[str, Any]:
        """Join the device showing ``words``; returns the newly paired device."""
        quic = self._require()
        assert self.pairing is not None
        code = parse(words)
        started = time.perf_counter()
        candidates = [parse_addr(addr)] if addr else await self._find_rendezvous(code)
        if not candidates:
            raise DeviceUnreachable(
                "no device showing this code was found on the local network; give its address with --addr"
            )
        errors = []
        for host, port in candidates:
            try:
                session = await asyncio.wait_for(quic.connect(host, port, ALPN_PAIR, None), CONNECT_TIMEOUT)
            except (TimeoutError, OSError, TransportError) as e:
                errors.append(f"{host}:{port}: {e or type(e).__name__}")
                continue
            try:
                reader, writer = await session.open_stream()
                self._emit_join_state("connecting", "", session.peer.device_id)
                peer = await self.pairing.join(
                    code, session.peer.device_id, session.peer.cert_der, reader, writer, (host, port)
                )
            except SpacedriveError as e:
                self._emit_join_state("failed", e.message, session.peer.device_id)
                raise
            finally:
                self.close_later(session)
            elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            log.info("paired with %s in %.0f ms", peer.info.get("name"), elapsed_ms)
            self._emit_join_state("paired", "", peer.device_id)
            # Tell the initiator where we listen, so it can reach us too (in the background).
            task = asyncio.create_task(self._ping_quietly(peer.device_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return {**self.device_dict(self.devices.find(peer.device_id)), "pairing_ms": elapsed_ms}
        raise DeviceUnreachable("cannot reach the device showing the code (" + "; ".join(errors) + ")")

    def close_later(self, session: QuicSession) -> None:
        """Close a session in the background: QUIC's close waits for the peer, nobody needs to."""
        task = asyncio.create_task(session.close())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ping_quietly(self, device_id: str) -> None:
        with contextlib.suppress(SpacedriveError, OSError):
            self.close_later(await self.connect(device_id))

    async def _find_rendezvous(self, code: PairingCode) -> list[tuple[str, int]]:
        if self._discovery is None:
            return []
        try:
            found: list[tuple[str, int]] = await self._discovery.find_rendezvous(code.rendezvous)
            return found
        except Exception as e:
            log.warning("looking for the code on the local network failed: %s", e)
            return []

    def _emit_join_state(self, state: str, reason: str, device_id: str) -> None:
        self._core.bus.emit(ev.PairingStateChanged("join", "joiner", state, reason, device_id, "", 0.0))

    def _on_pairing_state(self, session: PairingSession) -> None:
        info = session.peer_info or {}
        self._core.bus.emit(
            ev.PairingStateChanged(
                session.id,
                "initiator",
                session.state,
                session.reason,
                session.peer_device_id or "",
                str(info.get("name", "")),
                session.expires_at_wall,
            )
        )
        if session.state != "waiting" and self._discovery is not None:
            task = asyncio.create_task(self._discovery.withdraw_rendezvous())
            task.add_done_callback(_log_failure)

    async def _on_paired(self, peer: PairedPeer) -> None:
        # The joiner's address is the initiator's listening one; the initiator learns the joiner's
        # from the ping the joiner sends right after pairing.
        addr = f"{peer.address[0]}:{peer.address[1]}" if peer.address else None
        device = self.devices.add(peer.device_id, peer.cert_der, peer.info, addr)
        self._online[device.device_id] = True
        self._core.bus.emit(ev.DevicePaired(device.device_id, device.name))
        self._core.bus.emit(ev.DeviceConnectivityChanged(device.device_id, True))

    # ---- Spacedrop: receiving --------------------------------------------------------------------------

    async def _answer_offer(self, peer: Peer, frame: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        from spacedrive.operations.spacedrop.protocol import Offer
        from spacedrive.operations.spacedrop.receiver import Receiver

        offer = Offer.from_frame(frame)
        device = self.devices.get(peer.device_id)
        name = device.name if device else idm.short_id(peer.device_id)
        incoming = IncomingOffer(offer, peer, name)
        self._offers[offer.id] = incoming
        try:
            if self.auto_accept_dir is not None:
                incoming.decision.set_result(self.auto_accept_dir)
            else:
                self._core.bus.emit(ev.SpacedropOffered(**_offer_summary(offer, peer.device_id, name)))
            try:
                target = await asyncio.wait_for(asyncio.shield(incoming.decision), OFFER_TIMEOUT)
            except TimeoutError:
                target = None
        finally:
            self._offers.pop(offer.id, None)
        self._core.bus.emit(ev.SpacedropAnswered(offer.id, target is not None, str(target or "")))
        if target is None:
            await write_frame(
                writer, {"t": "decline", "id": offer.id, "reason": f"{self.device_info()['name']} declined"}
            )
            return
        receiver = Receiver(target, offer, peer.device_id)
        try:
            accept = await asyncio.to_thread(receiver.prepare)
        except SpacedriveError as e:  # no room, a link in the way...: the sender is told why
            await write_frame(writer, {"t": "decline", "id": offer.id, "reason": e.message})
            return
        resumed = sum(o for o in accept.offsets if o > 0)
        if resumed:
            log.info("spacedrop %s: resuming, %d bytes already here", offer.id, resumed)
        loop = asyncio.get_running_loop()
        pending = PendingReceive(receiver, peer.device_id, loop.create_future(), loop.create_future())
        self._receives[accept.token] = pending
        from spacedrive.operations.network.jobs import SpacedropReceiveJob

        jobs, _ = await self._core.files._jobs_and_db()
        await jobs.dispatch(
            SpacedropReceiveJob(
                token=accept.token.hex(),
                sender=name,
                target_dir=str(target),
                files=sum(1 for f in offer.files if not f.is_dir),
                total=offer.total,
                resumed_bytes=resumed,
            )
        )
        jobs.start_running()
        await write_frame(writer, {**accept.to_frame(), "port": self.port})

    def answer_offer(self, offer_id: str, accept: bool, target_dir: str | None = None) -> None:
        incoming = self._offers.get(offer_id)
        if incoming is None or incoming.decision.done():
            raise InvalidArgument(f"no Spacedrop offer {offer_id} is waiting for an answer")
        if accept:
            if not target_dir:
                raise InvalidArgument("accepting a Spacedrop needs a folder to save into")
            target = Path(target_dir).expanduser().absolute()
            if not target.is_dir():
                raise InvalidArgument(f"{target} is not a folder")
            if not os.access(target, os.W_OK):
                raise InvalidArgument(f"{target} is not writable")
            incoming.decision.set_result(target)
        else:
            incoming.decision.set_result(None)

    def pending_offers(self) -> list[dict[str, Any]]:
        return [
            {**_offer_summary(o.offer, o.peer.device_id, o.device_name), "names": list(_top_names(o.offer))}
            for o in self._offers.values()
            if not o.decision.done()
        ]

    async def _on_data_channel(self, peer: Peer, channel: Channel) -> None:
        """A sender's data channel: tie it to the accepted offer its token names, then let the receive
        job use it; return (closing it) when the job is done with it."""
        try:
            hello = await channel.read_frame(expect="data")
            token = hello.get("token")
            pending = self._receives.get(token) if isinstance(token, bytes) else None
            if pending is None or pending.sender_id != peer.device_id or pending.channel.done():
                raise ProtocolError("unknown or used transfer token")
            pending.channel.set_result(channel)
            await pending.finished
        except ProtocolError as e:
            log.warning("data channel from %s refused: %s", idm.short_id(peer.device_id), e)
            await channel.send_error(str(e))

    def take_receive(self, token: bytes) -> PendingReceive:
        pending = self._receives.get(token)
        if pending is None:
            raise SpacedriveError("this transfer is no longer expected (Spacedrive restarted); ask to resend")
        return pending

    def end_receive(self, token: bytes) -> None:
        pending = self._receives.pop(token, None)
        if pending is not None and not pending.finished.done():
            pending.finished.set_result(None)


def _top_names(offer: Offer, limit: int = 20) -> tuple[str, ...]:
    """The items the sender chose: top-level entries, folders marked with a trailing "/"."""
    tops = [f.path + ("/" if f.is_dir else "") for f in offer.files if "/" not in f.path]
    return tuple(tops[:limit])


def _offer_summary(offer: Offer, device_id: str, device_name: str) -> dict[str, Any]:
    folders = sum(1 for f in offer.files if f.is_dir)
    return {
        "offer_id": offer.id,
        "device_id": device_id,
        "device_name": device_name,
        "file_count": len(offer.files) - folders,
        "folder_count": folders,
        "total_bytes": offer.total,
        "names": _top_names(offer),
    }


def session_dict(session: PairingSession) -> dict[str, Any]:
    info = session.peer_info or {}
    return {
        "id": session.id,
        "words": list(session.words),
        "state": session.state,
        "reason": session.reason,
        "expires_at": session.expires_at_wall,
        "device_id": session.peer_device_id,
        "device_name": info.get("name"),
    }


def _info(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("discovery: %s", task.exception())
