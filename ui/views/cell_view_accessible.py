"""What screen readers see of a CellView: a list whose items are its rows, as Qt shows a QListView.

Qt gives item-level accessibility only to its own item views (QListView, QTableView, QTreeView); any other
QAbstractItemView is one opaque widget. ``CellViewAccessible`` answers for a CellView instead (cell_view.py
installs the factory). Items are made when asked for, one row at a time, so a 100k-row folder costs nothing
until a screen reader walks it.

Events: QAbstractItemView itself tells screen readers of rows inserted, removed or moved and of resets;
the focus moving to an item and selection changes are told here, as QListView tells them.

Lifetimes: Qt's accessibility cache holds an item by a raw pointer once registered, so each item's Python
object stays in its view's ``AccessibleItems`` until it is deleted through that cache: when its row goes
(noticed at the next question), the model resets or the view is destroyed. The view's own interface is
deleted by Qt with the view; PySide's factory keeps its Python shell (a few dozen bytes) until exit.
"""

from __future__ import annotations

import atexit
import weakref
from typing import TYPE_CHECKING, cast

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    SignalInstance,
)
from PySide6.QtGui import (
    QAccessible,
    QAccessibleActionInterface,
    QAccessibleEvent,
    QAccessibleInterface,
    QWindow,
)
from PySide6.QtWidgets import QAbstractItemView, QAccessibleWidget

if TYPE_CHECKING:
    from ui.views.cell_view import CellView

_Event = QAccessible.Event
_Mode = QAbstractItemView.SelectionMode
_Flag = QItemSelectionModel.SelectionFlag
_NAME_ROLES = (int(Qt.ItemDataRole.AccessibleTextRole), int(Qt.ItemDataRole.DisplayRole))
_DESCRIPTION_ROLES = (int(Qt.ItemDataRole.AccessibleDescriptionRole), int(Qt.ItemDataRole.ToolTipRole))
_PRESS = QAccessibleActionInterface.pressAction()
_TOGGLE = QAccessibleActionInterface.toggleAction()


class AccessibleItems:
    """The accessible interfaces of one CellView: its own, and its rows' made so far (by row)."""

    def __init__(self, view: CellView) -> None:
        self._view = weakref.ref(view)
        _registries.add(self)
        self._items: dict[int, CellAccessible] = {}
        #: Held as long as the view lives (PySide's factory holds it too, but may let go first at exit).
        self._interface: CellViewAccessible | None = None
        self._watching = False
        #: The model whose rows the items are (watched: its rows moving makes the keys stale).
        self._model: weakref.ref[QAbstractItemModel] | None = None
        self._stale = False

    def make_interface(self) -> CellViewAccessible | None:
        """The view's interface, for Qt's factory (it asks once; Qt keeps and deletes it)."""
        view = self._view()
        if view is None:
            return None
        self._interface = CellViewAccessible(view)
        self._watch(view)
        return self._interface

    def count(self) -> int:
        view = self._view()
        model = view.model() if view is not None else None
        return model.rowCount(view.rootIndex()) if view is not None and model is not None else 0

    def item(self, row: int) -> CellAccessible | None:
        """The interface of ``row``, made now if it was never asked for."""
        view = self._view()
        if view is None or not 0 <= row < self.count():
            return None
        if self._stale:
            self._rekey()
        item = self._items.get(row)
        if item is None:
            model = view.model()
            self._follow(model)
            item = CellAccessible(view, model.index(row, 0, view.rootIndex()))
            item.id = QAccessible.registerAccessibleInterface(item)
            self._items[row] = item
            self._watch(view)
        return item

    def items_made(self) -> int:
        """How many item interfaces exist (a screen reader asked about these rows)."""
        return len(self._items)

    def _rekey(self) -> None:
        """Follow rows that moved (their persistent indexes did); delete the items of rows gone."""
        self._stale = False
        by_row: dict[int, CellAccessible] = {}
        for item in self._items.values():
            row = item.row()
            if row < 0 or row in by_row:
                _delete(item)
            else:
                by_row[row] = item
        self._items = by_row

    def clear(self) -> None:
        """Delete every item (the model reset or changed, or the root did)."""
        items, self._items = self._items, {}
        for item in items.values():
            _delete(item)

    def _follow(self, model: QAbstractItemModel) -> None:
        if self._model is not None and self._model() is model:
            return
        self._unfollow()
        self._model = weakref.ref(model)
        for signal in _moves(model):
            signal.connect(self._rows_moved)

    def _unfollow(self) -> None:
        model = self._model() if self._model is not None else None
        self._model = None
        if model is not None and shiboken6.isValid(model):
            for signal in _moves(model):
                signal.disconnect(self._rows_moved)

    def _rows_moved(self, *_: object) -> None:
        # Only noted: a screen reader's next question looks again (once, however many changes came).
        self._stale = bool(self._items)

    def _watch(self, view: CellView) -> None:
        if not self._watching:
            self._watching = True
            view.destroyed.connect(self._view_destroyed)

    def _view_destroyed(self) -> None:
        self.clear()
        self._unfollow()
        self._interface = None
        _registries.discard(self)

    def release(self) -> None:
        """Delete every interface made here, the view's too, while Python still runs (see ``_at_exit``)."""
        self.clear()
        interface, self._interface = self._interface, None
        if interface is not None and shiboken6.isValid(interface):
            iface_id = QAccessible.uniqueId(interface)
            if QAccessible.accessibleInterface(iface_id) is interface:
                QAccessible.deleteAccessibleInterface(iface_id)


#: Every live view's registry, to release at exit. Held strongly: a registry that went with its view's
#: Python wrapper (the C++ view still alive) took its items' Python halves along, and Qt's cache then
#: deleted items whose Python objects were gone.
_registries: set[AccessibleItems] = set()


@atexit.register
def _at_exit() -> None:
    """Qt's accessibility cache deletes what it still holds when the application object goes, which can
    be after Python has shut down: deleting a Python-made interface then crashes the process (a test
    run ended in a segmentation fault after all tests passed). So they are deleted here, first."""
    for registry in list(_registries):
        registry.release()


def _moves(model: QAbstractItemModel) -> tuple[SignalInstance, ...]:
    """The model's signals after which rows may be elsewhere, or gone."""
    return (model.rowsInserted, model.rowsRemoved, model.rowsMoved, model.layoutChanged, model.modelReset)


def _delete(item: CellAccessible) -> None:
    # Through Qt's cache, which holds it: deleting the C++ object invalidates the Python one. The check
    # covers an item the cache already deleted (its own teardown at exit).
    if shiboken6.isValid(item) and QAccessible.accessibleInterface(item.id) is item:
        QAccessible.deleteAccessibleInterface(item.id)


class CellViewAccessible(QAccessibleWidget):
    """A CellView as a list (QAccessible.List) whose children are its rows (first column), in order."""

    # No attributes of its own: PySide's factory keeps every interface it returned (a dead shell once the
    # view is gone) until the application ends.

    def __init__(self, view: CellView) -> None:
        super().__init__(view, QAccessible.Role.List)

    def _view(self) -> CellView | None:
        return cast("CellView | None", self.object()) if self.isValid() else None

    def _live_items(self) -> AccessibleItems | None:
        view = self._view()
        return view.accessible_items() if view is not None else None

    def state(self) -> QAccessible.State:
        state = super().state()
        view = self._view()
        if view is not None:
            mode = view.selectionMode()
            state.multiSelectable = mode == _Mode.MultiSelection
            state.extSelectable = mode == _Mode.ExtendedSelection
        return state

    def childCount(self) -> int:
        items = self._live_items()
        return items.count() if items is not None else 0

    def child(self, index: int) -> QAccessibleInterface | None:  # type: ignore[override]
        items = self._live_items()
        return items.item(index) if items is not None else None

    def indexOfChild(self, child: QAccessibleInterface) -> int:
        if isinstance(child, CellAccessible) and child.view() is self._view():
            return child.row()
        return -1

    def childAt(self, x: int, y: int) -> QAccessibleInterface | None:  # type: ignore[override]
        view = self._view()
        if view is None:
            return None
        index = view.indexAt(view.viewport().mapFromGlobal(QPoint(x, y)))
        return self.child(index.row()) if index.isValid() else None

    def focusChild(self) -> QAccessibleInterface | None:  # type: ignore[override]
        """The current item, when the view has the focus."""
        view = self._view()
        if view is None or not view.has_focus():
            return None
        current = view.currentIndex()
        return self.child(current.row()) if view.shows(current) else None


class CellAccessible(QAccessibleInterface, QAccessibleActionInterface):
    """One row of a CellView as a list item: its name, where its cell is, whether it is selected or
    current; pressing it opens it (as Enter would), toggling it selects or deselects it."""

    def __init__(self, view: CellView, index: QModelIndex) -> None:
        QAccessibleInterface.__init__(self)
        QAccessibleActionInterface.__init__(self)
        self._view = weakref.ref(view)
        self._index = QPersistentModelIndex(index)
        #: Its id in Qt's accessibility cache (which holds it from the start).
        self.id = 0

    def view(self) -> CellView | None:
        view = self._view()
        return view if view is not None and shiboken6.isValid(view) else None

    def row(self) -> int:
        """Its row in the view, or -1 once the row is gone (removed, a reset, another model or root)."""
        view, index = self.view(), self._index
        if view is None or not view.shows(index):
            return -1
        return index.row()

    def _data(self, roles: tuple[int, int]) -> str:
        model = self._index.model()
        for role in roles:
            value = model.data(self._index, role) if model is not None else None
            if value:
                return str(value)
        return ""

    # ---- QAccessibleInterface -------------------------------------------------------------------------

    def isValid(self) -> bool:
        return self.row() >= 0

    def object(self) -> None:  # type: ignore[override]
        return None

    def window(self) -> QWindow | None:  # type: ignore[override]
        view = self.view()
        return view.window().windowHandle() if view is not None else None

    def parent(self) -> QAccessibleInterface | None:  # type: ignore[override]
        view = self.view()
        return QAccessible.queryAccessibleInterface(view) if view is not None else None

    def child(self, index: int) -> None:  # type: ignore[override]
        return None

    def childCount(self) -> int:
        return 0

    def childAt(self, x: int, y: int) -> None:  # type: ignore[override]
        return None

    def indexOfChild(self, child: QAccessibleInterface) -> int:
        return -1

    def role(self) -> QAccessible.Role:
        return QAccessible.Role.ListItem

    def text(self, t: QAccessible.Text) -> str:
        if not self.isValid():
            return ""
        if t == QAccessible.Text.Name:
            return self._data(_NAME_ROLES)
        if t == QAccessible.Text.Description:
            return self._data(_DESCRIPTION_ROLES)
        return ""

    def setText(self, t: QAccessible.Text, text: str) -> None:
        """Nothing: a name is changed by renaming the file, which the view's own commands do."""

    def rect(self) -> QRect:
        """The cell, in screen coordinates."""
        view = self.view()
        if view is None or not self.isValid():
            return QRect()
        rect = view.visualRect(self._index)
        return rect.translated(view.viewport().mapToGlobal(QPoint(0, 0))) if rect.isValid() else rect

    def state(self) -> QAccessible.State:
        state = QAccessible.State()
        view = self.view()
        if view is None or not self.isValid():
            state.invalid = True
            return state
        index = self._index
        flags = index.flags()
        if flags & Qt.ItemFlag.ItemIsSelectable:
            state.selectable = state.focusable = True
            mode = view.selectionMode()
            state.multiSelectable = mode == _Mode.MultiSelection
            state.extSelectable = mode == _Mode.ExtendedSelection
        if not flags & Qt.ItemFlag.ItemIsEnabled:
            state.disabled = True
        selection = view.selectionModel()
        if selection is not None and selection.isSelected(index):
            state.selected = True
        if index == view.currentIndex() and view.has_focus():
            state.focused = True
        cell = view.visualRect(index)
        if not view.isVisible() or not cell.intersects(view.viewport().rect()):
            state.invisible = state.offscreen = True
        return state

    def interface_cast(self, t: QAccessible.InterfaceType) -> shiboken6.VoidPtr:  # type: ignore[override]
        # Qt asks for the action part by pointer; this object's second C++ half is that interface. A plain
        # int (even 0) here crashes PySide's conversion: it must be a VoidPtr.
        if t == QAccessible.InterfaceType.ActionInterface:
            return shiboken6.VoidPtr(shiboken6.getCppPointer(self)[1])
        return shiboken6.VoidPtr(0)

    # ---- QAccessibleActionInterface -------------------------------------------------------------------

    def actionNames(self) -> list[str]:
        return [_PRESS, _TOGGLE] if self.isValid() else []

    def doAction(self, name: str) -> None:
        view = self.view()
        if view is None or not self.isValid():
            return
        index = self._index.sibling(self._index.row(), 0)  # a plain index, as the signal carries
        if name == _PRESS:
            view.activated.emit(index)  # what Enter or a double click does: open it
        elif name == _TOGGLE:
            _toggle(view, index)

    def keyBindingsForAction(self, name: str) -> list[str]:
        return []


def _toggle(view: QAbstractItemView, index: QModelIndex) -> None:
    selection, mode = view.selectionModel(), view.selectionMode()
    if selection is None or mode == _Mode.NoSelection:
        return
    if selection.isSelected(index):
        selection.select(index, _Flag.Deselect)
    elif mode == _Mode.SingleSelection:
        selection.select(index, _Flag.ClearAndSelect)
    else:
        selection.select(index, _Flag.Select)


# ---- events ------------------------------------------------------------------------------------------


def announce_current(view: CellView, current: QModelIndex | QPersistentModelIndex) -> None:
    """Tell screen readers the focus moved to ``current``'s item (QListView does so; QAbstractItemView
    does not)."""
    if QAccessible.isActive() and view.has_focus() and view.shows(current):
        _send(view, _Event.Focus, current.row())


def announce_selection(view: CellView, selected: QItemSelection, deselected: QItemSelection) -> None:
    """Tell screen readers what the selection change was: one item added, removed or now the only one
    selected, else that several changed. Counted from ranges: Ctrl+A on 100k rows is one range."""
    if not QAccessible.isActive():
        return
    root = view.rootIndex()
    added, first_added = _rows(selected, root)
    removed, first_removed = _rows(deselected, root)
    selection = view.selectionModel()
    if added == 1 and selection is not None and _rows(selection.selection(), root)[0] == 1:
        _send(view, _Event.Selection, first_added)
    elif added == 1 and not removed:
        _send(view, _Event.SelectionAdd, first_added)
    elif removed == 1 and not added:
        _send(view, _Event.SelectionRemove, first_removed)
    elif added or removed:
        _send(view, _Event.SelectionWithin, -1)


def _rows(selection: QItemSelection, root: QModelIndex) -> tuple[int, int]:
    """How many rows of ``root`` have their first column in ``selection``, and the first of them."""
    count, first = 0, -1
    for i in range(selection.count()):
        span = selection.at(i)
        if span.left() == 0 and span.parent() == root:
            count += span.height()
            first = span.top() if first < 0 else min(first, span.top())
    return count, first


def _send(view: CellView, kind: QAccessible.Event, row: int) -> None:
    event = QAccessibleEvent(view, kind)
    if row >= 0:
        event.setChild(row)
    QAccessible.updateAccessibility(event)
