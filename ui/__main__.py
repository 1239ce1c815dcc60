import sys

from ui.app import main

# Guarded: worker processes (walker, hashers) re-import the main module when they start.
if __name__ == "__main__":
    sys.exit(main())
