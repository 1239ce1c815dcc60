"""The core never imports Qt: every spacedrive module imports with PySide6 and qasync blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_core_imports_without_qt() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "qasync", "shiboken6"):
                    raise ImportError(f"the core imported {name}")
                return None

        sys.meta_path.insert(0, Blocker())
        import spacedrive
        count = 0
        for info in pkgutil.walk_packages(spacedrive.__path__, "spacedrive."):
            if ".migrations." in info.name or info.name.endswith("__main__"):
                continue  # Alembic scripts run inside Alembic; __main__ runs the CLI
            importlib.import_module(info.name)
            count += 1
        assert not any(m.split(".")[0] in ("PySide6", "qasync") for m in sys.modules)
        print(count)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 20  # every module was really imported
