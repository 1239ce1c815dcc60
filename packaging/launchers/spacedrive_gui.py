"""PyInstaller entry point of the ``spacedrive-gui`` windowed executable (same as ``python -m ui``).

When frozen, multiprocessing children of the GUI (the indexer's walker process, the content-hashing pool and
its forkserver) are started by re-launching this executable.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    # First, before Qt and the application are imported: in a multiprocessing child this runs the child's work
    # and exits.
    multiprocessing.freeze_support()

    from ui.app import main

    sys.exit(main())
