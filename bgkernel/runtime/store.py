"""The embedded SQLite store: interviews, sessions, their steps (pickled answers), tasks.

One row per step, as docassemble keeps one ``UserDict`` row per step: a changed
submission adds a row, anything else overwrites the newest, Back deletes it.
WAL mode, ``BEGIN IMMEDIATE`` for writes, one connection per thread.
"""
from __future__ import annotations

import json
import os
import pickle
import sqlite3
import tempfile
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from ..errors import SessionError
from ..library.saving import picklable_answers

__all__ = ["Store", "dump_answers", "load_answers", "transaction"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS interviews (digest TEXT PRIMARY KEY, name TEXT, path TEXT, source TEXT);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, interview TEXT, user TEXT, created REAL, modtime REAL,
    multi_user INTEGER DEFAULT 0, allow_cron INTEGER DEFAULT 0, steps INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS steps (
    session TEXT, idx INTEGER, data BLOB, modtime REAL, PRIMARY KEY (session, idx));
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, session TEXT, action TEXT, notification TEXT, state TEXT,
    outcome BLOB, queued REAL, started REAL, finished REAL, output TEXT);
"""


def dump_answers(ns: dict) -> bytes:
    answers = picklable_answers(ns)
    try:
        return pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 -- drop what cannot be saved, as docassemble does
        kept = {}
        for key, val in answers.items():
            try:
                pickle.dumps(val, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001
                continue
            kept[key] = val
        return pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def load_answers(data: bytes) -> dict:
    return pickle.loads(data)  # noqa: S301 -- our own store


class Store:
    """A SQLite file holding everything a simulator needs to reopen."""

    def __init__(self, path: str | None = None):
        if path is None:
            folder = tempfile.mkdtemp(prefix="bgkernel-")
            path = os.path.join(folder, "store.sqlite")
        self.path = os.path.abspath(path)
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.files_dir = os.path.join(os.path.dirname(self.path), "files")
        self._local = threading.local()
        self._closed = False
        try:
            self.connection().executescript(_SCHEMA)
        except sqlite3.DatabaseError as err:          # another kind of file, or a damaged one
            self.close()
            raise SessionError(f"{self.path} is not a bgkernel store that can be opened "
                               f"(SQLite: {err})") from err

    # --- connections ----------------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        if self._closed:
            raise SessionError(f"the store {self.path} is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    def write(self) -> Any:
        """A write transaction on this thread's connection (see :func:`transaction`)."""
        return transaction(self.connection())

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self._closed = True

    # --- interviews -------------------------------------------------------------------------

    def save_interview(self, digest: str, name: str, path: str | None, source: str) -> None:
        with self.write() as conn:
            conn.execute("INSERT OR IGNORE INTO interviews VALUES (?, ?, ?, ?)",
                         (digest, name, path, source))

    def interview_source(self, digest: str) -> tuple[str, str | None, str]:
        row = self.connection().execute(
            "SELECT name, path, source FROM interviews WHERE digest = ?", (digest,)).fetchone()
        if row is None:
            raise SessionError(f"no interview {digest} in the store {self.path}")
        return row

    # --- sessions ---------------------------------------------------------------------------

    def create_session(self, session_id: str, interview: str, user: dict, now: float,
                       data: bytes) -> None:
        with self.write() as conn:
            conn.execute("INSERT INTO sessions (id, interview, user, created, modtime, steps) "
                         "VALUES (?, ?, ?, ?, ?, 1)", (session_id, interview, json.dumps(user), now, now))
            conn.execute("INSERT INTO steps VALUES (?, 1, ?, ?)", (session_id, data, now))

    def session_row(self, session_id: str) -> dict:
        row = self.connection().execute(
            "SELECT id, interview, user, created, modtime, multi_user, allow_cron, steps "
            "FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise SessionError(f"no session {session_id!r} in the store {self.path}")
        keys = ("id", "interview", "user", "created", "modtime", "multi_user", "allow_cron", "steps")
        out = dict(zip(keys, row))
        out["user"] = json.loads(out["user"] or "null")
        return out

    def session_ids(self) -> list[str]:
        return [r[0] for r in self.connection().execute("SELECT id FROM sessions ORDER BY created, id")]

    def cron_sessions(self) -> list[tuple[str, str]]:
        return list(self.connection().execute(
            "SELECT id, interview FROM sessions WHERE multi_user = 1 AND allow_cron = 1 "
            "ORDER BY created, id"))

    def sessions_older_than(self, cutoff: float) -> list[tuple[str, str, float]]:
        return list(self.connection().execute(
            "SELECT id, interview, modtime FROM sessions WHERE modtime < ? ORDER BY created, id",
            (cutoff,)))

    def latest(self, session_id: str) -> tuple[int, bytes]:
        row = self.connection().execute(
            "SELECT idx, data FROM steps WHERE session = ? ORDER BY idx DESC LIMIT 1",
            (session_id,)).fetchone()
        if row is None:
            raise SessionError(f"no session {session_id!r} in the store {self.path}")
        return row

    def save(self, session_id: str, data: bytes, now: float, new_step: bool,
             multi_user: bool = False, allow_cron: bool = False) -> int:
        """Add a step (``new_step``) or overwrite the newest; returns the step number."""
        with self.write() as conn:
            row = conn.execute("UPDATE sessions SET modtime = ?, steps = steps + ?, multi_user = ?, "
                               "allow_cron = ? WHERE id = ? RETURNING steps",
                               (now, int(new_step), int(multi_user), int(allow_cron), session_id)).fetchone()
            if row is None:
                raise SessionError(f"the session {session_id!r} was deleted")
            # An overwrite updates the row in place: REPLACE deletes and re-inserts it, which
            # writes about twice the pages (cron saves every session every run).
            if new_step or not conn.execute(
                    "UPDATE steps SET data = ?, modtime = ? WHERE session = ? AND idx = ?",
                    (data, now, session_id, row[0])).rowcount:
                conn.execute("INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?)", (session_id, row[0], data, now))
        return row[0]

    def latest_many(self, session_ids: list[str]) -> dict[str, bytes]:
        """``latest`` of many sessions at once: {session id: answers pickle} (gone ones absent).
        With ``max()``, SQLite takes the bare column from the row holding the maximum."""
        conn = self.connection()
        found: dict[str, bytes] = {}
        for first in range(0, len(session_ids), 500):
            batch = session_ids[first:first + 500]
            marks = ",".join("?" * len(batch))
            found.update((session, data) for session, data, _ in conn.execute(
                f"SELECT session, data, max(idx) FROM steps WHERE session IN ({marks}) "  # noqa: S608
                "GROUP BY session", batch))
        return found

    def overwrite_latest(self, saves: list[tuple[str, bytes, float, bool, bool]]) -> set[str]:
        """``save(..., new_step=False)`` of many sessions in one transaction; each save is
        (session id, data, now, multi_user, allow_cron).  Returns the sessions that were gone
        (deleted meanwhile: nothing written for them)."""
        if not saves:
            return set()
        with self.write() as conn:
            updated = conn.executemany(
                "UPDATE sessions SET modtime = ?, multi_user = ?, allow_cron = ? WHERE id = ?",
                [(now, int(multi), int(cron), sid) for sid, _, now, multi, cron in saves]).rowcount
            gone: set[str] = set()
            if updated != len(saves):
                gone = {sid for sid, *_ in saves if conn.execute(
                    "SELECT 1 FROM sessions WHERE id = ?", (sid,)).fetchone() is None}
            conn.executemany(
                "UPDATE steps SET data = ?, modtime = ? WHERE session = ? "
                "AND idx = (SELECT max(idx) FROM steps WHERE session = ?)",
                [(data, now, sid, sid) for sid, data, now, _, _ in saves if sid not in gone])
        return gone

    def step_count(self, session_id: str) -> int:
        row = self.connection().execute("SELECT count(*) FROM steps WHERE session = ?",
                                        (session_id,)).fetchone()
        return row[0]

    def drop_latest(self, session_id: str) -> bool:
        """Back: delete the newest step if there is an earlier one."""
        with self.write() as conn:
            rows = conn.execute("SELECT idx FROM steps WHERE session = ? ORDER BY idx DESC LIMIT 2",
                                (session_id,)).fetchall()
            if len(rows) < 2:
                return False
            conn.execute("DELETE FROM steps WHERE session = ? AND idx = ?", (session_id, rows[0][0]))
            conn.execute("UPDATE sessions SET steps = ? WHERE id = ?", (rows[1][0], session_id))
        return True

    def reset(self, session_id: str, data: bytes, now: float) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM steps WHERE session = ?", (session_id,))
            conn.execute("INSERT INTO steps VALUES (?, 1, ?, ?)", (session_id, data, now))
            conn.execute("UPDATE sessions SET steps = 1, modtime = ? WHERE id = ?", (now, session_id))

    def delete_session(self, session_id: str) -> bool:
        with self.write() as conn:
            cur = conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            conn.execute("DELETE FROM steps WHERE session = ?", (session_id,))
        return cur.rowcount > 0

    def exists(self, session_id: str) -> bool:
        return self.connection().execute("SELECT 1 FROM sessions WHERE id = ?",
                                         (session_id,)).fetchone() is not None

    # --- DAStore: pickled values by key, across sessions -------------------------------------

    def kv_get(self, key: str) -> bytes | None:
        row = self.connection().execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def kv_set(self, key: str, value: bytes) -> None:
        with self.write() as conn:
            conn.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (key, value))

    def kv_delete(self, key: str) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM kv WHERE key = ?", (key,))

    def kv_keys(self, prefix: str) -> list[str]:
        """The keys under ``prefix``, with the prefix taken off, sorted."""
        rows = self.connection().execute(
            "SELECT key FROM kv WHERE substr(key, 1, ?) = ? ORDER BY key", (len(prefix), prefix))
        return [key[len(prefix):] for (key,) in rows]

    # --- tasks ------------------------------------------------------------------------------

    def save_task(self, task_id: str, session_id: str, action: str, notification: Any,
                  state: str, queued: float) -> None:
        with self.write() as conn:
            conn.execute("INSERT OR REPLACE INTO tasks (id, session, action, notification, state, "
                         "queued) VALUES (?, ?, ?, ?, ?, ?)",
                         (task_id, session_id, action, json.dumps(notification), state, queued))

    def finish_task(self, task_id: str, state: str, outcome: bytes, started: float | None,
                    finished: float | None, output: str) -> None:
        with self.write() as conn:
            conn.execute("UPDATE tasks SET state = ?, outcome = ?, started = ?, finished = ?, "
                         "output = ? WHERE id = ?", (state, outcome, started, finished, output, task_id))

    def task_row(self, task_id: str) -> dict | None:
        row = self.connection().execute(
            "SELECT id, session, action, notification, state, outcome, queued, started, finished, "
            "output FROM tasks WHERE id = ?", (task_id,)).fetchone()
        if row is None:
            return None
        keys = ("id", "session", "action", "notification", "state", "outcome", "queued", "started",
                "finished", "output")
        return dict(zip(keys, row))
