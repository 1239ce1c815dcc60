"""Starting worker processes (walkers, hashers) without re-running the program that starts them."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bare_main() -> Iterator[None]:
    """Hide ``__main__`` while worker processes start.

    A "spawn" or "forkserver" worker re-imports the parent's main module before it runs its task. For
    the window that would load Qt into every walker, and for a script without a ``__main__`` guard it
    would start the script again. Worker targets live in importable modules, so the worker needs
    nothing from ``__main__``: give it an empty one. Frozen builds keep theirs (their bootloader and
    ``multiprocessing.freeze_support`` handle workers).
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(sys, "frozen", False):
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
