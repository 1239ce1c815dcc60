"""The cell views (grid, media, columns) as a screen reader reads them: a list of the folder's entries,
each named, placed, selected or focused as the user sees it; and a drag of every entry carrying each once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt
from PySide6.QtGui import QAccessible, QAccessibleActionInterface, QAccessibleEvent, QAccessibleInterface
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication
from pytestqt.qtbot import QtBot

from tests.ui.helpers import WORDS, shown_grid, word_entries
from ui.models.folder import FolderModel
from ui.views.column_view import ColumnList
from ui.views.item_views import GridView

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
Role = QAccessible.Role
Name = QAccessible.Text.Name


@pytest.fixture
def model() -> FolderModel:
    model = FolderModel()
    model.append(word_entries(WORDS[:20]))
    return model


@pytest.fixture
def grid(qtbot: QtBot, model: FolderModel) -> GridView:
    """20 items in a grid 8 cells wide: lines of 8, 8 and 4, two and a half shown."""
    return shown_grid(qtbot, model)


def accessible(view: QAbstractItemView) -> QAccessibleInterface:
    interface = QAccessible.queryAccessibleInterface(view)
    assert interface is not None
    return interface


def item(view: QAbstractItemView, row: int) -> QAccessibleInterface:
    child = accessible(view).child(row)
    assert child is not None
    return child


def names(view: QAbstractItemView) -> list[str]:
    interface = accessible(view)
    return [interface.child(row).text(Name) for row in range(interface.childCount())]


def center(view: QAbstractItemView, row: int) -> QPoint:
    return view.visualRect(view.model().index(row, 0)).center()


def test_the_grid_is_a_named_list_of_its_entries(grid: GridView) -> None:
    interface = accessible(grid)
    assert interface.role() == Role.List
    assert interface.text(Name) == grid.accessibleName() == "Folder contents as a grid"
    assert interface.childCount() == 20
    assert names(grid) == WORDS[:20]


def test_an_item_is_named_described_and_placed_as_shown(grid: GridView, model: FolderModel) -> None:
    interface = accessible(grid)
    india = item(grid, 8)
    assert india.role() == Role.ListItem
    assert india.text(Name) == "india"
    assert india.text(QAccessible.Text.Description) == model.index(8, 0).data(Qt.ItemDataRole.ToolTipRole)
    cell = grid.visualRect(model.index(8, 0))
    assert india.rect() == cell.translated(grid.viewport().mapToGlobal(QPoint(0, 0)))
    assert india.parent() is interface and interface.indexOfChild(india) == 8
    assert interface.child(8) is india  # asked again, the same item
    at = grid.viewport().mapToGlobal(center(grid, 8))
    assert interface.childAt(at.x(), at.y()) is india
    assert not india.state().invisible
    model.append(word_entries([f"more {n}" for n in range(20)]))  # five lines: two and a half are shown
    grid.scrollToBottom()
    assert item(grid, 0).state().invisible and item(grid, 0).state().offscreen
    assert not item(grid, 39).state().invisible


def test_clicking_an_item_shows_it_selected_and_focused(grid: GridView, qtbot: QtBot) -> None:
    juliett, kilo = item(grid, 9), item(grid, 10)
    assert juliett.state().selectable and juliett.state().focusable
    assert not juliett.state().selected and not juliett.state().focused
    QTest.mouseClick(grid.viewport(), LEFT, pos=center(grid, 9))
    assert juliett.state().selected and juliett.state().focused
    assert not kilo.state().selected and not kilo.state().focused
    assert accessible(grid).focusChild() is juliett
    QTest.mouseClick(grid.viewport(), LEFT, CTRL, pos=center(grid, 10))
    assert juliett.state().selected and not juliett.state().focused
    assert kilo.state().selected and kilo.state().focused


def test_pressing_an_item_opens_it_and_toggling_selects_it(grid: GridView, qtbot: QtBot) -> None:
    echo = item(grid, 4)
    actions = echo.actionInterface()
    assert actions is not None
    assert QAccessibleActionInterface.pressAction() in actions.actionNames()
    with qtbot.waitSignal(grid.activated) as opened:
        actions.doAction(QAccessibleActionInterface.pressAction())
    assert opened.args is not None and opened.args[0].row() == 4
    actions.doAction(QAccessibleActionInterface.toggleAction())
    assert echo.state().selected
    actions.doAction(QAccessibleActionInterface.toggleAction())
    assert not echo.state().selected


def test_the_items_follow_the_folder(grid: GridView, model: FolderModel) -> None:
    interface = accessible(grid)
    alfa = item(grid, 0)
    model.sort(0, Qt.SortOrder.DescendingOrder)  # every row moves
    assert alfa.text(Name) == "alfa" and interface.indexOfChild(alfa) == 19
    assert interface.child(19) is alfa and interface.child(0).text(Name) == "tango"
    model.append(word_entries(["zulu"]))
    assert interface.childCount() == 21 and interface.child(20).text(Name) == "zulu"

    model.clear()  # another folder
    assert interface.childCount() == 0
    assert not shiboken6.isValid(alfa)  # deleted through Qt's cache, which held it
    model.append(word_entries(["one", "two"]))
    assert names(grid) == ["two", "one"]  # still in descending order


def test_a_big_folder_makes_items_only_for_the_rows_asked_about(qtbot: QtBot) -> None:
    model = FolderModel()
    model.append(word_entries([f"file {n:05}" for n in range(10_000)]))
    view = GridView()
    qtbot.addWidget(view)
    view.setModel(model)
    interface = accessible(view)
    assert interface.childCount() == 10_000
    assert view.accessible_items().items_made() == 0
    assert interface.child(5_000).text(Name) == "file 05000"
    assert view.accessible_items().items_made() == 1


def test_items_outlive_no_view(qtbot: QtBot, model: FolderModel) -> None:
    """Deleting a view deletes its items; what a screen reader still holds of them answers as gone."""
    for _ in range(20):
        view = ColumnList()
        view.setModel(model)
        held = [item(view, row) for row in (0, 5, 19)]
        held.append(accessible(view))
        view.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert not any(shiboken6.isValid(gone) for gone in held)


def test_a_column_list_is_a_list_of_its_names_too(qtbot: QtBot, model: FolderModel) -> None:
    column = ColumnList()
    qtbot.addWidget(column)
    column.setModel(model)
    column.setAccessibleName("Folder “data”")
    interface = accessible(column)
    assert interface.role() == Role.List and interface.text(Name) == "Folder “data”"
    assert names(column)[:3] == ["alfa", "bravo", "charlie"]
    assert item(column, 2).rect().height() == column.gridSize().height()


@dataclass
class Announced:
    kind: QAccessible.Event
    child: int
    name: str  # what the screen reader would read: the item's name, or the view's


@pytest.fixture
def announced(grid: GridView, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Announced]]:
    """What the grid tells screen readers, with accessibility on (as when one runs)."""
    heard: list[Announced] = []

    def update(event: QAccessibleEvent) -> None:
        if event.object() is grid:
            target = event.accessibleInterface()  # as Qt's bridges do: the item, asked of the view
            heard.append(Announced(event.type(), event.child(), target.text(Name) if target else ""))

    monkeypatch.setattr(QAccessible, "updateAccessibility", update)
    QAccessible.setActive(True)
    try:
        yield heard
    finally:
        QAccessible.setActive(False)


def test_focus_and_selection_changes_are_announced(
    grid: GridView, qtbot: QtBot, announced: list[Announced]
) -> None:
    QTest.mouseClick(grid.viewport(), LEFT, pos=center(grid, 9))
    assert Announced(QAccessible.Event.Focus, 9, "juliett") in announced
    assert Announced(QAccessible.Event.Selection, 9, "juliett") in announced
    announced.clear()
    QTest.keyClick(grid, Qt.Key.Key_Right)
    assert Announced(QAccessible.Event.Focus, 10, "kilo") in announced
    announced.clear()
    QTest.mouseClick(grid.viewport(), LEFT, CTRL, pos=center(grid, 2))
    assert Announced(QAccessible.Event.SelectionAdd, 2, "charlie") in announced
    announced.clear()
    QTest.mouseClick(grid.viewport(), LEFT, CTRL, pos=center(grid, 2))
    assert Announced(QAccessible.Event.SelectionRemove, 2, "charlie") in announced
    announced.clear()
    QTest.keyClick(grid, Qt.Key.Key_A, CTRL)
    assert [a.kind for a in announced] == [QAccessible.Event.SelectionWithin]


# ---- dragging everything ------------------------------------------------------------------------------


def test_a_drag_of_every_entry_carries_each_once(grid: GridView, model: FolderModel, qtbot: QtBot) -> None:
    """What a drag takes (the view's selected indexes): one per entry, even with every column selected."""
    QTest.keyClick(grid, Qt.Key.Key_A, CTRL)
    dragged = grid.selectedIndexes()
    assert [index.row() for index in dragged] == list(range(20))
    assert {index.column() for index in dragged} == {0}
    assert len(model.mimeData(dragged).urls()) == 20
    selection = grid.selectionModel()
    selection.clearSelection()
    last = model.columnCount() - 1
    selection.select(model.index(3, 0), selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
    selection.select(model.index(5, last), selection.SelectionFlag.Select)  # a cell not in the first column
    assert [index.row() for index in grid.selectedIndexes()] == [3]
    assert grid.selectedIndexes()[0] == model.index(3, 0) != QModelIndex()
