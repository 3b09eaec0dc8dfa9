"""The embedded SQLite store: interviews, sessions, their steps (pickled answers), tasks.

One row per step, as docassemble keeps one ``UserDict`` row per step: a changed
submission adds a row, anything else overwrites the newest, Back deletes it.
WAL mode, ``BEGIN IMMEDIATE`` for writes, one connection per thread.

Steps are atomic: ``with store.write():`` opens one transaction, and every store write
made inside it on the same thread (a save, the rows of the tasks the step queued, the
finish of the task whose response action it is, a scheduled run's mark) joins it as a
part of it, so a process killed in the middle leaves the step wholly done or not at all.
SQLite's own errors (a damaged or foreign file, a read-only folder, a full disk) come out
as :class:`~bgkernel.errors.StoreError`, after the transaction was rolled back.
"""
from __future__ import annotations

import json
import os
import pickle
import sqlite3
import tempfile
import threading
from typing import Any

from ..errors import SessionError, StoreError
from ..library.saving import picklable_answers
from .sqlite import StoreConnection as _Connection, store_error

__all__ = ["Store", "dump_answers", "load_answers", "transaction", "store_error", "APPLICATION_ID"]

#: ``PRAGMA application_id`` of a bgkernel store (``bgks``): what tells it from other databases.
APPLICATION_ID = 0x62676B73

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
CREATE INDEX IF NOT EXISTS tasks_session ON tasks (session, queued);
CREATE INDEX IF NOT EXISTS tasks_open ON tasks (queued)
    WHERE state NOT IN ('SUCCESS', 'FAILURE', 'REVOKED');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""
#: Columns added to ``tasks`` since the first stores (added to an older store on opening):
#: the simulator that owns the task (its boot token and process id), what is needed to run
#: it again, the error action its code registered, the worker process that ran it.
_TASK_COLUMNS = {"owner": "TEXT", "owner_pid": "INTEGER", "spec": "BLOB", "on_error": "BLOB",
                 "worker_pid": "INTEGER"}
#: ... and to ``sessions``: the last scheduled run (instant and type) the session has done.
_SESSION_COLUMNS = {"cron_mark": "TEXT"}
#: The tables that make a file a bgkernel store (an older one may lack the newer tables).
_OURS = {"interviews", "sessions", "steps", "kv", "tasks"}
_TASK_KEYS = ("id", "session", "action", "notification", "state", "outcome", "queued", "started",
              "finished", "output", "owner", "owner_pid", "spec", "on_error", "worker_pid")


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


class transaction:  # noqa: N801 -- used as a function: ``with transaction(conn):``
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception.

    Inside an open transaction of the same connection it joins that transaction: its
    writes commit with it, and an exception that leaves it rolls the whole step back.
    (No savepoint: a scheduled run writes a million steps, and none of bgkernel's callers
    catches a write's exception inside a step.)  A class, not a generator: it is entered
    several times per step."""

    __slots__ = ("conn", "outer")

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.outer = True
        return self.conn

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if not self.outer:
            return
        conn = self.conn
        if kind is None:
            try:
                conn.execute("COMMIT")
                return
            except BaseException:
                _rollback(conn)
                raise
        _rollback(conn)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:         # SQLite may have rolled back already (a full disk)
        try:
            conn.execute("ROLLBACK")
        except (sqlite3.Error, StoreError):
            pass


def _cron_mark(at: float, cron_type: str) -> str:
    return f"{float(at)!r} {cron_type}"


def load_answers(data: bytes) -> dict:
    try:
        answers = pickle.loads(data)  # noqa: S301 -- our own store
    except Exception as err:  # noqa: BLE001 -- a damaged page, or a class that is gone
        raise StoreError(f"saved answers cannot be read back ({type(err).__name__}: {err}); "
                         "the store is damaged, or the answers hold an object of a class "
                         "that no longer exists") from err
    if not isinstance(answers, dict):
        raise StoreError("saved answers cannot be read back: the store is damaged")
    return answers


class Store:
    """A SQLite file holding everything a simulator needs to reopen."""

    def __init__(self, path: str | None = None):
        if path is None:
            folder = tempfile.mkdtemp(prefix="bgkernel-")
            path = os.path.join(folder, "store.sqlite")
        self.path = os.path.abspath(os.fspath(path))
        self.files_dir = os.path.join(os.path.dirname(self.path), "files")
        # one connection per thread, by thread id: not a threading.local, whose deallocation
        # (a store dropped while many threads start and stop) can deadlock CPython up to 3.12
        # (python/cpython#100892)
        self._conns: dict[int, tuple[threading.Thread, sqlite3.Connection]] = {}
        self._conns_lock = threading.Lock()
        self._closed = False
        if os.path.isdir(self.path):
            raise StoreError(f"{self.path} is a folder, not a store file")
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
        except OSError as err:
            raise StoreError(f"{self.path}: the store's folder cannot be made ({err.strerror or err})") \
                from err
        try:
            self._open()
        except StoreError as err:
            self.close()
            if "not a bgkernel store" in str(err) or "damaged" in str(err):
                raise StoreError(f"{self.path} is not a bgkernel store that can be opened "
                                 f"({err})") from err
            raise
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        """Check that the file is a bgkernel store (or empty), then make or update its tables."""
        conn = self.connection()
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        if tables and app != APPLICATION_ID:
            ours = _OURS <= tables and {"session", "idx", "data"} <= {
                row[1] for row in conn.execute("PRAGMA table_info(steps)")}
            if not ours:
                shown = ", ".join(sorted(tables)[:8]) + (" ..." if len(tables) > 8 else "")
                raise StoreError(f"{self.path} is not a bgkernel store: it is another program's "
                                 f"SQLite database (tables: {shown}); it was left as it was")
        if app not in (0, APPLICATION_ID):
            raise StoreError(f"{self.path} is not a bgkernel store: it is another program's "
                             f"SQLite database (application id {app:#x}); it was left as it was")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode=WAL")     # kept in the file: set once, here
        with self.write():
            for statement in _SCHEMA.split(";"):     # not executescript: it would commit
                if statement.strip():
                    conn.execute(statement)
            for table, columns in (("tasks", _TASK_COLUMNS), ("sessions", _SESSION_COLUMNS)):
                have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
                for column, kind in columns.items():
                    if column not in have:
                        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            if app != APPLICATION_ID:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    # --- connections ----------------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"the store {self.path} is closed")
        found = self._conns.get(threading.get_ident())
        if found is not None and found[0] is threading.current_thread():
            return found[1]
        return self._connect()      # (an id found is an ended thread's, come back)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                                   check_same_thread=False, factory=_Connection)
        except sqlite3.Error as err:
            raise store_error(err, self.path, "opening it") from err
        conn.store_path = self.path
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
        except StoreError:
            conn.close()
            raise
        with self._conns_lock:
            # the connections of threads that have ended are closed (their ids come back)
            for ident in [i for i, (thread, _) in self._conns.items() if not thread.is_alive()]:
                self._conns.pop(ident)[1].close()
            self._conns[threading.get_ident()] = (threading.current_thread(), conn)
        return conn

    def write(self) -> Any:
        """A write transaction on this thread's connection (see :func:`transaction`)."""
        return transaction(self.connection())

    def close(self) -> None:
        """Close this thread's connection; other threads' close when they drop them."""
        with self._conns_lock:
            found = self._conns.pop(threading.get_ident(), None)
            self._conns.clear()
        if found is not None:
            found[1].close()
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
                       data: bytes, modtime: float | None = None, multi_user: bool = False,
                       allow_cron: bool = False) -> None:
        """A new session whose first step holds ``data`` (created at ``now``, saved at
        ``modtime``: a first page load saves its session once, when it has run)."""
        modtime = now if modtime is None else modtime
        with self.write() as conn:
            conn.execute("INSERT INTO sessions (id, interview, user, created, modtime, multi_user, "
                         "allow_cron, steps) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
                         (session_id, interview, json.dumps(user), now, modtime, int(multi_user),
                          int(allow_cron)))
            conn.execute("INSERT INTO steps VALUES (?, 1, ?, ?)", (session_id, data, modtime))

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
                  state: str, queued: float, owner: str | None = None, owner_pid: int | None = None,
                  spec: bytes | None = None) -> None:
        """A queued task, owned by the simulator whose boot token is ``owner``."""
        with self.write() as conn:
            conn.execute("INSERT OR REPLACE INTO tasks (id, session, action, notification, state, "
                         "queued, owner, owner_pid, spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (task_id, session_id, action, json.dumps(notification, default=repr), state,
                          queued, owner, owner_pid, spec))

    def task_started(self, task_id: str, started: float, worker_pid: int | None) -> None:
        with self.write() as conn:
            conn.execute("UPDATE tasks SET started = ?, worker_pid = ? WHERE id = ?",
                         (started, worker_pid, task_id))

    def finish_task(self, task_id: str, state: str, outcome: bytes, started: float | None,
                    finished: float | None, output: str) -> None:
        with self.write() as conn:
            conn.execute("UPDATE tasks SET state = ?, outcome = ?, started = coalesce(?, started), "
                         "finished = ?, output = ? WHERE id = ?",
                         (state, outcome, started, finished, output, task_id))

    def task_row(self, task_id: str) -> dict | None:
        row = self.connection().execute(
            f"SELECT {', '.join(_TASK_KEYS)} FROM tasks WHERE id = ?", (task_id,)).fetchone()  # noqa: S608
        return None if row is None else dict(zip(_TASK_KEYS, row))

    def session_tasks(self, session_id: str) -> list[tuple[str, str]]:
        """(task id, action) of a session's tasks, oldest first."""
        return list(self.connection().execute(
            "SELECT id, action FROM tasks WHERE session = ? ORDER BY queued, rowid", (session_id,)))

    def unfinished_tasks(self) -> list[dict]:
        """The tasks still queued or running, oldest first, with their owners."""
        rows = self.connection().execute(
            f"SELECT {', '.join(_TASK_KEYS)} FROM tasks WHERE state NOT IN "  # noqa: S608
            "('SUCCESS', 'FAILURE', 'REVOKED') ORDER BY queued, rowid").fetchall()
        return [dict(zip(_TASK_KEYS, row)) for row in rows]

    def claim_task(self, task_id: str, old_owner: str | None, owner: str, owner_pid: int) -> bool:
        """Take a task over from a simulator that stopped; False if another took it first."""
        with self.write() as conn:
            return conn.execute(
                "UPDATE tasks SET owner = ?, owner_pid = ? WHERE id = ? AND owner IS ? AND state "
                "NOT IN ('SUCCESS', 'FAILURE', 'REVOKED')",
                (owner, owner_pid, task_id, old_owner)).rowcount == 1

    # --- the calendar and scheduled runs ------------------------------------------------------

    def meta_get(self, key: str) -> Any:
        row = self.connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def meta_set(self, key: str, value: Any) -> None:
        with self.write() as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def begin_cron_run(self, at: float, cron_type: str) -> None:
        """A scheduled run starts: the calendar stands at it until it is complete."""
        with self.write():
            self.meta_set("calendar", at)
            self.meta_set("cron_run", {"at": at, "type": cron_type})

    def end_cron_run(self, at: float, cron_type: str) -> None:
        self.meta_set("cron_run", None)

    def cron_done(self, at: float, cron_type: str, session_id: str) -> None:
        """A session's part of the scheduled run at ``at`` is done (in the step's transaction).
        The mark is a column of the session's row, which the step's save has just written:
        it costs the transaction no other page."""
        with self.write() as conn:
            conn.execute("UPDATE sessions SET cron_mark = ? WHERE id = ?",
                         (_cron_mark(at, cron_type), session_id))

    def cron_done_sessions(self, at: float, cron_type: str) -> set[str]:
        return {row[0] for row in self.connection().execute(
            "SELECT id FROM sessions WHERE cron_mark = ?", (_cron_mark(at, cron_type),))}
