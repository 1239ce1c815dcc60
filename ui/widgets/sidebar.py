"""Sidebar: the tree of libraries, locations, volumes, favourites, devices and recent folders, with context
menus and "+" buttons."""

from __future__ import annotations

import os

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragLeaveEvent,
    QFontMetrics,
    QHelpEvent,
    QIcon,
    QMouseEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QTreeView,
    QWidget,
)

from ui.dnd import DropTarget, Target
from ui.icons import bundled_icon
from ui.models.sidebar import (
    ADD_ROLE,
    BADGE_ROLE,
    KIND_ROLE,
    LIBRARY_INFO_ROLE,
    LOCATION_INFO_ROLE,
    PATH_ROLE,
    PLACE_ROLE,
    TAG_ROLE,
    USAGE_ROLE,
    ItemKind,
    Section,
    SidebarModel,
)
from ui.widgets.sidebar_devices import device_at, device_menu

ModelIndex = QModelIndex | QPersistentModelIndex

#: Room above each section title (the first one sits closer to the top), and extra height for every row.
SECTION_GAP = 10
FIRST_SECTION_GAP = 4
ROW_PADDING = 6
#: The capacity bar under a volume's name: its thickness and the room it takes below the name.
BAR_HEIGHT = 4
BAR_SPACE = 8
#: Room between a row's text and its badge, and around the section's "+" button.
BADGE_GAP = 6
ADD_BUTTON_SIZE = 14
ADD_BUTTON_MARGIN = 8
#: Used share from which a volume's bar is drawn in the warning color.
FULL_WARNING = 0.9


class SidebarDelegate(QStyledItemDelegate):
    """Airy rows; section titles set apart and muted; badges; capacity bars; the sections' "+" buttons.

    Signals
    -------
    add_requested(int): the "+" button of this ``Section`` was clicked.
    """

    add_requested = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._add_icon = bundled_icon("add")

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        extra = ROW_PADDING + _gap_above(index)
        if index.data(USAGE_ROLE) is not None:
            extra += BAR_SPACE
        return QSize(size.width(), size.height() + extra)

    def initStyleOption(self, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        super().initStyleOption(option, index)
        if index.data(KIND_ROLE) is ItemKind.SECTION:
            muted = option.palette.color(QPalette.ColorRole.PlaceholderText)
            option.palette.setColor(QPalette.ColorRole.Text, muted)
            option.displayAlignment = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
            option.rect.setTop(option.rect.top() + _gap_above(index))
        # The row files are dragged over is highlighted, as it will take them.
        if isinstance(option.widget, Sidebar) and option.widget.drop_row == index:
            option.state |= QStyle.StateFlag.State_Selected

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        usage = index.data(USAGE_ROLE)
        badge = index.data(BADGE_ROLE) or ""
        full = QRect(opt.rect)
        if usage is not None:
            # The whole row is highlighted; the name and icon sit above the bar.
            background = QStyleOptionViewItem(opt)
            background.text = ""
            background.icon = QIcon()
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)
            opt.rect.setBottom(opt.rect.bottom() - BAR_SPACE + 2)
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        # Badges, bars and "+" buttons end where the "+" glyph does, a margin away from the edge.
        text_rect.setRight(min(text_rect.right(), full.right() - ADD_BUTTON_MARGIN - 1))
        add_tip = index.data(ADD_ROLE)
        if add_tip:
            opt.text = opt.fontMetrics.elidedText(
                opt.text,
                Qt.TextElideMode.ElideRight,
                max(0, text_rect.width() - ADD_BUTTON_SIZE - ADD_BUTTON_MARGIN),
            )
        else:
            opt.text, badge = fit_name_and_badge(opt.fontMetrics, opt.text, badge, text_rect.width())
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if badge:
            self._paint_badge(painter, opt, text_rect, badge, selected)
        if usage is not None:
            track = QRect(text_rect.left(), full.bottom() - BAR_SPACE + 1, text_rect.width(), BAR_HEIGHT)
            self._paint_bar(painter, opt.palette, track, usage, selected)
        if add_tip:
            self._add_icon.paint(painter, self.add_button_rect(option), Qt.AlignmentFlag.AlignCenter)

    def _paint_badge(
        self, painter: QPainter, opt: QStyleOptionViewItem, text_rect: QRect, badge: str, selected: bool
    ) -> None:
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        painter.save()
        painter.setPen(opt.palette.color(role))
        painter.setFont(opt.font)
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), badge)
        painter.restore()

    def _paint_bar(
        self, painter: QPainter, palette: QPalette, track: QRect, usage: float, selected: bool
    ) -> None:
        if track.width() <= 0:
            return
        if selected:
            fill = palette.color(QPalette.ColorRole.HighlightedText)
            back = QColor(fill)
            back.setAlphaF(0.35)
        else:
            fill = QColor("#d9534f") if usage >= FULL_WARNING else palette.color(QPalette.ColorRole.Highlight)
            back = QColor(palette.color(QPalette.ColorRole.Text))
            back.setAlphaF(0.15)
        used = QRect(track)
        used.setWidth(max(1, round(track.width() * min(1.0, max(0.0, usage)))))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        radius = BAR_HEIGHT / 2
        painter.setBrush(back)
        painter.drawRoundedRect(track, radius, radius)
        painter.setBrush(fill)
        painter.drawRoundedRect(used, radius, radius)
        painter.restore()

    @staticmethod
    def add_button_rect(option: QStyleOptionViewItem) -> QRect:
        """Where a section's "+" button is drawn: at the right, level with the bottom-aligned title."""
        rect = option.rect
        y = rect.bottom() - (option.fontMetrics.height() + ADD_BUTTON_SIZE) // 2
        x = rect.right() - ADD_BUTTON_MARGIN - ADD_BUTTON_SIZE
        return QRect(x, y, ADD_BUTTON_SIZE, ADD_BUTTON_SIZE)

    def editorEvent(
        self, event: QEvent, model: QAbstractItemModel, option: QStyleOptionViewItem, index: ModelIndex
    ) -> bool:
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and index.data(ADD_ROLE)
            and self.add_button_rect(option).contains(event.position().toPoint())
        ):
            self.add_requested.emit(index.row())
            return True
        return super().editorEvent(event, model, option, index)

    def helpEvent(
        self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem, index: ModelIndex
    ) -> bool:
        tip = index.data(ADD_ROLE)
        if tip and self.add_button_rect(option).contains(event.pos()):
            QToolTip.showText(event.globalPos(), tip, view)
            return True
        return super().helpEvent(event, view, option, index)


def fit_name_and_badge(metrics: QFontMetrics, name: str, badge: str, width: int) -> tuple[str, str]:
    """The name and the badge ("this device", a count) as they fit side by side in ``width`` pixels.

    The name comes first: a short one is never elided for its badge, which is elided in the room left
    (or dropped when not even a few letters fit); a long one keeps at least half the row.
    """
    name_width = metrics.horizontalAdvance(name)
    if not badge:
        return metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(0, width)), ""
    badge_width = metrics.horizontalAdvance(badge) + BADGE_GAP
    name_room = min(name_width, max(width // 2, width - badge_width))
    badge = metrics.elidedText(badge, Qt.TextElideMode.ElideRight, max(0, width - name_room - BADGE_GAP))
    if len(badge) < 3:  # "" or "t…": noise rather than a hint
        badge = ""
    room = width - (metrics.horizontalAdvance(badge) + BADGE_GAP if badge else 0)
    return metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(0, room)), badge


def _gap_above(index: ModelIndex) -> int:
    if index.data(KIND_ROLE) is not ItemKind.SECTION:
        return 0
    return SECTION_GAP if index.row() else FIRST_SECTION_GAP


def _path_at(index: ModelIndex) -> str | None:
    """The exact folder a row shows: a place's path keeps the bytes that are not UTF-8 (Qt's strings,
    through which ``PATH_ROLE`` passes, would drop them)."""
    place = index.data(PLACE_ROLE)
    return place.path if place is not None else index.data(PATH_ROLE)


class Sidebar(QTreeView):
    """Always-expanded sections. Activating a library asks to switch to it; clicking a location, a volume,
    a favourite or a recent folder asks to show it (a middle click: in a new tab).

    Signals
    -------
    switch_requested(UUID): make this library current (opening it if it was closed).
    rename_requested(UUID): ask for a new name for this library.
    close_requested(UUID): close this library.
    new_library_requested(): ask for a name and create a library.
    open_path_requested(str): show this folder (a location's, a volume's, a place's) in the active pane.
    open_in_new_tab_requested(str): show this folder in a new tab.
    add_favourite_requested(str): add this folder to Favourites.
    remove_favourite_requested(str): remove this folder (one the user added) from Favourites.
    clear_recent_requested(): empty the Recent section.
    add_location_requested(): ask for a folder and add it as a location of the current library.
    rescan_location_requested(int): index this location (by id) again.
    remove_location_requested(int): forget this location (by id), after asking.
    open_tag_requested(object): show the files carrying this ``Tag``.
    new_tag_requested(): ask for a name and create a tag.
    rename_tag_requested(object): ask for a new name for this ``Tag``.
    recolor_tag_requested(object): ask for a new colour for this ``Tag``.
    delete_tag_requested(object): delete this ``Tag``, after asking.
    drop_requested(object): files were dropped onto a folder's, a tag's or a paired device's row (a
        ``ui.dnd.DropRequest``).
    send_files_requested(str): ask for files and send them to this paired device (by network id).
    unpair_requested(str): forget this paired device (by network id), after asking.
    pair_device_requested(): show the pairing dialog.
    """

    switch_requested = Signal(object)
    rename_requested = Signal(object)
    close_requested = Signal(object)
    new_library_requested = Signal()
    open_path_requested = Signal(object)
    open_in_new_tab_requested = Signal(object)
    add_favourite_requested = Signal(object)
    remove_favourite_requested = Signal(object)
    clear_recent_requested = Signal()
    add_location_requested = Signal()
    rescan_location_requested = Signal(int)
    remove_location_requested = Signal(int)
    open_tag_requested = Signal(object)
    new_tag_requested = Signal()
    rename_tag_requested = Signal(object)
    recolor_tag_requested = Signal(object)
    delete_tag_requested = Signal(object)
    drop_requested = Signal(object)
    send_files_requested = Signal(str)
    unpair_requested = Signal(str)
    pair_device_requested = Signal()

    def __init__(self, model: SidebarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The row files are being dragged over, if it takes them (drawn highlighted).
        self.drop_row: QPersistentModelIndex | None = None
        self._model = model
        self.setModel(model)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setExpandsOnDoubleClick(False)
        self.setIndentation(14)
        self.delegate = SidebarDelegate(self)
        self.delegate.add_requested.connect(self._add_requested)
        self.setItemDelegate(self.delegate)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setAccessibleName(self.tr("Sidebar"))
        self.expandAll()
        model.rowsInserted.connect(self._expand_inserted)
        self.customContextMenuRequested.connect(self._show_menu)
        self.activated.connect(self._activated)
        self.clicked.connect(self._clicked)
        self.drop_target = DropTarget(self.viewport(), self._drop_target, self._drag_hovered)
        self.drop_target.dropped.connect(self._dropped)

    def _expand_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            for row in range(first, last + 1):
                self.expand(self.model().index(row, 0))

    def select_path(self, path: str) -> None:
        """Select the location, favourite or volume showing ``path`` (the folder shown), or nothing."""
        for section in (Section.LOCATIONS, Section.FAVOURITES, Section.VOLUMES):
            parent = self._model.section_index(section)
            for row in range(self._model.rowCount(parent)):
                index = self._model.index(row, 0, parent)
                if _path_at(index) == path:
                    self.setCurrentIndex(index)
                    return
        self.clearSelection()

    def _add_requested(self, section: int) -> None:
        if section == Section.LIBRARIES:
            self.new_library_requested.emit()
        elif section == Section.LOCATIONS:
            self.add_location_requested.emit()
        elif section == Section.TAGS:
            self.new_tag_requested.emit()

    def _activated(self, index: QModelIndex) -> None:
        info = index.data(LIBRARY_INFO_ROLE)
        if info is not None and not info.is_current and not info.problem:
            self.switch_requested.emit(info.id)
        self._clicked(index)

    def _clicked(self, index: QModelIndex) -> None:
        path = _path_at(index)
        tag = index.data(TAG_ROLE)
        if path:
            self.open_path_requested.emit(path)
        elif tag is not None:
            self.open_tag_requested.emit(tag)

    def _drop_target(self, pos: QPoint) -> Target | None:
        """Files dropped onto a location, volume, favourite or recent folder go there; onto a tag, get it;
        onto a paired device, are sent there."""
        index = self.indexAt(pos)
        tag = index.data(TAG_ROLE)
        if tag is not None:
            return Target(tag=tag.name)
        device = device_at(index)
        if device is not None:
            return None if device.this_device else Target(device=device.id)
        path = _path_at(index)
        return Target(folder=os.fsencode(path)) if path else None

    def _drag_hovered(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        row = QPersistentModelIndex(index) if self._drop_target(pos) is not None else None
        if row != self.drop_row:
            self.drop_row = row
            self.viewport().update()

    def _dropped(self, request: object) -> None:
        self._clear_drop_row()
        self.drop_requested.emit(request)

    def _clear_drop_row(self) -> None:
        if self.drop_row is not None:
            self.drop_row = None
            self.viewport().update()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._clear_drop_row()
        super().dragLeaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            path = _path_at(self.indexAt(event.position().toPoint()))
            if path:
                self.open_in_new_tab_requested.emit(path)
                return
        super().mouseReleaseEvent(event)

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The context menu for the row at ``index`` (library, location or folder actions), or None."""
        return (
            self.library_menu(index)
            or self.location_menu(index)
            or self.place_menu(index)
            or self.tag_menu(index)
            or device_menu(self, index)
        )

    def tag_menu(self, index: QModelIndex) -> QMenu | None:
        """New Tag for the Tags section; Rename, Change Colour and Delete for a tag's row."""
        tags = self._model.section_index(Section.TAGS)
        if index != tags and index.parent() != tags:
            return None
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Tag menu"))
        tag = index.data(TAG_ROLE)
        if tag is not None:
            show = QAction(self.tr("&Show Files"), menu)
            show.triggered.connect(lambda: self.open_tag_requested.emit(tag))
            rename = QAction(self.tr("&Rename…"), menu)
            rename.triggered.connect(lambda: self.rename_tag_requested.emit(tag))
            recolor = QAction(self.tr("Change &Colour…"), menu)
            recolor.triggered.connect(lambda: self.recolor_tag_requested.emit(tag))
            delete = QAction(self.tr("&Delete…"), menu)
            delete.triggered.connect(lambda: self.delete_tag_requested.emit(tag))
            menu.addActions([show, rename, recolor, delete])
            menu.addSeparator()
        new = QAction(self.tr("&New Tag…"), menu)
        new.triggered.connect(self.new_tag_requested)
        menu.addAction(new)
        return menu

    def library_menu(self, index: QModelIndex) -> QMenu | None:
        """Library actions for a row of the Libraries section, else None."""
        libraries = self._model.section_index(Section.LIBRARIES)
        if index != libraries and index.parent() != libraries:
            return None
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Library menu"))
        info = index.data(LIBRARY_INFO_ROLE)
        if info is not None:
            usable = not info.problem
            switch = QAction(self.tr("&Switch To") if info.is_open else self.tr("&Open"), menu)
            switch.setEnabled(usable and not info.is_current)
            switch.triggered.connect(lambda: self.switch_requested.emit(info.id))
            rename = QAction(self.tr("&Rename…"), menu)
            rename.setEnabled(usable)
            rename.triggered.connect(lambda: self.rename_requested.emit(info.id))
            close = QAction(self.tr("&Close"), menu)
            close.setEnabled(info.is_open)
            close.triggered.connect(lambda: self.close_requested.emit(info.id))
            menu.addActions([switch, rename, close])
            menu.addSeparator()
        new = QAction(self.tr("&New Library…"), menu)
        new.triggered.connect(self.new_library_requested)
        menu.addAction(new)
        return menu

    def location_menu(self, index: QModelIndex) -> QMenu | None:
        """Location actions for a row of the Locations section, else None."""
        locations = self._model.section_index(Section.LOCATIONS)
        if index != locations and index.parent() != locations:
            return None
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Location menu"))
        info = index.data(LOCATION_INFO_ROLE)
        if info is not None:
            reveal = QAction(self.tr("Re&veal"), menu)
            reveal.setToolTip(self.tr("Show the location's folder"))
            reveal.triggered.connect(lambda: self.open_path_requested.emit(info.path))
            menu.addAction(reveal)
            self._add_folder_actions(menu, info.path)
            menu.addSeparator()
            rescan = QAction(self.tr("Re&scan"), menu)
            rescan.setEnabled(info.scan_state != "scanning")
            rescan.triggered.connect(lambda: self.rescan_location_requested.emit(info.id))
            remove = QAction(self.tr("&Remove…"), menu)
            remove.triggered.connect(lambda: self.remove_location_requested.emit(info.id))
            menu.addActions([rescan, remove])
            menu.addSeparator()
        add = QAction(self.tr("&Add Location…"), menu)
        add.triggered.connect(self.add_location_requested)
        menu.addAction(add)
        return menu

    def place_menu(self, index: QModelIndex) -> QMenu | None:
        """Open actions for a volume, favourite or recent folder; removal for the favourites the user
        added; clearing for Recent (its title row too). None for other rows."""
        kind = index.data(KIND_ROLE)
        recent = self._model.section_index(Section.RECENT)
        path = _path_at(index)
        if kind not in (ItemKind.VOLUME, ItemKind.FAVOURITE, ItemKind.RECENT) and index != recent:
            return None
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Folder menu"))
        if path:
            open_action = QAction(self.tr("&Open"), menu)
            open_action.triggered.connect(lambda: self.open_path_requested.emit(path))
            menu.addAction(open_action)
            self._add_folder_actions(menu, path)
        place = index.data(PLACE_ROLE)
        if kind is ItemKind.FAVOURITE and place is not None:
            remove = QAction(self.tr("&Remove from Favourites"), menu)
            remove.setEnabled(place.removable)
            if not place.removable:
                remove.setToolTip(self.tr("Standard folders stay in Favourites while they exist"))
            remove.triggered.connect(lambda: self.remove_favourite_requested.emit(path))
            menu.addAction(remove)
        if kind is ItemKind.RECENT or index == recent:
            menu.addSeparator()
            clear = QAction(self.tr("&Clear Recent"), menu)
            clear.triggered.connect(self.clear_recent_requested)
            menu.addAction(clear)
        return menu

    def _add_folder_actions(self, menu: QMenu, path: str) -> None:
        new_tab = QAction(self.tr("Open in New &Tab"), menu)
        new_tab.triggered.connect(lambda: self.open_in_new_tab_requested.emit(path))
        menu.addAction(new_tab)
        if not self._model.is_favourite(path):
            favourite = QAction(self.tr("Add to &Favourites"), menu)
            favourite.triggered.connect(lambda: self.add_favourite_requested.emit(path))
            menu.addAction(favourite)

    def _show_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(self.indexAt(pos))
        if menu is None:
            return
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.viewport().mapToGlobal(pos))
