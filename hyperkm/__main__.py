"""``python -m hyperkm``: the same as the ``hyperkm`` command."""

import sys

from .cli import main

sys.exit(main())
