"""``python -m mdstore.cli``: the ``mdstore`` command."""

import sys

from mdstore.cli import main

sys.exit(main())
