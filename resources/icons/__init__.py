"""Bundled SVG icons, used when the desktop icon theme lacks one (see ``ui.icons``)."""
