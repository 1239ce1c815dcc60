"""mDNS discovery between two devices in one process, on the loopback interface only."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from spacedrive.infrastructure.net.discovery import (
    SERVICE_TYPE,
    Address,
    Discovery,
    device_instance,
    rendezvous_instance,
)

LOOPBACK = ["127.0.0.1"]


def _loopback_multicast_error() -> str | None:
    """Why multicast does not loop back on 127.0.0.1 here, or None when it does (measured, not assumed).

    Linux loops multicast back on an up ``lo`` even without its MULTICAST flag; with ``lo`` down (a fresh
    network namespace) joining the group fails with ENODEV.
    """
    group, probe = "224.0.0.251", b"sd-probe"
    try:
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx,
        ):
            rx.bind(("", 0))
            rx.setsockopt(
                socket.IPPROTO_IP,
                socket.IP_ADD_MEMBERSHIP,
                socket.inet_aton(group) + socket.inet_aton("127.0.0.1"),
            )
            rx.settimeout(1.0)
            tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
            tx.sendto(probe, (group, rx.getsockname()[1]))
            return None if rx.recv(64) == probe else "unexpected datagram"
    except OSError as e:
        return str(e)


_MULTICAST_ERROR = _loopback_multicast_error()
pytestmark = pytest.mark.skipif(
    _MULTICAST_ERROR is not None, reason=f"multicast on loopback unavailable: {_MULTICAST_ERROR}"
)


async def _eventually(check: Callable[[], Any], within: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy; the last value is returned (or fails)."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.05)


def _device_id() -> str:
    return os.urandom(32).hex()


@pytest.fixture
async def pair() -> AsyncIterator[tuple[Discovery, Discovery, list[tuple[str, list[Address]]]]]:
    """Two started devices on loopback; the list collects what B reports through on_change about A
    (other Spacedrive instances on this host may be advertising too: they are not part of the test)."""
    changes: list[tuple[str, list[Address]]] = []
    a = Discovery(_device_id(), 41001, LOOPBACK)
    b = Discovery(_device_id(), 41002, LOOPBACK, on_change=lambda d, addrs: changes.append((d, addrs)))
    await asyncio.gather(a.start(), b.start())
    try:
        yield a, b, changes
    finally:
        await asyncio.gather(a.stop(), b.stop())


async def test_devices_find_each_others_address_and_see_one_leave(
    pair: tuple[Discovery, Discovery, list[tuple[str, list[Address]]]],
) -> None:
    a, b, everything = pair
    assert a.available and b.available
    assert await _eventually(lambda: a.addresses_of(b.device_id) and b.addresses_of(a.device_id))
    assert a.addresses_of(b.device_id) == [("127.0.0.1", 41002)]
    assert b.addresses_of(a.device_id) == [("127.0.0.1", 41001)]
    # Other instances on this host may advertise too; B never reports itself.
    changes = [c for c in everything if c[0] in (a.device_id, b.device_id)]
    assert changes == [(a.device_id, [("127.0.0.1", 41001)])]

    await a.stop()  # goodbye packets: B sees A go offline without waiting for a TTL
    assert await _eventually(lambda: not b.addresses_of(a.device_id))
    assert [c for c in everything if c[0] == a.device_id][-1] == (a.device_id, [])


async def test_joiner_finds_a_rendezvous_until_it_is_withdrawn(
    pair: tuple[Discovery, Discovery, list[tuple[str, list[Address]]]],
) -> None:
    a, b, _ = pair
    r = os.urandom(16)
    assert await b.find_rendezvous(r, timeout=0.5) == []

    await a.advertise_rendezvous(r)
    assert await b.find_rendezvous(r) == [("127.0.0.1", 41001)]
    assert await b.find_rendezvous(os.urandom(16), timeout=0.5) == []

    await a.withdraw_rendezvous()
    # A goodbye keeps the record one more second in caches (RFC 6762 section 10.1).
    await asyncio.sleep(1.2)
    assert await b.find_rendezvous(r, timeout=0.5) == []


async def test_records_carry_only_identifiers(
    pair: tuple[Discovery, Discovery, list[tuple[str, list[Address]]]],
) -> None:
    """What anyone on the LAN can read: the id record names the device id, the pairing record only R."""
    a, _, _ = pair
    r = os.urandom(16)
    await a.advertise_rendezvous(r)
    onlooker = AsyncZeroconf(interfaces=LOOPBACK)
    try:
        by_id = AsyncServiceInfo(SERVICE_TYPE, device_instance(a.device_id))
        by_r = AsyncServiceInfo(SERVICE_TYPE, rendezvous_instance(r))
        assert await by_id.async_request(onlooker.zeroconf, 3000)
        assert await by_r.async_request(onlooker.zeroconf, 3000)
    finally:
        await onlooker.async_close()
    assert by_id.decoded_properties == {"v": "1", "id": a.device_id}
    assert by_r.decoded_properties == {"v": "1", "r": r.hex()}
    assert by_r.server == f"pair-{r.hex()}.local."
    assert a.device_id[:12] not in (by_r.server or "") + by_r.name


async def test_unusable_interface_leaves_one_warning_and_empty_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 203.0.113.0/24 is reserved for documentation, so no host here owns it and the bind fails.
    d = Discovery(_device_id(), 41003, ["203.0.113.254"])
    with caplog.at_level(logging.WARNING, logger="spacedrive.infrastructure.net.discovery"):
        await d.start()
        r = os.urandom(16)
        await d.advertise_rendezvous(r)
        assert await d.find_rendezvous(r, timeout=0.2) == []
        assert d.addresses_of(_device_id()) == []
        await d.withdraw_rendezvous()
        await d.stop()
    assert not d.available
    assert [rec.message for rec in caplog.records if rec.levelno == logging.WARNING][0].startswith(
        "local discovery (mDNS) unavailable"
    )
    assert len(caplog.records) == 1


def test_malformed_identifiers_are_refused() -> None:
    with pytest.raises(ValueError):
        Discovery("not-hex", 1)
    with pytest.raises(ValueError):
        Discovery(_device_id().upper(), 1)
