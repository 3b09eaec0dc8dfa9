"""``python -m bgkernel`` (see ``bgkernel.cli``)."""
import sys

from .cli import main

sys.exit(main())
