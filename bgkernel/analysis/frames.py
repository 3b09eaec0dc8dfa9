"""Small helpers on timeline DataFrames (pandas is imported by the caller)."""
from __future__ import annotations

from typing import Any

__all__ = ["ordered"]


def ordered(frame: Any) -> Any:
    """Rows in wall-clock order (stable), renumbered; events recorded from other threads
    or with a known past/future instant (a task's start) find their place."""
    if len(frame) < 2 or frame["wall"].is_monotonic_increasing:
        return frame
    return frame.sort_values("wall", kind="stable").reset_index(drop=True)
