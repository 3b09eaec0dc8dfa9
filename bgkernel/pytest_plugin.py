"""bgkernel's pytest plugin: test an interview in a few lines, with no server.

Installed with bgkernel (entry point ``pytest11``), it gives:

* the ``simulator`` fixture: a :class:`bgkernel.Simulator` on a temporary store, closed
  after the test; ``@pytest.mark.bgkernel(timescale=0.05, backend="loky", workers=2,
  config={...}, start="2026-01-05T09:00")`` or ``--bgkernel-timescale`` set it up;
* ``simulator.run(interview, answers)``: a session driven from a dict (or a pandas row)
  of answers to the screen where it stops, background work waited for;
* :func:`assert_screen` and :func:`assert_timeline`, whose failures show the screen and the
  last rows of the timeline; :func:`advance` moves the calendar and waits for what the
  scheduled runs started;
* ``--bgkernel-lint`` (or ``@pytest.mark.bgkernel_lint``): an interview the test loads
  with lint errors fails the test, with the findings as the message.
"""
from __future__ import annotations

import functools
import io
import math
import os
from typing import Any

import pytest

__all__ = ["simulator_class", "drive", "assert_screen", "assert_timeline", "advance"]

_DEFAULT_TIMESCALE = 0.1


@functools.lru_cache(maxsize=None)
def simulator_class() -> type:
    """The fixture's Simulator: it lints what it loads (when asked) and drives sessions.
    Made on first use, so that loading the plugin does not import the simulator."""
    from .lint import lint
    from .lint.catalog import ERROR
    from .simulator import Simulator

    class TestSimulator(Simulator):
        __test__ = False             # not a test class, though its name starts with Test

        def __init__(self, *args: Any, lint: bool = False, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.lint_errors = lint

        def load(self, source: str, name: str | None = None) -> Any:
            interview = super().load(source, name)
            if self.lint_errors:
                errors = [f for f in lint(source if "\n" in str(source) else os.fspath(source))
                          if f.severity == ERROR]
                if errors:
                    pytest.fail("bgkernel lint errors in the interview under test:\n"
                                + "\n".join(str(f) for f in errors), pytrace=False)
            return interview

        def run(self, interview: Any, answers: Any = None, user: Any = None, presses: tuple = (),
                timeout: float = 60.0) -> Any:
            """Start ``interview`` (a path, YAML text or a loaded Interview) and drive it."""
            if not hasattr(interview, "blocks"):
                interview = self.load(interview)
            session = self.start(interview, user=user)
            drive(session, {} if answers is None else answers, presses, timeout)
            return session

    return TestSimulator


def _plain(value: Any) -> Any:
    """A pandas/numpy scalar as a Python value; NaN/NaT as missing (None)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if type(value).__name__ == "Timestamp":
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return value


def drive(session: Any, answers: Any, presses: tuple | list = (), timeout: float = 60.0) -> Any:
    """Answer each screen from ``answers`` (a dict or a pandas row), press ``presses`` when
    shown, wait for background work, until nothing more can be done; the final Screen."""
    if hasattr(answers, "to_dict"):
        answers = answers.to_dict()
    values = {str(k): _plain(v) for k, v in dict(answers).items()}
    values = {k: v for k, v in values.items() if v is not None}
    from .cli import drive as _drive_screens
    pending = list(presses)
    sink = io.StringIO()
    screen = _drive_screens(session, values, pending, sink, False)
    for _ in range(20):
        if not session.sim.tasks.pending(session.id):
            break
        session.wait(timeout=timeout)
        session.notifications()
        screen = _drive_screens(session, values, pending, sink, False)
    return screen


def advance(sim: Any, days: float = 0, hours: float = 0, minutes: float = 0,
            timeout: float = 60.0) -> list:
    """Move the calendar (running the scheduled runs in the jump) and wait for the
    background work they started; the runs."""
    runs = sim.advance(days=days, hours=hours, minutes=minutes)
    sim.tasks.wait_session(None, timeout=timeout)
    return runs


def _last_rows(session: Any, rows: int = 8) -> str:
    frame = session.timeline
    if frame is None or len(frame) == 0:
        return "(no events)"
    frame = frame.tail(rows)
    return "\n".join(f"  {r.kind:<16} {str(r.name)[:30]:<30} {str(r.detail)[:70]}"
                     for r in frame.itertuples())


def _screen_of(session_or_screen: Any) -> tuple[Any, Any]:
    if hasattr(session_or_screen, "screen") and hasattr(session_or_screen, "timeline"):
        return session_or_screen, session_or_screen.screen
    return None, session_or_screen


def assert_screen(session_or_screen: Any, question: str | None = None, contains: str | None = None,
                  kind: str | None = None) -> Any:
    """The current screen has this question (exactly), contains this text, is of this kind."""
    session, screen = _screen_of(session_or_screen)
    problems = []
    if question is not None and (screen.question or "").strip() != question.strip():
        problems.append(f"expected the question {question!r}, got {screen.question!r}")
    if contains is not None and contains not in screen.text():
        problems.append(f"expected the screen to contain {contains!r}")
    if kind is not None and screen.kind != kind:
        problems.append(f"expected a {kind} screen, got a {screen.kind} screen")
    if problems:
        message = "; ".join(problems) + "\n\nthe screen:\n" + _indent(screen.text())
        if session is not None:
            message += "\n\nthe last timeline rows:\n" + _last_rows(session)
        pytest.fail(message, pytrace=False)
    return screen


def assert_timeline(session: Any, *kinds: str, name: str | None = None) -> Any:
    """The session's timeline has rows of each of ``kinds`` (with this ``name``, if given);
    returns the matching rows."""
    frame = session.timeline
    found = frame[frame["kind"].isin(kinds)] if kinds else frame
    if name is not None:
        found = found[found["name"] == name]
    missing = [k for k in kinds if k not in set(found["kind"])]
    if missing or (name is not None and found.empty):
        what = ", ".join(missing) if missing else f"name {name!r}"
        pytest.fail(f"no timeline row of kind {what} for the session {session.id}\n\n"
                    f"the last timeline rows:\n{_last_rows(session)}", pytrace=False)
    return found


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


# --- pytest hooks ---------------------------------------------------------------------------

def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("bgkernel", "bgkernel interview tests")
    group.addoption("--bgkernel-lint", action="store_true", default=False,
                    help="fail a test when an interview it loads has bgkernel lint errors")
    group.addoption("--bgkernel-timescale", type=float, default=None,
                    help=f"the simulator fixture's timescale (default {_DEFAULT_TIMESCALE})")
    parser.addini("bgkernel_timescale", f"the simulator fixture's timescale (default {_DEFAULT_TIMESCALE})",
                  default=None)


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "bgkernel(**options): options of the simulator fixture "
                            "(timescale, backend, workers, config, start)")
    config.addinivalue_line("markers", "bgkernel_lint: fail when an interview the test loads has "
                            "bgkernel lint errors")


@pytest.fixture
def simulator(request: Any, tmp_path: Any) -> Any:
    """A Simulator (:func:`simulator_class`) on a fresh store in ``tmp_path``, closed after the test."""
    marker = request.node.get_closest_marker("bgkernel")
    options = dict(marker.kwargs) if marker else {}
    timescale = options.pop("timescale", None)
    if timescale is None:
        timescale = request.config.getoption("--bgkernel-timescale")
    if timescale is None:
        ini = request.config.getini("bgkernel_timescale")
        timescale = float(ini) if ini else _DEFAULT_TIMESCALE
    options.setdefault("backend", "threading")
    lint = bool(request.config.getoption("--bgkernel-lint")
                or request.node.get_closest_marker("bgkernel_lint"))
    sim = simulator_class()(store=str(tmp_path / "bgkernel.sqlite"), timescale=timescale, lint=lint,
                        **options)
    try:
        yield sim
    finally:
        sim.close()
