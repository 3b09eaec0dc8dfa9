"""bgkernel: docassemble interviews with background code, run in plain Python and Jupyter."""
from __future__ import annotations

__version__ = "0.1.0"
