"""FolderModel: a folder's entries as the core's listing streams them in, one row per entry, in columns."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable, Iterator
from operator import attrgetter
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QFileIconProvider

from spacedrive.domain.entry import Entry
from ui import clipboard
from ui.formatting import data_size, date_time, files_text
from ui.icons import kind_icon
from ui.models.folder_rows import (
    MEDIA_KINDS,
    Column,
    Row,
    kind_text,
    make_row,
    reverses,
    sort_key,
    tooltip,
    updated_row,
)

__all__ = [
    "ENTRY_ROLE",
    "INDEXED_ROLE",
    "IS_DIR_ROLE",
    "PATH_ROLE",
    "Column",
    "FolderModel",
    "ThumbnailSource",
    "display_name",
]

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
#: Rows ``replace_gradually`` works through between two turns of the event loop (measured: at most
#: 9 ms of work; 4,000 took up to 18 ms, and a collection on a worker thread or a repaint can fall in
#: the same stretch).
REPLACE_STEP = 2000
_SK = attrgetter("sk")
_COLUMNS = len(Column)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_EDIT = int(Qt.ItemDataRole.EditRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ITEM = (
    Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
    | Qt.ItemFlag.ItemIsDragEnabled
)
_NAME_ITEM = _ITEM | Qt.ItemFlag.ItemIsEditable
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

#: Whether the row is a folder.
IS_DIR_ROLE = Qt.ItemDataRole.UserRole + 1
#: The row's ``Entry``.
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2
#: The row's exact path (bytes).
PATH_ROLE = Qt.ItemDataRole.UserRole + 3
#: Whether the row comes from the library's index (else it was read live from disk).
INDEXED_ROLE = Qt.ItemDataRole.UserRole + 4


class ThumbnailSource(Protocol):
    """What the model needs of a thumbnail loader (``ui.thumbnails`` provides one).

    ``request`` returns a cached pixmap at once, or schedules one and returns None; ``thumbnail_ready``
    is then emitted with the entry's path.
    """

    @property
    def thumbnail_ready(self) -> SignalInstance: ...

    def request(self, entry: Entry, size: int) -> QPixmap | None: ...


def display_name(name: str) -> str:
    """A name safe to show: bytes that are not UTF-8 (kept by ``os.fsdecode``) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class FolderModel(QAbstractTableModel):
    """One row per entry of a folder, in ``Column``s. Every view of the content area shows this one model.

    ``append`` takes the listing's chunks as they arrive (each sorted, inserted at the end) and ``finish``
    puts the whole in order once the listing is complete; ``replace`` brings a shown folder up to date
    with the fewest row removals and insertions, so selection and scroll position survive live changes.

    Rows are kept twice: every entry in sort order (merged chunk by chunk as they arrive, so ``finish``
    only swaps lists), and the rows shown: those passing the filter text, the hidden-files switch and
    the media-only switch. Sorting, filtering and switching move rows with one layout change that keeps
    persistent indexes (selection, current item) on their entries.

    Names are editable in place: the edit is not applied here but asked for (the rename goes through the
    core, and the listing then shows it). Rows drag as files (``ui.clipboard`` formats); rows that were
    cut to the clipboard are drawn dimmed.

    Signals
    -------
    rename_requested(object, str): the user edited this ``Entry``'s name to this text.
    """

    rename_requested = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: Every entry in ascending key order (the descending orders read it backwards); while a listing
        #: streams in, in the order of its chunks until ``sort_rows``.
        self._rows: list[Row] = []
        #: Rows appended but not shown yet (``append(..., hold=True)``).
        self._held: list[Row] = []
        self._rows_sorted = True
        #: The rows shown, in sort order unless chunks were appended since (``_in_order``).
        self._visible: list[Row] = []
        #: Counts changes of the rows shown, so a gradual replacement knows when others changed them.
        self._epoch = 0
        self._in_order = True
        self._sort_column = Column.NAME
        self._descending = False
        self._filter = ""
        self._show_hidden = False
        self._media_only = False
        self._loader: ThumbnailSource | None = None
        self._thumbnail_size = 0
        #: Shown row of each media entry's name, for thumbnails arriving; rebuilt when rows move.
        self._media_rows: dict[bytes, int] | None = None
        self._folder_icon = QFileIconProvider().icon(QFileIconProvider.IconType.Folder)
        #: Paths cut to the clipboard (shown dimmed until pasted or replaced on the clipboard).
        self._cut: frozenset[bytes] = frozenset()

    # ---- feeding ---------------------------------------------------------------------------------------

    def clear(self) -> None:
        self._epoch += 1
        self.beginResetModel()
        self._rows = []
        self._held = []
        self._rows_sorted = True
        self._visible = []
        self._in_order = True
        self._media_rows = None
        self.endResetModel()

    def append(self, chunk: list[Entry], hold: bool = False) -> None:
        """Add a chunk of the listing at the end (sorted within itself; ``finish`` sorts the whole).

        With ``hold`` its rows are made but not shown yet: the next ``append`` without it (or
        ``publish``) shows them with its own. Every insertion costs row bookkeeping and a repaint of
        the views, so a big listing is shown in a few insertions, not one per chunk.
        """
        if not chunk:
            return
        key = sort_key(self._sort_column, self._descending)
        rows = [make_row(entry, key) for entry in chunk]
        rows.sort(key=_SK)
        if self._rows and rows[0].sk < self._rows[-1].sk:
            self._rows_sorted = False
        self._rows += rows
        shown = self._select(rows)
        if hold:
            self._held += shown
            return
        self._insert(shown)

    def held_count(self) -> int:
        return len(self._held)

    def publish(self) -> None:
        """Show the rows that ``append(..., hold=True)`` held back."""
        self._insert([])

    def _insert(self, shown: list[Row]) -> None:
        if self._held:
            shown, self._held = self._held + shown, []
            shown.sort(key=_SK)
        if not shown:
            return
        if self._visible and self._before(shown[0], self._visible[-1]):
            self._in_order = False
        first = len(self._visible)
        self._epoch += 1
        self.beginInsertRows(_ROOT, first, first + len(shown) - 1)
        self._visible.extend(shown)
        if self._media_rows is not None:
            self._media_rows.update((r.entry.raw_name, first + i) for i, r in enumerate(shown) if r.media)
        self.endInsertRows()

    def finish(self) -> None:
        """The listing is complete: show the rows of every chunk in order."""
        self.publish()
        self.sort_rows()
        if not self._in_order:
            self._show(self._select(self._rows))

    def replace(self, entries: list[Entry]) -> None:
        """Show ``entries`` instead: rows that went away are removed, new ones inserted, others updated."""
        for _ in self._replace_steps(entries, 0):
            pass

    async def replace_gradually(self, entries: list[Entry], still_wanted: Callable[[], bool]) -> bool:
        """``replace``, worked out and applied ``REPLACE_STEP`` rows at a time with the event loop turning
        in between: a folder of 100k entries that all changed at once (it was just indexed) causes no
        stall. Between steps the model is consistent. Whether it finished: not when ``still_wanted()``
        turned false or the rows were changed otherwise meanwhile (a sort, a filter: list again then).
        """
        steps = self._replace_steps(entries, REPLACE_STEP)
        for _ in steps:
            epoch = self._epoch
            await asyncio.sleep(0)
            if not still_wanted() or epoch != self._epoch:
                steps.close()
                return False
        return True

    def _replace_steps(self, entries: list[Entry], step: int) -> Iterator[None]:
        """``replace`` as a generator pausing after about ``step`` rows of work (0: never)."""
        self.finish()
        self._epoch += 1
        work = 0

        def pause() -> bool:
            nonlocal work
            work += 1
            return step > 0 and work % step == 0

        key = sort_key(self._sort_column, self._descending)
        old: dict[bytes, Row] = {}
        for row in self._rows:
            old[row.entry.raw_name] = row
            if pause():
                yield
        rows = []
        for entry in entries:
            row = old.get(entry.raw_name)
            if row is None:
                rows.append(make_row(entry, key))
            else:
                rows.append(row if row.entry == entry else updated_row(row, entry, key))
            if pause():
                yield
        yield
        # Sorted a piece at a time, then merged in steps: the index lists by name bytes, not in the order
        # shown (folders first, natural order), and one sort of 100k rows held the loop 50-85 ms.
        piece_size = step or len(rows) or 1
        pieces = []
        for start in range(0, len(rows), piece_size):
            pieces.append(sorted(rows[start : start + piece_size], key=_SK))
            yield
        if len(pieces) > 1:
            rows = []
            for row in heapq.merge(*pieces, key=_SK):  # stable, as one sort would be
                rows.append(row)
                if pause():
                    yield
        else:
            rows = pieces[0] if pieces else []
        self._rows = rows
        self._rows_sorted = True
        # Filtered and collected in steps too (together another 60 ms for 100k rows).
        parts = []
        for start in range(0, len(rows), piece_size):
            parts.append(self._select(rows[start : start + piece_size]))  # each reversed when shown so
            yield
        if reverses(self._sort_column, self._descending):
            parts.reverse()
        new = [row for part in parts for row in part]
        keep: set[Any] = set()
        for start in range(0, len(new), piece_size):
            keep.update(row.sk for row in new[start : start + piece_size])
            yield
        shown = self._visible
        self._media_rows = None
        yield
        self._epoch += 1  # the shown rows change from here on
        i = len(shown) - 1
        while i >= 0:  # remove runs of vanished rows, from the end so row numbers stay valid
            if shown[i].sk in keep:
                i -= 1
                if pause():
                    yield
                continue
            last = i
            while i >= 0 and shown[i].sk not in keep:
                i -= 1
            self.beginRemoveRows(_ROOT, i + 1, last)
            del shown[i + 1 : last + 1]
            self.endRemoveRows()
        # What is left is in order and a subsequence of ``new``: insert the runs that are missing.
        # Runs of updated rows are reported as one change each (a folder just indexed: one signal).
        i = 0
        changed_from = -1
        while i < len(new):
            if i < len(shown) and shown[i].sk == new[i].sk:
                if shown[i] is not new[i] and shown[i].entry != new[i].entry:
                    if changed_from < 0:
                        changed_from = i
                    shown[i] = new[i]
                else:
                    shown[i] = new[i]
                    changed_from = self._report_changed(changed_from, i)
                i += 1
                if pause():
                    changed_from = self._report_changed(changed_from, i)
                    yield
                continue
            changed_from = self._report_changed(changed_from, i)
            first = i
            present = shown[i].sk if i < len(shown) else None
            while i < len(new) and new[i].sk != present:
                i += 1
            self.beginInsertRows(_ROOT, first, i - 1)
            shown[first:first] = new[first:i]
            self.endInsertRows()
        self._report_changed(changed_from, i)

    def _report_changed(self, first: int, end: int) -> int:
        """Signal that rows ``first`` up to ``end`` (excluded) changed, if ``first`` starts a run; -1."""
        if 0 <= first < end:
            self.dataChanged.emit(self.index(first, 0), self.index(end - 1, _COLUMNS - 1))
        return -1

    # ---- sorting and filtering -------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order by ``column`` (folders first in either order, names breaking ties): one key per row."""
        if not 0 <= column < len(Column):
            return
        self._sort_column = Column(column)
        self._descending = order == Qt.SortOrder.DescendingOrder
        key = sort_key(self._sort_column, self._descending)
        for row in self._rows:
            row.sk = key(row)
        self._rows_sorted = False
        self.sort_rows()
        self._show(self._select(self._rows))

    def sort_column(self) -> Column:
        return self._sort_column

    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    def set_filter_text(self, text: str) -> None:
        """Show only entries whose name contains ``text``, ignoring case ("" shows every entry)."""
        needle = text.casefold()
        if needle != self._filter:
            self._filter = needle
            self._reselect()

    def filter_text(self) -> str:
        return self._filter

    def set_show_hidden(self, show: bool) -> None:
        """Whether hidden entries (dot-files) are shown; they are not by default."""
        if show != self._show_hidden:
            self._show_hidden = show
            self._reselect()

    def show_hidden(self) -> bool:
        return self._show_hidden

    def set_media_only(self, media_only: bool) -> None:
        """Whether only images and videos are shown (the media view)."""
        if media_only != self._media_only:
            self._media_only = media_only
            self._reselect()

    def sort_rows(self) -> None:
        """Put every entry in key order if chunks arrived out of it (``finish`` does; calling it first
        splits the work of a large folder's finish in two)."""
        if not self._rows_sorted:
            # The keys were computed once per row; the sort reads them into one array and compares them
            # in C (a single string each in name order).
            self._rows.sort(key=_SK)
            self._rows_sorted = True

    def _reselect(self) -> None:
        self.sort_rows()
        self._show(self._select(self._rows))

    def _select(self, rows: list[Row]) -> list[Row]:
        """The rows of ``rows`` (in ascending order) that pass the filters, in the order shown."""
        needle, hidden, media = self._filter, self._show_hidden, self._media_only
        if reverses(self._sort_column, self._descending):
            rows = rows[::-1]
        if media:
            rows = [r for r in rows if r.media]
        if not hidden:
            rows = [r for r in rows if not r.hidden]
        if needle:
            rows = [r for r in rows if needle in r.folded]
        return rows if rows is not self._rows else list(rows)

    def _show(self, rows: list[Row]) -> None:
        """Show ``rows`` (in order) instead, keeping persistent indexes on the entries that stay."""
        self.publish()  # a layout change may not change the row count: held rows go in first
        self._epoch += 1
        self.layoutAboutToBeChanged.emit()
        old = self._visible
        self._visible = rows
        self._in_order = True
        self._media_rows = None
        indexes = self.persistentIndexList()
        if indexes:
            moved = []
            for index in indexes:
                row = self._find(old[index.row()]) if index.row() < len(old) else -1
                moved.append(self.index(row, index.column()) if row >= 0 else QModelIndex())
            self.changePersistentIndexList(indexes, moved)
        self.layoutChanged.emit()

    def _before(self, a: Row, b: Row) -> bool:
        return a.sk > b.sk if reverses(self._sort_column, self._descending) else a.sk < b.sk

    def _find(self, row: Row) -> int:
        """The shown position of ``row`` (binary search on its key; rows are in order), or -1."""
        rows, lo, hi = self._visible, 0, len(self._visible)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._before(rows[mid], row):
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(rows) and rows[lo] is row else -1

    # ---- thumbnails ------------------------------------------------------------------------------------

    def set_thumbnail_loader(self, loader: ThumbnailSource | None) -> None:
        """Decorate images and videos with thumbnails from ``loader`` (None: kind icons only)."""
        if self._loader is not None:
            self._loader.thumbnail_ready.disconnect(self._thumbnail_ready)
        self._loader = loader
        if loader is not None:
            loader.thumbnail_ready.connect(self._thumbnail_ready)
        self._decorations_changed()

    def set_thumbnail_size(self, size: int) -> None:
        """The size thumbnails are asked for, in device pixels (0: no thumbnails, kind icons only)."""
        if size != self._thumbnail_size:
            self._thumbnail_size = size
            self._decorations_changed()

    def thumbnail_size(self) -> int:
        return self._thumbnail_size

    def _decorations_changed(self) -> None:
        if self._visible:
            last = self.index(len(self._visible) - 1, 0)
            self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.DecorationRole])

    def _thumbnail_ready(self, path: bytes) -> None:
        if self._media_rows is None:
            self._media_rows = {r.entry.raw_name: i for i, r in enumerate(self._visible) if r.media}
        parent, _, name = bytes(path).rpartition(b"/")
        row = self._media_rows.get(name)
        if row is not None and self._visible[row].entry.path == bytes(path):
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # ---- editing, dragging, cut items ------------------------------------------------------------------

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return _NAME_ITEM if index.column() == Column.NAME else _ITEM

    def setData(self, index: ModelIndex, value: Any, role: int = _EDIT) -> bool:
        """An edited name asks for a rename (``rename_requested``); the row changes once it is done."""
        if role != _EDIT or not index.isValid() or index.column() != Column.NAME:
            return False
        entry = self._visible[index.row()].entry
        name = str(value)
        if name and name != entry.name:
            self.rename_requested.emit(entry, name)
        return False

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction | Qt.DropAction.LinkAction

    def mimeTypes(self) -> list[str]:
        return [clipboard.URI_LIST, clipboard.GNOME_FILES, clipboard.KDE_CUT, clipboard.PLAIN]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        """The dragged rows as files (a drag out to another application carries them as a uri list)."""
        rows = sorted({index.row() for index in indexes if index.isValid()})
        return clipboard.encode([self._visible[row].entry.path for row in rows])

    def set_cut(self, paths: frozenset[bytes]) -> None:
        """Draw these paths' rows dimmed (they were cut to the clipboard)."""
        if paths != self._cut:
            self._cut = paths
            if self._visible:
                last = self.index(len(self._visible) - 1, _COLUMNS - 1)
                self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.ForegroundRole])

    # ---- reading ---------------------------------------------------------------------------------------

    def entry(self, row: int) -> Entry:
        return self._visible[row].entry

    def entries(self) -> list[Entry]:
        """The entries shown, in order."""
        return [row.entry for row in self._visible]

    def total_count(self) -> int:
        """How many entries the folder has, shown or not."""
        return len(self._rows)

    def from_index(self) -> bool | None:
        """Whether the listing came from the library's index (None while it has no entries)."""
        return self._rows[0].entry.indexed if self._rows else None

    def row_of(self, raw_name: bytes) -> int | None:
        """The shown row of the entry named ``raw_name``, if it is shown."""
        for row, item in enumerate(self._visible):
            if item.entry.raw_name == raw_name:
                return row
        return None

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else _COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return Column(section).title
        if role == Qt.ItemDataRole.TextAlignmentRole and section == Column.SIZE:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def data(self, index: ModelIndex, role: int = _DISPLAY) -> Any:
        # Qt asks for every cell painted: no checkIndex() (it calls back into rowCount and columnCount),
        # and roles compared as plain ints.
        row = index.row()
        if row >= len(self._visible) or not index.isValid():
            return None
        entry = self._visible[row].entry
        if role == _DISPLAY:
            return _TEXT[index.column()](entry)
        if role == _DECORATION:
            return self._decoration(entry) if index.column() == 0 else None
        if role == _TOOLTIP:
            return tooltip(entry)
        if role == _ALIGNMENT:
            return _RIGHT if index.column() == Column.SIZE else None
        if role == _EDIT:
            return entry.name if index.column() == Column.NAME else None
        if role == _FOREGROUND:
            if self._cut and entry.path in self._cut:
                return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            return None
        if role == IS_DIR_ROLE:
            return entry.kind == "directory"
        if role == ENTRY_ROLE:
            return entry
        if role == PATH_ROLE:
            return entry.path
        if role == INDEXED_ROLE:
            return entry.indexed
        return None

    def match(
        self,
        start: ModelIndex,
        role: int,
        value: Any,
        hits: int = 1,
        flags: Qt.MatchFlag = Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchWrap,
    ) -> list[QModelIndex]:
        """Names starting with (or containing) ``value``, from ``start``'s row on, whatever its column:
        what typing a name in a view looks for, answered from the precomputed names."""
        how = flags & ~Qt.MatchFlag.MatchWrap
        if role != _DISPLAY or how not in (Qt.MatchFlag.MatchStartsWith, Qt.MatchFlag.MatchContains):
            return super().match(start, role, value, hits, flags)
        needle = str(value).casefold()
        rows = self._visible
        order = list(range(start.row(), len(rows)))
        if flags & Qt.MatchFlag.MatchWrap:
            order += range(0, start.row())
        found = []
        starts = how == Qt.MatchFlag.MatchStartsWith
        for row in order:
            name = rows[row].folded
            if name.startswith(needle) if starts else needle in name:
                found.append(self.index(row, 0))
                if hits != -1 and len(found) >= hits:
                    break
        return found

    def _decoration(self, entry: Entry) -> QIcon:
        if self._loader is not None and self._thumbnail_size > 0 and entry.content_kind in MEDIA_KINDS:
            pixmap = self._loader.request(entry, self._thumbnail_size)
            if pixmap is not None and not pixmap.isNull():
                return QIcon(pixmap)
        if entry.kind == "directory":
            return self._folder_icon
        return kind_icon(entry.content_kind)


def _size_text(entry: Entry) -> str:
    if entry.size is None:
        return ""
    if entry.kind == "directory" and entry.file_count is not None:
        return QCoreApplication.translate("FolderModel", "{size}, {count}").format(
            size=data_size(entry.size), count=files_text(entry.file_count)
        )
    return data_size(entry.size)


_TEXT: tuple[Callable[[Entry], str], ...] = (
    lambda e: e.name,
    _size_text,
    kind_text,
    lambda e: date_time(e.modified) if e.modified else "",
    lambda e: date_time(e.created) if e.created else "",
    lambda e: ", ".join(e.tags),
    lambda e: e.cas_id or "",
)
