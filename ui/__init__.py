"""The Qt desktop app of Spacedrive: a shell around an in-process core on a qasync loop."""

import os

# qasync picks its Qt binding when imported; pin it to the one this package is written for.
os.environ.setdefault("QT_API", "pyside6")
