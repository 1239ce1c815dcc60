import sys

from spacedrive.cli.main import main

sys.exit(main())
