# Replaces PyInstaller's hook for PySide6.QtCore (hooks in packaging/hooks take precedence; see the spec's
# hookspath). Same collection minus Qt's own translations (qt_*.qm, qtbase_*.qm, ~7 MB): the GUI installs no
# QTranslator, so they would never be loaded. Drop this file when the GUI gets translated.
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
datas = [(src, dest) for src, dest in datas if not src.endswith(".qm")]
