"""Local discovery over mDNS: paired peers find each other's address, a joiner finds a pairing rendezvous.

Service type ``_spacedrive._udp.local.``. A device advertises nothing but identifiers mDNS cannot do
without, and never its name or OS:

- always ``id-<first 32 hex of device id>`` with TXT ``{"v": "1", "id": <64 hex device id>}``, so
  paired peers find its current address;
- while it shows a pairing code, also ``pair-<R as 32 hex>`` with TXT ``{"v": "1", "r": <32 hex>}``,
  so a joiner who typed the code finds it. The record has its own host name, so it does not name the
  device id (the address and port are shared with the id record and cannot be hidden on one LAN).

The advertised port is the device's QUIC (UDP) port; its TLS data port is the same number on TCP.
Addresses are IPv4: the given interface addresses, or with ``InterfaceChoice.All`` every non-loopback
IPv4 address at ``start()`` (loopback only when there is nothing else). TTLs are 120 s, so a peer that
vanished without a goodbye drops out within about two minutes.

When mDNS is unavailable (no multicast route, container, permission) ``start()`` logs one warning and
every call still works but finds nothing; the manual ``--addr host:port`` path is the fallback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from collections.abc import Callable, Sequence

import ifaddr
from zeroconf import Error as ZeroconfError
from zeroconf import InterfaceChoice, IPVersion, ServiceInfo, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

log = logging.getLogger(__name__)

SERVICE_TYPE = "_spacedrive._udp.local."
RECORD_VERSION = "1"
RECORD_TTL = 120
RESOLVE_TIMEOUT_MS = 3000
RENDEZVOUS_BYTES = 16
DEVICE_PREFIX = "id-"
RENDEZVOUS_PREFIX = "pair-"
_DEVICE_ID = re.compile(r"[0-9a-f]{64}")

Address = tuple[str, int]
ChangeCallback = Callable[[str, list[Address]], None]


def device_instance(device_id: str) -> str:
    """The mDNS instance name for a device id: a 128-bit prefix, enough to be unique on a LAN."""
    return f"{DEVICE_PREFIX}{device_id[:32]}.{SERVICE_TYPE}"


def rendezvous_instance(r: bytes) -> str:
    return f"{RENDEZVOUS_PREFIX}{r.hex()}.{SERVICE_TYPE}"


def _check_device_id(device_id: str) -> None:
    if not _DEVICE_ID.fullmatch(device_id):
        raise ValueError("device id must be 64 lowercase hex digits")


def _check_rendezvous(r: bytes) -> None:
    if len(r) != RENDEZVOUS_BYTES:
        raise ValueError(f"rendezvous id must be {RENDEZVOUS_BYTES} bytes")


def _local_ipv4(interfaces: Sequence[str] | InterfaceChoice) -> list[str]:
    """The addresses to advertise: the chosen IPv4 interfaces, else all non-loopback IPv4 ones."""
    if not isinstance(interfaces, InterfaceChoice):
        return [ip for ip in interfaces if ipaddress.ip_address(ip).version == 4]
    found = [ip.ip for a in ifaddr.get_adapters() for ip in a.ips if ip.is_IPv4 and isinstance(ip.ip, str)]
    outside = [ip for ip in found if not ipaddress.ip_address(ip).is_loopback]
    return outside or found


def _addresses(info: ServiceInfo) -> list[Address]:
    port = info.port
    if port is None:
        return []
    return sorted((ip, port) for ip in info.parsed_addresses())


class Discovery:
    """Advertises this device (and, while pairing, a rendezvous) and tracks paired peers' addresses.

    ``on_change(device_id, addresses)`` is called on the event loop when a peer's advertised addresses
    appear, change or disappear (an empty list: the peer went offline). This device is never reported.
    """

    def __init__(
        self,
        device_id: str,
        port: int,
        interfaces: Sequence[str] | InterfaceChoice = InterfaceChoice.All,
        on_change: ChangeCallback | None = None,
    ) -> None:
        _check_device_id(device_id)
        self.device_id = device_id
        self.port = port
        self.on_change = on_change
        self._interfaces = interfaces
        self._zc: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._rendezvous: ServiceInfo | None = None
        self._present: dict[str, str | None] = {}  # instance name -> device id once resolved
        self._peers: dict[str, list[Address]] = {}
        self._resolving: set[asyncio.Task[None]] = set()

    @property
    def available(self) -> bool:
        """Whether mDNS is running; when False, peers must be reached by a manual address."""
        return self._zc is not None

    async def start(self) -> None:
        try:
            zc = AsyncZeroconf(interfaces=self._interfaces, ip_version=IPVersion.V4Only)
        except (OSError, RuntimeError, ZeroconfError) as e:
            log.warning("local discovery (mDNS) unavailable, peers need a manual address: %s", e)
            return
        self._zc = zc
        self._browser = AsyncServiceBrowser(zc.zeroconf, SERVICE_TYPE, handlers=[self._on_service_change])
        try:
            await self._register(self._info(device_instance(self.device_id), {"id": self.device_id}))
        except (OSError, ZeroconfError) as e:
            # Another process advertising the same device id; browsing still works.
            log.warning("this device cannot be advertised over mDNS: %r", e)

    async def stop(self) -> None:
        """Withdraw what this device advertised (goodbye packets) and stop; peers are forgotten unreported."""
        zc, self._zc = self._zc, None
        if zc is None:
            return
        for task in self._resolving:
            task.cancel()
        await asyncio.gather(*self._resolving, return_exceptions=True)
        if self._browser is not None:
            await self._browser.async_cancel()
        self._browser = None
        self._rendezvous = None
        await zc.async_close()
        self._present.clear()
        self._peers.clear()

    async def advertise_rendezvous(self, r: bytes) -> None:
        """Advertise rendezvous id R (replacing any earlier one); returns once announced."""
        _check_rendezvous(r)
        await self.withdraw_rendezvous()
        if self._zc is None:
            return
        info = self._info(rendezvous_instance(r), {"r": r.hex()})
        try:
            await self._register(info)
        except (OSError, ZeroconfError) as e:
            log.warning("pairing rendezvous cannot be advertised over mDNS: %r", e)
            return
        self._rendezvous = info

    async def withdraw_rendezvous(self) -> None:
        info, self._rendezvous = self._rendezvous, None
        if info is not None and self._zc is not None:
            await (await self._zc.async_unregister_service(info))

    # The timeout is a listening window that ends in an empty answer, not a cancellation: ASYNC109 is moot.
    async def find_rendezvous(self, r: bytes, timeout: float = 3.0) -> list[Address]:  # noqa: ASYNC109
        """Addresses to try for a device advertising R; empty if none answered within ``timeout`` s."""
        _check_rendezvous(r)
        if self._zc is None:
            return []
        info = AsyncServiceInfo(SERVICE_TYPE, rendezvous_instance(r))
        if not await info.async_request(self._zc.zeroconf, timeout * 1000):
            return []
        txt = info.decoded_properties
        if txt.get("v") != RECORD_VERSION or txt.get("r") != r.hex():
            return []
        return _addresses(info)

    def addresses_of(self, device_id: str) -> list[Address]:
        """The addresses a peer currently advertises, from the background browser; empty if unseen."""
        return list(self._peers.get(device_id, []))

    def _info(self, instance: str, txt: dict[str, str]) -> ServiceInfo:
        host = instance.removesuffix(f".{SERVICE_TYPE}")
        return ServiceInfo(
            SERVICE_TYPE,
            instance,
            port=self.port,
            properties={"v": RECORD_VERSION, **txt},
            server=f"{host}.local.",
            host_ttl=RECORD_TTL,
            other_ttl=RECORD_TTL,
            parsed_addresses=_local_ipv4(self._interfaces),
        )

    async def _register(self, info: ServiceInfo) -> None:
        assert self._zc is not None
        # The first await probes the name (raises if taken), the second waits for the announcements.
        await (await self._zc.async_register_service(info))

    def _on_service_change(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        """Browser handler (on the loop): resolve added or updated peers, report removed ones."""
        if not name.startswith(DEVICE_PREFIX):
            return
        if state_change is ServiceStateChange.Removed:
            device_id = self._present.pop(name, None)
            if device_id is not None:
                self._set_peer(device_id, [])
            return
        self._present.setdefault(name, None)
        task = asyncio.get_running_loop().create_task(self._resolve(zeroconf, name))
        self._resolving.add(task)
        task.add_done_callback(self._resolving.discard)

    async def _resolve(self, zeroconf: Zeroconf, name: str) -> None:
        info = AsyncServiceInfo(SERVICE_TYPE, name)
        if not info.load_from_cache(zeroconf) and not await info.async_request(zeroconf, RESOLVE_TIMEOUT_MS):
            return
        txt = info.decoded_properties
        device_id = txt.get("id")
        if (
            name not in self._present  # removed while resolving
            or txt.get("v") != RECORD_VERSION
            or device_id is None
            or not _DEVICE_ID.fullmatch(device_id)
            or device_instance(device_id) != name
            or device_id == self.device_id
        ):
            return
        self._present[name] = device_id
        self._set_peer(device_id, _addresses(info))

    def _set_peer(self, device_id: str, addresses: list[Address]) -> None:
        if self._peers.get(device_id, []) == addresses:
            return
        if addresses:
            self._peers[device_id] = addresses
        else:
            self._peers.pop(device_id, None)
        if self.on_change is not None:
            try:
                self.on_change(device_id, addresses)
            except Exception:
                log.exception("discovery on_change callback failed for %s", device_id)
