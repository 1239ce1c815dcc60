"""Where the GUI keeps its window layout and view choices (QSettings)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from PySide6.QtCore import QSettings

ORGANIZATION = "Spacedrive"
APPLICATION = "Spacedrive"
SETTINGS_FILE = "gui.ini"


def open_settings(data_dir: Path) -> QSettings:
    """The user's settings for the default data dir; an INI file inside any other data dir.

    A data dir given by ``--data-dir``, ``--instance`` or ``SPACEDRIVE_DATA_DIR`` is a separate world
    (a test, a portable copy, a second instance), so its window layout must not leak into the user's.
    """
    default = Path(platformdirs.user_data_dir(APPLICATION, appauthor=False)).expanduser().absolute()
    if data_dir == default:
        return QSettings(ORGANIZATION, APPLICATION)
    return QSettings(str(data_dir / SETTINGS_FILE), QSettings.Format.IniFormat)
