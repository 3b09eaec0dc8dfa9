"""Timelines kept on disk: Parquet files, one per chunk of rows, read back lazily.

A sharded cohort (:mod:`bgkernel.analysis.shards`) brings back each shard's timeline as
Parquet bytes (:func:`encode_part`); the calling simulator writes them, as they arrive,
to a folder (:class:`TimelineParts`) and keeps only their paths and row counts, so a
cohort of any size runs in bounded memory.  ``sim.timeline`` reads them all when asked;
``parts.batches()`` or ``parts.dataset()`` read them a chunk at a time, or filtered, with
pyarrow.  The columns are the timeline's (:data:`bgkernel.analysis.event_blocks.COLUMNS`)
and ``shard``, the number of the shard that recorded the row.
"""
from __future__ import annotations

import io
import os
import threading
from typing import TYPE_CHECKING, Any, Iterator

from .event_blocks import COLUMNS

if TYPE_CHECKING:
    import pandas

__all__ = ["TimelineParts", "encode_part", "ROW_GROUP"]

#: Rows per Parquet row group: what a reader holds at once.
ROW_GROUP = 65536


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema([("session", pa.string()), ("at", pa.timestamp("us", tz="UTC")),
                      ("wall", pa.float64()), ("kind", pa.string()), ("name", pa.string()),
                      ("detail", pa.string()), ("duration", pa.float64()),
                      ("task", pa.string()), ("shard", pa.int64())])


def encode_part(frame: pandas.DataFrame, shard: int) -> bytes:
    """A timeline DataFrame (``sim.timeline``) as Parquet bytes, every row marked ``shard``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: frame[name] for name in COLUMNS}
    columns["at"] = frame["at"].dt.tz_convert("UTC")
    columns["kind"] = frame["kind"].astype("str")
    columns["task"] = frame["task"].where(frame["task"].notna(), None)
    arrays = [pa.array(columns[name], type=field.type, from_pandas=True)
              for name, field in zip(COLUMNS, _schema())]
    arrays.append(pa.array([shard] * len(frame), type=pa.int64()))
    table = pa.Table.from_arrays(arrays, schema=_schema())
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=ROW_GROUP, compression="zstd")
    return sink.getvalue()


class TimelineParts:
    """The Parquet files of a simulator's shard timelines; new ones go to ``folder``."""

    def __init__(self, folder: str, tz: Any):
        self.folder = os.path.abspath(folder)
        self.tz = tz
        self.paths: list[str] = []
        self.rows = 0
        self.next_shard = 0
        self.stats: dict[int, dict] = {}     # shard -> what it did (users, session-runs, times)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.rows

    def __repr__(self) -> str:
        return f"<TimelineParts {len(self.paths)} file(s), {self.rows:,} rows, in {self.folder}>"

    def new_shards(self, count: int) -> int:
        """Reserve ``count`` shard numbers; the first of them."""
        with self._lock:
            first, self.next_shard = self.next_shard, self.next_shard + count
            return first

    def add(self, shard: int, data: bytes, rows: int, stats: dict | None = None) -> str:
        """Write one shard's Parquet bytes (:func:`encode_part`) to the folder."""
        os.makedirs(self.folder, exist_ok=True)
        path = os.path.join(self.folder, f"shard-{shard:06d}.parquet")
        temporary = path + ".partial"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)      # a part is whole or absent
        with self._lock:
            self.paths.append(path)
            self.rows += rows
            self.stats[shard] = dict(stats or {}, rows=rows)
        return path

    def dataset(self) -> Any:
        """The parts as one ``pyarrow.dataset.Dataset`` (filter and project before reading)."""
        import pyarrow.dataset as ds

        return ds.dataset(list(self.paths), schema=_schema(), format="parquet")

    def batches(self, columns: list[str] | None = None) -> Iterator[pandas.DataFrame]:
        """The rows a row group at a time, as DataFrames: memory bounded by :data:`ROW_GROUP`."""
        import pyarrow.parquet as pq

        for path in list(self.paths):
            with pq.ParquetFile(path) as handle:
                for batch in handle.iter_batches(batch_size=ROW_GROUP, columns=columns):
                    yield self._frame(batch.to_pandas())

    def frame(self, columns: list[str] | None = None) -> pandas.DataFrame:
        """Every row at once (what ``sim.timeline`` shows), in shard order."""
        import pandas as pd

        if not self.paths:
            return self._frame(pd.DataFrame({c: [] for c in (columns or [*COLUMNS, "shard"])}))
        return self._frame(self.dataset().to_table(columns=columns).to_pandas())

    def _frame(self, frame: pandas.DataFrame) -> pandas.DataFrame:
        """The timeline's column types: ``at`` in the simulator's zone, ``kind`` categorical."""
        import pandas as pd

        if "at" in frame:
            frame["at"] = pd.to_datetime(frame["at"], utc=True).dt.tz_convert(self.tz)
        if "kind" in frame:
            frame["kind"] = frame["kind"].astype("category")
        for name in ("session", "name", "detail", "task"):
            if name in frame:
                frame[name] = frame[name].astype("str")
        if "shard" in frame:
            frame["shard"] = frame["shard"].astype("Int64")
        return frame
