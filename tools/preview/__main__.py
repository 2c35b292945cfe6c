"""`python -m tools.preview`: see tools/preview/cli.py."""

import sys

from tools.preview.cli import main

sys.exit(main())
