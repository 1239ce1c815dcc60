"""CoreBridge: the one place where the core's EventBus events become Qt signals."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject, Signal, SignalInstance

from spacedrive.domain import events as ev
from spacedrive.infrastructure.events import EventBus

log = logging.getLogger(__name__)

#: Subscription queue length; progress reports of one job are merged, so this covers bursts of changes.
QUEUE_SIZE = 4096


class CoreBridge(QObject):
    """Subscribes to the core's bus and re-emits each event as a typed signal on the GUI thread.

    The subscription opens when the bridge is created, so create it before ``Core.start()`` to see the
    start-up events too. Events wait in the subscription until ``start()``: connect every widget first,
    then start, and nothing seen is lost; nothing from before the bridge existed is replayed.

    Signals
    -------
    core_started(CoreStarted): the core finished starting.
    core_shutdown(CoreShutdown): the core is stopping; no event follows.
    library_created(LibraryCreated): a new library exists (and is open).
    library_opened(LibraryOpened): a library was opened.
    library_closed(LibraryClosed): a library was closed; it stays listed.
    library_deleted(LibraryDeleted): a library folder was deleted.
    library_renamed(LibraryRenamed): a library got a new name.
    current_library_changed(CurrentLibraryChanged): another library (or none) is now current.
    library_unavailable(LibraryUnavailable): an open library's folder vanished; it was closed.
    job_queued(JobQueued): a job was dispatched and waits for a slot.
    job_started(JobStarted): a job began (or resumed) running.
    job_progressed(JobProgress): a job reported progress (at most ~10 per second).
    job_paused(JobPaused): a job was paused.
    job_resumed(JobResumed): a paused job was resumed.
    job_completed(JobCompleted): a job finished its work.
    job_failed(JobFailed): a job stopped with an error.
    job_cancelled(JobCancelled): a job was cancelled.
    location_added(LocationAdded): a folder became a location of a library (its indexing is queued).
    location_removed(LocationRemoved): a location was forgotten (its files on disk are untouched).
    location_updated(LocationUpdated): a location's scan state, totals, name or rules changed.
    entries_changed(EntriesChanged): the indexed entries of one folder of a location changed (from the
        indexer or the live watcher, coalesced per folder and burst).
    volume_added(VolumeAdded): a filesystem was mounted.
    volume_removed(VolumeRemoved): a filesystem was unmounted.
    volume_updated(VolumeUpdated): a volume's name, capacity, free space or read-only state changed.
    tag_created(TagCreated): a tag was created.
    tag_updated(TagUpdated): a tag was renamed or recoloured.
    tag_deleted(TagDeleted): a tag was deleted (the files lost it).
    tags_changed(TagsChanged): a tag was added to or removed from files.
    conflict_asked(ConflictAsked): a file job waits for an answer: what to do with a name already taken.
    conflict_resolved(ConflictResolved): such a question was answered (here, by the CLI or the API).
    network_state_changed(NetworkStateChanged): networking was turned on or off.
    pairing_state_changed(PairingStateChanged): a pairing code shown here, or one being joined, moved on
        (waiting, confirming, paired, failed, expired, cancelled).
    device_paired(DevicePaired): a device was paired (from either side).
    device_revoked(DeviceRevoked): a paired device was forgotten.
    device_connectivity_changed(DeviceConnectivityChanged): a paired device came online or went offline.
    spacedrop_offered(SpacedropOffered): a paired device offers files and waits for an answer.
    spacedrop_answered(SpacedropAnswered): such an offer was answered (here, by the CLI, or timed out).
    """

    core_started = Signal(object)
    core_shutdown = Signal(object)
    library_created = Signal(object)
    library_opened = Signal(object)
    library_closed = Signal(object)
    library_deleted = Signal(object)
    library_renamed = Signal(object)
    current_library_changed = Signal(object)
    library_unavailable = Signal(object)
    job_queued = Signal(object)
    job_started = Signal(object)
    job_progressed = Signal(object)
    job_paused = Signal(object)
    job_resumed = Signal(object)
    job_completed = Signal(object)
    job_failed = Signal(object)
    job_cancelled = Signal(object)
    location_added = Signal(object)
    location_removed = Signal(object)
    location_updated = Signal(object)
    entries_changed = Signal(object)
    volume_added = Signal(object)
    volume_removed = Signal(object)
    volume_updated = Signal(object)
    tag_created = Signal(object)
    tag_updated = Signal(object)
    tag_deleted = Signal(object)
    tags_changed = Signal(object)
    conflict_asked = Signal(object)
    conflict_resolved = Signal(object)
    network_state_changed = Signal(object)
    pairing_state_changed = Signal(object)
    device_paired = Signal(object)
    device_revoked = Signal(object)
    device_connectivity_changed = Signal(object)
    spacedrop_offered = Signal(object)
    spacedrop_answered = Signal(object)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._subscription = bus.subscribe(maxsize=QUEUE_SIZE)
        self._task: asyncio.Task[None] | None = None
        self._signals: dict[type[ev.Event], SignalInstance] = {
            ev.CoreStarted: self.core_started,
            ev.CoreShutdown: self.core_shutdown,
            ev.LibraryCreated: self.library_created,
            ev.LibraryOpened: self.library_opened,
            ev.LibraryClosed: self.library_closed,
            ev.LibraryDeleted: self.library_deleted,
            ev.LibraryRenamed: self.library_renamed,
            ev.CurrentLibraryChanged: self.current_library_changed,
            ev.LibraryUnavailable: self.library_unavailable,
            ev.JobQueued: self.job_queued,
            ev.JobStarted: self.job_started,
            ev.JobProgress: self.job_progressed,
            ev.JobPaused: self.job_paused,
            ev.JobResumed: self.job_resumed,
            ev.JobCompleted: self.job_completed,
            ev.JobFailed: self.job_failed,
            ev.JobCancelled: self.job_cancelled,
            ev.LocationAdded: self.location_added,
            ev.LocationRemoved: self.location_removed,
            ev.LocationUpdated: self.location_updated,
            ev.EntriesChanged: self.entries_changed,
            ev.VolumeAdded: self.volume_added,
            ev.VolumeRemoved: self.volume_removed,
            ev.VolumeUpdated: self.volume_updated,
            ev.TagCreated: self.tag_created,
            ev.TagUpdated: self.tag_updated,
            ev.TagDeleted: self.tag_deleted,
            ev.TagsChanged: self.tags_changed,
            ev.ConflictAsked: self.conflict_asked,
            ev.ConflictResolved: self.conflict_resolved,
            ev.NetworkStateChanged: self.network_state_changed,
            ev.PairingStateChanged: self.pairing_state_changed,
            ev.DevicePaired: self.device_paired,
            ev.DeviceRevoked: self.device_revoked,
            ev.DeviceConnectivityChanged: self.device_connectivity_changed,
            ev.SpacedropOffered: self.spacedrop_offered,
            ev.SpacedropAnswered: self.spacedrop_answered,
        }

    def start(self) -> None:
        """Begin delivering events (the ones queued since the bridge was created come first)."""
        if self._task is None:
            self._task = asyncio.create_task(self._deliver(), name="core-bridge")

    async def stop(self) -> None:
        """Close the subscription and wait for the delivery task to end."""
        self._subscription.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _deliver(self) -> None:
        async for event in self._subscription:
            signal = self._signals.get(type(event))
            if signal is not None:
                signal.emit(event)
            if self._subscription.dropped:
                log.warning("the GUI fell behind: %d core events were dropped", self._subscription.dropped)
                self._subscription.dropped = 0
