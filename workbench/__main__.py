"""`python -m workbench` does what the `workbench` command does."""

import sys

from .cli import main

sys.exit(main())
