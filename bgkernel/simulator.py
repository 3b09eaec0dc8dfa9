"""The facade: a Simulator holds the store, the clocks, the pool and the sessions."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import os
import random
import secrets
import sqlite3
import threading
import warnings
import zlib
from typing import Any

from .analysis.cohort import run_cohort
from .analysis.frames import merge_shards
from .analysis.timeline import Recorder
from .background.manager import TaskManager
from .calendar.clock import Clock
from .cron.runs import advance, run_cron
from .errors import BgkernelError, ConfigError, InterviewError
from .language.interview import Interview, load_interview
from .library import namespace as library
from .library.context import UserInfo
from .mail.inbox import deliver, serve
from .runtime.config import DEFAULT_CONFIG, check_config
from .runtime.diagnostics import diagnose
from .runtime.locks import SessionLocks
from .runtime.session import FirstLoad, Session, initial_answers
from .runtime.store import Store, dump_answers, store_error
from .runtime.users import Users
from .services import SimulatorServices

__all__ = ["Simulator", "DEFAULT_CONFIG"]

class Simulator:
    """Runs docassemble interviews with background code, headless or in Jupyter."""

    def __init__(self, store: str | None = None, workers: int = 4, backend: Any = "loky",
                 start: Any = None, config: dict | None = None, timescale: float = 1.0):
        if isinstance(timescale, bool) or not isinstance(timescale, (int, float)) \
                or not math.isfinite(timescale) or timescale <= 0:
            raise ConfigError(f"timescale must be a positive number, not {timescale!r}")
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"workers must be a whole number >= 1, not {workers!r}")
        self.config = check_config(config)
        if start is not None:        # checked before the store is touched
            try:
                Clock(start=start, timezone=self.config["timezone"])
            except (ValueError, TypeError) as err:
                raise ConfigError(f"start: {err}") from err
        self.timescale = float(timescale)
        self.store = Store(store)
        if start is None:       # a reopened store: the calendar goes on from where it stood
            start = resumed_calendar(self.store)
        try:
            self.clock = Clock(start=start, timezone=self.config["timezone"], timescale=self.timescale)
        except BaseException:
            self.store.close()
            raise
        self.users = Users(self.store)
        self.recorder = Recorder(now=self.clock.timestamp, wall=self.clock.wall,
                                 enabled=bool(self.config["record timeline"]),
                                 tz=self.config["timezone"])
        try:
            self.recorder.attach(self.store.path)
            self.recorder.keep = bool(self.config["timeline in memory"])
            last = self.store.connection().execute(      # the latest rows hold the largest wall
                "SELECT max(wall) FROM (SELECT wall FROM events ORDER BY id DESC LIMIT 1000)"
            ).fetchone()[0]
        except (sqlite3.Error, ValueError) as err:     # the timeline's tables: damaged
            self.recorder.close()
            self.store.close()
            raise store_error(err, self.store.path, "reading the timeline") from err
        except BaseException:
            self.recorder.close()
            self.store.close()
            raise
        if last is not None:          # a reopened store: wall time goes on from its history
            self.clock.resume_wall(last)
        self.locks = SessionLocks(lambda: self.clock.scaled(self.config["concurrency lock timeout"]),
                                  on_event=self._lock_event)
        self._interviews: dict[str, Interview] = {}
        self._sessions: dict[str, Session] = {}
        self._lock = threading.RLock()
        library.builtins_dict()    # import the interview library now, outside any calendar freeze
        self.services = SimulatorServices(self)
        self.tasks = TaskManager(self, backend=backend, workers=workers)
        self.workers = workers
        self.shard_timeline: Any = None    # a sharded cohort's timeline parts (analysis.parts)
        self.closed = False
        self.tasks.recover()      # tasks left queued or running by a simulator that stopped

    # --- context manager ----------------------------------------------------------------------

    def __enter__(self) -> "Simulator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.tasks.shutdown()
        mail = getattr(self, "_mail", None)
        if mail is not None:
            mail.close()
        self.recorder.close()
        try:
            self.store.meta_set("calendar", self.clock.now().timestamp())
        except BgkernelError:        # a read-only or full store: the calendar is not kept
            pass
        self.store.close()
        self.tasks.owner.release()

    def __repr__(self) -> str:
        return f"<Simulator {len(self._sessions)} session(s), store {self.store.path}, now {self.now():%Y-%m-%d %H:%M}>"

    # --- interviews ---------------------------------------------------------------------------

    def load(self, source: str, name: str | None = None) -> Interview:
        """An interview from a YAML file path or from YAML text."""
        path = None
        text = source
        if "\n" not in source and (source.endswith((".yml", ".yaml")) or os.path.isfile(source)):
            if not os.path.isfile(source):
                raise InterviewError(f"no such interview file: {source}", source)
            path = source
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
        interview = load_interview(text, path=path, name=name)
        self._interviews[interview.digest] = interview
        self.store.save_interview(interview.digest, interview.name, path, text)
        for found in interview.warnings:     # what docassemble accepts and ignores
            self.record("", "warning", found.key or "", str(found))
            warnings.warn(found, stacklevel=2)
        return interview

    def find_interview(self, filename: str, current: Interview | None = None) -> Interview:
        """The interview a ``yaml_filename`` names: the current one, one loaded here (by name,
        path or file name), or a file on disk."""
        for candidate in ([current] if current is not None else []) + list(self._interviews.values()):
            if filename in candidate.filenames or filename.split(":", 1)[-1] in candidate.filenames:
                return candidate
        path = filename.split(":", 1)[-1]
        if os.path.isfile(path):
            return self.load(path)
        raise InterviewError(f"no interview named {filename!r} is loaded in this simulator", filename)

    def interview(self, digest: str) -> Interview:
        with self._lock:
            found = self._interviews.get(digest)
            if found is None:
                name, path, source = self.store.interview_source(digest)
                found = load_interview(source, path=path, name=name)
                self._interviews[digest] = found
            return found

    # --- sessions -----------------------------------------------------------------------------

    def start(self, interview: Interview | str, user: Any = None,
              url_args: dict | None = None) -> Session:
        """A new session, run to its first screen as a browser's first page load runs it:
        initial and mandatory code run, background tasks it launches are queued, the answers
        are saved (so ``multi_user`` and ``allow_cron`` count at once).  An interview error on
        that first screen is kept as ``session.last_error`` and raised when ``screen`` is read.
        ``url_args``: the query of the first page's URL, as the interview's ``url_args``."""
        if isinstance(interview, str):
            interview = self.load(interview)
        elif interview.digest not in self._interviews:    # loaded by another simulator
            self._interviews[interview.digest] = interview
            self.store.save_interview(interview.digest, interview.name, interview.path,
                                      interview.source)
        info = self._registered(make_user(user), explicit=isinstance(user, dict) and "roles" in user)
        session_id = secrets.token_hex(8)
        session = Session(self, session_id, interview, info)
        # written to the store by the first page load's save (see FirstLoad)
        session.unsaved = FirstLoad(interview.digest, user_dict(info), self.clock.now(), url_args)
        with self._lock:
            self._sessions[session_id] = session
        self.record(session_id, "session_started", interview.name, info.email or "anonymous")
        try:
            session.refresh()      # the first page load: the interview runs to its first screen
        except InterviewError as err:
            # A browser would show the error page: the session exists, reading ``screen``
            # runs the interview again and raises the error.
            session.last_error = err
            self.record(session_id, "error", "first screen", str(err))
        finally:
            session.create_unsaved()        # a first load that saved nothing
        return session

    @property
    def sessions(self) -> list[Session]:
        """Every session in the store (reopened ones included)."""
        out = []
        for session_id in self.store.session_ids():
            out.append(self.session(session_id))
        return out

    def session(self, session_id: str) -> Session:
        with self._lock:
            found = self._sessions.get(session_id)
            if found is not None:
                return found
            row = self.store.session_row(session_id)
            found = Session(self, session_id, self.interview(row["interview"]), make_user(row["user"]))
            self._sessions[session_id] = found
            return found

    def join(self, session_id: str, user: Any = None) -> Session:
        """Another user's view of an existing session (a ``multi_user`` interview)."""
        base = self.session(session_id)
        explicit = isinstance(user, dict) and "roles" in user
        return Session(self, session_id, base.interview, self._registered(make_user(user), explicit))

    def _registered(self, info: UserInfo, explicit: bool = False) -> UserInfo:
        """A logged-in user as the simulator's users know them (registered on first sight);
        roles given explicitly become the user's privileges."""
        if not info.logged_in or not info.email:
            return info
        known = self.users.get(email=info.email)
        if known is not None and explicit:
            known = self.users.update(known["id"], None, privileges=list(info.roles) or ["user"])
        if known is None:
            self.users.ensure(info.email, tuple(info.roles) or ("user",), first_name=info.first_name,
                              last_name=info.last_name)
            return info
        return dataclasses.replace(
            info, first_name=info.first_name or known.get("first_name", ""),
            last_name=info.last_name or known.get("last_name", ""),
            roles=tuple(known.get("privileges") or info.roles))

    def delete_session(self, session_id: str, reason: str = "") -> None:
        self.store.delete_session(session_id)
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is not None:
            session.deleted = True
        self.record(session_id, "session_deleted", reason, "")

    def reset_session(self, session: Session) -> None:
        now = self.clock.now()
        answers = initial_answers(now)
        del answers["url_args"]             # a restart keeps no URL
        self.store.reset(session.id, dump_answers(answers), now.timestamp())

    def save_answers(self, session_id: str, ns: dict, new_step: bool, user: UserInfo | None,
                     launched: list[dict] | None = None, first: FirstLoad | None = None) -> int:
        """Save a namespace as the session's newest step, with the rows of the tasks the step
        ``launched``, in one store transaction; ``first``: the session is new and this
        creates it."""
        internal = ns.setdefault("_internal", {})
        now = self.clock.now()
        access = internal.setdefault("accesstime", {})
        key = (user.id if user and user.logged_in else -1) if user is not None else -1
        access[key] = now.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        if user is not None and user.logged_in:
            internal.setdefault("access_roles", {})[key] = list(user.roles)
        data = dump_answers(ns)
        with self.store.write():
            if first is not None:
                self.store.create_session(session_id, first.interview, first.user,
                                          first.created.timestamp(), data, now.timestamp(),
                                          multi_user=bool(ns.get("multi_user")),
                                          allow_cron=bool(ns.get("allow_cron")))
                step = 1
            else:
                step = self.store.save(session_id, data, now.timestamp(), new_step,
                                       multi_user=bool(ns.get("multi_user")),
                                       allow_cron=bool(ns.get("allow_cron")))
            if launched:
                self.tasks.persist(session_id, launched)
        return step

    # --- time -----------------------------------------------------------------------------------

    def now(self) -> _dt.datetime:
        return self.clock.now()

    def advance(self, days: float = 0, hours: float = 0, minutes: float = 0, **kwargs: Any) -> list:
        return advance(self, days=days, hours=hours, minutes=minutes, **kwargs)

    def run_cron(self, cron_type: str = "cron_daily") -> list:
        return run_cron(self, cron_type)

    def cohort(self, interview: Interview | str, answers: Any, **kwargs: Any) -> Any:
        """One session per row of ``answers`` (a DataFrame), run; see ``bgkernel.analysis.cohort.run_cohort``."""
        return run_cohort(self, interview, answers, **kwargs)

    # --- mail -------------------------------------------------------------------------------------

    @property
    def outbox(self) -> Any:
        """The e-mails ``send_email`` sent: a ``bgkernel.mail.outbox.Outbox`` (a sequence of SentEmail)."""
        return self.services.outbox

    def deliver_email(self, to: str | None = None, subject: str = "", body: str = "", sender: str = "",
                      html: str | None = None, attachments: Any = (), raw: bytes | None = None) -> Any:
        return deliver(self, to=to, subject=subject, body=body, sender=sender, html=html,
                       attachments=attachments, raw=raw)

    def serve_smtp(self, port: int | None = None) -> Any:
        return serve(self, port)

    # --- timeline -------------------------------------------------------------------------------

    def record(self, session: str, kind: str, name: str = "", detail: Any = "",
               duration: float | None = None, task: str | None = None) -> None:
        self.recorder.record(session, kind, name, detail, duration, task=task)

    def _lock_event(self, session: str, kind: str, who: str, waited: float) -> None:
        self.record(session, kind, who, f"waited {waited:.3f} s", duration=waited)
        if kind == "lock_timeout":
            holder = self.locks.held_by(session) or "another request"
            diagnose(self, session, "BGK202", f"{holder} -> {who}",
                     f"{who} took the session lock over from {holder} after waiting "
                     f"{waited:.2f} s (the lock timeout)")

    @property
    def timeline(self):
        """Every session's events as one DataFrame, in wall-clock order.  After a cohort on a
        cluster, the shards' rows too (read from their Parquet files), with a ``shard``
        column (missing for this simulator's own rows), in calendar order."""
        frame = self.recorder.ordered_frame()
        if self.shard_timeline is None:
            return frame
        return merge_shards(frame, self.shard_timeline.frame())


def resumed_calendar(store: Store) -> Any:
    """Where a reopened store's calendar stood (None for a new store): the later of the
    recorded position and real now.  An interrupted scheduled run recorded its instant
    before it began, so ``advance`` finishes it from there (``bgkernel.cron.runs``)."""
    recorded = store.meta_get("calendar")
    if recorded is None:
        return None
    return max(float(recorded), _dt.datetime.now(_dt.timezone.utc).timestamp())


#: Anonymous users' ids (docassemble's temporary user ids): random, not secret, so no
#: system call per session; a forked process draws its own.
_USER_IDS = random.Random()
os.register_at_fork(after_in_child=_USER_IDS.seed)


def make_user(user: Any) -> UserInfo:
    """None = anonymous; an e-mail; or a dict (email, first_name, roles, id ...)."""
    if isinstance(user, UserInfo):
        return user
    if user is None:
        return UserInfo(id=_USER_IDS.randrange(10**6), logged_in=False)
    if isinstance(user, str):
        return UserInfo(email=user, id=zlib.crc32(user.encode()) % 10**6, logged_in=True, roles=("user",))
    if isinstance(user, dict):
        data = dict(user)
        if "anonymous" in data:
            data.pop("anonymous")
            return UserInfo(id=data.get("id", _USER_IDS.randrange(10**6)), logged_in=False)
        if "roles" in data:
            data["roles"] = tuple([data["roles"]] if isinstance(data["roles"], str) else data["roles"])
        else:
            data["roles"] = ("user",)
        data.setdefault("logged_in", bool(data.get("email")))
        if "id" not in data:
            data["id"] = zlib.crc32((data.get("email") or secrets.token_hex(4)).encode()) % 10**6
        known = set(UserInfo.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown user field(s) {sorted(unknown)}; known: {sorted(known)}")
        return UserInfo(**data)
    raise ConfigError(f"a user is None, an e-mail address or a dict, not {user!r}")


def user_dict(info: UserInfo) -> dict:
    out = dict(info.__dict__)
    out["roles"] = list(info.roles)
    return out
