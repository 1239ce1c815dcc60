"""Icons: the desktop theme's icon when it has one, else a bundled SVG drawn in the palette's text color."""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer


def themed_icon(theme_names: tuple[str, ...], bundled: str) -> QIcon:
    """The first of ``theme_names`` the desktop's icon theme has, else ``resources/icons/<bundled>.svg``."""
    for name in theme_names:
        if QIcon.hasThemeIcon(name):
            return QIcon.fromTheme(name)
    return bundled_icon(bundled)


def bundled_icon(name: str) -> QIcon:
    """A bundled SVG; its ``currentColor`` follows the palette, so icons suit dark and light themes."""
    data = (resources.files("resources.icons") / f"{name}.svg").read_bytes()
    return QIcon(_PaletteSvgEngine(data))


#: Theme icon names (freedesktop) for the kinds the core recognizes; ``resources/icons/kind-<kind>.svg``
#: is drawn when the desktop has no icon theme (Windows, macOS, bare X sessions).
_KIND_THEME_NAMES = {
    "image": "image-x-generic",
    "video": "video-x-generic",
    "audio": "audio-x-generic",
    "document": "x-office-document",
    "book": "x-office-document",
    "archive": "package-x-generic",
    "code": "text-x-script",
    "text": "text-x-generic",
    "config": "text-x-generic",
    "font": "font-x-generic",
    "executable": "application-x-executable",
}
_BUNDLED_KINDS = {"config": "text"}
_kind_icons: dict[str | None, QIcon] = {}


def kind_icon(kind: str | None) -> QIcon:
    """The icon for a file of this content kind (``None`` or an unknown kind: a plain page)."""
    icon = _kind_icons.get(kind)
    if icon is None:
        theme = _KIND_THEME_NAMES.get(kind or "")
        bundled = f"kind-{_BUNDLED_KINDS.get(kind or '', kind or 'file')}" if theme else "kind-file"
        icon = themed_icon((theme,) if theme else ("unknown",), bundled)
        _kind_icons[kind] = icon
    return icon


def app_icon() -> QIcon:
    return themed_icon(("spacedrive",), "spacedrive")


_colors: dict[tuple[int, QIcon.Mode], str] = {}


def _color_for(mode: QIcon.Mode) -> str:
    """The colour an icon is drawn in for ``mode``, per palette (asked for every icon painted)."""
    palette = QGuiApplication.palette()
    key = (palette.cacheKey(), mode)
    color = _colors.get(key)
    if color is None:
        if len(_colors) > 64:
            _colors.clear()
        color = _colors[key] = _palette_color(palette, mode)
    return color


def _palette_color(palette: QPalette, mode: QIcon.Mode) -> str:
    if mode == QIcon.Mode.Disabled:
        return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    if mode == QIcon.Mode.Selected:
        return palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText).name()
    return palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText).name()


class _PaletteSvgEngine(QIconEngine):
    """Renders the SVG at paint time with the current palette color (sharp at any size and scale)."""

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._renderers: dict[str, QSvgRenderer] = {}
        #: Rendered pixmaps by (width, height, color, scale): a folder of 100k files paints the same
        #: icon thousands of times, and rendering SVG each time costs ~35 µs.
        self._pixmaps: dict[tuple[int, int, str, float], QPixmap] = {}

    def _renderer(self, mode: QIcon.Mode) -> QSvgRenderer:
        color = _color_for(mode)
        renderer = self._renderers.get(color)
        if renderer is None:
            renderer = QSvgRenderer(QByteArray(self._svg.replace(b"currentColor", color.encode())))
            self._renderers[color] = renderer
        return renderer

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        color = _color_for(mode)
        key = (size.width(), size.height(), color, scale)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            if len(self._pixmaps) > 64:  # zooming through many sizes
                self._pixmaps.clear()
            pixmap = QPixmap(size * scale)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._renderer(mode).render(painter, QRectF(QRect(QPoint(0, 0), size * scale)))
            painter.end()
            pixmap.setDevicePixelRatio(scale)
            self._pixmaps[key] = pixmap
        return pixmap

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def clone(self) -> QIconEngine:
        return _PaletteSvgEngine(self._svg)


#: The colour of a tag that has none.
DEFAULT_TAG_COLOR = "#8e8e93"
_tag_icons: dict[str, QIcon] = {}


def tag_icon(color: str | None) -> QIcon:
    """A dot in the tag's colour (grey when it has none), as Finder and Spacedrive show tags."""
    color = color or DEFAULT_TAG_COLOR
    icon = _tag_icons.get(color)
    if icon is None:
        icon = QIcon()
        for size in (16, 32, 64):
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(color))
            margin = size / 4
            painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))
            painter.end()
            icon.addPixmap(pixmap)
        _tag_icons[color] = icon
    return icon
