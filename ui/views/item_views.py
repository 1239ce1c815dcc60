"""The content area's item views over the one folder model: grid, details and media (columns: column_view)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QAction, QFontMetrics, QIcon, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ui.models.folder import Column
from ui.views.cell_view import CellView

#: Columns the details view shows until the user chooses others.
DEFAULT_COLUMNS = (Column.NAME, Column.SIZE, Column.KIND, Column.MODIFIED)
_DEFAULT_WIDTHS = {
    Column.NAME: 320,
    Column.SIZE: 160,  # "283.7 kB, 21 files" for an indexed folder
    Column.KIND: 130,
    Column.MODIFIED: 150,
    Column.CREATED: 150,
}


def _setup(view: QAbstractItemView) -> None:
    """What every item view of the content area shares."""
    view.setFrameShape(QFrame.Shape.NoFrame)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)


class _WallView(CellView):
    """Items in rows of equal cells (the grid size), wrapping at the view's width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, wrapping=True)
        _setup(self)

    def initViewItemOption(self, option: QStyleOptionViewItem) -> None:
        super().initViewItemOption(option)
        # As a list view's icon mode draws items: the picture above its name, both centered.
        option.decorationPosition = QStyleOptionViewItem.Position.Top  # type: ignore[attr-defined]
        option.decorationAlignment = Qt.AlignmentFlag.AlignCenter  # type: ignore[attr-defined]
        option.displayAlignment = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop  # type: ignore[attr-defined]
        option.showDecorationSelected = False  # type: ignore[attr-defined]


class GridView(_WallView):
    """Icons with their names under them in a fixed grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Folder contents as a grid"))
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setItemDelegate(_GridDelegate(self))
        self.set_icon_size(64)

    def set_icon_size(self, size: int) -> None:
        """Icons of ``size`` pixels, in cells wide enough for a name of two lines under them."""
        self.setIconSize(QSize(size, size))
        line = self.fontMetrics().height()
        self.setGridSize(QSize(max(size + 40, 8 * line), size + 2 * line + 14))


class _GridDelegate(QStyledItemDelegate):
    """Draws an item as its picture in a square at the top of its cell, and its name (two lines at most)
    under it. Laid out here rather than by the style: pictures of any shape keep the same place and the
    name always shows."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text  # type: ignore[attr-defined]
        opt.text = ""  # type: ignore[attr-defined]
        widget = opt.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        cell: QRect = opt.rect  # type: ignore[attr-defined]
        view = self.parent()
        # The view's icon size, not the option's: that one is the picture's own shape, fitted.
        side = view.iconSize().height() if isinstance(view, CellView) else opt.decorationSize.height()  # type: ignore[attr-defined]
        picture = QRect(cell.x() + (cell.width() - side) // 2, cell.y() + _GRID_PAD, side, side)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        mode = QIcon.Mode.Selected if selected and opt.showDecorationSelected else QIcon.Mode.Normal  # type: ignore[attr-defined]
        opt.icon.paint(painter, picture, Qt.AlignmentFlag.AlignCenter, mode)  # type: ignore[attr-defined]
        label = QRect(
            cell.x() + 4, picture.bottom() + _GRID_PAD, cell.width() - 8, cell.bottom() - picture.bottom()
        )
        metrics = opt.fontMetrics  # type: ignore[attr-defined]
        lines = _wrapped_cached(
            text,
            opt.font.key(),
            metrics,
            label.width(),
            max(1, label.height() // metrics.lineSpacing()),  # type: ignore[attr-defined]
        )
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setPen(opt.palette.color(role))  # type: ignore[attr-defined]
        painter.setFont(opt.font)  # type: ignore[attr-defined]
        painter.drawText(label, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, "\n".join(lines))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        view = self.parent()
        return view.gridSize() if isinstance(view, CellView) else super().sizeHint(option, index)


_GRID_PAD = 4


_wraps: dict[tuple[str, str, int, int], list[str]] = {}


def _wrapped_cached(text: str, font: str, metrics: QFontMetrics, width: int, max_lines: int) -> list[str]:
    """``_wrapped``, remembered: a view repaints the same names many times while rows stream in, and
    measuring text costs more than drawing it."""
    key = (text, font, width, max_lines)
    lines = _wraps.get(key)
    if lines is None:
        if len(_wraps) > 20_000:
            _wraps.clear()
        lines = _wraps[key] = _wrapped(text, metrics, width, max_lines)
    return lines


def _wrapped(text: str, metrics: QFontMetrics, width: int, max_lines: int) -> list[str]:
    """``text`` broken into lines of ``width`` pixels at most (words first, else anywhere), the last
    line elided in the middle when it does not fit."""
    lines: list[str] = []
    rest = text
    while rest and len(lines) < max_lines - 1:
        if metrics.horizontalAdvance(rest) <= width:
            break
        cut = len(rest)
        while cut > 1 and metrics.horizontalAdvance(rest[:cut]) > width:
            cut -= 1
        space = rest.rfind(" ", 0, cut)
        cut = space + 1 if space > 0 else cut
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:]
    if rest:
        lines.append(metrics.elidedText(rest, Qt.TextElideMode.ElideMiddle, width))
    return lines


class MediaView(_WallView):
    """A dense wall of square pictures of the folder's images and videos (the model shows only those)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Images and videos"))
        self._delegate = _MediaDelegate(self)
        self.setItemDelegate(self._delegate)
        self.set_icon_size(128)

    def set_icon_size(self, size: int) -> None:
        self.setIconSize(QSize(size, size))
        self.setGridSize(QSize(size + 6, size + 6))


class _MediaDelegate(QStyledItemDelegate):
    """Draws an item as its picture alone, centered in its square cell; the name is in the tooltip."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # type: ignore[attr-defined]
        widget = opt.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        picture = opt.rect.adjusted(3, 3, -3, -3)  # type: ignore[attr-defined]
        opt.icon.paint(painter, picture, Qt.AlignmentFlag.AlignCenter)  # type: ignore[attr-defined]

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = option.decorationSize  # type: ignore[attr-defined]
        return QSize(size.width() + 6, size.height() + 6)


class DetailsView(QTableView):
    """One line per entry with the model's columns: sortable by a header click, columns resizable,
    movable and chosen from the header's context menu.

    A table rather than a tree: a tree view lays out every row again (asking the Python model about
    each) whenever rows are inserted, which for 100k rows arriving in chunks takes many seconds; the
    table's rows are fixed-height sections of its (hidden) vertical header, kept in C++.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self)
        self.setAccessibleName(self.tr("Folder contents in detail"))
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setTabKeyNavigation(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setAccessibleName(self.tr("Columns"))
        header.setSectionsMovable(True)
        header.setFirstSectionMovable(False)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicator(Column.NAME, Qt.SortOrder.AscendingOrder)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_header_menu)
        self.set_icon_size(16)

    def header(self) -> QHeaderView:
        """The column header (as a tree view calls it)."""
        return self.horizontalHeader()

    def set_icon_size(self, size: int) -> None:
        """Icons of ``size`` pixels; every row one height, which keeps 100k rows cheap to lay out."""
        self.setIconSize(QSize(size, size))
        self.verticalHeader().setDefaultSectionSize(max(size, self.fontMetrics().height()) + 6)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        header = self.header()
        for column in Column:
            header.setSectionHidden(column, column not in DEFAULT_COLUMNS)
            header.resizeSection(column, _DEFAULT_WIDTHS.get(column, 160))
        self.setSortingEnabled(True)

    def header_menu(self) -> QMenu:
        """Checkable actions showing or hiding each column but the name."""
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Columns menu"))
        header = self.header()
        for column in Column:
            if column == Column.NAME:
                continue
            action = QAction(column.title, menu)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.toggled.connect(lambda shown, c=column: header.setSectionHidden(c, not shown))
            menu.addAction(action)
        return menu

    def _show_header_menu(self, pos: QPoint) -> None:
        menu = self.header_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.header().mapToGlobal(pos))
