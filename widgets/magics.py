"""The IPython extension: ``%load_ext bgkernel`` registers these magics.

``%%interview [name] [--start DATE] [--timescale T] [--sim NAME] [--user EMAIL] [--quiet-timers]``
    The cell is interview YAML.  It is loaded into a shared Simulator (made on first use
    and kept in the namespace as ``bg_sim``, or ``--sim``), a session is started and kept
    as ``name`` (default ``session``), and its :class:`InterviewApp` — also kept, as
    ``<name>_app`` — is the cell's output.
``%bg_advance 20d``
    Calendar time forward (``d``, ``h``, ``m``, ``w``; a bare number is days), running
    the scheduled tasks in the jump.
``%bg_timeline [name]``
    The timeline view of ``bg_sim`` or of the session kept as ``name``.

The magics are a thin adapter over :class:`InterviewRunner`, a plain class that works
without IPython (tests drive it directly).  Registration happens in
``load_ipython_extension``, not at import.
"""
from __future__ import annotations

import argparse
import re
import shlex
from typing import Any

from bgkernel import Simulator

from .app import InterviewApp
from .timeline_view import timeline_view

__all__ = ["InterviewRunner", "parse_duration", "load_ipython_extension", "unload_ipython_extension"]

_UNITS = {"w": "weeks", "week": "weeks", "weeks": "weeks", "d": "days", "day": "days", "days": "days",
          "h": "hours", "hr": "hours", "hour": "hours", "hours": "hours", "m": "minutes",
          "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes"}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*,?", re.I)


def parse_duration(text: str) -> dict[str, float]:
    """``"20d"``, ``"1d 6h"``, ``"90 minutes"``, ``"2w"``, ``"3"`` (days) → advance() keywords."""
    text = (text or "").strip()
    if not text:
        raise ValueError("say how far to go, e.g. %bg_advance 20d (d, h, m, w; a bare number is days)")
    out = {"days": 0.0, "hours": 0.0, "minutes": 0.0}
    pos = 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"cannot read {text!r} as a duration; write e.g. 20d, 1d 6h, 90m")
        number, unit = float(match.group(1)), match.group(2).lower() or "d"
        if unit not in _UNITS:
            raise ValueError(f"unknown unit {unit!r} in {text!r}; use one of d, h, m, w")
        key = _UNITS[unit]
        if key == "weeks":
            out["days"] += 7 * number
        else:
            out[key] += number
        pos = match.end()
    return out


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ValueError(f"%%interview: {message}\n{self.format_usage()}")


def _interview_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="%%interview", add_help=False,
                     description="Run the YAML in this cell as a docassemble interview.")
    parser.add_argument("name", nargs="?", default="session",
                        help="the variable that keeps the session (default: session)")
    parser.add_argument("--start", default=None, help="the calendar start of a new simulator")
    parser.add_argument("--timescale", type=float, default=None,
                        help="wall-time scale of a new simulator (0.1 = ten times faster)")
    parser.add_argument("--sim", default="bg_sim", help="the variable that keeps the simulator")
    parser.add_argument("--user", default=None, help="an e-mail address: a logged-in user")
    parser.add_argument("--app", default=None, help="the variable that keeps the app (<name>_app)")
    parser.add_argument("--quiet-timers", action="store_true",
                        help="no timer thread: check in with app.sync()")
    return parser


class InterviewRunner:
    """What the magics do, without IPython: ``namespace`` is where names are kept."""

    def __init__(self, namespace: dict | None = None):
        self.namespace: dict = namespace if namespace is not None else {}
        self.apps: dict[str, Any] = {}

    def simulator(self, name: str = "bg_sim", start: Any = None, timescale: float | None = None) -> Any:
        """The shared Simulator kept as ``name``, made now if there is none (or it closed)."""
        sim = self.namespace.get(name)
        if sim is not None and not getattr(sim, "closed", False):
            if timescale is not None and float(timescale) != sim.timescale:
                raise ValueError(f"{name} already runs at timescale {sim.timescale:g}; "
                                 f"use --sim OTHER for a new simulator, or {name}.close() first")
            if start is not None:
                raise ValueError(f"{name} already exists, so --start cannot set its calendar; "
                                 f"use --sim OTHER, or {name}.close() first")
            return sim
        if sim is not None and not isinstance(sim, Simulator):
            raise ValueError(f"{name} is not a bgkernel.Simulator ({type(sim).__name__}); "
                             f"use --sim OTHER")
        sim = Simulator(start=start, timescale=1.0 if timescale is None else timescale)
        self.namespace[name] = sim
        return sim

    def interview(self, line: str, cell: str) -> Any:
        """``%%interview``: load ``cell``, start a session, return its InterviewApp."""
        args = _interview_parser().parse_args(shlex.split(line or ""))
        if not args.name.isidentifier():
            raise ValueError(f"%%interview: {args.name!r} is not a Python name")
        sim = self.simulator(args.sim, args.start, args.timescale)
        interview = sim.load(cell if "\n" in cell else cell + "\n", name=args.name)
        session = sim.start(interview, user=args.user)
        app_name = args.app or f"{args.name}_app"
        old = self.apps.pop(app_name, None)
        if old is not None:
            old.close()
        app = InterviewApp(session, live=not args.quiet_timers)
        self.apps[app_name] = app
        self.namespace[args.name] = session
        self.namespace[app_name] = app
        return app

    def advance(self, line: str, sim_name: str = "bg_sim") -> list:
        """``%bg_advance 20d``: calendar forward; returns the scheduled runs."""
        sim = self.namespace.get(sim_name)
        if sim is None:
            raise ValueError(f"there is no {sim_name} yet: run an %%interview cell first")
        runs = sim.advance(**parse_duration(line))
        for app in self.apps.values():
            if not app.closed:
                app.update_status()
        return runs

    def summary(self, runs: list, sim_name: str = "bg_sim") -> str:
        sim = self.namespace[sim_name]
        return (f"calendar now {sim.now():%a %Y-%m-%d %H:%M %Z}; {len(runs)} scheduled run"
                f"{'s' * (len(runs) != 1)}; outbox: {len(sim.outbox)}")

    def timeline(self, line: str = "", sim_name: str = "bg_sim") -> Any:
        """``%bg_timeline [name]``: the TimelineView of the simulator or a kept session."""
        name = (line or "").strip() or sim_name
        if name not in self.namespace:
            raise ValueError(f"nothing is kept as {name!r}")
        return timeline_view(self.namespace[name])

    def close(self) -> None:
        for app in self.apps.values():
            app.close()
        self.apps.clear()


# --- the IPython adapter -----------------------------------------------------------------

_LOADED: dict[int, Any] = {}


def _magics_class() -> type:
    from IPython.core.error import UsageError
    from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

    @magics_class
    class BgkernelMagics(Magics):
        """bgkernel's magics (see ``bgkernel.widgets.magics``)."""

        def __init__(self, shell: Any):
            super().__init__(shell)
            self.runner = InterviewRunner(shell.user_ns)

        @cell_magic
        def interview(self, line: str, cell: str) -> Any:
            """%%interview [name] [--start DATE] [--timescale T] [--sim NAME] [--user EMAIL]

            Run the YAML in this cell as a docassemble interview: a session kept as
            ``name`` (default ``session``) in the simulator ``bg_sim``, shown as widgets
            (the app is kept as ``<name>_app``)."""
            try:
                return self.runner.interview(line, cell)
            except ValueError as err:
                raise UsageError(str(err)) from None

        @line_magic
        def bg_advance(self, line: str) -> None:
            """%bg_advance 20d — calendar time forward (d, h, m, w), running scheduled tasks."""
            try:
                runs = self.runner.advance(line)
            except ValueError as err:
                raise UsageError(str(err)) from None
            print(self.runner.summary(runs))

        @line_magic
        def bg_timeline(self, line: str) -> Any:
            """%bg_timeline [name] — the timeline (table and charts) of bg_sim or a session."""
            try:
                return self.runner.timeline(line)
            except ValueError as err:
                raise UsageError(str(err)) from None

    return BgkernelMagics


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext bgkernel``: register ``%%interview``, ``%bg_advance``, ``%bg_timeline``."""
    if id(ipython) in _LOADED:
        return
    magics = _magics_class()(ipython)
    ipython.register_magics(magics)
    _LOADED[id(ipython)] = magics


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics and stop the timers of the apps they made."""
    magics = _LOADED.pop(id(ipython), None)
    if magics is None:
        return
    magics.runner.close()
    table = ipython.magics_manager.magics
    table["cell"].pop("interview", None)
    for name in ("bg_advance", "bg_timeline"):
        table["line"].pop(name, None)
