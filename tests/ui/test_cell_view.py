"""The cell views (grid, columns list) as a user drives them: clicks, rubber bands, keys, resizing, rows
arriving while shown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WORDS, shown_grid, word_entries
from ui.models.folder import FolderModel
from ui.views.column_view import ColumnList
from ui.views.item_views import GridView

ROOT = QModelIndex()
ModelIndex = QModelIndex | QPersistentModelIndex
LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


class CountingModel(FolderModel):
    """A folder model that counts what the view asks it about rows."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def rowCount(self, parent: ModelIndex = ROOT) -> int:
        self.calls += 1
        return super().rowCount(parent)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        self.calls += 1
        return super().data(index, role)


@pytest.fixture
def model() -> CountingModel:
    model = CountingModel()
    model.append(word_entries(WORDS[:20]))
    return model


@pytest.fixture
def grid(qtbot: QtBot, model: CountingModel) -> Iterator[GridView]:
    """20 items in a grid 8 cells wide: lines of 8, 8 and 4."""
    yield shown_grid(qtbot, model)


def cell(view: QAbstractItemView, row: int) -> QPoint:
    return view.visualRect(view.model().index(row, 0)).center()


def names(view: QAbstractItemView) -> list[str]:
    rows = sorted(index.row() for index in view.selectionModel().selectedIndexes())
    return [view.model().index(row, 0).data() for row in rows]


def current(view: QAbstractItemView) -> str:
    return view.currentIndex().data()


def mouse(
    view: QAbstractItemView,
    kind: QEvent.Type,
    point: QPoint,
    buttons: Qt.MouseButton,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """A mouse event as the window system sends it (a move with the button held, which QTest has not)."""
    viewport = view.viewport()
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else LEFT
    at = QPointF(point)
    QApplication.sendEvent(
        viewport, QMouseEvent(kind, at, QPointF(viewport.mapToGlobal(at)), button, buttons, modifiers)
    )


def drag(
    view: QAbstractItemView,
    start: QPoint,
    end: QPoint,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Press at ``start``, move to ``end`` in a few steps with the button held, release there."""
    mouse(view, QEvent.Type.MouseButtonPress, start, LEFT, modifiers)
    for step in range(1, 5):
        mouse(view, QEvent.Type.MouseMove, start + (end - start) * step / 4, LEFT, modifiers)
    mouse(view, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton, modifiers)


def test_clicking_a_cell_selects_its_entry_and_empty_space_clears(grid: GridView, qtbot: QtBot) -> None:
    qtbot.mouseClick(grid.viewport(), LEFT, pos=cell(grid, 9))
    assert names(grid) == ["juliett"] and current(grid) == "juliett"
    qtbot.mouseClick(grid.viewport(), LEFT, CTRL, pos=cell(grid, 2))
    assert names(grid) == ["charlie", "juliett"]
    qtbot.mouseClick(grid.viewport(), LEFT, SHIFT, pos=cell(grid, 12))
    # From the anchor (charlie, first line) to mike (second line), in reading order.
    assert names(grid) == WORDS[2:13]
    below_the_last = cell(grid, 16) + QPoint(6 * 100, 0)  # third line, after its 4 cells
    assert not grid.indexAt(below_the_last).isValid()
    qtbot.mouseClick(grid.viewport(), LEFT, pos=below_the_last)
    assert names(grid) == []


def test_a_rubber_band_selects_the_cells_it_touches(grid: GridView, qtbot: QtBot) -> None:
    start = cell(grid, 16) + QPoint(5 * 100 + 20, 20)  # empty space: third line, sixth cell
    end = cell(grid, 10) + QPoint(-20, -20)  # second line, third cell
    drag(grid, start, end)  # the third to sixth cells of two lines (the last line has four)
    assert names(grid) == ["kilo", "lima", "mike", "november", "sierra", "tango"]
    drag(grid, start, cell(grid, 17), CTRL)  # Ctrl toggles the cells it touches
    assert names(grid) == ["kilo", "lima", "mike", "november", "romeo"]
    drag(grid, start, cell(grid, 18))  # without modifiers: only what this band touches
    assert names(grid) == ["sierra", "tango"]


def test_a_rubber_band_is_drawn_while_dragging(grid: GridView) -> None:
    viewport = grid.viewport()
    start = cell(grid, 16) + QPoint(5 * 100 + 20, 20)  # empty space
    inside = start + QPoint(30, -30)
    before = viewport.grab().toImage().pixel(inside)
    mouse(grid, QEvent.Type.MouseButtonPress, start, LEFT)
    mouse(grid, QEvent.Type.MouseMove, start + QPoint(60, -60), LEFT)
    assert viewport.grab().toImage().pixel(inside) != before
    mouse(grid, QEvent.Type.MouseButtonRelease, start + QPoint(60, -60), Qt.MouseButton.NoButton)
    assert viewport.grab().toImage().pixel(inside) == before


def test_a_rubber_band_held_at_the_edge_scrolls_and_keeps_selecting(
    grid: GridView, model: CountingModel, qtbot: QtBot
) -> None:
    model.append(word_entries(WORDS[20:]))  # a fourth line: yankee, zulu and empty space
    grid.scrollToBottom()
    start = cell(grid, 25) + QPoint(3 * 100, 0)  # the empty space after zulu, under the fifth cells
    edge = QPoint(8 * 100 + 25, 2)  # the empty strip right of the cells, at the top edge
    mouse(grid, QEvent.Type.MouseButtonPress, start, LEFT)
    mouse(grid, QEvent.Type.MouseMove, edge, LEFT)
    assert "echo" not in names(grid)
    qtbot.waitUntil(lambda: grid.verticalScrollBar().value() == 0)
    mouse(grid, QEvent.Type.MouseButtonRelease, edge, Qt.MouseButton.NoButton)
    # From the fourth line up to the first, the fifth cell of each on.
    assert names(grid) == WORDS[4:8] + WORDS[12:16] + WORDS[20:24]


def test_arrow_keys_move_by_a_cell_and_by_a_line(grid: GridView, qtbot: QtBot) -> None:
    grid.setCurrentIndex(grid.model().index(9, 0))
    for key, expected in [
        (Qt.Key.Key_Right, "kilo"),
        (Qt.Key.Key_Left, "juliett"),
        (Qt.Key.Key_Down, "romeo"),  # the cell under it
        (Qt.Key.Key_Up, "juliett"),
        (Qt.Key.Key_Up, "bravo"),
        (Qt.Key.Key_Up, "bravo"),  # the first line: nowhere to go
        (Qt.Key.Key_End, "tango"),
        (Qt.Key.Key_Home, "alfa"),
        (Qt.Key.Key_PageDown, "quebec"),  # a viewport of two lines
    ]:
        qtbot.keyClick(grid, key)
        assert current(grid) == expected, key
    grid.setCurrentIndex(grid.model().index(14, 0))  # oscar: nothing under it on the last line
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert current(grid) == "tango"  # the last item
    qtbot.keyClick(grid, Qt.Key.Key_Left, SHIFT)
    qtbot.keyClick(grid, Qt.Key.Key_Up, SHIFT)
    assert names(grid) == WORDS[10:20]  # Shift moves select the rows in between


def test_the_wall_flows_again_when_resized(grid: GridView, model: CountingModel) -> None:
    india = model.index(8, 0)
    assert grid.visualRect(india).topLeft() == QPoint(0, 100)
    grid.resize(grid.width() + 200, grid.height())  # ten cells a line
    assert grid.visualRect(india).topLeft() == QPoint(800, 0)
    assert grid.indexAt(grid.visualRect(india).center()) == india
    grid.resize(grid.width() - 600, grid.height())  # four
    assert grid.visualRect(india).topLeft() == QPoint(0, 200)


def test_rows_arriving_while_shown_appear_after_the_others(grid: GridView, model: CountingModel) -> None:
    before = [grid.visualRect(model.index(row, 0)) for row in range(20)]
    empty = grid.viewport().grab().toImage()
    model.append(word_entries(WORDS[20:]))
    assert [grid.visualRect(model.index(row, 0)) for row in range(20)] == before
    uniform = model.index(20, 0)
    assert grid.visualRect(uniform).topLeft() == QPoint(400, 200)  # after tango, on the third line
    assert grid.indexAt(cell(grid, 20)).data() == "uniform"
    shown = grid.viewport().grab().toImage()
    assert shown.pixel(cell(grid, 20)) != empty.pixel(cell(grid, 20))
    grid.scrollTo(model.index(25, 0))
    assert grid.viewport().rect().contains(grid.visualRect(model.index(25, 0)))


def test_rows_arriving_cost_no_question_per_row(grid: GridView, model: CountingModel) -> None:
    model.calls = 0
    for chunk in range(10):
        model.append(word_entries([f"zz {chunk:02} {n:04}" for n in range(1000)]))
    grid.viewport().repaint()
    assert model.calls < 1000  # the 20 or so cells painted, not the 10,000 rows inserted
    assert grid.verticalScrollBar().maximum() == -(-10_020 // 8) * 100 - grid.viewport().height()


def test_typing_a_name_jumps_to_it_and_enter_or_double_click_activate(grid: GridView, qtbot: QtBot) -> None:
    activated: list[str] = []
    grid.activated.connect(lambda index: activated.append(index.data()))
    qtbot.keyClicks(grid, "ki")
    assert current(grid) == "kilo" and names(grid) == ["kilo"]
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert activated == ["kilo"]
    qtbot.mouseClick(grid.viewport(), LEFT, pos=cell(grid, 3))
    qtbot.mouseDClick(grid.viewport(), LEFT, pos=cell(grid, 3))
    assert activated == ["kilo", "delta"]


def test_a_column_list_has_one_cell_a_line_as_wide_as_it(qtbot: QtBot, model: CountingModel) -> None:
    column = ColumnList()
    qtbot.addWidget(column)
    column.setModel(model)
    column.resize(column.width(), 200)
    column.show()
    column.setFocus()
    line = column.gridSize().height()
    assert column.visualRect(model.index(3, 0)) == QRect(0, 3 * line, column.viewport().width(), line)
    column.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(column, Qt.Key.Key_Down)
    assert current(column) == "bravo"
    sides: list[str] = []
    column.left_pressed.connect(lambda: sides.append("left"))
    column.right_pressed.connect(lambda: sides.append("right"))
    qtbot.keyClick(column, Qt.Key.Key_Right)
    qtbot.keyClick(column, Qt.Key.Key_Left)
    assert sides == ["right", "left"] and current(column) == "bravo"
    qtbot.keyClick(column, Qt.Key.Key_End)
    assert current(column) == "tango"
    assert column.viewport().rect().contains(column.visualRect(model.index(19, 0)))
