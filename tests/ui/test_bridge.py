"""CoreBridge: every core event the GUI cares about arrives as its Qt signal, in order, on the GUI side."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from spacedrive import Core
from spacedrive.domain import events as ev
from spacedrive.operations import locations, tags
from tests.ui.helpers import StepJob
from ui.bridge import CoreBridge

SIGNALS = [
    "core_started",
    "core_shutdown",
    "library_created",
    "library_opened",
    "library_closed",
    "library_deleted",
    "library_renamed",
    "current_library_changed",
    "library_unavailable",
    "job_queued",
    "job_started",
    "job_progressed",
    "job_paused",
    "job_resumed",
    "job_completed",
    "job_failed",
    "job_cancelled",
    "location_added",
    "location_removed",
    "location_updated",
    "entries_changed",
    "volume_added",
    "volume_removed",
    "volume_updated",
    "tag_created",
    "tag_updated",
    "tag_deleted",
    "tags_changed",
    "conflict_asked",
    "conflict_resolved",
    "network_state_changed",
    "pairing_state_changed",
    "device_paired",
    "device_revoked",
    "device_connectivity_changed",
    "spacedrop_offered",
    "spacedrop_answered",
]


class Recorder:
    """Connects to every signal of a bridge and records (signal name, event)."""

    def __init__(self, bridge: CoreBridge) -> None:
        self.received: list[tuple[str, Any]] = []
        for name in SIGNALS:
            getattr(bridge, name).connect(lambda event, name=name: self.received.append((name, event)))

    def names(self) -> list[str]:
        return [name for name, _ in self.received]

    def events(self, name: str) -> list[Any]:
        return [event for signal, event in self.received if signal == name]


@pytest.fixture
def core(run: Callable[..., Any], tmp_path: Path) -> Iterator[Core]:
    c = Core(tmp_path / "data", mode="gui")
    yield c
    run(c.stop())


def test_events_from_before_start_are_delivered_once_started(core: Core, run, wait) -> None:
    bridge = CoreBridge(core.bus)
    recorder = Recorder(bridge)
    run(core.start(ensure_default_library=True))
    assert recorder.received == []  # nothing is emitted before the widgets said they are ready

    bridge.start()
    wait(lambda: "core_started" in recorder.names())
    assert [e.name for e in recorder.events("library_created")] == ["My Library"]
    assert recorder.names().index("library_created") < recorder.names().index("core_started")
    assert all(isinstance(e, ev.Event) for _, e in recorder.received)
    run(bridge.stop())


def test_a_bridge_replays_nothing_from_before_it_existed(core: Core, run, wait) -> None:
    run(core.start(ensure_default_library=True))

    bridge = CoreBridge(core.bus)
    recorder = Recorder(bridge)
    bridge.start()

    async def rename() -> None:
        await core.libraries.rename("My Library", "Archive")

    run(rename())
    wait(lambda: recorder.events("library_renamed"))
    assert recorder.names() == ["library_renamed"]
    renamed = recorder.events("library_renamed")[0]
    assert (renamed.old_name, renamed.name) == ("My Library", "Archive")
    run(bridge.stop())


def test_library_and_job_lifecycle_signals(core: Core, run, wait) -> None:
    run(core.start(ensure_default_library=True))

    bridge = CoreBridge(core.bus)
    recorder = Recorder(bridge)
    bridge.start()

    async def library_work() -> None:
        photos = await core.libraries.create("Photos")
        await core.libraries.switch(str(photos.id))
        await core.libraries.close(str(photos.id))
        await core.libraries.delete(str(photos.id))
        await core.libraries.switch("My Library")

    run(library_work())
    wait(lambda: len(recorder.events("current_library_changed")) == 3)
    assert [name for name in recorder.names() if name.startswith(("library", "current"))] == [
        "library_opened",
        "library_created",
        "current_library_changed",  # to Photos
        "current_library_changed",  # to none: the current library was closed
        "library_closed",
        "library_deleted",
        "current_library_changed",  # back to My Library
    ]

    library = core.current_library()
    job_id = run(library.jobs.dispatch(StepJob(total=500, delay=0.01)))
    wait(lambda: recorder.events("job_progressed"))
    run(library.jobs.pause(job_id))
    run(library.jobs.resume(job_id))
    run(library.jobs.cancel(job_id))
    wait(lambda: recorder.events("job_cancelled"))
    job_signals = [name for name in recorder.names() if name.startswith("job")]
    assert job_signals[:2] == ["job_queued", "job_started"]
    assert [n for n in job_signals if n != "job_progressed"][2:] == [
        "job_paused",
        "job_resumed",
        "job_cancelled",
    ]
    assert all(e.id == job_id for name, e in recorder.received if name.startswith("job"))

    finished = run(library.jobs.dispatch(StepJob(total=3, delay=0)))
    wait(lambda: recorder.events("job_completed"))
    assert recorder.events("job_completed")[0].id == finished
    run(bridge.stop())


def test_stop_ends_delivery(core: Core, run, wait) -> None:
    run(core.start(ensure_default_library=True))

    bridge = CoreBridge(core.bus)
    recorder = Recorder(bridge)
    bridge.start()
    run(bridge.stop())
    run(core.libraries.create("Later"))
    run(core.stop())
    assert recorder.received == []
    assert core.bus.subscriber_count == 0


def test_location_entry_and_volume_signals(core: Core, run, wait, tmp_path: Path) -> None:
    run(core.start(ensure_default_library=True))
    bridge = CoreBridge(core.bus)
    recorder = Recorder(bridge)
    bridge.start()
    folder = tmp_path / "Photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"x")

    library = core.current_library()
    info, _job = run(locations.add_location(library, str(folder)))
    wait(lambda: recorder.events("entries_changed") and len(recorder.events("location_updated")) >= 2)
    added = recorder.events("location_added")[0]
    assert (added.id, added.name, added.path) == (info.id, "Photos", str(folder))
    changed = recorder.events("entries_changed")[0]
    assert (changed.location_id, changed.relative_path, changed.created) == (info.id, "", 1)
    run(locations.remove_location(library, info.id))
    wait(lambda: recorder.events("location_removed"))
    assert recorder.events("location_removed")[0].id == info.id

    # Volumes come and go with disks; the bridge maps whatever the volume manager reports.
    for event in (
        ev.VolumeAdded(fingerprint="f", name="Stick", mount_point="/media/stick"),
        ev.VolumeUpdated(fingerprint="f", name="Stick", mount_point="/media/stick"),
        ev.VolumeRemoved(fingerprint="f", name="Stick", mount_point="/media/stick"),
    ):
        core.bus.emit(event)
    wait(lambda: recorder.events("volume_removed"))
    volume_signals = [name for name in recorder.names() if name.startswith("volume")]
    assert volume_signals == ["volume_added", "volume_updated", "volume_removed"]
    run(bridge.stop())


def test_tag_and_conflict_signals(core: Core, run, wait, tmp_path: Path) -> None:
    run(core.start(ensure_default_library=True))
    bridge = CoreBridge(core.bus)
    recorder = Recorder(bridge)
    bridge.start()
    library = core.current_library()
    (tmp_path / "a.txt").write_text("a")

    async def tag_work() -> None:
        await tags.create_tag(library, "Work", "#f00")
        await tags.add_tag(library, [str(tmp_path / "a.txt")], "Work")
        await tags.update_tag(library, "Work", name="Job")
        await tags.delete_tag(library, "Job")

    run(tag_work())
    wait(lambda: recorder.events("tag_deleted"))
    assert [n for n in recorder.names() if n.startswith("tag")] == [
        "tag_created",
        "tags_changed",
        "tag_updated",
        "tag_deleted",
    ]
    assert recorder.events("tags_changed")[0].paths == (str(tmp_path / "a.txt"),)

    (tmp_path / "dst").mkdir()
    (tmp_path / "dst" / "a.txt").write_text("other")
    outcome = run(core.files.copy([str(tmp_path / "a.txt")], str(tmp_path / "dst")))
    wait(lambda: recorder.events("conflict_asked"))
    asked = recorder.events("conflict_asked")[0]
    assert (asked.job_id, asked.destination) == (outcome.job_id, str(tmp_path / "dst" / "a.txt"))
    core.files.resolve_conflict(outcome.job_id, "keep-both")
    wait(lambda: recorder.events("conflict_resolved"))
    run(core.files.wait(outcome.job_id))
    assert (tmp_path / "dst" / "a (2).txt").read_text() == "a"
    run(bridge.stop())


def test_network_signals(core: Core, run, wait) -> None:
    run(core.start())
    bridge = CoreBridge(core.bus)
    recorder = Recorder(bridge)
    bridge.start()
    for event in (
        ev.NetworkStateChanged(True, "d1", 7373, ""),
        ev.PairingStateChanged("s", "initiator", "waiting", "", "", "", 0.0),
        ev.DevicePaired("d2", "phone"),
        ev.DeviceRevoked("d2", "phone"),
        ev.DeviceConnectivityChanged("d2", False),
        ev.SpacedropOffered("o", "d2", "phone", 1, 0, 5, ("a.txt",)),
        ev.SpacedropAnswered("o", False, ""),
    ):
        core.bus.emit(event)
    wait(lambda: recorder.events("spacedrop_answered"))
    assert recorder.names()[-7:] == SIGNALS[-7:]
    run(bridge.stop())
