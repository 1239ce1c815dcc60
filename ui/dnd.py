"""Dropping files: where they go, what the drop does (Ctrl copy, Shift move, Alt link, else as file
managers do), and an event filter that makes any widget a drop target.

A ``DropTarget`` is installed on an item view's viewport, a tab bar or the sidebar; it asks its widget's
owner what lies under the pointer (a folder, or a tag) and emits ``dropped`` with a ``DropRequest``.
Nothing is done here: the window's file actions (or tag actions) carry the request out, on the loop.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QWidget

from ui.clipboard import decode

COPY = "copy"
MOVE = "move"
LINK = "link"
#: Files dropped onto a tag get the tag; they stay where they are.
TAG = "tag"
#: Files dropped onto a paired device are sent there (Spacedrop); they stay where they are.
SEND = "send"
_ACTIONS = {COPY: Qt.DropAction.CopyAction, MOVE: Qt.DropAction.MoveAction, LINK: Qt.DropAction.LinkAction}


@dataclass(frozen=True, slots=True)
class Target:
    """Where a drop lands: a folder (exact path), a tag (its name) the files get, or a paired device (its
    network id) they are sent to."""

    folder: bytes | None = None
    tag: str | None = None
    device: str | None = None


@dataclass(frozen=True, slots=True)
class DropRequest:
    """Files dropped (exact paths) onto ``target``, to ``COPY``, ``MOVE`` or ``LINK`` there (``TAG`` onto a
    tag, ``SEND`` onto a device)."""

    paths: tuple[bytes, ...]
    target: Target
    operation: str


def _device(path: bytes) -> int | None:
    try:
        return os.lstat(path).st_dev
    except OSError:
        return None


def operation_for(modifiers: Qt.KeyboardModifier, paths: tuple[bytes, ...], folder: bytes) -> str:
    """Ctrl copies, Shift moves, Alt (or Ctrl+Shift, as in Dolphin) links; otherwise a move within one
    volume and a copy onto another, as Nautilus, Finder and Windows Explorer do."""
    ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
    shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
    if modifiers & Qt.KeyboardModifier.AltModifier or (ctrl and shift):
        return LINK
    if ctrl:
        return COPY
    if shift:
        return MOVE
    here = _device(folder)
    return MOVE if here is not None and all(_device(p) == here for p in paths) else COPY


def does_nothing(paths: tuple[bytes, ...], folder: bytes, operation: str) -> bool:
    """Whether the drop would change nothing: files moved into the folder they are in, or a folder
    dropped onto itself."""
    if any(p.rstrip(b"/") == folder.rstrip(b"/") for p in paths):
        return True
    return operation == MOVE and all(os.path.dirname(p.rstrip(b"/")) == folder.rstrip(b"/") for p in paths)


class DropTarget(QObject):
    """Event filter accepting file drags over ``widget``; ``target_at(pos)`` says what is under the pointer
    (None: nothing takes a drop there). ``hovered(pos)`` is told of every move (a tab bar switches tabs).

    Signals
    -------
    dropped(object): files were dropped: a ``DropRequest``.
    """

    dropped = Signal(object)

    def __init__(
        self,
        widget: QWidget,
        target_at: Callable[[QPoint], Target | None],
        hovered: Callable[[QPoint], None] | None = None,
    ) -> None:
        super().__init__(widget)
        self._target_at = target_at
        self._hovered = hovered
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def request(self, event: QDropEvent) -> DropRequest | None:
        """What dropping now would do, or None when the drop is refused."""
        files = decode(event.mimeData())
        if files is None:
            return None
        target = self._target_at(event.position().toPoint())
        if target is None:
            return None
        if target.tag is not None:
            return DropRequest(files.paths, target, TAG)
        if target.device is not None:
            return DropRequest(files.paths, target, SEND)
        assert target.folder is not None
        operation = operation_for(event.modifiers(), files.paths, target.folder)
        if not event.possibleActions() & _ACTIONS[operation]:
            # The source does not offer it (another application that only copies): do what it offers.
            offered = event.possibleActions()
            only_moves = offered & Qt.DropAction.MoveAction and not offered & Qt.DropAction.CopyAction
            operation = MOVE if only_moves else COPY
        if does_nothing(files.paths, target.folder, operation):
            return None
        return DropRequest(files.paths, target, operation)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        assert isinstance(event, QDropEvent)
        if kind == QEvent.Type.DragEnter:
            # Entering is accepted for any files, so moves over parts that refuse still reach us.
            if decode(event.mimeData()) is None:
                event.ignore()
            else:
                event.acceptProposedAction()
            return True
        if kind == QEvent.Type.DragMove and self._hovered is not None:
            self._hovered(event.position().toPoint())
        request = self.request(event)
        if request is None:
            event.ignore()
            return True
        # A tag or device drop leaves the files where they are: the source must not remove them.
        event.setDropAction(_ACTIONS.get(request.operation, Qt.DropAction.CopyAction))
        event.accept()
        if kind == QEvent.Type.Drop:
            self.dropped.emit(request)
        return True
