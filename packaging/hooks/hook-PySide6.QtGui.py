# Replaces PyInstaller's hook for PySide6.QtGui (hooks in packaging/hooks take precedence; see the spec's
# hookspath). Same collection, minus Qt plugins a desktop file manager never loads. Filtering here, before
# PyInstaller's binary dependency analysis, also keeps out the libraries only those plugins link.
import os

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

DROP = (
    # Embedded, framebuffer and test platforms (kept: xcb, wayland, offscreen, cocoa, windows, direct2d).
    "platforms/libqeglfs",
    "platforms/libqlinuxfb",
    "platforms/libqminimal",
    "platforms/libqvnc",
    "platforms/libqvkkhrdisplay",
    "platforms/qminimal",
    "platforms/qvnc",
    "egldeviceintegrations/",  # only used by eglfs
    # evdev/TUIO input for framebuffer platforms; the TUIO plugin alone drags in QtNetwork and Kerberos.
    "generic/",
    # The GTK3 platform theme links the system's GTK3, which cannot be bundled; the plugin would drag in a
    # partial copy of glib/cairo/pango/atk/gdk-pixbuf from the build machine that can clash with the user's
    # GTK. Without it Qt uses its own style and the xdg-desktop-portal theme.
    "platformthemes/libqgtk3",
)


def _dropped(src, dest_dir):
    """True for a plugin file under one of the DROP prefixes (relative to the plugins directory)."""
    path = "/".join((dest_dir.replace("\\", "/"), os.path.basename(src)))
    _, sep, plugin = path.partition("/plugins/")
    return bool(sep) and plugin.startswith(DROP)


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(src, dest) for src, dest in binaries if not _dropped(src, dest)]
