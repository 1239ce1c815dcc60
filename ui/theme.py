"""Light and dark: follow the system's color scheme, or the one asked for, with a dark palette of our own
where the platform has none (Linux without a desktop, older platform themes)."""

from __future__ import annotations

import enum

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

#: The style that draws our own palettes faithfully on every platform.
FALLBACK_STYLE = "Fusion"


class ColorScheme(enum.StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup

_DARK = {
    _Role.Window: "#2b2b2b",
    _Role.WindowText: "#e6e6e6",
    _Role.Base: "#1f1f1f",
    _Role.AlternateBase: "#262626",
    _Role.ToolTipBase: "#3a3a3a",
    _Role.ToolTipText: "#f0f0f0",
    _Role.PlaceholderText: "#8c8c8c",
    _Role.Text: "#e6e6e6",
    _Role.Button: "#333333",
    _Role.ButtonText: "#e6e6e6",
    _Role.BrightText: "#ff6b6b",
    _Role.Light: "#4a4a4a",
    _Role.Midlight: "#3d3d3d",
    _Role.Mid: "#2f2f2f",
    _Role.Dark: "#1a1a1a",
    _Role.Shadow: "#0f0f0f",
    _Role.Highlight: "#2f6fd0",
    _Role.HighlightedText: "#ffffff",
    _Role.Link: "#6cb4ff",
    _Role.LinkVisited: "#b48cff",
    _Role.Accent: "#2f6fd0",
}
_DARK_DISABLED = {
    _Role.WindowText: "#7a7a7a",
    _Role.Text: "#7a7a7a",
    _Role.ButtonText: "#7a7a7a",
    _Role.Highlight: "#4a4a4a",
    _Role.HighlightedText: "#a0a0a0",
}
_LIGHT = {
    _Role.Window: "#efefef",
    _Role.WindowText: "#1a1a1a",
    _Role.Base: "#ffffff",
    _Role.AlternateBase: "#f5f5f5",
    _Role.ToolTipBase: "#ffffdc",
    _Role.ToolTipText: "#1a1a1a",
    _Role.PlaceholderText: "#7f7f7f",
    _Role.Text: "#1a1a1a",
    _Role.Button: "#efefef",
    _Role.ButtonText: "#1a1a1a",
    _Role.BrightText: "#ffffff",
    _Role.Light: "#ffffff",
    _Role.Midlight: "#e3e3e3",
    _Role.Mid: "#b8b8b8",
    _Role.Dark: "#9f9f9f",
    _Role.Shadow: "#767676",
    _Role.Highlight: "#3072d6",
    _Role.HighlightedText: "#ffffff",
    _Role.Link: "#0b57d0",
    _Role.LinkVisited: "#7b1fa2",
    _Role.Accent: "#3072d6",
}
_LIGHT_DISABLED = {
    _Role.WindowText: "#9a9a9a",
    _Role.Text: "#9a9a9a",
    _Role.ButtonText: "#9a9a9a",
    _Role.Highlight: "#c8c8c8",
    _Role.HighlightedText: "#f5f5f5",
}


def _palette(colors: dict[QPalette.ColorRole, str], disabled: dict[QPalette.ColorRole, str]) -> QPalette:
    palette = QPalette()
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role, color in disabled.items():
        palette.setColor(_Group.Disabled, role, QColor(color))
    return palette


def dark_palette() -> QPalette:
    return _palette(_DARK, _DARK_DISABLED)


def light_palette() -> QPalette:
    return _palette(_LIGHT, _LIGHT_DISABLED)


def is_dark(palette: QPalette) -> bool:
    """Whether a palette draws light text on a dark window."""
    return palette.color(_Role.Window).lightness() < palette.color(_Role.WindowText).lightness()


class ThemeController(QObject):
    """Applies a color scheme to the application and, for "system", follows the system's changes.

    The platform is asked first (native dark windows where it can draw them); when its palette still
    does not match the scheme, the Fusion style with our own palette is used instead.

    Signals
    -------
    scheme_applied(bool): a scheme was (re)applied; True when the application is now dark.
    """

    scheme_applied = Signal(bool)

    def __init__(self, app: QApplication, scheme: ColorScheme = ColorScheme.SYSTEM) -> None:
        super().__init__(app)
        self._app = app
        self._scheme = scheme
        self._native_style = app.style().name()
        self._applying = False
        app.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)

    @property
    def scheme(self) -> ColorScheme:
        return self._scheme

    def is_dark(self) -> bool:
        return is_dark(QApplication.palette())

    def system_scheme(self) -> Qt.ColorScheme:
        """What the system asks for (Unknown where the platform cannot tell)."""
        return self._app.styleHints().colorScheme()

    def set_scheme(self, scheme: ColorScheme) -> None:
        self._scheme = scheme
        self.apply()

    def apply(self) -> None:
        app, hints = self._app, self._app.styleHints()
        self._applying = True
        try:
            if self._scheme is ColorScheme.SYSTEM:
                hints.unsetColorScheme()
                wanted_dark = self.system_scheme() == Qt.ColorScheme.Dark
            else:
                wanted_dark = self._scheme is ColorScheme.DARK
                hints.setColorScheme(Qt.ColorScheme.Dark if wanted_dark else Qt.ColorScheme.Light)
            # The platform's own look for this scheme, if it has one.
            if app.style().name().lower() != self._native_style.lower():
                app.setStyle(self._native_style)
            app.setPalette(QPalette())
            if is_dark(app.palette()) != wanted_dark:
                app.setStyle(FALLBACK_STYLE)
                app.setPalette(dark_palette() if wanted_dark else light_palette())
        finally:
            self._applying = False
        self.scheme_applied.emit(self.is_dark())

    def _system_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._scheme is ColorScheme.SYSTEM and not self._applying:
            self.apply()
