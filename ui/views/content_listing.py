"""The listing half of ContentView: what it shows (a folder, or a tag's files) and keeping that current.

A folder is listed through the core's ``iter_listing`` (from the index inside a location, live from the
disk elsewhere), its rows appearing chunk by chunk; a tag's files come from ``entries_with_tag``. Both
are listed again, in place, when the core reports changes to them; a newer listing always wins.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import shiboken6
from PySide6.QtCore import QItemSelectionModel

from spacedrive.domain import events as ev
from spacedrive.domain.entry import Entry
from spacedrive.domain.location import LocationInfo
from spacedrive.errors import SpacedriveError
from spacedrive.operations.listing import iter_listing
from spacedrive.operations.tags import entries_with_tag
from ui.icons import tag_icon
from ui.views.content_header import Listed
from ui.views.read_ahead import ReadAhead
from ui.widgets.view_mode import ViewMode

#: While a big folder streams in, its rows are shown at most this often (seconds) after the first ones,
#: or once this many wait: each insertion costs the model its bookkeeping and the view a repaint, so a
#: few large ones beat one per chunk, but one insertion of very many rows is a stall (12k: ~18 ms).
SHOW_EVERY = 0.25
SHOW_AT_MOST = 12_000


def location_containing(locations: list[LocationInfo], path: bytes) -> tuple[LocationInfo, bytes] | None:
    """The location ``path`` is in (or is), with the path relative to it (b"" for its root)."""
    for info in locations:
        root = os.fsencode(info.path).rstrip(b"/") or b"/"
        if path == root:
            return info, b""
        prefix = root if root.endswith(b"/") else root + b"/"
        if path.startswith(prefix):
            return info, path[len(prefix) :]
    return None


class ListingMixin:
    """Listing for ``ContentView``, which it is mixed into: it uses the view's model, selection, header,
    message label, columns view, signals and core (see the module's docstring)."""

    # ---- locations -------------------------------------------------------------------------------------

    def set_locations(self, locations: list[LocationInfo]) -> None:
        """The current library's locations: they decide what "Add as Location" offers and what is indexed."""
        before = self._location()
        self._locations = list(locations)
        after = self._location()
        if before is None and after is None:
            return
        if before is None or after is None or before[0] != after[0]:
            # The shown folder became part of a location, left one, or its location's scan state changed.
            self.schedule_refresh()

    def can_add_location(self, path: Path) -> bool:
        """Whether ``path`` is a folder outside every location of the current library."""
        return location_containing(self._locations, os.fsencode(path)) is None

    def entries_changed(self, event: ev.EntriesChanged) -> None:
        """List the shown folder again when the core reports changes in it (a tag's view: any change)."""
        if self.tag is not None:
            self.schedule_refresh()
            return
        found = self._location()
        if found is None:
            return
        info, rel = found
        if event.location_id == info.id and os.fsencode(event.relative_path) == rel:
            self.schedule_refresh()

    def _location(self) -> tuple[LocationInfo, bytes] | None:
        if self.path is None:
            return None
        return location_containing(self._locations, os.fsencode(self.path))

    def _column_root(self, path: Path) -> Path:
        """Where the columns view starts: the shown location's root, else home, else the file system's."""
        found = location_containing(self._locations, os.fsencode(path))
        if found is not None:
            return Path(found[0].path)
        home = Path.home()
        return home if path == home or home in path.parents else Path(path.anchor or "/")

    # ---- listing ---------------------------------------------------------------------------------------

    def _list_folder(self, path: Path) -> AsyncIterator[list[Entry]]:
        return iter_listing(self._core, os.fsencode(path))

    async def open_path(self, path: Path) -> None:
        """Show ``path`` (a folder, or a file shown selected in its folder); a newer call wins.

        Opening the folder already shown lists it again in place, keeping the selection. Going up to a
        folder of the chain shown selects the folder that was shown.
        """
        path = path.expanduser().absolute()
        selected: bytes | None = None
        if path.exists() and not path.is_dir():
            path, selected = path.parent, os.fsencode(path.name)
        elif self.path is not None and path in self.path.parents:
            selected = os.fsencode(self.path.relative_to(path).parts[0])
        if path == self.path and not self._loading:
            listed = await self.refresh()
        else:
            listed = await self._load(path)
        row = self.model.row_of(selected) if listed and selected else None
        if row is not None:
            index = self.model.index(row, 0)
            self.selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.current_view().scrollTo(index)

    async def _load(self, path: Path) -> bool:
        """Show a new folder, its rows appearing chunk by chunk; whether it was listed to the end."""
        self._generation += 1
        generation = self._generation
        self._refresh_timer.stop()
        self.path = path
        self.tag = None
        self.header.show_folder(path)
        self.message_label.clear()
        self.model.clear()
        self._selection_changed()
        if self._mode is ViewMode.COLUMNS:
            self.columns_view.set_folder(path, self._column_root(path))
        self._show_page()
        self._loading = True
        self.folder_opened.emit(os.fspath(path))
        reader = ReadAhead(iter_listing(self._core, os.fsencode(path)))
        loop = asyncio.get_running_loop()
        shown_at = 0.0
        try:
            while (batch := await reader.next_batch()) is not None:
                if not self._is_current(generation):
                    return False
                # The first rows at once; then a few insertions a second (each one lays out the view).
                now = loop.time()
                hold = (
                    self.model.rowCount() > 0
                    and now - shown_at < SHOW_EVERY
                    and self.model.held_count() + len(batch) < SHOW_AT_MOST
                )
                self.model.append(batch, hold=hold)
                if not hold:
                    shown_at = now
        except (SpacedriveError, OSError) as e:
            if self._is_current(generation):
                self._loading = False
                self._show_error(e)
            return False
        finally:
            reader.close()
        if not self._is_current(generation):
            return False
        # Putting 100k rows in order and showing them are two turns of the loop, not one long stall.
        self.model.publish()
        self.model.sort_rows()
        await asyncio.sleep(0)
        if not self._is_current(generation):
            return False
        self._loading = False
        self.model.finish()
        self._update_header()
        self.listing_finished.emit(os.fspath(path))
        return True

    def schedule_refresh(self) -> None:
        """List the shown folder again soon; requests arriving meanwhile are served by the same listing."""
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _refresh_now(self) -> None:
        self._tasks.spawn(self.refresh())

    def reload(self) -> None:
        """List the shown folder again now (F5)."""
        self._refresh_timer.stop()
        self._tasks.spawn(self.refresh())

    async def open_tag(self, name: str, color: str | None = None) -> bool:
        """Show every file and folder carrying the tag ``name``, indexed or not; whether they were listed."""
        self._refresh_timer.stop()
        self.path = None
        self.tag, self._tag_color = name, color
        self.header.show_tag(name, tag_icon(color))
        self.message_label.clear()
        self.model.clear()
        self._selection_changed()
        self._loading = True
        self._show_page()
        self.tag_opened.emit(name)
        return await self.refresh()

    async def refresh(self) -> bool:
        """List the shown folder (or tag) again and apply the differences to the rows shown; whether it
        was."""
        if self.path is None and self.tag is None:
            return False
        self._generation += 1
        generation = self._generation
        path, tag = self.path, self.tag
        entries: list[Entry] = []
        try:
            if tag is not None:
                entries = await entries_with_tag(self._core.libraries.current(), tag)
            else:
                assert path is not None
                async for chunk in iter_listing(self._core, os.fsencode(path)):
                    if not self._is_current(generation):
                        return False
                    entries.extend(chunk)
        except (SpacedriveError, OSError) as e:
            if self._is_current(generation):
                self._loading = False
                self.model.clear()
                self._show_error(e)
            return False
        if not self._is_current(generation):
            return False
        self._loading = False
        if not await self.model.replace_gradually(entries, lambda: self._is_current(generation)):
            if self._is_current(generation):  # a sort or filter came in between: list once more
                self.schedule_refresh()
            return False
        self._update_header()
        self._selection_changed(only_if_changed=True)
        if path is not None:
            self.listing_finished.emit(os.fspath(path))
        return True

    def tags_changed(self, event: ev.TagsChanged | ev.TagUpdated | ev.TagDeleted) -> None:
        """List again what shows files whose tags changed: a tag's view, a folder holding such files."""
        if self.tag is not None:
            if isinstance(event, ev.TagDeleted) and event.name == self.tag:
                self._generation += 1
                self.model.clear()
                self.message_label.setText(self.tr("The tag “{name}” was deleted.").format(name=event.name))
                self._show_page()
                return
            if isinstance(event, ev.TagUpdated) and event.old_name == self.tag:
                self.tag, self._tag_color = event.name, event.color
                self.header.title_label.setText(event.name)
                self.tag_opened.emit(event.name)
            self.schedule_refresh()
        elif self.path is not None and not isinstance(event, ev.TagUpdated | ev.TagDeleted):
            here = os.fsencode(self.path)
            if any(os.path.dirname(os.fsencode(p)) == here for p in event.paths):
                self.schedule_refresh()
        elif self.path is not None:
            self.schedule_refresh()  # a tag's name shown in the Tags column changed, or it went

    def _is_current(self, generation: int) -> bool:
        """Whether a listing started as ``generation`` is still wanted (nothing newer, view not deleted)."""
        return generation == self._generation and shiboken6.isValid(self)

    def _update_header(self) -> None:
        if (self.path is None and self.tag is None) or self._loading:
            return
        found = self._location()
        listed = Listed(
            count=self.model.rowCount(),
            total=self.model.total_count(),
            location=found[0] if found else None,
            from_index=self.model.from_index(),
            filter_text=self.model.filter_text(),
            media_only=self._mode is ViewMode.MEDIA,
            tag=self.tag is not None,
        )
        self.message_label.setText(self.header.show_listed(listed))
        self._show_page()

    def _show_error(self, error: SpacedriveError | OSError) -> None:
        reason = error.message if isinstance(error, SpacedriveError) else (error.strerror or str(error))
        self.header.show_error()
        self.message_label.setText(self.tr("This folder cannot be read: {reason}").format(reason=reason))
        self.stack.setCurrentWidget(self.message_label)
