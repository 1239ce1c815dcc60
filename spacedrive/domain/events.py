"""Typed events, named as in the Spacedrive V2 spec. They cross the control socket as dicts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

from spacedrive.domain.jobs import Progress


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all events. Subclasses are frozen slotted dataclasses, registered in ``EVENT_TYPES``."""

    #: Events that may be dropped or merged when a subscriber falls behind (progress ticks).
    LOSSY: ClassVar[bool] = False

    @property
    def type(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, UUID):
                value = str(value)
            elif isinstance(value, Progress):
                value = value.to_dict()
            data[f.name] = value
        return data


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event sent by ``Event.to_dict`` (used by socket clients)."""
    cls = EVENT_TYPES.get(data.get("type", ""))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        value = data.get(f.name)
        annotation = str(f.type)
        if value is not None and annotation.startswith("UUID"):
            value = UUID(value)
        elif annotation == "Progress":
            value = Progress.from_dict(value)
        elif isinstance(value, list):
            value = tuple(value)  # JSON has no tuples
        kwargs[f.name] = value
    return cls(**kwargs)


@dataclass(frozen=True, slots=True)
class CoreStarted(Event):
    device_id: UUID


@dataclass(frozen=True, slots=True)
class CoreShutdown(Event):
    device_id: UUID


@dataclass(frozen=True, slots=True)
class LibraryCreated(Event):
    id: UUID
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class LibraryOpened(Event):
    id: UUID
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class LibraryClosed(Event):
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class LibraryDeleted(Event):
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class LibraryRenamed(Event):
    id: UUID
    old_name: str
    name: str


@dataclass(frozen=True, slots=True)
class CurrentLibraryChanged(Event):
    id: UUID | None


@dataclass(frozen=True, slots=True)
class LibraryUnavailable(Event):
    """A library folder vanished or broke while open; it was closed to protect its data."""

    id: UUID
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class JobQueued(Event):
    library_id: UUID
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class JobStarted(Event):
    library_id: UUID
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class JobProgress(Event):
    LOSSY: ClassVar[bool] = True
    library_id: UUID
    id: UUID
    name: str
    progress: Progress


@dataclass(frozen=True, slots=True)
class JobPaused(Event):
    library_id: UUID
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class JobResumed(Event):
    library_id: UUID
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class JobCompleted(Event):
    library_id: UUID
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class JobFailed(Event):
    library_id: UUID
    id: UUID
    name: str
    error: str


@dataclass(frozen=True, slots=True)
class JobCancelled(Event):
    library_id: UUID
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class VolumeAdded(Event):
    fingerprint: str
    name: str
    mount_point: str


@dataclass(frozen=True, slots=True)
class VolumeRemoved(Event):
    fingerprint: str
    name: str
    mount_point: str


@dataclass(frozen=True, slots=True)
class VolumeUpdated(Event):
    """Capacity, free space or read-only state of a mounted volume changed noticeably."""

    fingerprint: str
    name: str
    mount_point: str


@dataclass(frozen=True, slots=True)
class LocationAdded(Event):
    library_id: UUID
    id: int
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class LocationRemoved(Event):
    library_id: UUID
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class LocationUpdated(Event):
    """Scan state, totals, name or rules of a location changed."""

    library_id: UUID
    id: int


@dataclass(frozen=True, slots=True)
class EntriesChanged(Event):
    """Entries under a folder of a location changed (coalesced: one event per folder and burst).

    ``relative_path`` is the folder whose listing changed, as exact text (``os.fsencode`` gives the bytes).
    """

    library_id: UUID
    location_id: int
    relative_path: str
    created: int
    modified: int
    deleted: int
    moved: int


@dataclass(frozen=True, slots=True)
class TagCreated(Event):
    library_id: UUID
    id: int
    name: str
    color: str | None


@dataclass(frozen=True, slots=True)
class TagUpdated(Event):
    """A tag was renamed (``old_name`` is its previous name) or recoloured."""

    library_id: UUID
    id: int
    name: str
    old_name: str
    color: str | None


@dataclass(frozen=True, slots=True)
class TagDeleted(Event):
    library_id: UUID
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class TagsChanged(Event):
    """Files got (``added``) or lost a tag, indexed or not. ``paths`` are absolute, as exact text
    (``os.fsencode`` gives the bytes)."""

    library_id: UUID
    tag_id: int
    tag: str
    added: bool
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConflictAsked(Event):
    """A file job waits for an answer: what to do with ``source`` now that ``destination`` exists.

    Answer with ``file.resolve_conflict`` (``job_id``, a choice, ``apply_to_all``). Paths are exact text
    (``os.fsencode`` gives the bytes); ``can_merge`` when both are folders.
    """

    library_id: UUID
    job_id: UUID
    source: str
    destination: str
    source_is_dir: bool
    destination_is_dir: bool
    source_size: int
    destination_size: int
    source_mtime: int
    destination_mtime: int
    can_merge: bool


@dataclass(frozen=True, slots=True)
class ConflictResolved(Event):
    """The question of job ``job_id`` was answered (every window showing it can close its dialog)."""

    library_id: UUID
    job_id: UUID
    choice: str
    apply_to_all: bool


@dataclass(frozen=True, slots=True)
class NetworkStateChanged(Event):
    """Networking started or stopped on this device (``port`` is the QUIC/TLS port when running)."""

    running: bool
    device_id: str
    port: int
    reason: str


@dataclass(frozen=True, slots=True)
class PairingStateChanged(Event):
    """The pairing code shown here (or being joined) moved on: waiting, confirming, paired, failed,
    expired or cancelled. ``device_name`` is the other side's name once known."""

    session_id: str
    role: str
    state: str
    reason: str
    device_id: str
    device_name: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class DevicePaired(Event):
    device_id: str
    name: str


@dataclass(frozen=True, slots=True)
class DeviceRevoked(Event):
    device_id: str
    name: str


@dataclass(frozen=True, slots=True)
class DeviceConnectivityChanged(Event):
    """A paired device came online (reachable) or went offline."""

    device_id: str
    online: bool


@dataclass(frozen=True, slots=True)
class SpacedropOffered(Event):
    """A paired device offers files; answer with ``network.spacedrop.answer`` (``offer_id``).

    ``names`` are the items the sender chose (at most 20; a folder ends with "/"); the counts are of
    every file and every folder inside.
    """

    offer_id: str
    device_id: str
    device_name: str
    file_count: int
    folder_count: int
    total_bytes: int
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SpacedropAnswered(Event):
    offer_id: str
    accepted: bool
    target_dir: str


#: Every event class by name. (Slotted dataclasses are new classes, so this is built after them.)
EVENT_TYPES: dict[str, type[Event]] = {
    name: obj
    for name, obj in list(globals().items())
    if isinstance(obj, type) and issubclass(obj, Event) and obj is not Event
}
