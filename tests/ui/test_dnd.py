"""Drag and drop between panes, folders and other applications: Ctrl copies, Shift moves, Alt links."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from uuid import uuid4

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget

from spacedrive.operations import locations, tags
from ui.clipboard import URI_LIST, decode, encode
from ui.dnd import COPY, LINK, MOVE, DropTarget, does_nothing, operation_for
from ui.session import GuiSession
from ui.views.explorer_pane import ExplorerPane
from ui.views.main_window import MainWindow

ALL = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction | Qt.DropAction.LinkAction
NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def drop(widget: QWidget, pos: QPoint, paths: list[Path], modifiers: Qt.KeyboardModifier) -> bool:
    """Drop ``paths`` at ``pos`` on ``widget`` as a drag from a file manager would; whether it was taken."""
    mime = encode([os.fsencode(p) for p in paths])
    # Qt delivers drop events only from its own drag loop; the widget's drop handling gets this one
    # as it would get that one.
    target = widget.findChild(DropTarget)
    assert target is not None, "the widget takes no drops"
    hover = QDragMoveEvent(pos, ALL, mime, Qt.MouseButton.LeftButton, modifiers)
    target.eventFilter(widget, hover)
    if not hover.isAccepted():
        return False
    event = QDropEvent(QPointF(pos), ALL, mime, Qt.MouseButton.LeftButton, modifiers, QEvent.Type.Drop)
    target.eventFilter(widget, event)
    return event.isAccepted()


def background(pane: ExplorerPane) -> tuple[QWidget, QPoint]:
    """Where a drop lands in the folder shown: the items' empty corner, or the empty folder's message."""
    content = pane.content
    page = content.stack.currentWidget()
    if page is content.message_label:
        return page, QPoint(5, 5)
    viewport = content.current_view().viewport()
    return viewport, QPoint(viewport.width() - 5, viewport.height() - 5)


def names(pane: ExplorerPane) -> list[str]:
    model = pane.content.model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_the_default_operation_is_a_move_on_one_volume_and_a_copy_across(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    src = (os.fsencode(tmp_path / "a"),)
    assert operation_for(NONE, src, os.fsencode(tmp_path)) == MOVE
    assert operation_for(CTRL, src, os.fsencode(tmp_path)) == COPY
    assert operation_for(SHIFT, src, os.fsencode(tmp_path)) == MOVE
    assert operation_for(ALT, src, os.fsencode(tmp_path)) == LINK
    assert operation_for(CTRL | SHIFT, src, os.fsencode(tmp_path)) == LINK
    shm = Path("/dev/shm")
    if shm.is_dir() and os.stat(shm).st_dev != os.stat(tmp_path).st_dev:
        assert operation_for(NONE, src, os.fsencode(shm)) == COPY
    assert does_nothing(src, os.fsencode(tmp_path), MOVE)  # into the folder it is in
    assert not does_nothing(src, os.fsencode(tmp_path), COPY)
    assert does_nothing((os.fsencode(tmp_path),), os.fsencode(tmp_path), COPY)  # a folder onto itself


@pytest.fixture
def panes(
    session: GuiSession, run, wait, files: Path, tmp_path: Path
) -> tuple[MainWindow, ExplorerPane, ExplorerPane]:
    """The window split: the left pane shows ``files``, an indexed location with "photo 2.jpg" tagged Red;
    the right one an ephemeral folder."""
    window = session.window
    core = session.core
    assert window is not None and core is not None
    library = core.current_library()
    run(locations.add_location(library, str(files)))
    left = window.explorer.active_pane()
    wait(lambda: left.content.index_label.text() == "Indexed", timeout=10)
    run(tags.create_tag(library, "Red", "#ff0000"))
    run(tags.add_tag(library, [str(files / "photo 2.jpg")], "Red"))
    eph = tmp_path / "eph"
    eph.mkdir()
    window.explorer.set_split(True)
    right = window.explorer.active_pane()
    run(right.open_path(eph))
    return window, left, right


def test_drags_between_an_indexed_location_and_an_ephemeral_folder(
    panes: tuple[MainWindow, ExplorerPane, ExplorerPane],
    session: GuiSession,
    run,
    wait,
    files: Path,
    tmp_path: Path,
) -> None:
    window, left, right = panes
    eph = tmp_path / "eph"
    library = session.core.current_library()  # type: ignore[union-attr]

    assert drop(*background(right), [files / "notes.txt"], CTRL)  # Ctrl: copy
    wait(lambda: names(right) == ["notes.txt"])
    assert (eph / "notes.txt").read_text() == "notes.txt" and (files / "notes.txt").exists()

    assert drop(*background(right), [files / "photo 2.jpg"], SHIFT)  # Shift: move, its tag goes along
    wait(lambda: "photo 2.jpg" in names(right) and "photo 2.jpg" not in names(left))
    assert not (files / "photo 2.jpg").exists()
    tagged = run(tags.entries_with_tag(library, "Red"))
    assert [e.path for e in tagged] == [os.fsencode(eph / "photo 2.jpg")] and not tagged[0].indexed
    moved = next(e for e in right.content.model.entries() if e.name == "photo 2.jpg")
    wait(lambda: next(e for e in right.content.model.entries() if e.name == "photo 2.jpg").tags == ("Red",))
    assert moved.raw_parent == os.fsencode(eph)

    # And back into the location, onto its Albums folder: indexed again, the tag still on it.
    view = left.content.current_view()
    albums = left.content.model.index(left.content.model.row_of(b"Albums") or 0, 0)
    assert drop(view.viewport(), view.visualRect(albums).center(), [eph / "photo 2.jpg"], SHIFT)
    wait(lambda: (files / "Albums" / "photo 2.jpg").exists() and "photo 2.jpg" not in names(right))
    tagged = run(tags.entries_with_tag(library, "Red"))
    assert [e.path for e in tagged] == [os.fsencode(files / "Albums" / "photo 2.jpg")] and tagged[0].indexed
    assert window.explorer.is_split()


def test_alt_links_and_a_drop_onto_its_own_folder_does_nothing(
    panes: tuple[MainWindow, ExplorerPane, ExplorerPane], wait, files: Path, tmp_path: Path
) -> None:
    _window, left, right = panes
    assert drop(*background(right), [files / "notes.txt"], ALT)
    wait(lambda: (tmp_path / "eph" / "notes.txt").is_symlink())
    assert os.readlink(tmp_path / "eph" / "notes.txt") == str(files / "notes.txt")
    assert not drop(*background(left), [files / "notes.txt"], NONE)  # already there
    assert not drop(*background(left), [files / "notes.txt"], SHIFT)
    assert sorted(os.listdir(files)) == sorted(["Albums", "notes.txt", "photo 10.jpg", "photo 2.jpg"])


def test_a_drop_on_a_tab_goes_to_its_folder_and_files_from_other_apps_are_taken(
    session: GuiSession, run, wait, files: Path, tmp_path: Path
) -> None:
    window = session.window
    assert window is not None
    outside = Path("/dev/shm") / f"sd-dnd-{uuid4().hex[:8]}"
    outside.mkdir()
    try:
        (outside / "from other app.txt").write_text("x")
        explorer = window.explorer
        explorer.new_tab(files / "Albums")
        wait(lambda: explorer.active_pane().path == files / "Albums")
        bar = explorer.sides[0].tabs.tabBar()
        # Another volume, no modifier: a copy, as any file manager does across volumes.
        assert drop(bar, bar.tabRect(1).center(), [outside / "from other app.txt"], NONE)
        wait(lambda: (files / "Albums" / "from other app.txt").exists())
        assert (outside / "from other app.txt").exists()
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def test_dragging_items_out_carries_them_as_a_uri_list(session: GuiSession, files: Path) -> None:
    window = session.window
    assert window is not None
    content = window.content
    model = content.model
    rows = [model.row_of(b"notes.txt"), model.row_of(b"photo 2.jpg")]
    indexes = [model.index(row, column) for row in rows if row is not None for column in (0, 1)]
    mime = model.mimeData(indexes)
    assert bytes(mime.data(URI_LIST).data()).count(b"file://") == 2
    files_dragged = decode(mime)
    assert files_dragged is not None and set(files_dragged.paths) == {
        os.fsencode(files / "notes.txt"),
        os.fsencode(files / "photo 2.jpg"),
    }
    for view in (content.grid_view, content.details_view, content.media_view, content.columns_view.last):
        assert view.dragEnabled() and view.viewport().acceptDrops()
