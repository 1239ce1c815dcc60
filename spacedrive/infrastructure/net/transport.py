"""Types shared by the QUIC endpoint and the TLS data channel: the authenticated peer, limits, errors.

Both transports hand a handler a :class:`Peer` only after its certificate was checked, so protocol code
never sees bytes from an unauthenticated device. :class:`Admission` is the one place that decides whether
a new connection may start at all, before any TLS work is spent on it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from spacedrive.errors import SpacedriveError

ALPN_PAIR = "sd-pair/1"
ALPN_MSG = "sd-msg/1"
ALPN_DATA = "sd-data/1"


@dataclass(frozen=True, slots=True)
class Peer:
    """The device at the other end, as proved by its TLS certificate."""

    device_id: str  # sha256 hex of the peer's Ed25519 public key, taken from its TLS certificate
    cert_der: bytes
    address: tuple[str, int]
    alpn: str


StreamHandler = Callable[[Peer, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a listener accepts, so a flood or a slow peer cannot exhaust it.

    ``new_connections_per_ip_per_s`` refills a per-address token bucket holding ``burst_per_ip``
    tokens: a device that reconnects a few times in a row is never refused, a script is.
    """

    max_connections: int = 64
    max_per_ip: int = 8
    handshake_timeout: float = 10.0
    idle_timeout: float = 60.0
    new_connections_per_ip_per_s: float = 4.0
    burst_per_ip: int = 16


class TransportError(SpacedriveError):
    """A connection could not be made or was lost."""

    code = "transport"


class PeerRejected(TransportError):
    """The peer's certificate is not pinned, not the one expected, or not an Ed25519 certificate."""

    code = "peer_rejected"


class Admission:
    """Counts live connections (in total and per address) and meters new ones per address."""

    # Buckets of addresses that have been quiet long enough to be full again carry no information;
    # past this many entries they are pruned so spoofed addresses cannot grow the table without bound.
    _PRUNE_AT = 1024

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._live: dict[str, int] = {}
        self._total = 0
        self._buckets: dict[str, tuple[float, float]] = {}  # ip -> (tokens, last refill time)

    @property
    def live(self) -> int:
        return self._total

    def live_from(self, ip: str) -> int:
        return self._live.get(ip, 0)

    def try_admit(self, ip: str) -> str | None:
        """Count a new connection from ``ip`` and return None, or return why it is refused."""
        limits = self._limits
        if self._total >= limits.max_connections:
            return f"{self._total} connections already open"
        if self._live.get(ip, 0) >= limits.max_per_ip:
            return f"{limits.max_per_ip} connections from this address already open"
        now = self._clock()
        tokens, last = self._buckets.get(ip, (float(limits.burst_per_ip), now))
        tokens = min(float(limits.burst_per_ip), tokens + (now - last) * limits.new_connections_per_ip_per_s)
        if tokens < 1.0:
            self._buckets[ip] = (tokens, now)
            return "too many new connections from this address"
        self._buckets[ip] = (tokens - 1.0, now)
        if len(self._buckets) > self._PRUNE_AT:
            self._prune(now)
        self._live[ip] = self._live.get(ip, 0) + 1
        self._total += 1
        return None

    def release(self, ip: str) -> None:
        """A connection admitted by :meth:`try_admit` has ended."""
        left = self._live.get(ip, 0) - 1
        if left > 0:
            self._live[ip] = left
        else:
            self._live.pop(ip, None)
        self._total = max(0, self._total - 1)

    def _prune(self, now: float) -> None:
        rate, burst = self._limits.new_connections_per_ip_per_s, self._limits.burst_per_ip
        for ip, (tokens, last) in list(self._buckets.items()):
            if ip not in self._live and tokens + (now - last) * rate >= burst:
                del self._buckets[ip]
