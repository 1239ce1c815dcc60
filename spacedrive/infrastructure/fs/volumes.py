"""VolumeManager: the mounted volumes a file manager shows, kept fresh, with changes on the EventBus.

What counts as a volume follows Dolphin and Nautilus: real disks, removable media and network mounts;
not kernel pseudo filesystems, tmpfs, squashfs snaps, overlay layers of containers or desktop FUSE
helpers. ``/`` is always a volume, whatever its filesystem. The same filesystem mounted twice (a bind
mount, btrfs subvolumes) is one volume with several mount points.

Nothing here may hang the event loop: a dead network mount blocks ``statvfs`` for minutes, so every
probe runs in a daemon thread with a timeout, a volume that does not answer is reported unavailable,
and at most one probe per mount point is ever in flight.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

import blake3
import psutil

from spacedrive.domain import events as ev
from spacedrive.domain.volume import Volume
from spacedrive.infrastructure.events import EventBus

log = logging.getLogger(__name__)

T = TypeVar("T")


class Partition(Protocol):
    """One mount as ``psutil.disk_partitions`` reports it."""

    @property
    def device(self) -> str: ...
    @property
    def mountpoint(self) -> str: ...
    @property
    def fstype(self) -> str: ...
    @property
    def opts(self) -> str: ...


class Usage(Protocol):
    """Capacity as ``psutil.disk_usage`` reports it; ``free`` is what an unprivileged user may write."""

    @property
    def total(self) -> int: ...
    @property
    def free(self) -> int: ...


PartitionSource = Callable[[], Iterable[Partition]]
UsageProbe = Callable[[str], Usage]

NETWORK_FS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smbfs", "smb3", "ncpfs", "afs", "afpfs", "ceph", "glusterfs", "lustre",
        "davfs", "webdav", "sshfs", "fuse.sshfs", "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse",
        "fuse.glusterfs", "fuse.davfs2",
    }
)  # fmt: skip
#: Never volumes, even when backed by a device: read-only images (snaps, live media) and layers.
PSEUDO_FS = frozenset({"squashfs", "overlay", "aufs", "tmpfs", "ramfs", "devfs", "autofs", "nullfs"})
#: Shared folders of virtual machines and WSL, which have no /dev device but are the user's files.
SHARED_FS = frozenset({"zfs", "9p", "virtiofs", "drvfs", "vboxsf", "fuse.vmhgfs-fuse"})
#: FUSE helpers of the desktop and containers, not storage.
INTERNAL_FUSE = frozenset({"fuse.gvfsd-fuse", "fuse.portal", "fuse.lxcfs", "fuse.snapfuse", "fusectl"})
#: Mount trees of the OS, containers and sandboxes; ``/run/media`` (udisks) is the exception.
HIDDEN_PREFIXES = (
    "/proc", "/sys", "/dev", "/run", "/snap", "/etc", "/var/lib/docker", "/var/lib/containers",
    "/var/lib/kubelet", "/System/Volumes", "/private/var/vm",
)  # fmt: skip
MEDIA_PREFIXES = ("/media", "/run/media")
SYSTEM_MOUNTS = frozenset(
    {"/", "/boot", "/boot/efi", "/efi", "/usr", "/usr/local", "/var", "/var/log", "/var/tmp", "/tmp",
     "/opt", "/srv", "/home", "/root", "/nix", "/gnu/store"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _RootPartition:
    """The root file system when no mount entry shows it (a chroot: its mount lies outside the view)."""

    device: str = "rootfs"
    mountpoint: str = os.path.abspath(os.sep)
    fstype: str = "rootfs"
    opts: str = "rw"


def default_partitions() -> list[Any]:
    # all=True: psutil's all=False drops every "nodev" filesystem, which includes NFS, SMB and sshfs.
    partitions: list[Any] = list(psutil.disk_partitions(all=True))
    if sys.platform != "win32" and not any(p.mountpoint == os.path.abspath(os.sep) for p in partitions):
        partitions.insert(0, _RootPartition())
    return partitions


def _under(path: str, prefixes: Iterable[str]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def _udev_names(folder: str) -> dict[str, str]:
    """``/dev/disk/by-uuid`` or ``by-label``: resolved device path -> name (udev escapes as ``\\x20``)."""
    names: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            name = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m[1], 16)), entry.name)
            names[os.path.realpath(entry.path)] = name
    return names


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """What Linux sysfs says of the disk under a device; ``removable`` None when sysfs does not know."""

    removable: bool | None = None
    disk_type: str = "unknown"


def block_info(device: str, depth: int = 0) -> BlockInfo:
    """The disk behind ``device`` (a partition, dm or md device: follow it down to a real disk)."""
    name = os.path.basename(os.path.realpath(device))
    node = f"/sys/class/block/{name}"
    if not name or depth > 4 or not os.path.exists(node):
        return BlockInfo()
    disk = os.path.realpath(node)
    if os.path.exists(os.path.join(node, "partition")):
        disk = os.path.dirname(disk)
    with contextlib.suppress(OSError):
        slaves = sorted(os.listdir(os.path.join(disk, "slaves")))
        if slaves:  # LUKS, LVM, RAID: the physical disk decides
            return block_info(f"/dev/{slaves[0]}", depth + 1)
    rotational = _read(os.path.join(disk, "queue", "rotational"))
    disk_type = {"0": "ssd", "1": "hdd"}.get(rotational or "", "unknown")
    removable = (
        _read(os.path.join(disk, "removable")) == "1"
        or "/usb" in disk  # USB hard disks say removable=0, but unplugging them is what users do
        or _read(os.path.join(disk, "device", "type")) == "SD"
    )
    return BlockInfo(removable=removable, disk_type=disk_type)


def fingerprint(fs_uuid: str | None, device: str, mount_point: str, file_system: str) -> str:
    """Same disk, same fingerprint: the filesystem UUID when known, else where and what is mounted."""
    key = f"uuid:{fs_uuid.lower()}" if fs_uuid else f"mount:{device}\0{mount_point}\0{file_system.lower()}"
    return blake3.blake3(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _is_visible(p: Partition, root: str) -> bool:
    mp, fs, device = p.mountpoint, p.fstype.lower(), p.device
    if sys.platform == "win32":  # pragma: no cover - Windows lists drives; no media means no fstype
        return bool(fs)
    if mp == root:
        return True
    if _under(mp, HIDDEN_PREFIXES) and not _under(mp, MEDIA_PREFIXES):
        return False
    if "dontbrowse" in p.opts.split(","):  # macOS marks its hidden volumes
        return False
    if fs in NETWORK_FS or fs in SHARED_FS:
        return True
    if fs in PSEUDO_FS or fs in INTERNAL_FUSE:
        return False
    if fs.startswith("fuse.") and not device.startswith("/dev/"):
        return _under(mp, (*MEDIA_PREFIXES, "/mnt", os.path.expanduser("~")))  # a user's own FUSE mounts
    if device.startswith("/dev/loop"):
        return _under(mp, MEDIA_PREFIXES)  # a disk image the user opened; snaps are loops too
    return device.startswith("/dev/")


def _is_system(mount_point: str) -> bool:
    if sys.platform == "win32":  # pragma: no cover
        drive = os.environ.get("SYSTEMDRIVE", "C:").rstrip("\\").upper()
        return mount_point.rstrip("\\").upper() == drive
    return mount_point in SYSTEM_MOUNTS


def _root_name() -> str:
    if sys.platform == "darwin":  # /Volumes holds a symlink to / named after the boot volume
        with contextlib.suppress(OSError):
            for entry in os.scandir("/Volumes"):
                if entry.is_symlink() and os.path.realpath(entry.path) == "/":
                    return entry.name
    return "Root"


@dataclass(frozen=True, slots=True)
class _Mount:
    """A listed mount before its capacity is probed; ``volume`` None for mounts that are not volumes."""

    mount_point: str
    volume: Volume | None


def _describe(partitions: Iterable[Partition]) -> list[_Mount]:
    """Classify every mount (blocking: reads /dev/disk and /sys, never the mounted filesystems)."""
    root = os.path.abspath(os.sep)
    uuids = _udev_names("/dev/disk/by-uuid") if sys.platform.startswith("linux") else {}
    labels = _udev_names("/dev/disk/by-label") if sys.platform.startswith("linux") else {}
    mounts: list[_Mount] = []
    for p in partitions:
        if not _is_visible(p, root):
            mounts.append(_Mount(p.mountpoint, None))
            continue
        mp, fs, opts = p.mountpoint, p.fstype.lower(), p.opts.split(",")
        real_device = os.path.realpath(p.device) if p.device.startswith("/dev/") else p.device
        is_network = fs in NETWORK_FS or "remote" in opts
        info = BlockInfo()
        if sys.platform.startswith("linux") and p.device.startswith("/dev/"):
            info = block_info(p.device)
        if sys.platform == "win32":  # pragma: no cover
            removable = "removable" in opts or "cdrom" in opts
        elif sys.platform == "darwin":
            removable = "local" in opts and _under(mp, ("/Volumes",)) and not is_network
        elif info.removable is not None:
            removable = info.removable or p.device.startswith("/dev/loop")
        else:
            removable = not is_network and _under(mp, (*MEDIA_PREFIXES, "/mnt"))
        basename = os.path.basename(mp.rstrip("/\\")) or mp.rstrip("\\")
        name = labels.get(real_device) or (_root_name() if mp == root else basename)
        volume = Volume(
            fingerprint=fingerprint(uuids.get(real_device), p.device, mp, fs),
            name=name,
            mount_point=mp,
            device=p.device,
            file_system=p.fstype,
            total_capacity=0,
            available_capacity=0,
            is_read_only="ro" in opts,
            is_removable=removable,
            is_network=is_network,
            is_system=_is_system(mp),
            disk_type=info.disk_type,
            mount_points=(mp,),
        )
        mounts.append(_Mount(mp, volume))
    return mounts


def _merge(volumes: builtins.list[Volume]) -> dict[str, Volume]:
    """One volume per fingerprint; its mount point is the shortest of its mounts ("/" before "/home")."""
    merged: dict[str, Volume] = {}
    for v in sorted(volumes, key=lambda v: (len(v.mount_point), v.mount_point)):
        first = merged.get(v.fingerprint)
        if first is None:
            merged[v.fingerprint] = v
        else:
            merged[v.fingerprint] = replace(
                first,
                mount_points=(*first.mount_points, v.mount_point),
                is_system=first.is_system or v.is_system,
            )
    return merged


def _noticeable(before: Volume, after: Volume) -> bool:
    """Worth a VolumeUpdated: state flips, renames, or space moving by more than 1% of capacity."""
    if (before.is_read_only, before.is_available, before.name, before.mount_point) != (
        after.is_read_only,
        after.is_available,
        after.name,
        after.mount_point,
    ):
        return True
    threshold = max(after.total_capacity, before.total_capacity) / 100
    return (
        abs(after.available_capacity - before.available_capacity) > threshold
        or abs(after.total_capacity - before.total_capacity) > threshold
    )


class VolumeManager:
    """Knows the mounted volumes. ``start()`` scans and then polls every ``poll_interval`` seconds.

    ``partitions`` and ``disk_usage`` replace psutil (tests simulate disks coming and going, or hanging);
    a probe slower than ``probe_timeout`` seconds leaves its volume unavailable rather than waiting.
    """

    def __init__(
        self,
        bus: EventBus,
        poll_interval: float = 2.0,
        *,
        partitions: PartitionSource = default_partitions,
        disk_usage: UsageProbe = psutil.disk_usage,
        probe_timeout: float = 2.0,
    ) -> None:
        self._bus = bus
        self.poll_interval = poll_interval
        self.probe_timeout = probe_timeout
        self._partitions = partitions
        self._disk_usage = disk_usage
        self._volumes: dict[str, Volume] = {}
        #: Each volume as last announced, so slow drift in free space adds up to an update.
        self._reported: dict[str, Volume] = {}
        #: (normcased mount point, fingerprint or None for mounts that are not volumes), longest first.
        self._mount_table: builtins.list[tuple[str, str | None]] = []
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._refresh_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """First scan (silent: the volumes present at start are the baseline), then poll."""
        try:
            await self._scan(announce=False)
        except Exception:
            log.exception("volume scan failed")
        self._task = asyncio.create_task(self._poll(), name="volume-poll")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def list(self) -> builtins.list[Volume]:
        """Known volumes, system ones first; never blocks (the last scan's result)."""
        return sorted(self._volumes.values(), key=lambda v: (not v.is_system, v.mount_point))

    def get(self, fingerprint: str) -> Volume | None:
        return self._volumes.get(fingerprint)

    def volume_for_path(self, path: str | os.PathLike[str]) -> Volume | None:
        """The volume holding ``path`` by the longest mount-point prefix (symlinks are not resolved).

        None when the path lies on a mount that is not a volume (a tmpfs ``/tmp``, ``/proc``), so
        callers never take two different filesystems for one.
        """
        target = os.path.normcase(os.path.abspath(path))
        for mount, fp in self._mount_table:
            prefix = mount if mount.endswith(os.sep) else mount + os.sep
            if target == mount or target.startswith(prefix):
                return self._volumes.get(fp) if fp else None
        return None

    async def refresh(self) -> builtins.list[Volume]:
        """Rescan now, announce what appeared, went away or changed, and return the volumes."""
        await self._scan(announce=True)
        return self.list()

    # ---- internals -------------------------------------------------------------------------------------

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self._scan(announce=True)
            except Exception:
                log.exception("volume scan failed")

    async def _scan(self, announce: bool) -> None:
        async with self._refresh_lock:
            try:
                mounts = await self._in_thread("<partitions>", lambda: _describe(self._partitions()))
            except TimeoutError:
                log.warning("listing mounts took over %.1f s; volumes left as they were", self.probe_timeout)
                return
            listed = [m.volume for m in mounts if m.volume is not None]
            probed = await asyncio.gather(*(self._probe(v) for v in listed))
            volumes = _merge([v for v in probed if v is not None])
            fingerprints = {mp: v.fingerprint for v in volumes.values() for mp in v.mount_points}
            # Later mounts hide earlier ones at the same place, as the kernel does.
            table = {os.path.normcase(m.mount_point): fingerprints.get(m.mount_point) for m in mounts}
            self._mount_table = sorted(table.items(), key=lambda row: len(row[0]), reverse=True)
            self._announce(volumes, announce)

    async def _probe(self, volume: Volume) -> Volume | None:
        """The volume with its capacity; unavailable on timeout, None if it cannot be read at all."""
        mp = volume.mount_point
        try:
            usage = await self._in_thread(f"usage:{mp}", lambda: self._disk_usage(mp))
        except TimeoutError:
            log.warning("volume %s did not answer within %.1f s: unavailable", mp, self.probe_timeout)
            last = self._volumes.get(volume.fingerprint)
            return replace(
                volume,
                is_available=False,
                total_capacity=last.total_capacity if last else 0,
                available_capacity=last.available_capacity if last else 0,
            )
        except OSError as e:  # gone since it was listed, or not ours to read (another user's media)
            log.debug("volume %s skipped: %s", mp, e)
            return None
        return replace(volume, total_capacity=int(usage.total), available_capacity=int(usage.free))

    def _announce(self, volumes: dict[str, Volume], announce: bool) -> None:
        old = self._volumes
        self._volumes = volumes
        for fp, volume in volumes.items():
            if fp not in old:
                self._reported[fp] = volume
                if announce:
                    self._bus.emit(ev.VolumeAdded(fp, volume.name, volume.mount_point))
            elif _noticeable(self._reported.get(fp, old[fp]), volume):
                self._reported[fp] = volume
                self._bus.emit(ev.VolumeUpdated(fp, volume.name, volume.mount_point))
        for fp, volume in old.items():
            if fp not in volumes:
                self._reported.pop(fp, None)
                self._bus.emit(ev.VolumeRemoved(fp, volume.name, volume.mount_point))

    async def _in_thread(self, key: str, fn: Callable[[], T]) -> T:
        """``fn()`` run in a daemon thread; TimeoutError after ``probe_timeout`` seconds.

        A daemon thread, not an executor: a thread stuck in the kernel on a dead mount must neither
        hold up interpreter exit nor occupy a pool slot. A second call with the same key while the
        first is still stuck waits on the same thread instead of starting another.
        """
        loop = asyncio.get_running_loop()
        future = self._inflight.get(key)
        if future is None:
            future = loop.create_future()
            self._inflight[key] = future
            future.add_done_callback(lambda f: self._settled(key, f))
            _start_thread(loop, future, fn, key)
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancellation that arrives as the
        # future completes, and the poller then lived on, so stopping the core waited for it forever
        # (seen twice as a window that never quit).
        async with asyncio.timeout(self.probe_timeout):
            result: T = await asyncio.shield(future)
        return result

    def _settled(self, key: str, future: asyncio.Future[Any]) -> None:
        if self._inflight.get(key) is future:
            del self._inflight[key]
        if not future.cancelled():
            future.exception()  # retrieved here: a late failure nobody waits for is not an error


def _start_thread(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], fn: Callable[[], Any], key: str
) -> None:
    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        try:
            result, error = fn(), None
        except BaseException as e:  # handed to the awaiting coroutine
            result, error = None, e
        with contextlib.suppress(RuntimeError):  # the loop closed while this thread was stuck
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name=f"volume-probe {key}", daemon=True).start()
