"""`python -m tools.preview`: see tools/preview/cli.py."""

import os
import sys

from tools.preview.cli import main

code = main()
# Everything is written and the pack's process is closed: leave without the interpreter's teardown, which
# would free the render's half a million objects one by one (1.5-2 s for prod) for nobody.
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
