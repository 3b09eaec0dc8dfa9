"""A timeline written to a file and read back: ``.csv`` (nothing extra needed) or ``.parquet``
(pyarrow), with the timeline's dtypes; and the export of a store's timeline (the CLI's
``timeline`` command)."""
from __future__ import annotations

import os
import sys
from datetime import tzinfo
from typing import TYPE_CHECKING

from .event_blocks import COLUMNS
from .frames import ordered
from .timeline import KINDS, Recorder, as_zone

if TYPE_CHECKING:
    import pandas

__all__ = ["EXPORT_FORMATS", "export", "read_export", "main_export"]

EXPORT_FORMATS = (".csv", ".parquet")
_CSV_DATES = "%Y-%m-%dT%H:%M:%S.%f%z"


def _format(path: str | os.PathLike[str]) -> str:
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in EXPORT_FORMATS:
        raise ValueError(f"cannot export a timeline to {os.fspath(path)!r}: "
                         f"use one of {', '.join(EXPORT_FORMATS)}")
    if suffix == ".parquet":
        import importlib.util
        if importlib.util.find_spec("pyarrow") is None:
            raise ImportError("exporting a timeline to .parquet needs pyarrow "
                              "(pip install pyarrow); .csv needs nothing extra")
    return suffix


def export(frame_or_recorder: pandas.DataFrame | Recorder,
           path: str | os.PathLike[str]) -> pandas.DataFrame:
    """Write a timeline (a frame, or a recorder's events) to .csv or .parquet; return the frame."""
    suffix = _format(path)
    frame = (frame_or_recorder.to_frame() if isinstance(frame_or_recorder, Recorder)
             else frame_or_recorder)
    if suffix == ".csv":
        frame.to_csv(path, index=False, date_format=_CSV_DATES)
    else:
        frame.to_parquet(path, index=False)
    return frame


def read_export(path: str | os.PathLike[str], tz: str | tzinfo = "UTC") -> pandas.DataFrame:
    """Read an :func:`export` file back with the timeline dtypes (``at`` shown in ``tz``)."""
    import pandas as pd

    if _format(path) == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, keep_default_na=False, na_values={
            "duration": [""], "task": [""], "wall": [""]}, dtype={
            "session": "str", "name": "str", "detail": "str", "task": "str"})
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601").dt.tz_convert(as_zone(tz))
    kinds = list(KINDS) + sorted(set(frame["kind"].astype(str)) - set(KINDS))
    frame["kind"] = pd.Categorical(frame["kind"].astype(str), categories=kinds)
    return frame[list(COLUMNS)]


def main_export(store_path: str | os.PathLike[str], out_path: str | os.PathLike[str] | None = None,
                tz: str | tzinfo = "UTC") -> int:
    """Export the timeline kept in a simulator's SQLite store; return the row count.

    ``out_path`` ending in .csv or .parquet is written; None or "-" writes CSV to stdout.
    """
    if not os.path.isfile(store_path):
        raise FileNotFoundError(f"no SQLite store at {os.fspath(store_path)!r}")
    with Recorder(tz=tz) as recorder:
        recorder.attach(store_path)
        frame = ordered(recorder.to_frame())     # wall-clock order, as Simulator.timeline
    if out_path is None or os.fspath(out_path) == "-":
        frame.to_csv(sys.stdout, index=False, date_format=_CSV_DATES)
    else:
        export(frame, out_path)
    return len(frame)
