"""Volumes: detection on this machine, disks coming and going, dead mounts, persistence, CLI."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.domain.volume import Volume
from spacedrive.infrastructure.db.models import VolumeRow
from spacedrive.infrastructure.events import EventBus, Subscription
from spacedrive.infrastructure.fs import volumes as volumes_mod
from spacedrive.infrastructure.fs.volumes import VolumeManager
from spacedrive.infrastructure.ipc.client import LocalClient

REPO = Path(__file__).resolve().parents[2]
GIB = 1024**3


class Part(NamedTuple):
    device: str
    mountpoint: str
    fstype: str
    opts: str = "rw"


class Usage(NamedTuple):
    total: int
    free: int


class FakeMachine:
    """A mount table and capacities that a test edits, as if disks were plugged in and out."""

    def __init__(self) -> None:
        self.parts = [Part("/dev/sda2", "/", "ext4")]
        self.usage: dict[str, Usage] = {"/": Usage(500 * GIB, 200 * GIB)}
        self.hang: set[str] = set()
        self.release = threading.Event()
        self.calls: list[str] = []

    def partitions(self) -> list[Part]:
        return list(self.parts)

    def disk_usage(self, path: str) -> Usage:
        self.calls.append(path)
        if path in self.hang:
            self.release.wait(30)  # a dead NFS server: statvfs blocks in the kernel
        if path not in self.usage:
            raise FileNotFoundError(path)
        return self.usage[path]

    def plug(self, part: Part, usage: Usage) -> None:
        self.parts.append(part)
        self.usage[part.mountpoint] = usage

    def unplug(self, mountpoint: str) -> None:
        self.parts = [p for p in self.parts if p.mountpoint != mountpoint]


@pytest.fixture
def machine() -> Iterator[FakeMachine]:
    m = FakeMachine()
    yield m
    m.release.set()


@pytest.fixture
async def bus() -> AsyncIterator[EventBus]:
    b = EventBus()
    yield b
    b.close()


def manager(bus: EventBus, machine: FakeMachine, **kw: float) -> VolumeManager:
    return VolumeManager(bus, partitions=machine.partitions, disk_usage=machine.disk_usage, **kw)


def drain(sub: Subscription) -> list[ev.Event]:
    events = []
    while (event := sub.get_nowait()) is not None:
        events.append(event)
    return events


async def wait_for_event(sub: Subscription, kind: type[ev.Event]) -> ev.Event:
    async with asyncio.timeout(5):
        while True:
            event = await sub.get()
            if isinstance(event, kind):
                return event


# ---- the real machine -----------------------------------------------------------------------------------


async def test_this_machine_has_a_root_volume_with_sane_numbers_and_a_stable_fingerprint() -> None:
    bus = EventBus()
    first, second = VolumeManager(bus), VolumeManager(bus)
    await first.start()
    await second.start()
    try:
        root = first.volume_for_path(os.path.abspath(os.sep))
        assert root is not None and root in first.list()
        assert root.is_system and root.is_available and not root.is_network
        assert root.total_capacity > root.available_capacity > 0
        assert root.disk_type in ("ssd", "hdd", "unknown")
        again = second.volume_for_path(os.path.abspath(os.sep))
        assert again is not None and again.fingerprint == root.fingerprint
        assert Volume.from_dict(root.to_dict()) == root
    finally:
        await first.stop()
        await second.stop()


# ---- what is a volume -----------------------------------------------------------------------------------


async def test_only_real_disks_removable_media_and_network_mounts_are_volumes(
    bus: EventBus, machine: FakeMachine
) -> None:
    home = str(Path.home())
    machine.parts = [
        Part("/dev/nvme0n1p2", "/", "ext4"),
        Part("/dev/nvme0n1p1", "/boot/efi", "vfat"),
        Part("proc", "/proc", "proc"),
        Part("sysfs", "/sys", "sysfs"),
        Part("tmpfs", "/run", "tmpfs"),
        Part("tmpfs", "/tmp", "tmpfs"),
        Part("/dev/loop3", "/snap/core22/1380", "squashfs", "ro"),
        Part("overlay", "/var/lib/docker/overlay2/ab12/merged", "overlay"),
        Part("gvfsd-fuse", "/run/user/1000/gvfs", "fuse.gvfsd-fuse"),
        Part("/dev/sdb1", "/media/me/PHOTOS", "exfat"),
        Part("/dev/loop7", "/run/media/me/Debian 12", "iso9660", "ro"),
        Part("nas:/export/music", "/mnt/music", "nfs4"),
        Part("me@server:/srv", f"{home}/server", "fuse.sshfs"),
        Part("//nas/share", "/mnt/share", "cifs"),
    ]
    for p in machine.parts:
        machine.usage[p.mountpoint] = Usage(100 * GIB, 40 * GIB)
    vm = manager(bus, machine)
    await vm.start()
    try:
        by_mount = {v.mount_point: v for v in vm.list()}
        assert set(by_mount) == {
            "/",
            "/boot/efi",
            "/media/me/PHOTOS",
            "/run/media/me/Debian 12",
            "/mnt/music",
            f"{home}/server",
            "/mnt/share",
        }
        assert by_mount["/"].is_system and by_mount["/boot/efi"].is_system
        assert not by_mount["/media/me/PHOTOS"].is_system
        assert by_mount["/media/me/PHOTOS"].name == "PHOTOS"
        assert by_mount["/run/media/me/Debian 12"].is_read_only
        assert by_mount["/run/media/me/Debian 12"].is_removable
        for network in ("/mnt/music", f"{home}/server", "/mnt/share"):
            assert by_mount[network].is_network and not by_mount[network].is_removable
        assert by_mount["/"].used_percent == 60.0
        # A path on a tmpfs is on no volume: never mistaken for the root disk.
        assert vm.volume_for_path("/tmp/scratch/file") is None
        assert vm.volume_for_path("/proc/self") is None
    finally:
        await vm.stop()


async def test_volume_for_path_picks_the_longest_mount_prefix(bus: EventBus, machine: FakeMachine) -> None:
    machine.plug(Part("/dev/sdb1", "/data", "xfs"), Usage(GIB, GIB // 2))
    machine.plug(Part("/dev/sdc1", "/data/archive", "ext4"), Usage(GIB, GIB // 2))
    vm = manager(bus, machine)
    await vm.start()
    try:

        def mount_of(path: str) -> str | None:
            volume = vm.volume_for_path(path)
            return volume.mount_point if volume else None

        assert mount_of("/data/archive/2019/a.jpg") == "/data/archive"
        assert mount_of("/data/archive") == "/data/archive"
        assert mount_of("/data/archived") == "/data"  # a prefix of the name is not a parent folder
        assert mount_of("/data/x") == "/data"
        assert mount_of("/datastore/x") == "/"
        assert mount_of("/") == "/"
    finally:
        await vm.stop()


async def test_one_filesystem_mounted_twice_is_one_volume_and_keeps_its_fingerprint_when_remounted(
    bus: EventBus, machine: FakeMachine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # btrfs subvolumes: / and /home are the same filesystem, one UUID; so is a USB disk under udev.
    uuids = {"/dev/sda2": "4f1c0a3e-0000-4000-8000-000000000001", "/dev/sdb1": "A1B2-C3D4"}
    monkeypatch.setattr(
        volumes_mod, "_udev_names", lambda folder: uuids if folder.endswith("by-uuid") else {}
    )
    machine.parts = [Part("/dev/sda2", "/", "btrfs"), Part("/dev/sda2", "/home", "btrfs")]
    machine.usage["/home"] = machine.usage["/"]
    machine.plug(Part("/dev/sdb1", "/media/me/USB", "vfat"), Usage(64 * GIB, 60 * GIB))
    vm = manager(bus, machine)
    await vm.start()
    try:
        root = vm.volume_for_path("/")
        assert root is not None and root.mount_points == ("/", "/home")
        assert vm.volume_for_path("/home/me/notes.txt") == root
        assert len(vm.list()) == 2
        stick = vm.volume_for_path("/media/me/USB")
        assert stick is not None
        machine.unplug("/media/me/USB")
        await vm.refresh()
        machine.plug(Part("/dev/sdb1", "/media/me/USB1", "vfat"), Usage(64 * GIB, 60 * GIB))
        await vm.refresh()
        again = vm.volume_for_path("/media/me/USB1")
        assert again is not None and again.fingerprint == stick.fingerprint
    finally:
        await vm.stop()


# ---- changes --------------------------------------------------------------------------------------------


async def test_a_disk_appearing_and_disappearing_is_announced(bus: EventBus, machine: FakeMachine) -> None:
    sub = bus.subscribe()
    vm = manager(bus, machine)
    await vm.start()
    try:
        assert drain(sub) == []  # the volumes present at start are the baseline, not news
        machine.plug(Part("/dev/sdz1", "/media/me/STICK", "vfat"), Usage(16 * GIB, 15 * GIB))
        await vm.refresh()
        added = drain(sub)
        assert len(added) == 1 and isinstance(added[0], ev.VolumeAdded)
        assert (added[0].name, added[0].mount_point) == ("STICK", "/media/me/STICK")
        stick = vm.volume_for_path("/media/me/STICK/DCIM")
        assert stick is not None and stick.is_removable and stick.fingerprint == added[0].fingerprint

        machine.unplug("/media/me/STICK")
        await vm.refresh()
        removed = drain(sub)
        assert removed == [ev.VolumeRemoved(stick.fingerprint, "STICK", "/media/me/STICK")]
        assert vm.volume_for_path("/media/me/STICK/DCIM") == vm.volume_for_path("/")
    finally:
        await vm.stop()


async def test_polling_notices_a_new_disk_without_being_asked(bus: EventBus, machine: FakeMachine) -> None:
    sub = bus.subscribe()
    vm = manager(bus, machine, poll_interval=0.05)
    await vm.start()
    try:
        machine.plug(Part("/dev/sdz1", "/media/me/STICK", "vfat"), Usage(16 * GIB, 15 * GIB))
        added = await wait_for_event(sub, ev.VolumeAdded)
        assert added.mount_point == "/media/me/STICK"  # type: ignore[attr-defined]
    finally:
        await vm.stop()


async def test_free_space_changes_over_one_percent_and_read_only_flips_are_announced(
    bus: EventBus, machine: FakeMachine
) -> None:
    sub = bus.subscribe()
    vm = manager(bus, machine)
    await vm.start()
    try:
        machine.usage["/"] = Usage(500 * GIB, 198 * GIB)  # 0.4% of capacity: noise
        await vm.refresh()
        assert drain(sub) == []
        assert vm.list()[0].available_capacity == 198 * GIB  # yet the list is current
        machine.usage["/"] = Usage(500 * GIB, 190 * GIB)  # 2% since the last announcement
        await vm.refresh()
        assert [type(e) for e in drain(sub)] == [ev.VolumeUpdated]
        machine.parts = [Part("/dev/sda2", "/", "ext4", "ro,relatime")]  # remounted read-only
        await vm.refresh()
        assert [type(e) for e in drain(sub)] == [ev.VolumeUpdated]
        assert vm.list()[0].is_read_only
    finally:
        await vm.stop()


async def test_a_hanging_mount_is_marked_unavailable_instead_of_blocking(
    bus: EventBus, machine: FakeMachine
) -> None:
    machine.plug(Part("nas:/export", "/mnt/nas", "nfs4"), Usage(GIB, GIB))
    machine.hang.add("/mnt/nas")
    sub = bus.subscribe()
    vm = manager(bus, machine, probe_timeout=0.2)
    started = time.monotonic()
    await vm.start()
    try:
        assert time.monotonic() - started < 2.0
        nas = vm.volume_for_path("/mnt/nas")
        assert nas is not None and not nas.is_available and nas.is_network
        root = vm.volume_for_path("/")
        assert root is not None and root.is_available and root.total_capacity == 500 * GIB

        started = time.monotonic()
        await vm.refresh()
        assert time.monotonic() - started < 2.0
        assert machine.calls.count("/mnt/nas") == 1  # the stuck probe is waited on, not piled up

        machine.hang.clear()
        machine.release.set()  # the server is back
        await vm.refresh()
        nas = vm.volume_for_path("/mnt/nas")
        assert nas is not None and nas.is_available and nas.total_capacity == GIB
        assert ev.VolumeUpdated(nas.fingerprint, nas.name, "/mnt/nas") in drain(sub)
    finally:
        await vm.stop()


# ---- through the core, the API and the CLI -------------------------------------------------------------


async def test_volume_list_command_returns_dicts(core: Core) -> None:
    rows = await LocalClient(core).call("volume.list")
    assert rows and all(isinstance(r, dict) for r in rows)
    root = next(r for r in rows if os.path.abspath(os.sep) in r["mount_points"])
    assert 0 <= root["used_percent"] <= 100
    assert root["total_capacity"] > root["available_capacity"] > 0
    assert Volume.from_dict(root) in core.volumes.list()


async def _volume_rows(core: Core) -> list[VolumeRow]:
    async with core.current_library().db.read() as session:
        return list(await session.scalars(select(VolumeRow)))


async def test_open_libraries_record_the_volumes_they_saw(tmp_path: Path) -> None:
    core = Core(tmp_path / "data")
    await core.start(ensure_default_library=True)  # created after start: recorded on LibraryOpened
    try:
        for _ in range(250):  # recorded by a task, moments after the library was created
            if rows := await _volume_rows(core):
                break
            await asyncio.sleep(0.02)
        fingerprints = {v.fingerprint for v in core.volumes.list()}
        assert {r.fingerprint for r in rows} == fingerprints
        assert all(r.device_id is not None and r.last_seen_at > 0 for r in rows)
    finally:
        await core.stop()

    core = Core(tmp_path / "data")
    await core.start()  # already open at start: recorded before start returns
    try:
        rows = await _volume_rows(core)
        assert {r.fingerprint for r in rows} == fingerprints
        root = next(r for r in rows if r.mount_point == os.path.abspath(os.sep))
        assert root.is_system and root.total_capacity > 0
    finally:
        await core.stop()


def test_cli_volume_list_prints_json(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    env = {**os.environ, "XDG_RUNTIME_DIR": str(run_dir), "PYTHONPATH": str(REPO)}
    base = [sys.executable, "-m", "spacedrive.cli", "--data-dir", str(tmp_path / "data")]
    result = subprocess.run(
        [*base, "--json", "volume", "list"], capture_output=True, text=True, env=env, timeout=60, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert any(r["mount_point"] == os.path.abspath(os.sep) for r in rows)
    human = subprocess.run(
        [*base, "volume", "list"], capture_output=True, text=True, env=env, timeout=60, cwd=REPO
    )
    assert human.returncode == 0, human.stderr
    assert "mount point" in human.stdout and " / " in human.stdout


async def test_a_probe_answering_as_the_manager_stops_still_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelled in the very turn its probe answers, a wait still ends cancelled (Python 3.11's
    ``wait_for`` returned the answer instead, and a poller that went on made stopping the core hang)."""
    started: list[asyncio.Future[object]] = []
    monkeypatch.setattr(volumes_mod, "_start_thread", lambda _loop, future, _fn, _key: started.append(future))
    manager = VolumeManager(EventBus())
    waiting = asyncio.ensure_future(manager._in_thread("partitions", lambda: None))
    await asyncio.sleep(0)
    started[0].set_result([])
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
