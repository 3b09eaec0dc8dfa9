"""Small helpers of the timeline: zones, detail text, DataFrames (pandas is imported by the
caller)."""
from __future__ import annotations

from datetime import timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["ordered", "merge_shards", "as_zone"]


def as_zone(tz: str | tzinfo | None) -> tzinfo | None:
    if tz is None or isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        return timezone.utc if tz.upper() == "UTC" else ZoneInfo(tz)
    raise TypeError(f"tz must be a zone name or a tzinfo, not {tz!r}")


def ordered(frame: Any) -> Any:
    """Rows in wall-clock order (stable), renumbered; events recorded from other threads
    or with a known past/future instant (a task's start) find their place."""
    if len(frame) < 2 or frame["wall"].is_monotonic_increasing:
        return frame
    return frame.sort_values("wall", kind="stable").reset_index(drop=True)


def merge_shards(local: Any, shards: Any) -> Any:
    """A simulator's own timeline and its shards' rows as one frame, in calendar order
    (stable: each shard's rows keep their order); ``shard`` is missing on its own rows."""
    import pandas as pd

    local = local.assign(shard=pd.array([None] * len(local), dtype="Int64"))
    frame = pd.concat([local, shards], ignore_index=True)
    frame["kind"] = frame["kind"].astype("category")
    return frame.sort_values("at", kind="stable").reset_index(drop=True)
