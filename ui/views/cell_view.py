"""CellView: a model's rows in equal cells, placed by arithmetic; the grid, media and columns views.

QListView places every item again, from the first, whenever rows are inserted, asking the model about
each one: with a Python model and 100k rows arriving in a few insertions, that is most of the time it
takes to open a big folder. Here a cell's place follows from its row number alone, so rows arriving cost
one count and one repaint, and the model is asked about no row but those painted.

Screen readers see a CellView as a list of its rows (cell_view_accessible.py; the factory is installed at
import): Qt gives that only to its own item views.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QAccessible,
    QAccessibleInterface,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QRegion,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QRubberBand,
    QScrollBar,
    QStyle,
    QStyleOptionRubberBand,
    QStyleOptionViewItem,
    QWidget,
)

from ui.views.cell_view_accessible import AccessibleItems, announce_current, announce_selection

ModelIndex = QModelIndex | QPersistentModelIndex
_Action = QAbstractItemView.CursorAction
_State = QStyle.StateFlag
_Hint = QAbstractItemView.ScrollHint


class CellView(QAbstractItemView):
    """The rows of the model (its first column) in cells of ``gridSize()``, each painted by the item
    delegate: left to right, wrapping at the view's width (a wall), or one per line as wide as the view
    (a list: the grid size's width is then not used).

    The number of rows is read once per layout (rows inserted or removed, a reset, a sort, a resize);
    painting, hit testing, keyboard moves and selection are arithmetic on row numbers. Dragging over
    empty space draws a rubber band selecting the cells it touches.
    """

    def __init__(self, parent: QWidget | None = None, *, wrapping: bool = True) -> None:
        super().__init__(parent)
        #: What screen readers are shown of it (made when one asks).
        self._accessible = AccessibleItems(self)
        self._wrapping = wrapping
        self._cell = QSize(96, 96)
        self._word_wrap = False
        #: The layout: how many rows, in how many cells a line (read by ``updateGeometries``).
        self._rows = 0
        self._columns = 1
        self._hover = QPersistentModelIndex()
        #: A rubber band being dragged: where it started (contents coordinates), the pointer, its flags.
        self._band_origin: QPoint | None = None
        self._band_pointer = QPoint()
        self._band_command = QItemSelectionModel.SelectionFlag.NoUpdate
        self._band_scrolling = False
        self._band = QRect()

    # ---- settings --------------------------------------------------------------------------------------

    def gridSize(self) -> QSize:
        """The size of a cell (in a list, only its height counts: cells are as wide as the view)."""
        return QSize(self._cell)

    def setGridSize(self, size: QSize) -> None:
        if size != self._cell:
            self._cell = QSize(size)
            self.updateGeometries()
            self.viewport().update()

    def isWrapping(self) -> bool:
        return self._wrapping

    def wordWrap(self) -> bool:
        return self._word_wrap

    def setWordWrap(self, on: bool) -> None:
        """Whether the delegate may break names into lines (``QStyleOptionViewItem.WrapText``)."""
        self._word_wrap = on
        self.viewport().update()

    def initViewItemOption(self, option: QStyleOptionViewItem) -> None:
        super().initViewItemOption(option)
        if self._word_wrap:
            option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        option.rect = QRect(QPoint(), self._cell_size())

    # ---- layout ----------------------------------------------------------------------------------------

    def _cell_size(self) -> QSize:
        width = self._cell.width() if self._wrapping else self.viewport().width()
        return QSize(max(1, width), max(1, self._cell.height()))

    def updateGeometries(self) -> None:
        """Count the rows, fit cells to the width and set the scroll bars: the whole of a layout."""
        model = self.model()
        rows = model.rowCount(self.rootIndex()) if model is not None else 0
        cell = self._cell_size()
        viewport = self.viewport().size()
        columns = max(1, viewport.width() // cell.width()) if self._wrapping else 1
        if columns != self._columns:
            self.viewport().update()
        self._rows, self._columns = rows, columns
        lines = -(-rows // columns)
        vertical = self.verticalScrollBar()
        vertical.setSingleStep(cell.height())
        vertical.setPageStep(viewport.height())
        vertical.setRange(0, max(0, lines * cell.height() - viewport.height()))
        horizontal = self.horizontalScrollBar()
        horizontal.setSingleStep(cell.width())
        horizontal.setPageStep(viewport.width())
        horizontal.setRange(0, max(0, columns * cell.width() - viewport.width()))
        super().updateGeometries()

    def rowsInserted(self, parent: ModelIndex, start: int, end: int) -> None:
        """Rows arrived: count them, and repaint if the cells shown changed (earlier ones do not move)."""
        super().rowsInserted(parent, start, end)
        if parent == self.rootIndex():
            self.updateGeometries()
            if start <= self._visible_rows()[1]:
                self.viewport().update()

    def rowsAboutToBeRemoved(self, parent: ModelIndex, start: int, end: int) -> None:
        super().rowsAboutToBeRemoved(parent, start, end)
        if parent == self.rootIndex():
            self.scheduleDelayedItemsLayout()  # counted once they are gone

    def reset(self) -> None:
        self._accessible.clear()
        super().reset()

    def setModel(self, model: QAbstractItemModel | None) -> None:
        self._accessible.clear()
        super().setModel(model)

    def setRootIndex(self, index: ModelIndex) -> None:
        self._accessible.clear()
        super().setRootIndex(index)

    def horizontalOffset(self) -> int:
        return self.horizontalScrollBar().value()

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def _offset(self) -> QPoint:
        """The scroll offset as QAbstractItemView counts it (mirrored right to left)."""
        x = self.horizontalOffset()
        return QPoint(-x if self.isRightToLeft() else x, self.verticalOffset())

    def _cell_rect(self, row: int) -> QRect:
        """The cell of ``row``, in viewport coordinates."""
        cell = self._cell_size()
        line, column = divmod(row, self._columns)
        x = column * cell.width() - self.horizontalOffset()
        if self.isRightToLeft():
            x = self.viewport().width() - x - cell.width()
        return QRect(QPoint(x, line * cell.height() - self.verticalOffset()), cell)

    def _cell_at(self, point: QPoint) -> tuple[int, int]:
        """The line and column of the cell under ``point`` (viewport coordinates), wherever it is."""
        cell = self._cell_size()
        x = self.viewport().width() - 1 - point.x() if self.isRightToLeft() else point.x()
        return (
            (point.y() + self.verticalOffset()) // cell.height(),
            (x + self.horizontalOffset()) // cell.width(),
        )

    def _row_at(self, point: QPoint) -> int:
        line, column = self._cell_at(point)
        if line < 0 or not 0 <= column < self._columns:
            return -1
        row = line * self._columns + column
        return row if row < self._rows else -1

    def _spans(self, rect: QRect) -> list[tuple[int, int]]:
        """For each line of cells ``rect`` (viewport coordinates) touches, the first and last row of the
        cells it touches there."""
        if rect.isEmpty() or not self._rows:
            return []
        top, left = self._cell_at(rect.topLeft())
        bottom, right = self._cell_at(rect.bottomRight())
        left, right = max(0, min(left, right)), min(self._columns - 1, max(left, right))
        top, bottom = max(0, top), min(bottom, (self._rows - 1) // self._columns)
        spans = []
        for line in range(top, bottom + 1):
            first = line * self._columns
            if first + left < self._rows and left <= right:
                spans.append((first + left, min(first + right, self._rows - 1)))
        return spans

    def _line_rects(self, first: int, last: int) -> list[QRect]:
        """The cells of rows ``first`` to ``last`` as one rectangle per line (viewport coordinates)."""
        rects = []
        columns = self._columns
        for line in range(first // columns, last // columns + 1):
            start, end = max(first, line * columns), min(last, line * columns + columns - 1)
            rects.append(self._cell_rect(start).united(self._cell_rect(end)))
        return rects

    def _visible_rows(self) -> tuple[int, int]:
        """The first and last row of the lines the viewport shows (last < first: none)."""
        height = self._cell_size().height()
        top = self.verticalOffset() // height
        bottom = (self.verticalOffset() + self.viewport().height() - 1) // height
        return top * self._columns, min(self._rows - 1, (bottom + 1) * self._columns - 1)

    def accessible_items(self) -> AccessibleItems:
        """What screen readers are shown of this view's rows."""
        return self._accessible

    def shows(self, index: ModelIndex) -> bool:
        """Whether ``index`` is one of this view's items (of its model, under its root)."""
        return index.isValid() and index.model() is self.model() and index.parent() == self.rootIndex()

    def has_focus(self) -> bool:
        """Whether the view has the keyboard focus (itself or its viewport)."""
        return self.hasFocus() or self.viewport().hasFocus()

    def _index(self, row: int) -> QModelIndex:
        model = self.model()
        return model.index(row, 0, self.rootIndex()) if model is not None and row >= 0 else QModelIndex()

    # ---- QAbstractItemView -----------------------------------------------------------------------------

    def visualRect(self, index: ModelIndex) -> QRect:
        """The cell of the index's row (whatever its column: the row is the item here)."""
        if not self.shows(index):
            return QRect()
        self.executeDelayedItemsLayout()
        return self._cell_rect(index.row())

    def indexAt(self, point: QPoint) -> QModelIndex:
        self.executeDelayedItemsLayout()
        return self._index(self._row_at(point))

    def isIndexHidden(self, index: ModelIndex) -> bool:
        # The row is the item: its other columns (a row the details view selects holds them all) are not
        # cells of their own, so they are left out of what is dragged.
        return index.column() != 0

    def selectedIndexes(self) -> list[QModelIndex]:
        """The first column of each selected row under the root (those ``isIndexHidden`` leaves), in row
        order: what a drag carries.

        QAbstractItemView's asks the selection model for every selected column of every row, then this
        view (in Python) whether each is hidden: after Ctrl+A on 100k rows, 700k calls and seconds before
        a drag starts. The selection's ranges give the rows at once.
        """
        selection, model = self.selectionModel(), self.model()
        if selection is None or model is None:
            return []
        root = self.rootIndex()
        ranges = selection.selection()
        rows: set[int] = set()
        for i in range(ranges.count()):
            span = ranges.at(i)
            if span.left() == 0 and span.parent() == root:
                rows.update(range(span.top(), span.bottom() + 1))
        index = model.index
        return [index(row, 0, root) for row in sorted(rows)]

    def currentChanged(self, current: ModelIndex, previous: ModelIndex) -> None:
        super().currentChanged(current, previous)
        announce_current(self, current)

    def selectionChanged(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        super().selectionChanged(selected, deselected)
        announce_selection(self, selected, deselected)

    def scrollTo(self, index: ModelIndex, hint: QAbstractItemView.ScrollHint = _Hint.EnsureVisible) -> None:
        if not self.shows(index):
            return
        self.executeDelayedItemsLayout()
        cell = self._cell_size()
        line, column = divmod(index.row(), self._columns)
        self._scroll_into_view(self.verticalScrollBar(), line * cell.height(), cell.height(), hint)
        self._scroll_into_view(self.horizontalScrollBar(), column * cell.width(), cell.width(), hint)

    def _scroll_into_view(
        self, bar: QScrollBar, start: int, length: int, hint: QAbstractItemView.ScrollHint
    ) -> None:
        page, value = bar.pageStep(), bar.value()
        if hint == _Hint.PositionAtTop or (hint == _Hint.EnsureVisible and start < value):
            value = start
        elif hint == _Hint.PositionAtBottom or (
            hint == _Hint.EnsureVisible and start + length > value + page
        ):
            value = start + length - page
        elif hint == _Hint.PositionAtCenter:
            value = start + (length - page) // 2
        bar.setValue(value)

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """Left and Right: the cell before or after; Up and Down: the cell a line above or below (the
        last one from a line with none under it); Page Up and Down: a viewport's lines."""
        self.executeDelayedItemsLayout()
        rows, columns = self._rows, self._columns
        current = self.currentIndex()
        if not rows:
            return QModelIndex()
        if not self.shows(current):
            return self._index(0)
        row = current.row()
        if self.isRightToLeft() and action in (_Action.MoveLeft, _Action.MoveRight):
            action = _Action.MoveRight if action == _Action.MoveLeft else _Action.MoveLeft
        page = max(1, self.viewport().height() // self._cell_size().height()) * columns
        if action == _Action.MovePrevious or (action == _Action.MoveLeft and self._wrapping):
            row = max(0, row - 1)
        elif action == _Action.MoveNext or (action == _Action.MoveRight and self._wrapping):
            row = min(rows - 1, row + 1)
        elif action == _Action.MoveUp:
            row = row - columns if row >= columns else row
        elif action == _Action.MoveDown:
            last_line = (rows - 1) // columns
            row = min(rows - 1, row + columns) if row // columns < last_line else row
        elif action == _Action.MovePageUp:
            row = row - page if row >= page else row % columns
        elif action == _Action.MovePageDown:
            row = min(rows - 1, row + page)
        elif action == _Action.MoveHome:
            row = 0
        elif action == _Action.MoveEnd:
            row = rows - 1
        return self._index(row)

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        """A rubber band selects the cells it touches; a click or a Shift move selects the rows from the
        one under the rectangle's first corner to the one under its second, in reading order."""
        selection_model, model = self.selectionModel(), self.model()
        if selection_model is None or model is None:
            return
        self.executeDelayedItemsLayout()
        selection = QItemSelection()
        if self.state() == QAbstractItemView.State.DragSelectingState:
            for first, last in self._spans(rect.normalized()):
                selection.select(self._index(first), self._index(last))
        else:
            first, last = self._row_at(rect.topLeft()), self._row_at(rect.bottomRight())
            if rect.width() == 1 and rect.height() == 1:
                last = first
            if first >= 0 and last >= 0:
                selection.select(self._index(min(first, last)), self._index(max(first, last)))
        selection_model.select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        region = QRegion()
        top, bottom = self._visible_rows()
        root = self.rootIndex()
        for i in range(selection.count()):
            selected = selection.at(i)
            if selected.parent() != root or selected.left() > 0:
                continue
            first, last = max(top, selected.top()), min(bottom, selected.bottom())
            if first <= last:
                for rect in self._line_rects(first, last):
                    region += rect
        return region

    # ---- painting --------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """The cells the event's rectangle touches, flagged as QListView flags them, then the rubber band."""
        self.executeDelayedItemsLayout()
        model = self.model()
        if model is None:
            return
        painter = QPainter(self.viewport())
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        state = option.state
        enabled = bool(state & _State.State_Enabled)
        palette = option.palette  # the option's own, not a copy
        current = self.currentIndex()
        focused = self.has_focus() and self.shows(current)
        current_row = current.row() if focused else -1
        editing = self.state() == QAbstractItemView.State.EditingState
        hover_row = self._hover.row() if self.shows(self._hover) else -1
        selection = self.selectionModel()
        root = self.rootIndex()
        for first, last in self._spans(event.rect()):
            for row in range(first, last + 1):
                index = model.index(row, 0, root)
                item_state = state
                if selection is not None and selection.isSelected(index):
                    item_state |= _State.State_Selected
                if enabled:
                    if model.flags(index) & Qt.ItemFlag.ItemIsEnabled:
                        palette.setCurrentColorGroup(QPalette.ColorGroup.Normal)
                    else:
                        item_state &= ~_State.State_Enabled
                        palette.setCurrentColorGroup(QPalette.ColorGroup.Disabled)
                if row == current_row:
                    item_state |= _State.State_HasFocus
                    if editing:
                        item_state |= _State.State_Editing
                if row == hover_row:
                    item_state |= _State.State_MouseOver
                option.state = item_state
                option.rect = self._cell_rect(row)
                self.itemDelegateForIndex(index).paint(painter, option, index)
        if self._band.isValid():
            band = QStyleOptionRubberBand()
            band.initFrom(self)
            band.shape = QRubberBand.Shape.Rectangle
            band.opaque = False
            band.rect = self._band.intersected(self.viewport().rect().adjusted(-16, -16, 16, 16))
            self.style().drawControl(QStyle.ControlElement.CE_RubberBand, band, painter, self)
        painter.end()

    def viewportEvent(self, event: QEvent) -> bool:
        # The item under the pointer is drawn hovered where the style turns hover events on (as QListView).
        kind = event.type()
        if kind in (QEvent.Type.HoverEnter, QEvent.Type.HoverMove):
            self._set_hover(self.indexAt(event.position().toPoint()))  # type: ignore[attr-defined]
        elif kind in (QEvent.Type.HoverLeave, QEvent.Type.Leave):
            self._set_hover(QModelIndex())
        return super().viewportEvent(event)

    def _set_hover(self, index: QModelIndex) -> None:
        if QPersistentModelIndex(index) == self._hover:
            return
        for row in (self._hover.row() if self.shows(self._hover) else -1, index.row()):
            if row >= 0:
                self.viewport().update(self._cell_rect(row))
        self._hover = QPersistentModelIndex(index)

    # ---- the rubber band -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._end_band()  # one whose release never came (the mouse was taken elsewhere)
        super().mousePressEvent(event)
        pointer = event.position().toPoint()
        single = QAbstractItemView.SelectionMode.SingleSelection, QAbstractItemView.SelectionMode.NoSelection
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self.selectionMode() not in single
            and not self.indexAt(pointer).isValid()
        ):
            self._band_origin = pointer + self._offset()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        # QAbstractItemView drags, scrolls near the edges and drag-selects while over a cell; over empty
        # space it selects nothing, and it starts its rectangles from its own anchor: the band decides.
        super().mouseMoveEvent(event)
        if self._band_origin is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        self._band_pointer = event.position().toPoint()
        self.setState(QAbstractItemView.State.DragSelectingState)
        self._band_command = self.selectionCommand(self.indexAt(self._band_pointer), event)
        self._drag_band()
        margin = self.autoScrollMargin()
        inside = (
            self.viewport().rect().adjusted(margin, margin, -margin, -margin).contains(self._band_pointer)
        )
        if not inside and not self._band_scrolling and self.hasAutoScroll():
            self.startAutoScroll()  # it stops by itself once the pointer is back inside
        self._band_scrolling = not inside

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)  # still drag-selecting: a release over empty space keeps the band's
        self._end_band()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if self._band_origin is not None and self._band.isValid():  # scrolled while dragging (auto scroll)
            self._drag_band()  # the band keeps its start in the contents

    def _drag_band(self) -> None:
        """Stretch the band from its start to the pointer and select what it touches."""
        assert self._band_origin is not None
        before = self._band
        self._band = QRect(self._band_origin - self._offset(), self._band_pointer).normalized()
        self.setSelection(self._band, self._band_command)
        self.viewport().update(before.united(self._band).adjusted(-2, -2, 2, 2))

    def _end_band(self) -> None:
        if self._band_origin is not None:
            self._band_origin = None
            self._band_scrolling = False
            self.stopAutoScroll()
        if self._band.isValid():
            self.viewport().update(self._band.adjusted(-2, -2, 2, 2))
            self._band = QRect()


def _accessible_interface(_class_name: str, widget: QObject) -> QAccessibleInterface | None:
    """Qt's accessibility asks here about every object it meets: a CellView answers as a list of rows."""
    return widget._accessible.make_interface() if isinstance(widget, CellView) else None


QAccessible.installFactory(_accessible_interface)
