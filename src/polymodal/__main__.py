"""``python -m polymodal`` is the ``polymodal`` command."""

import sys

from polymodal.cli import main

sys.exit(main())
