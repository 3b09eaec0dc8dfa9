"""The session timeline: every event the simulator sees, cheap to record, easy to analyse.

A :class:`Recorder` keeps events in per-column lists under one lock, so recording
costs a few microseconds and is safe from background callbacks on other threads.
``to_frame()`` turns the columns into a pandas DataFrame (pandas is imported there,
never at module import).  ``attach(path)`` persists events to the ``events`` table of
an SQLite file, so a reopened store keeps its history.

``events`` (one row per event) is the record to query with SQL.  Each flush also
writes its block of rows, in the same transaction, as one row of ``event_chunks``
(ids ``first``..``last`` and the block's columns as one blob, :mod:`.event_blocks`), so a
reopened store loads a long history from a few blobs instead of a million rows.
``event_chunks`` is only a cache: a chunk counts only while ``events`` still holds every id
it covers (triggers drop a chunk whose rows are updated or deleted), and ids no chunk
covers (older stores, other writers, a crash between the two writes) are read from ``events``.

Columns, in order: ``session`` (str), ``at`` (calendar time, tz-aware), ``wall``
(seconds since the simulator started), ``kind`` (categorical), ``name`` (str),
``detail`` (str; other values are stored as JSON), ``duration`` (seconds or NaN),
``task`` (task id or missing).
"""
from __future__ import annotations

import math
import os
import sqlite3
import struct
import threading
import time
from array import array
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from .event_blocks import (COLUMNS, decode_block, detail_text as _detail_text, encode_block,
                           to_arrays, utf8 as _utf8)
from .frames import as_zone, ordered

if TYPE_CHECKING:
    import pandas

__all__ = ["KINDS", "COLUMNS", "Event", "Recorder"]

#: The event kinds the engine records; ``kind`` accepts any other string too.
KINDS: tuple[str, ...] = (
    "session_started", "screen", "answer", "action", "back", "refresh",
    "checkin", "checkin_command", "task_queued", "task_started", "task_finished",
    "task_failed", "task_revoked", "response_action", "error_action", "lock_wait",
    "lock_timeout", "notification", "cron", "email_sent", "email_received",
    "session_deleted", "warning", "error", "document",
)

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
_CHUNK_SCHEMA = """
CREATE TABLE IF NOT EXISTS event_chunks (
    first INTEGER PRIMARY KEY, -- the block is the events rows first..last, every id in between
    last INTEGER NOT NULL,
    data BLOB NOT NULL         -- the block's columns, see bgkernel.analysis.timeline.encode_block
);
CREATE TRIGGER IF NOT EXISTS event_chunks_stale_on_delete AFTER DELETE ON events BEGIN
    DELETE FROM event_chunks WHERE first <= OLD.id AND last >= OLD.id;
END;
CREATE TRIGGER IF NOT EXISTS event_chunks_stale_on_update AFTER UPDATE ON events BEGIN
    DELETE FROM event_chunks WHERE (first <= OLD.id AND last >= OLD.id)
                                OR (first <= NEW.id AND last >= NEW.id);
END;
"""
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


class Recorder:
    """Thread-safe, append-only store of timeline events.

    ``now`` gives the calendar time (an aware datetime; a naive one is read in
    ``tz``, else UTC), ``wall`` the seconds since the simulator started.  ``tz`` is
    the zone ``at`` is shown in; by default the zone of the first aware datetime
    recorded, else UTC.  With ``enabled=False`` :meth:`record` does nothing.

    New events go to per-column lists (``_lock``).  Reading or flushing *seals*
    them: the lists are swapped for empty ones and turned into numpy chunks, merged
    so there are about log2(n) of them (``_seal_lock``, which recording never takes).

    With ``keep = False`` (config ``timeline in memory``), an attached recorder forgets
    the rows each flush wrote to the store, so a long simulation runs in bounded memory;
    reading the timeline loads them back from the store, as for a reopened one.
    """

    def __init__(self, now: Callable[[], datetime | float] | None = None,
                 wall: Callable[[], float] | None = None, enabled: bool = True, *,
                 tz: str | tzinfo | None = None):
        self._now = now if now is not None else (lambda: datetime.now(timezone.utc))
        started = time.monotonic()
        self._wall = wall if wall is not None else (lambda: time.monotonic() - started)
        self.enabled = enabled
        self._tz = as_zone(tz)
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
        self._flusher: threading.Event | None = None   # set to stop the flushing thread
        self._history_upto: int | None = None  # store ids <= this are not loaded yet
        self._history_count = 0
        self._written: list[list[int]] = []  # [first id, last id, first row] of our chunks
        self.keep = True                     # False: flushed rows are read back from the store

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
        if not (session.isascii() and name.isascii() and detail.isascii()):  # O(1) each
            session, name, detail = _utf8(session), _utf8(name), _utf8(detail)
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
    #: How often a thread of the attached recorder writes new rows: a process that dies (a
    #: kernel killed) loses at most about this many seconds of its timeline.
    FLUSH_SECONDS = 1.0

    def _flush_now_and_then(self, stop: threading.Event) -> None:
        while not stop.wait(self.FLUSH_SECONDS):
            if self._conn is None:
                return
            if self._flushed < self._sealed or self._session:
                try:
                    self._flush_soon()
                except Exception:  # noqa: BLE001,S112 -- the next read or close says what failed
                    continue

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
        self._add_chunk(to_arrays(live))

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
            return to_arrays(((),) * len(COLUMNS))
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
                try:
                    conn.executescript(_CHUNK_SCHEMA)
                except sqlite3.OperationalError:  # e.g. a read-only older store: rows only
                    pass
            except BaseException:
                conn.close()
                raise
            self._conn, self._path = conn, os.fspath(path)
            self._flusher = threading.Event()
            threading.Thread(target=self._flush_now_and_then, args=(self._flusher,), daemon=True,
                             name="bgkernel-timeline-flush").start()
            self._written = []
            with self._lock:
                self._history_upto, self._history_count = (upto, count) if count else (None, 0)

    def flush(self) -> int:
        """Write pending rows to the attached store in one transaction; return how many."""
        with self._seal_lock:
            return self._flush()

    #: Chunks the recorder wrote that are smaller than this are merged with the next
    #: block (sizes doubling, as in memory), so many small flushes leave few chunks.
    CHUNK_ROWS = 16384

    def _flush(self, forget: bool = True) -> int:
        if self._conn is None:
            return 0
        self._seal()
        if self._flushed == self._sealed:
            return 0
        import numpy as np

        tail = list(self._tail(self._flushed))
        n = len(tail[0])
        with self._lock:
            names = list(self._kind_names)
        tail[3] = np.array(names, dtype=object)[tail[3]]
        cols = [c.tolist() for c in tail]
        with self._conn:  # one transaction: the rows and their chunk, or neither
            self._conn.executemany(_INSERT, zip(*cols))
            del cols
            # the transaction holds the write lock, and new ids are max(id) + 1: ours are
            # the n ids up to max(id), in order
            last = self._conn.execute("SELECT max(id) FROM events").fetchone()[0]
            self._write_chunk(last - n + 1, last, self._flushed, names)
        written, self._flushed = n, self._sealed
        if forget and not self.keep:
            self._forget(last)
        return written

    def _forget(self, last: int) -> None:
        """Drop every sealed row (all in the store now, ids up to ``last``): they are history,
        loaded on the next read as a reopened store's are."""
        with self._lock:
            self._history_upto = last
            self._history_count += self._sealed
            self._sealed = 0
        self._chunks, self._flushed, self._written = [], 0, []

    def _write_chunk(self, first: int, last: int, row: int, names: list[str]) -> None:
        """Store rows [row, _sealed) -- ids first..last, just inserted -- as a chunk,
        merged with the small chunks this recorder wrote just before them."""
        merged = []
        while self._written:
            w_first, w_last, w_row = self._written[-1]
            size = w_last - w_first + 1
            if w_last + 1 != first or size >= self.CHUNK_ROWS or size > last - first + 1:
                break
            merged.append(self._written.pop())
            first, row = w_first, w_row
        try:
            blob = encode_block(self._tail(row), names)
        except (TypeError, ValueError, UnicodeError):  # e.g. a non-str value: rows only
            self._written.clear()
            return
        if merged:
            self._conn.execute("DELETE FROM event_chunks WHERE first >= ? AND first <= ?",
                               (first, merged[0][0]))
        self._conn.execute("INSERT OR REPLACE INTO event_chunks (first, last, data) "
                           "VALUES (?, ?, ?)", (first, last, blob))
        self._written.append([first, last, row])

    def _load_history(self) -> None:
        """Put the rows the store held when attached before all others (once): from the
        ``event_chunks`` that are intact, and from ``events`` for the ids they miss."""
        if self._conn is None or self._history_upto is None:
            return
        import numpy as np

        upto = self._history_upto
        parts: list[tuple[int, Any, list[str]]] = []  # (first id, columns, kind names)
        covered: list[tuple[int, int]] = []
        try:
            chunks = self._conn.execute(
                "SELECT first, last, data, (SELECT count(*) FROM events "
                "WHERE id BETWEEN c.first AND c.last) FROM event_chunks c "
                "WHERE last <= ? ORDER BY first", (upto,)).fetchall()
        except sqlite3.DatabaseError:  # e.g. a store attached read-only before chunks
            chunks = []
        for first, last, data, present in chunks:
            if covered and first <= covered[-1][1]:
                continue                           # overlaps an earlier chunk
            if present != last - first + 1:
                continue                           # events rows gone: not trusted
            try:
                cols, kinds = decode_block(data)
            except (ValueError, TypeError, KeyError, IndexError, struct.error):
                continue
            if len(cols[0]) != present:
                continue
            parts.append((first, cols, kinds))
            covered.append((first, last))
        gaps, start = [], None
        for first, last in covered:
            gaps.append((start, first - 1))
            start = last + 1
        gaps.append((start, upto))
        for low, high in gaps:
            if low is not None and low > high:
                continue
            rows = self._conn.execute(
                _SELECT + " WHERE id <= ? AND id >= ? ORDER BY id",
                (high, -(1 << 63) if low is None else low)).fetchall()
            if rows:
                cols = list(zip(*rows))
                del rows
                kinds = list(dict.fromkeys(cols[3]))
                index = {k: i for i, k in enumerate(kinds)}
                cols[3] = list(map(index.__getitem__, cols[3]))
                parts.append((-(1 << 63) if low is None else low, to_arrays(cols), kinds))
        parts.sort(key=lambda part: part[0])
        with self._lock:
            pieces = []
            for _, cols, kinds in parts:           # kind codes to this recorder's codes
                for kind in kinds:
                    if kind not in self._kind_code:
                        self._new_kind(kind)
                table = np.array([self._kind_code[k] for k in kinds], dtype="i4")
                pieces.append(cols[:3] + (table[cols[3]],) + cols[4:])
        if not pieces:
            pieces = [to_arrays(((),) * len(COLUMNS))]
        history = pieces[0] if len(pieces) == 1 else tuple(
            np.concatenate(cols) for cols in zip(*pieces))
        count = len(history[0])
        self._chunks.insert(0, history)  # NULL durations became NaN
        self._flushed += count
        for w in self._written:          # our chunks' rows now follow the history
            w[2] += count
        with self._lock:
            self._sealed += count
            self._history_upto, self._history_count = None, 0

    def close(self) -> None:
        """Flush and detach from the store.  Recording in memory still works."""
        if self._flusher is not None:
            self._flusher.set()
            self._flusher = None
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
            self._flush(forget=False)        # what this read loaded stays until the next flush
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

    def ordered_frame(self, session: str | None = None) -> pandas.DataFrame:
        """:meth:`to_frame` in wall-clock order: what ``sim.timeline`` and ``s.timeline`` show."""
        return ordered(self.to_frame(session))

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
