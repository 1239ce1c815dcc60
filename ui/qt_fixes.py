"""Work-arounds for bugs of particular PySide6 builds: each is detected at run time and inert elsewhere."""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject

log = logging.getLogger(__name__)

_PROBES = 16
#: References granted to each singleton: far more than a process can ever drop.
_PIN = 1 << 40
_SINGLETONS: tuple[object, ...] = (None, True, False, NotImplemented, Ellipsis)
_applied = False


def drops_singleton_references() -> bool:
    """Whether PySide6 returns ``None`` (and ``True``/``False``) without a new reference.

    The PySide6 6.12.0 wheels are built for the stable ABI of Python 3.12, where these objects are
    immortal and need no reference; on Python 3.11 every void Qt call then takes one reference from
    ``None`` (every ``emit`` one from ``True``) until the interpreter aborts with "none_dealloc".
    """
    if sys.version_info >= (3, 12):
        return False
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(_PROBES):
        probe.setObjectName("probe")
    return sys.getrefcount(None) - before <= -_PROBES // 2


def apply() -> None:
    """Install the fixes this PySide6 build needs (once per process)."""
    global _applied
    if _applied:
        return
    _applied = True
    if not drops_singleton_references():
        return
    # Make the singletons immortal, as Python 3.12 does: give each an unspendable number of references.
    for obj in _SINGLETONS:
        ctypes.c_ssize_t.from_address(id(obj)).value += _PIN
    log.info("PySide6 drops references to None/True/False on this Python; pinned them")
