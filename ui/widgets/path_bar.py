"""PathBar: the shown folder as breadcrumbs, or as a text field with folder completion (Ctrl+L)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize, QStringListModel, Qt, Signal
from PySide6.QtGui import QAction, QFocusEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.navigation import TypedPathError, breadcrumbs, display_name, resolve_typed_path, segment_label
from ui.navigation import subfolders as list_subfolders
from ui.tasks import TaskSet

#: Most subfolders a segment's menu lists (a folder with thousands would make an unusable menu).
MENU_LIMIT = 300
ERROR_STYLE = "QLabel { color: #d9534f; }"


def _literal(text: str) -> str:
    """``text`` for a button or menu item, whose "&" would otherwise mark a keyboard mnemonic."""
    return text.replace("&", "&&")


class SegmentButton(QToolButton):
    """One breadcrumb: a folder of the shown path.

    Signals
    -------
    middle_clicked(): released with the middle button (open in a new tab).
    """

    middle_clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self.rect().contains(event.position().toPoint()):
            self.middle_clicked.emit()
            return
        super().mouseReleaseEvent(event)


class _Crumbs(QWidget):
    """The breadcrumb row; a click on its empty part asks for the text field.

    Signals
    -------
    edit_requested(): the empty part of the row was clicked.
    """

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.IBeamCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.edit_requested.emit()
            return
        super().mousePressEvent(event)


class PathField(QLineEdit):
    """The text field: Escape and leaving it give the breadcrumbs back.

    Signals
    -------
    cancelled(): Escape was pressed, or the focus went elsewhere in the window.
    """

    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() in (Qt.FocusReason.MouseFocusReason, Qt.FocusReason.TabFocusReason):
            self.cancelled.emit()


class PathBar(QWidget):
    """Breadcrumbs for the shown folder: one button per folder from the root, parents elided from the left
    into a "…" menu when the row is too narrow; each "›" lists the folders inside the one before it. Ctrl+L
    (``edit()``) or a click on the empty part turns it into a text field completing folder names; Enter
    opens what was typed, or says why it cannot without leaving the folder shown.

    Signals
    -------
    open_requested(object): show this ``Path`` (exact, possibly a file to select in its folder).
    open_in_new_tab_requested(object): show this folder ``Path`` in a new tab (middle click, menu).
    add_favourite_requested(str): add this folder to the sidebar's favourites.
    """

    open_requested = Signal(object)
    open_in_new_tab_requested = Signal(object)
    add_favourite_requested = Signal(object)

    def __init__(self, tasks: TaskSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Path bar"))
        self._tasks = tasks
        self.path: Path | None = None
        self._show_hidden = False
        self._segments: list[tuple[QToolButton, QToolButton]] = []
        self._completion_folder: str | None = None

        self.crumbs = _Crumbs()
        self.crumbs.setAccessibleName(self.tr("Breadcrumbs"))
        self.crumbs.setToolTip(self.tr("Click here or press Ctrl+L to type a path"))
        self.crumbs.edit_requested.connect(self.edit)
        self.crumbs.installEventFilter(self)
        self._row = QHBoxLayout(self.crumbs)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(0)
        self.overflow_button = QToolButton()
        self.overflow_button.setText("…")
        self.overflow_button.setAutoRaise(True)
        self.overflow_button.setAccessibleName(self.tr("Parent folders"))
        self.overflow_button.setToolTip(self.tr("Parent folders not shown"))
        self.overflow_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.overflow_button.setMenu(QMenu(self.overflow_button))
        self.overflow_button.hide()
        self._row.addWidget(self.overflow_button)
        self._row.addStretch(1)

        self.field = PathField()
        self.field.setAccessibleName(self.tr("Path"))
        self.field.setPlaceholderText(self.tr("Type a path and press Enter"))
        self.field.setClearButtonEnabled(True)
        self.field.returnPressed.connect(self._submit)
        self.field.cancelled.connect(self.show_breadcrumbs)
        self.field.textChanged.connect(self._text_changed)
        self.completion_model = QStringListModel(self)
        self.completer = QCompleter(self.completion_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.popup().setAccessibleName(self.tr("Folder suggestions"))
        self.field.setCompleter(self.completer)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.crumbs)
        self.stack.addWidget(self.field)
        self.stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName(self.tr("Path error"))
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.stack)
        layout.addWidget(self.error_label)

    # ---- state -----------------------------------------------------------------------------------------

    def set_path(self, path: Path) -> None:
        """Show ``path`` as breadcrumbs (leaving the text field, which a newly shown folder makes stale)."""
        self.path = path
        self._rebuild()
        self.show_breadcrumbs()

    def set_show_hidden(self, show: bool) -> None:
        """Whether the segments' menus and the completion list hidden folders."""
        self._show_hidden = show

    def is_editing(self) -> bool:
        return self.stack.currentWidget() is self.field

    def edit(self) -> None:
        """Turn into the text field, holding the shown folder's path, all selected."""
        self.stack.setCurrentWidget(self.field)
        self.field.setText(display_name(os.fspath(self.path)) if self.path is not None else "")
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def show_breadcrumbs(self) -> None:
        self.error_label.hide()
        self.completer.popup().hide()
        had_focus = self.field.hasFocus()
        self.stack.setCurrentWidget(self.crumbs)
        if had_focus:
            self.focusNextChild()

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    # ---- breadcrumbs -----------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        for button, arrow in self._segments:
            button.deleteLater()
            arrow.deleteLater()
        self._segments = []
        if self.path is None:
            return
        for position, folder in enumerate(breadcrumbs(self.path)):
            label = segment_label(folder)
            button = SegmentButton()
            button.setText(_literal(label))
            button.setAutoRaise(True)
            button.setAccessibleName(self.tr("Go to {folder}").format(folder=label))
            button.setToolTip(display_name(os.fspath(folder)))
            button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            button.clicked.connect(lambda _=False, f=folder: self.open_requested.emit(f))
            button.middle_clicked.connect(lambda f=folder: self.open_in_new_tab_requested.emit(f))
            button.customContextMenuRequested.connect(
                lambda pos, b=button, f=folder: self._segment_menu(b, f)
            )
            arrow = QToolButton()
            arrow.setText("›")
            arrow.setAutoRaise(True)
            arrow.setAccessibleName(self.tr("Folders in {folder}").format(folder=label))
            arrow.setToolTip(self.tr("Folders in {folder}").format(folder=label))
            arrow.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            arrow.setStyleSheet("QToolButton::menu-indicator { image: none; }")
            menu = QMenu(arrow)
            menu.setAccessibleName(self.tr("Folders in {folder}").format(folder=label))
            menu.aboutToShow.connect(lambda m=menu, f=folder: self._fill_folder_menu(m, f))
            arrow.setMenu(menu)
            self._row.insertWidget(1 + 2 * position, button)
            self._row.insertWidget(2 + 2 * position, arrow)
            self._segments.append((button, arrow))
        self._elide()

    def segment_buttons(self) -> list[QToolButton]:
        """The breadcrumb buttons, root first (hidden ones included)."""
        return [button for button, _arrow in self._segments]

    def _elide(self) -> None:
        """Hide parents from the left until the rest fits; the folder shown always stays."""
        if not self._segments:
            self.overflow_button.hide()
            return
        room = self.crumbs.width() - self.overflow_button.sizeHint().width()
        widths = [button.sizeHint().width() + arrow.sizeHint().width() for button, arrow in self._segments]
        first = len(widths) - 1
        used = widths[first]
        while first > 0 and used + widths[first - 1] <= room:
            first -= 1
            used += widths[first]
        for position, (button, arrow) in enumerate(self._segments):
            button.setVisible(position >= first)
            arrow.setVisible(position >= first)
        self.overflow_button.setVisible(first > 0)
        menu = self.overflow_button.menu()
        menu.clear()
        for position in range(first - 1, -1, -1):
            folder = self._folder_at(position)
            action = menu.addAction(_literal(display_name(os.fspath(folder))))
            action.triggered.connect(lambda _=False, f=folder: self.open_requested.emit(f))

    def _folder_at(self, position: int) -> Path:
        assert self.path is not None
        return breadcrumbs(self.path)[position]

    def minimumSizeHint(self) -> QSize:
        return QSize(80, super().minimumSizeHint().height())

    def _segment_menu(self, button: QToolButton, folder: Path) -> None:
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Folder menu"))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        new_tab = QAction(self.tr("Open in New &Tab"), menu)
        new_tab.triggered.connect(lambda: self.open_in_new_tab_requested.emit(folder))
        favourite = QAction(self.tr("Add to &Favourites"), menu)
        favourite.triggered.connect(lambda: self.add_favourite_requested.emit(os.fspath(folder)))
        edit = QAction(self.tr("&Edit Path"), menu)
        edit.triggered.connect(self.edit)
        menu.addActions([new_tab, favourite, edit])
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()))

    def _fill_folder_menu(self, menu: QMenu, folder: Path) -> None:
        menu.clear()
        menu.addAction(self.tr("Loading…")).setEnabled(False)
        self._tasks.spawn(self._list_into_menu(menu, folder))

    async def _list_into_menu(self, menu: QMenu, folder: Path) -> None:
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(None, list_subfolders, folder, self._show_hidden)
        if not shiboken6.isValid(menu):
            return
        menu.clear()
        for child in found[:MENU_LIMIT]:
            action = menu.addAction(_literal(display_name(child.name)))
            action.triggered.connect(lambda _=False, f=child: self.open_requested.emit(f))
        if len(found) > MENU_LIMIT:
            menu.addAction(self.tr("{count} more…").format(count=len(found) - MENU_LIMIT)).setEnabled(False)
        if not found:
            menu.addAction(self.tr("No folders")).setEnabled(False)

    # ---- text field ------------------------------------------------------------------------------------

    def _text_changed(self, text: str) -> None:
        self.error_label.hide()
        if not self.is_editing():
            return
        cut = text.rfind("/")
        folder_text = text[: cut + 1] if cut >= 0 else ""
        if folder_text and folder_text != self._completion_folder:
            self._completion_folder = folder_text
            self._tasks.spawn(self._complete(folder_text))

    async def _complete(self, folder_text: str) -> None:
        """Offer the folders inside the one typed so far (listed off the loop)."""
        loop = asyncio.get_running_loop()
        show_hidden = self._show_hidden
        try:
            folder = await loop.run_in_executor(None, resolve_typed_path, folder_text, self.path)
        except TypedPathError:
            folder = None
        found = [] if folder is None else await loop.run_in_executor(None, list_subfolders, folder, True)
        if not shiboken6.isValid(self) or folder_text != self._completion_folder:
            return
        names = [display_name(child.name) for child in found]
        typed = self.field.text()[len(folder_text) :]
        if not (show_hidden or typed.startswith(".")):
            names = [name for name in names if not name.startswith(".")]
        self.completion_model.setStringList([f"{folder_text}{name}/" for name in names])
        if self.is_editing() and self.field.hasFocus() and self.field.text().startswith(folder_text):
            self.completer.setCompletionPrefix(self.field.text())
            self.completer.complete()

    def completions(self) -> list[str]:
        """What the completion offers for the text typed so far."""
        model = self.completer.completionModel()
        return [model.index(row, 0).data() for row in range(model.rowCount())]

    def _submit(self) -> None:
        self._tasks.spawn(self.submit(self.field.text()))

    async def submit(self, text: str) -> bool:
        """Open the path ``text`` (checked off the loop); whether it could be."""
        if not text.strip():
            self.show_breadcrumbs()
            return False
        loop = asyncio.get_running_loop()
        try:
            path = await loop.run_in_executor(None, resolve_typed_path, text, self.path)
        except TypedPathError as e:
            if shiboken6.isValid(self):
                self.show_error(self._error_text(e))
            return False
        if not shiboken6.isValid(self):
            return False
        self.show_breadcrumbs()
        self.open_requested.emit(path)
        return True

    def _error_text(self, error: TypedPathError) -> str:
        shown = display_name(os.fspath(error.path))
        if error.code == "not_readable":
            return self.tr("“{path}” cannot be opened: permission denied.").format(path=shown)
        return self.tr("Nothing exists at “{path}”. The folder shown is unchanged.").format(path=shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.crumbs and event.type() == QEvent.Type.Resize:
            self._elide()
        return super().eventFilter(watched, event)
