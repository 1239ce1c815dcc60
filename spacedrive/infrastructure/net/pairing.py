"""Pairing over one ``sd-pair/1`` stream: the initiator's one-shot code sessions and both protocol sides.

Messages (framing.py frames, DESIGN.md section 8)::

    joiner    -> hello{v: 1, r: R}
    initiator -> pake{msg: msgA}                      only after the rate limits and R check pass
    joiner    -> pake{msg: msgB, confirm: macB, device: info}   (info shown when the user is asked)
    initiator -> confirm{mac: macA, device: info}     after macB checks and, unless auto-accept,
                                                      the user accepted
    joiner    -> device{device: info}                 after macA checks
    initiator -> done{}

Only after ``done`` does either side hand the peer to ``on_paired`` (which pins it). The peer's
device id and certificate always come from the TLS channel, never from a message. A code is
single-use, expires, and burns after three wrong attempts; attempts are rate-limited before any
PAKE work so a guesser can neither grind the code nor make us burn CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
import secrets
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from spacedrive.infrastructure.net import codes
from spacedrive.infrastructure.net.framing import ProtocolError, read_frame, send_error, write_frame
from spacedrive.infrastructure.net.identity import IdentityError, device_id_of_der, short_id
from spacedrive.infrastructure.net.pake import PairingFailed, PakeInitiator, PakeJoiner

__all__ = ["PairedPeer", "PairingFailed", "PairingService", "PairingSession", "validate_device_info"]

log = logging.getLogger(__name__)

VERSION = 1
CODE_TTL = 300.0
MAX_FAILURES = 3
MIN_ATTEMPT_GAP = 1.0  # seconds between two attempts at one code
READ_TIMEOUT = 10.0
DECISION_TIMEOUT = 120.0  # how long the initiator's user has to accept a joiner
IP_BURST = 5  # attempts one address may make at once...
IP_REFILL = 1 / 6  # ...then one every 6 s
MAX_TRACKED_ADDRESSES = 4096
INFO_FIELDS = ("name", "os", "os_version", "model")
MAX_INFO_LEN = 128
# Bidirectional overrides would let a device name spoof another on screen.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

State = Literal["waiting", "confirming", "paired", "failed", "expired", "cancelled"]
FINAL_STATES: frozenset[str] = frozenset({"paired", "failed", "expired", "cancelled"})


def validate_device_info(value: object) -> dict[str, str]:
    """The four DeviceInfo fields as text of bounded length without control characters."""
    if not isinstance(value, dict):
        raise ProtocolError("device info is not a map")
    info: dict[str, str] = {}
    for key in INFO_FIELDS:
        item = value.get(key, "")
        if not isinstance(item, str):
            raise ProtocolError(f"device info {key!r} is not text")
        if len(item) > MAX_INFO_LEN:
            raise ProtocolError(f"device info {key!r} is over {MAX_INFO_LEN} characters")
        if any(c in _BIDI or unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in item):
            raise ProtocolError(f"device info {key!r} contains control characters")
        info[key] = item
    if not info["name"].strip():
        raise ProtocolError("device info has no name")
    return info


@dataclass(frozen=True, slots=True)
class PairedPeer:
    """A device that proved the code over a channel whose certificate is ``cert_der``; pin it."""

    device_id: str
    cert_der: bytes = field(repr=False)
    info: dict[str, str]
    address: tuple[str, int] | None


class _AddressLimiter:
    """Token bucket per remote address, so one host cannot hammer the pairing port."""

    def __init__(self, clock: Callable[[], float], burst: float = IP_BURST, rate: float = IP_REFILL) -> None:
        self._clock, self._burst, self._rate = clock, burst, rate
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, address: str) -> bool:
        now = self._clock()
        if len(self._buckets) >= MAX_TRACKED_ADDRESSES:
            self._forget_refilled(now)
        tokens, last = self._buckets.get(address, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < 1:
            self._buckets[address] = (tokens, now)
            return False
        self._buckets[address] = (tokens - 1, now)
        return True

    def _forget_refilled(self, now: float) -> None:
        full = self._burst / self._rate
        self._buckets = {a: (t, last) for a, (t, last) in self._buckets.items() if now - last < full}
        if len(self._buckets) >= MAX_TRACKED_ADDRESSES:  # a flood of fresh addresses: start over
            self._buckets.clear()


class PairingSession:
    """One generated code, from display to paired (or failed, expired, cancelled); single-use.

    ``result`` resolves with the PairedPeer or fails with PairingFailed carrying ``reason``.
    In state ``confirming`` a joiner has proved the code and waits for ``accept()``/``reject()``
    (only when not auto-accepting); ``peer_device_id`` is known then, ``peer_info`` once it
    sends its DeviceInfo.
    """

    def __init__(
        self,
        code: codes.PairingCode,
        auto_accept: bool,
        expires_at: float,
        ttl: float,
        notify: Callable[[PairingSession], None],
    ) -> None:
        loop = asyncio.get_running_loop()
        self.id = secrets.token_hex(8)
        self.code = code
        self.auto_accept = auto_accept
        self.expires_at = expires_at  # on the service's clock
        self.expires_at_wall = time.time() + ttl  # for display
        self.state: State = "waiting"
        self.reason = ""
        self.failures = 0
        self.peer_device_id: str | None = None
        self.peer_info: dict[str, str] | None = None
        self.result: asyncio.Future[PairedPeer] = loop.create_future()
        self._notify = notify
        self._decision: asyncio.Future[bool] = loop.create_future()
        self._timer = loop.call_later(ttl, self._expire)
        self._busy = False
        # Set once the joiner's DeviceInfo is in and `done` goes out: from then on the user can no
        # longer cancel, because the joiner pins us as soon as it reads `done`.
        self._committed = False
        self._last_attempt = -math.inf

    @property
    def words(self) -> tuple[str, ...]:
        return self.code.words

    @property
    def rendezvous(self) -> bytes:
        return self.code.rendezvous

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def _confirming(self) -> bool:
        # A method, not an attribute test, so type narrowing does not hide changes made by awaits.
        return self.state == "confirming"

    def accept(self) -> None:
        """The user accepts the joiner waiting in ``confirming``; ignored in any other state."""
        if self.state == "confirming" and not self._decision.done():
            self._decision.set_result(True)

    def reject(self, reason: str = "declined by the user") -> None:
        """The user declines: the joiner is told, and the code is spent."""
        self._end("failed", reason)

    def cancel(self) -> None:
        self._end("cancelled", "cancelled")

    def _expire(self) -> None:
        if self.state == "waiting":
            self._end("expired", "the code expired")

    def _check_expiry(self, now: float) -> None:
        if now >= self.expires_at:
            self._expire()

    def _wrong_code(self) -> None:
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            self._end("failed", f"{MAX_FAILURES} wrong attempts")

    def _set(self, state: State, reason: str = "") -> None:
        self.state, self.reason = state, reason
        try:
            self._notify(self)
        except Exception:  # a broken listener must not wedge the protocol
            log.exception("pairing: state listener failed")

    def _end(self, state: State, reason: str, *, force: bool = False) -> None:
        if self.is_final or (self._committed and not force):
            return
        self._timer.cancel()
        if not self._decision.done():
            self._decision.set_result(False)
        self._set(state, reason)
        if not self.result.done():
            self.result.set_exception(PairingFailed(reason))
            # Nobody may await the result (the GUI watches the state): don't warn about it.
            self.result.exception()

    def _paired(self, peer: PairedPeer) -> None:
        self._timer.cancel()
        self._set("paired")
        self.result.set_result(peer)


class PairingService:
    """Both sides of pairing for this device; the transport calls ``handle_stream`` per stream."""

    def __init__(
        self,
        my_device_id: str,
        device_info: Callable[[], dict[str, str]],
        on_paired: Callable[[PairedPeer], Awaitable[None]],
        clock: Callable[[], float] = time.monotonic,
        *,
        on_state: Callable[[PairingSession], None] | None = None,
        read_timeout: float = READ_TIMEOUT,
        decision_timeout: float = DECISION_TIMEOUT,
        min_attempt_gap: float = MIN_ATTEMPT_GAP,
    ) -> None:
        self.my_device_id = my_device_id
        self._device_info = device_info
        self._on_paired = on_paired
        self._clock = clock
        self._on_state = on_state
        self.read_timeout = read_timeout
        self.decision_timeout = decision_timeout
        self.min_attempt_gap = min_attempt_gap
        self._limiter = _AddressLimiter(clock)
        self._session: PairingSession | None = None

    @property
    def active(self) -> PairingSession | None:
        """The code currently shown, while it can still pair."""
        s = self._session
        return s if s is not None and not s.is_final else None

    def generate(self, auto_accept: bool, ttl: float = CODE_TTL) -> PairingSession:
        """A new code; any previous one is cancelled (one code at a time). Call on the loop."""
        if self._session is not None:
            self._session.cancel()
        self._session = PairingSession(
            codes.generate(), auto_accept, self._clock() + ttl, ttl, self._session_changed
        )
        return self._session

    def _session_changed(self, session: PairingSession) -> None:
        if self._on_state is not None:
            self._on_state(session)

    async def handle_stream(
        self,
        peer_device_id: str,
        peer_cert_der: bytes,
        peer_address: tuple[str, int],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        """The initiator side of one attempt. Never raises for the peer's faults: it refuses, logs
        why, and closes the stream."""
        who = f"{short_id(peer_device_id)} at {peer_address[0]}:{peer_address[1]}"
        try:
            await self._serve(peer_device_id, peer_cert_der, peer_address, reader, writer)
        except (ProtocolError, PairingFailed, IdentityError) as e:
            log.warning("pairing: refused %s: %s", who, e.message)
            await send_error(writer, e.message)
        except (ConnectionError, OSError) as e:
            log.warning("pairing: lost %s: %s", who, e)
        except Exception:
            log.exception("pairing: attempt by %s failed on this side", who)
            await send_error(writer, "internal error on the other device")
        finally:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _serve(
        self,
        peer_device_id: str,
        peer_cert_der: bytes,
        peer_address: tuple[str, int],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        _check_channel(peer_device_id, peer_cert_der)
        if not self._limiter.allow(peer_address[0]):
            raise PairingFailed("too many pairing attempts from this address; wait a minute")
        hello = await read_frame(reader, expect="hello", timeout=self.read_timeout)
        if hello.get("v") != VERSION:
            raise PairingFailed(f"unsupported pairing version {hello.get('v')!r}")
        rendezvous = hello.get("r")
        if not isinstance(rendezvous, bytes) or len(rendezvous) != codes.RENDEZVOUS_BYTES:
            raise ProtocolError("hello without a valid rendezvous id")
        session = self._session
        if session is None or not hmac.compare_digest(rendezvous, session.rendezvous):
            raise PairingFailed("unknown or expired code")
        now = self._clock()
        session._check_expiry(now)
        if session._busy:
            raise PairingFailed("another device is pairing with this code right now")
        if session.is_final or session.state != "waiting":
            raise PairingFailed(f"this code can no longer be used ({session.reason or session.state})")
        if now - session._last_attempt < self.min_attempt_gap:
            raise PairingFailed("too soon after the last attempt; try again in a moment")
        session._busy, session._last_attempt = True, now
        try:
            await self._attempt(session, peer_device_id, peer_cert_der, peer_address, reader, writer)
        finally:
            session._busy = False

    async def _attempt(
        self,
        session: PairingSession,
        peer_device_id: str,
        peer_cert_der: bytes,
        peer_address: tuple[str, int],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        pake = PakeInitiator(session.code.password, session.rendezvous, self.my_device_id, peer_device_id)
        await write_frame(writer, {"t": "pake", "msg": pake.message})
        reply = await read_frame(reader, expect="pake", timeout=self.read_timeout)
        try:
            mac_a = pake.finish(reply.get("msg"), reply.get("confirm"))
        except PairingFailed:
            session._wrong_code()
            raise
        if session.state != "waiting":  # cancelled or expired while the joiner computed
            raise PairingFailed(f"this code can no longer be used ({session.reason})")
        # The joiner knows the code: from here on the code is spent whatever happens. Its name came
        # with its proof, over the channel the proof is bound to, so the user is asked about a name.
        session.peer_device_id = peer_device_id
        if reply.get("device") is not None:
            session.peer_info = validate_device_info(reply.get("device"))
        session._set("confirming")
        try:
            if not session.auto_accept:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(session._decision), self.decision_timeout)
                if not session._decision.done():
                    session._end("failed", "not accepted in time")
            if not session._confirming():
                raise PairingFailed(f"the other device ended pairing: {session.reason}")
            mine = validate_device_info(self._device_info())
            await write_frame(writer, {"t": "confirm", "mac": mac_a, "device": mine})
            frame = await read_frame(reader, expect="device", timeout=self.read_timeout)
            session.peer_info = validate_device_info(frame.get("device"))
            if not session._confirming():
                raise PairingFailed(f"the other device ended pairing: {session.reason}")
            session._committed = True
            await write_frame(writer, {"t": "done"})
            peer = PairedPeer(peer_device_id, peer_cert_der, session.peer_info, peer_address)
            await self._on_paired(peer)
        except asyncio.CancelledError:
            session._end("failed", "interrupted", force=True)
            raise
        except Exception as e:
            session._end("failed", getattr(e, "message", None) or f"{type(e).__name__}: {e}", force=True)
            raise
        session._paired(peer)
        log.info("pairing: paired with %s (%s)", short_id(peer_device_id), peer.info["name"])

    async def join(
        self,
        code: codes.PairingCode,
        peer_device_id: str,
        peer_cert_der: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        peer_address: tuple[str, int] | None = None,
    ) -> PairedPeer:
        """The joiner side on a stream this device opened to the code's initiator. Hands the peer
        to ``on_paired`` and returns it; raises PairingFailed with the reason otherwise. The caller
        closes the stream."""
        try:
            _check_channel(peer_device_id, peer_cert_der)
            mine = validate_device_info(self._device_info())
            await write_frame(writer, {"t": "hello", "v": VERSION, "r": code.rendezvous})
            frame = await read_frame(reader, expect="pake", timeout=self.read_timeout)
            pake = PakeJoiner(code.password, code.rendezvous, peer_device_id, self.my_device_id)
            mac_b = pake.respond(frame.get("msg"))
            await write_frame(writer, {"t": "pake", "msg": pake.message, "confirm": mac_b, "device": mine})
            # The initiator's user may take a while to accept.
            wait = self.decision_timeout + self.read_timeout
            frame = await read_frame(reader, expect="confirm", timeout=wait)
            pake.verify(frame.get("mac"))
            info = validate_device_info(frame.get("device"))
            await write_frame(writer, {"t": "device", "device": mine})
            await read_frame(reader, expect="done", timeout=self.read_timeout)
        except (ProtocolError, IdentityError) as e:
            log.warning("pairing: joining %s failed: %s", short_id(peer_device_id), e.message)
            raise PairingFailed(e.message) from e
        except (ConnectionError, OSError) as e:
            log.warning("pairing: joining %s failed: %s", short_id(peer_device_id), e)
            raise PairingFailed(f"connection lost: {e}") from e
        except PairingFailed as e:
            log.warning("pairing: joining %s failed: %s", short_id(peer_device_id), e.message)
            await send_error(writer, e.message)
            raise
        peer = PairedPeer(peer_device_id, peer_cert_der, info, peer_address)
        await self._on_paired(peer)
        log.info("pairing: paired with %s (%s)", short_id(peer_device_id), info["name"])
        return peer


def _check_channel(peer_device_id: str, peer_cert_der: bytes) -> None:
    """The id we bind into the PAKE must be the one of the certificate the channel presented."""
    if device_id_of_der(peer_cert_der) != peer_device_id:
        raise IdentityError("the peer's device id does not match its certificate")
