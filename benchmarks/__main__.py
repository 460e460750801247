"""Entry point: ``python -m benchmarks [--quick] [--only training,hardware,...]``."""

import sys

from .cli import main

sys.exit(main())
