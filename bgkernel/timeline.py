"""The session timeline: every event the simulator sees, cheap to record, easy to analyse.

A :class:`Recorder` keeps events in per-column lists under one lock, so recording
costs a few microseconds and is safe from background callbacks on other threads.
``to_frame()`` turns the columns into a pandas DataFrame (pandas is imported there,
never at module import).  ``attach(path)`` persists events to the ``events`` table of
an SQLite file, so a reopened store keeps its history.

Columns, in order: ``session`` (str), ``at`` (calendar time, tz-aware), ``wall``
(seconds since the simulator started), ``kind`` (categorical), ``name`` (str),
``detail`` (str; other values are stored as JSON), ``duration`` (seconds or NaN),
``task`` (task id or missing).
"""
from __future__ import annotations

import json
import math
import os
import sqlite3
import sys
import threading
import time
from array import array
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Callable, NamedTuple
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import pandas

__all__ = ["KINDS", "COLUMNS", "Event", "Recorder", "export", "read_export", "main_export"]

#: The event kinds the engine records; ``kind`` accepts any other string too.
KINDS: tuple[str, ...] = (
    "session_started", "screen", "answer", "action", "back", "refresh",
    "checkin", "checkin_command", "task_queued", "task_started", "task_finished",
    "task_failed", "task_revoked", "response_action", "error_action", "lock_wait",
    "lock_timeout", "notification", "cron", "email_sent", "email_received",
    "session_deleted",
)
COLUMNS: tuple[str, ...] = ("session", "at", "wall", "kind", "name", "detail", "duration", "task")
EXPORT_FORMATS = (".csv", ".parquet")
_CSV_DATES = "%Y-%m-%dT%H:%M:%S.%f%z"

_NAN = math.nan
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    session TEXT NOT NULL,
    at REAL NOT NULL,          -- calendar time, seconds since the Unix epoch (UTC)
    wall REAL NOT NULL,        -- seconds since the simulator started
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    detail TEXT NOT NULL,
    duration REAL,             -- NULL when the event has no duration (SQLite stores NaN so)
    task TEXT
)"""
_SELECT = "SELECT " + ", ".join(COLUMNS) + " FROM events"
_INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


class Event(NamedTuple):
    """One timeline row, for iterating in plain Python."""

    session: str
    at: datetime
    wall: float
    kind: str
    name: str
    detail: str
    duration: float
    task: str | None


def _as_tz(tz: str | tzinfo | None) -> tzinfo | None:
    if tz is None or isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        return timezone.utc if tz.upper() == "UTC" else ZoneInfo(tz)
    raise TypeError(f"tz must be a zone name or a tzinfo, not {tz!r}")


_JSON = json.JSONEncoder(default=str, ensure_ascii=False)


def _detail_text(detail: Any) -> str:
    """A non-string detail as JSON text (None as "")."""
    if detail is None:
        return ""
    try:
        return _JSON.encode(detail)
    except (TypeError, ValueError):  # e.g. a circular structure
        return repr(detail)


class Recorder:
    """Thread-safe, append-only store of timeline events.

    ``now`` gives the calendar time (an aware datetime; a naive one is read in
    ``tz``, else UTC), ``wall`` the seconds since the simulator started.  ``tz`` is
    the zone ``at`` is shown in; by default the zone of the first aware datetime
    recorded, else UTC.  With ``enabled=False`` :meth:`record` does nothing.

    New events go to per-column lists (``_lock``).  Reading or flushing *seals*
    them: the lists are swapped for empty ones and turned into numpy chunks, merged
    so there are about log2(n) of them (``_seal_lock``, which recording never takes).
    """

    def __init__(self, now: Callable[[], datetime] | None = None,
                 wall: Callable[[], float] | None = None, enabled: bool = True, *,
                 tz: str | tzinfo | None = None):
        self._now = now if now is not None else (lambda: datetime.now(timezone.utc))
        started = time.monotonic()
        self._wall = wall if wall is not None else (lambda: time.monotonic() - started)
        self.enabled = enabled
        self._tz = _as_tz(tz)
        self._naive_tz = self._tz or timezone.utc
        self._lock = threading.Lock()        # the live lists, kind table, counts
        self._seal_lock = threading.Lock()   # the chunks, the connection, the flush mark
        self._reset_live()
        self._kind_code: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
        self._kind_names: list[str] = list(KINDS)
        self._chunks: list[tuple[Any, ...]] = []  # numpy arrays, one per column
        self._sealed = 0                     # rows in _chunks
        self._conn: sqlite3.Connection | None = None
        self._path: str | None = None
        self._flushed = 0                    # rows [0, _flushed) are in the store
        self._history_upto: int | None = None  # store ids <= this are not loaded yet
        self._history_count = 0

    def _reset_live(self) -> None:
        self._session: list[str] = []
        self._at = array("d")              # epoch seconds
        self._wall_s = array("d")
        self._kind = array("i")            # codes into _kind_names
        self._name: list[str] = []
        self._detail: list[str] = []
        self._duration = array("d")
        self._task: list[str | None] = []

    # -- recording -------------------------------------------------------------

    def record(self, session: str, kind: str, name: str = "", detail: Any = "",
               duration: float | None = None, *, at: datetime | float | None = None,
               wall: float | None = None, task: str | None = None) -> None:
        """Append one event.  ``at`` may be a datetime or epoch seconds."""
        if not self.enabled:
            return
        if at is None:
            at = self._now()
        if isinstance(at, (int, float)):
            epoch = float(at)
        elif at.tzinfo is None:
            epoch = at.replace(tzinfo=self._naive_tz).timestamp()
        else:
            if self._tz is None:
                self._tz = at.tzinfo
            epoch = at.timestamp()
        wall = self._wall() if wall is None else float(wall)
        if type(detail) is not str:
            detail = _detail_text(detail)
        duration = _NAN if duration is None else float(duration)
        if type(session) is not str:
            session = str(session)
        if type(name) is not str:
            name = str(name)
        if task is not None and type(task) is not str:
            task = str(task)
        with self._lock:
            code = self._kind_code.get(kind)
            if code is None:
                code = self._new_kind(kind)
            self._session.append(session)
            self._at.append(epoch)
            self._wall_s.append(wall)
            self._kind.append(code)
            self._name.append(name)
            self._detail.append(detail)
            self._duration.append(duration)
            self._task.append(task)
            pending = len(self._session)
        if pending >= self.FLUSH_EVERY and self._conn is not None:
            self._flush_soon()

    #: Pending rows that make :meth:`record` write them to the store, so a first read of a
    #: long history finds little left to write.
    FLUSH_EVERY = 20000

    def _flush_soon(self) -> None:
        """Flush now unless another thread is sealing or flushing (it will catch up)."""
        if self._seal_lock.acquire(blocking=False):
            try:
                self._flush()
            finally:
                self._seal_lock.release()

    def _new_kind(self, kind: str) -> int:
        if not isinstance(kind, str):
            raise TypeError(f"kind must be a string, not {kind!r}")
        code = self._kind_code[kind] = len(self._kind_names)
        self._kind_names.append(kind)
        return code

    def __len__(self) -> int:
        """The number of events, stored history included."""
        with self._lock:
            return len(self._session) + self._sealed + self._history_count

    @property
    def tz(self) -> tzinfo:
        """The zone ``at`` is shown in."""
        return self._tz or timezone.utc

    @property
    def path(self) -> str | None:
        """The SQLite file this recorder is attached to, if any."""
        return self._path

    # -- sealing (callers hold _seal_lock) ---------------------------------------

    def _seal(self) -> None:
        with self._lock:
            live = (self._session, self._at, self._wall_s, self._kind,
                    self._name, self._detail, self._duration, self._task)
            if not live[0]:
                return
            self._reset_live()
            self._sealed += len(live[0])
        self._add_chunk(_to_arrays(live))

    def _add_chunk(self, chunk: tuple[Any, ...]) -> None:
        import numpy as np

        while self._chunks and len(self._chunks[-1][0]) <= len(chunk[0]):
            chunk = tuple(np.concatenate(pair) for pair in zip(self._chunks.pop(), chunk))
        self._chunks.append(chunk)

    def _tail(self, start: int) -> tuple[Any, ...]:
        """Columns of the sealed rows from ``start`` on."""
        import numpy as np

        parts, offset = [], self._sealed
        for chunk in reversed(self._chunks):
            if offset <= start:
                break
            offset -= len(chunk[0])
            parts.append(chunk if offset >= start else tuple(c[start - offset:] for c in chunk))
        if not parts:
            return _to_arrays(((),) * len(COLUMNS))
        if len(parts) == 1:
            return parts[0]
        return tuple(np.concatenate(cols) for cols in zip(*reversed(parts)))

    # -- persistence -----------------------------------------------------------

    def attach(self, path: str | os.PathLike[str]) -> None:
        """Persist to the ``events`` table of the SQLite file at ``path``.

        The table is created if absent.  Rows already in it are loaded on the
        next :meth:`to_frame` or :meth:`events`, before this recorder's rows.
        """
        with self._seal_lock:
            if self._conn is not None:
                raise RuntimeError(f"this Recorder is already attached to {self._path}")
            conn = sqlite3.connect(os.fspath(path), check_same_thread=False, timeout=30)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                have = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
                if missing := [c for c in COLUMNS if c not in have]:
                    raise ValueError(f"{os.fspath(path)}: table 'events' exists but lacks "
                                     f"the timeline columns {', '.join(missing)}")
                upto, count = conn.execute("SELECT max(id), count(*) FROM events").fetchone()
            except BaseException:
                conn.close()
                raise
            self._conn, self._path = conn, os.fspath(path)
            with self._lock:
                self._history_upto, self._history_count = (upto, count) if count else (None, 0)

    def flush(self) -> int:
        """Write pending rows to the attached store in one transaction; return how many."""
        with self._seal_lock:
            return self._flush()

    def _flush(self) -> int:
        if self._conn is None:
            return 0
        self._seal()
        if self._flushed == self._sealed:
            return 0
        import numpy as np

        tail = list(self._tail(self._flushed))
        with self._lock:
            tail[3] = np.array(self._kind_names, dtype=object)[tail[3]]
        cols = [c.tolist() for c in tail]
        with self._conn:
            self._conn.executemany(_INSERT, zip(*cols))
        written, self._flushed = self._sealed - self._flushed, self._sealed
        return written

    def _load_history(self) -> None:
        """Put the rows the store held when attached before all others (once)."""
        if self._conn is None or self._history_upto is None:
            return
        rows = self._conn.execute(_SELECT + " WHERE id <= ? ORDER BY id",
                                  (self._history_upto,)).fetchall()
        count = len(rows)
        cols: list[Any] = list(zip(*rows)) if rows else [()] * len(COLUMNS)
        del rows
        with self._lock:
            for kind in set(cols[3]) - self._kind_code.keys():
                self._new_kind(kind)
            cols[3] = list(map(self._kind_code.__getitem__, cols[3]))
        self._chunks.insert(0, _to_arrays(cols))  # NULL durations become NaN
        self._flushed += count
        with self._lock:
            self._sealed += count
            self._history_upto, self._history_count = None, 0

    def close(self) -> None:
        """Flush and detach from the store.  Recording in memory still works."""
        with self._seal_lock:
            self._flush()
            if self._conn is not None:
                self._conn.close()
                self._conn = self._path = None
                with self._lock:
                    self._history_upto, self._history_count = None, 0

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------

    def _snapshot(self) -> tuple[tuple[Any, ...], list[str]]:
        with self._seal_lock:
            self._load_history()
            self._flush()
            self._seal()
            if len(self._chunks) > 1:
                self._chunks = [self._tail(0)]
            cols = self._tail(0)  # shared with the store: read, never write
        with self._lock:
            return cols, list(self._kind_names)

    def events(self, session: str | None = None) -> list[Event]:
        """The events (of one session, if given) as :class:`Event` tuples."""
        cols, names = self._snapshot()
        tz = self.tz
        out = []
        for s, at, w, k, n, d, dur, t in zip(*(c.tolist() for c in cols)):
            if session is None or s == session:
                out.append(Event(s, datetime.fromtimestamp(at, tz), w, names[k], n, d, dur, t))
        return out

    def to_frame(self, session: str | None = None) -> pandas.DataFrame:
        """The events (of one session, if given) as a DataFrame; see the module doc."""
        import numpy as np
        import pandas as pd

        cols, names = self._snapshot()
        if session is not None:
            keep = cols[0] == session
            cols = tuple(c[keep] for c in cols)
        session_a, at, wall, kind, name, detail, duration, task = cols
        if session is None:  # the arrays are the recorder's: pandas copies the strings
            wall, kind, duration = wall.copy(), kind.copy(), duration.copy()
        micros = np.round(at * 1e6).astype("int64").view("datetime64[us]")
        return pd.DataFrame({
            "session": pd.Series(session_a, dtype="str"),
            "at": pd.Series(pd.DatetimeIndex(micros).tz_localize("UTC").tz_convert(self.tz)),
            "wall": wall,
            "kind": pd.Categorical.from_codes(kind, categories=names),
            "name": pd.Series(name, dtype="str"),
            "detail": pd.Series(detail, dtype="str"),
            "duration": duration,
            "task": pd.Series(task, dtype="str"),
        }, columns=list(COLUMNS), copy=False)


def _to_arrays(columns: Any) -> tuple[Any, ...]:
    """numpy arrays of the columns: lists are copied, sealed ``array``s are viewed."""
    import numpy as np

    return tuple(np.frombuffer(c, dtype=dt) if isinstance(c, array) and len(c)
                 else np.array(c, dtype=dt)
                 for c, dt in zip(columns, ("O", "f8", "f8", "i4", "O", "O", "f8", "O")))


# -- export --------------------------------------------------------------------

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
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601").dt.tz_convert(_as_tz(tz))
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
    from .timeline_frames import ordered
    with Recorder(tz=tz) as recorder:
        recorder.attach(store_path)
        frame = ordered(recorder.to_frame())     # wall-clock order, as Simulator.timeline
    if out_path is None or os.fspath(out_path) == "-":
        frame.to_csv(sys.stdout, index=False, date_format=_CSV_DATES)
    else:
        export(frame, out_path)
    return len(frame)
