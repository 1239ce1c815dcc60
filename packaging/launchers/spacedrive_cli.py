"""PyInstaller entry point of the ``spacedrive`` console executable (same as ``python -m spacedrive.cli``).

When frozen, ``sys.executable`` is this executable, so ``spacedrive start`` re-launches it as the daemon
(``spacedrive/cli/daemon.py``, ``_daemon_command``), and multiprocessing re-launches it for its children
(the indexer's walker process, the content-hashing pool and its forkserver).
"""

import multiprocessing
import sys

if __name__ == "__main__":
    # First, before the application's imports: in a multiprocessing child, this runs the child and exits.
    multiprocessing.freeze_support()

    from spacedrive.cli.main import main

    sys.exit(main())
