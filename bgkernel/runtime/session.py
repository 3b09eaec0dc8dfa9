"""A session: one person's run of an interview, step by step, saved in the store."""
from __future__ import annotations

import datetime as _dt
import functools
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..calendar.clock import real_monotonic
from ..engine.answers import Submission, apply_submission, plan_answer, plan_press
from ..engine.evaluation import Evaluation
from ..engine.outcome import Result
from ..engine.screen import Button, Screen
from ..errors import SessionError
from ..language.interview import Interview
from ..library import namespace as library
from ..library.context import RunContext, UserInfo, running
from ..library.saving import picklable_answers
from .checkin import apply_to_screen, run_checkin
from .store import dump_answers, load_answers

if TYPE_CHECKING:
    from .host import Host

__all__ = ["Session", "FirstLoad", "initial_answers"]

_COMMAND_KINDS = {"exit", "leave", "restart", "refresh", "logout", "exit_logout", "new_session",
                  "wait", "signin", "register", "interview_exit", "continue"}


def _serialized(method: Callable) -> Callable:
    """One gesture at a time per session (a notebook cell and a timer thread may race);
    a gesture that waits for another goes on the timeline as a ``lock_wait``."""
    @functools.wraps(method)
    def wrapper(self: "Session", *args: Any, **kwargs: Any) -> Any:
        if not self._gesture.acquire(blocking=False):
            start = real_monotonic()
            self._gesture.acquire()
            waited = real_monotonic() - start
            self.sim.record(self.id, "lock_wait", f"{method.__name__} (another gesture)",
                            f"waited {waited:.3f} s", duration=waited)
        try:
            return method(self, *args, **kwargs)
        finally:
            self._gesture.release()
    return wrapper


def initial_answers(now: _dt.datetime, url_args: dict | None = None) -> dict:
    """The answers of a session before its first page load (docassemble's initial dictionary)."""
    internal = {"starttime": now.astimezone(_dt.timezone.utc).replace(tzinfo=None),
                "accesstime": {}, "answered": set(), "answers": {}, "event_stack": [],
                "tracker": 0, "tasks": {}}
    # url_args: the query of the first page's URL ({} without one, as docassemble's)
    return {"_internal": internal, "url_args": dict(url_args or {})}


@dataclass(frozen=True)
class FirstLoad:
    """A new session not yet in the store: its first page load writes it, in the
    transaction that saves what the load did (one write and no read-back per start)."""

    interview: str          # the interview's digest
    user: dict              # the store's user column
    created: _dt.datetime
    url_args: dict | None

    def answers(self) -> dict:
        return initial_answers(self.created, self.url_args)


class Session:
    """A running interview session (see DESIGN.md for the public names)."""

    def __init__(self, sim: "Host", session_id: str, interview: Interview, user: UserInfo):
        self.sim = sim
        self.id = session_id
        self.interview = interview
        self.user = user
        self._screen: Screen | None = None
        self._draft: dict[str, Any] = {}
        self._flash: list[str] = []
        self._targets: dict[str, str] = {}
        self._pending: dict[str, Any] = {}
        self._gesture = threading.RLock()
        self.deleted = False
        self.last_error: Exception | None = None
        self.unsaved: FirstLoad | None = None     # set by Simulator.start until the first save

    def __repr__(self) -> str:
        state = "deleted" if self.deleted else (self._screen.kind if self._screen else "new")
        return f"<Session {self.id} of {self.interview.name} ({state})>"

    # --- reading ------------------------------------------------------------------------------

    @property
    def screen(self) -> Screen:
        with self._gesture:
            if self._screen is None:
                self.refresh()
            return self._screen

    @property
    def variables(self) -> dict:
        """The saved answers (a copy: changing it changes nothing)."""
        _, data = self.sim.store.latest(self.id)
        return {k: v for k, v in picklable_answers(load_answers(data)).items() if k != "_internal"}

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name`` in the saved answers (asks nothing); ``default`` if undefined."""
        _, data = self.sim.store.latest(self.id)
        ns = load_answers(data)
        library.install(ns)
        with running(self._context(ns)), self.sim.clock.frozen():
            try:
                return eval(name, ns)  # noqa: S307
            except Exception:  # noqa: BLE001 -- undefined
                return default

    @property
    def tasks(self) -> list:
        return self.sim.tasks.for_session(self.id)

    @property
    def timeline(self):
        """This session's events as a DataFrame, in wall-clock order."""
        return self.sim.recorder.ordered_frame(session=self.id)

    @_serialized
    def notifications(self) -> list[dict]:
        """Pop what a browser would receive from background tasks at its next check-in."""
        items = self.sim.tasks.pop_notifications(self.id)
        self._apply_commands(items)
        return items

    def wait(self, timeout: float | None = None) -> bool:
        """Until this session's background work (response actions included) is done."""
        return self.sim.tasks.wait_session(self.id, timeout)

    # --- steps --------------------------------------------------------------------------------

    @_serialized
    def answer(self, values: dict | None = None, /, **kwargs: Any) -> Screen:
        """Submit the current screen with ``values`` (Python values or browser strings)."""
        merged = {**(values or {}), **kwargs}
        screen = self.screen
        sub = plan_answer(screen, merged)
        self.sim.record(self.id, "answer", screen.block or "", _brief(merged))
        return self._submit(screen, sub)

    @_serialized
    def press(self, label_or_value: Any) -> Screen:
        """Press a button (by label, value or command)."""
        screen = self.screen
        if screen.kind in ("wait",) and str(label_or_value).lower() in ("refresh", "continue"):
            return self.refresh()
        sub = plan_press(screen, label_or_value)
        self.sim.record(self.id, "answer", screen.block or "", f"pressed {label_or_value!r}")
        if sub.command:
            return self._command_button(sub.command)
        return self._submit(screen, sub)

    @_serialized
    def action(self, name: str, **arguments: Any) -> Screen:
        """Run an action, as following a ``url_action()`` link does."""
        self.sim.record(self.id, "action", name, _brief(arguments))
        return self._run(action=name, arguments=arguments, new_step=True)

    @_serialized
    def refresh(self) -> Screen:
        """Re-evaluate the current screen (reload, a refresh button, ``refresh`` notification)."""
        return self._run(new_step=False)

    @_serialized
    def back(self) -> Screen:
        """docassemble's Back button: drop the newest step and show the previous screen."""
        with self.sim.locks.hold(self.id, "back"):
            _, data = self.sim.store.latest(self.id)
            prior = load_answers(data)
            if not self.sim.store.drop_latest(self.id):
                raise SessionError("there is no earlier step to go back to")
        self.sim.record(self.id, "back", "", "")
        self._draft.clear()
        return self._run(new_step=False, prior=prior)

    @_serialized
    def checkin(self, changed: str | None = None, initial: bool = False, **raw_fields: Any) -> list[dict]:
        """A browser's check-in: the screen's ``check in`` action with the form's raw values."""
        return run_checkin(self, changed, initial, raw_fields)

    # --- machinery ------------------------------------------------------------------------------

    def _context(self, ns: dict, action: str | None = None, arguments: dict | None = None,
                 interface: str = "web", user: UserInfo | None = None, checkin: bool = False,
                 prior: dict | None = None) -> RunContext:
        sim = self.sim
        ctx = RunContext(session_id=self.id, interview=self.interview, namespace=ns,
                         user=user or self.user, interface=interface, action=action,
                         arguments=dict(arguments or {}), config=sim.config, services=sim.services,
                         checkin=checkin, prior=prior, files_dir=sim.store.files_dir)
        ctx.extra["action_name"] = action
        return ctx

    def evaluate(self, ns: dict, ctx: RunContext,
                 before: Callable[[Evaluation], None] | None = None,
                 abort: Callable[[], bool] | None = None) -> tuple[Result | None, Evaluation]:
        """One assemble under the calendar clock (the namespace is changed in place).

        ``before`` runs on the prepared namespace first (applying answers); when
        ``abort`` then says so, nothing is assembled and the result is None."""
        try:
            with running(ctx), self.sim.clock.frozen():
                ev = Evaluation(self.interview, ns, ctx)
                if before is not None:
                    ev.prepare()
                    before(ev)
                    if abort is not None and abort():
                        return None, ev
                return ev.assemble(), ev
        finally:
            for doc in ctx.documents:           # the documents this run assembled
                self.sim.record(self.id, "document", doc["name"], ", ".join(doc["formats"]),
                                duration=doc["seconds"])
            ctx.documents.clear()

    def _run(self, action: str | None = None, arguments: dict | None = None, new_step: bool = False,
             prior: dict | None = None, before: Callable[[Evaluation], None] | None = None,
             rollback_on: Callable[[], bool] | None = None) -> Screen:
        if self.deleted:
            raise SessionError(f"the session {self.id} was deleted")
        sim = self.sim
        t0 = sim.clock.wall()
        with sim.locks.hold(self.id, "page"):
            if self.unsaved is not None:        # the first page load
                steps, ns = 1, self.unsaved.answers()
            else:
                steps, data = sim.store.latest(self.id)
                ns = load_answers(data)
            ctx = self._context(ns, action, arguments, prior=prior)
            result, ev = self.evaluate(ns, ctx, before, rollback_on)
            if result is None:
                return self._screen
            screen = self._screen_for(result, ev, steps + (1 if new_step else 0))
            self._save_after(screen, ns, ctx, new_step)
        sim.tasks.dispatch(self, ctx)
        if screen.kind in ("exit", "exit_logout"):
            sim.delete_session(self.id, reason=f"command('{screen.kind}')")
        elif screen.kind == "restart":
            sim.reset_session(self)
            self._screen = None
            return self.refresh()
        self._show(screen, sim.clock.wall() - t0)
        return self._screen

    def _submit(self, screen: Screen, sub: Submission) -> Screen:
        if sub.errors:
            self._screen = screen.with_updates(errors=dict(sub.errors))
            return self._screen
        block = self.interview.by_name.get(screen.block or "")
        if block is None:
            raise SessionError("the current screen cannot be answered")

        def before(ev: Evaluation) -> None:
            apply_submission(ev, block, screen.iterators, sub)
            if not sub.errors and block.mandatory:
                ev.internal["answered"].add(block.name)

        self._draft.clear()
        self._run(new_step=sub.changed, before=before, rollback_on=lambda: bool(sub.errors))
        if sub.errors:
            self._screen = screen.with_updates(errors=dict(sub.errors))
        return self._screen

    def _command_button(self, command: str) -> Screen:
        if command == "continue":          # a `continue` choice submits the screen as it is
            return self._submit(self.screen, Submission())
        if command == "refresh":
            return self.refresh()
        return self._apply_command(command, None, None)

    def _apply_command(self, command: str, url: str | None, sleep: float | None) -> Screen:
        sim = self.sim
        if command in ("exit", "exit_logout", "logout") and command != "logout":
            sim.delete_session(self.id, reason=command)
            screen = Screen(kind="exit", question="", response=url)
        elif command == "restart":
            sim.reset_session(self)
            return self.refresh()
        else:
            screen = Screen(kind=command, question="", response=url, sleep=sleep)
        self._show(screen, 0.0)
        return screen

    def _screen_for(self, result: Result, ev: Evaluation, steps: int) -> Screen:
        kind = result.kind
        if kind == "question":
            screen: Screen = result.payload
            ev.internal["screen"] = {"block": screen.block, "iterators": screen.iterators}
            if not screen.can_go_back:
                ev.internal["steps_offset"] = steps     # never back past this screen
            offset = ev.internal.get("steps_offset", 0)
            self._pending = {"can_go_back": screen.can_go_back and steps - offset > 1,
                             "checkin_interval": self.interview.checkin_interval(
                                 int(self.sim.config["checkin interval"]))}
            return screen
        ev.internal.pop("screen", None)
        signal = result.signal
        if kind == "command":
            if signal.command == "wait":
                return Screen(kind="wait", question=signal.question_text or "Please wait . . .",
                              subquestion=signal.subquestion_text or "",
                              sleep=signal.sleep or 4, reload=int(signal.sleep or 4))
            return Screen(kind=signal.command, question=signal.url or "", response=signal.url,
                          sleep=signal.sleep)
        if kind == "response":
            body = signal.binary if signal.binary is not None else signal.content
            return Screen(kind="response", question=body if isinstance(body, str) else "",
                          response=body)
        if kind == "message":
            buttons = []
            if signal.show_exit:
                buttons.append(Button("Exit", command="exit"))
            if signal.show_leave:
                buttons.append(Button("Leave", command="leave"))
            if signal.show_restart:
                buttons.append(Button("Restart", command="restart"))
            return Screen(kind="message", question=signal.question, subquestion=signal.subquestion,
                          buttons=tuple(buttons))
        if kind == "template":
            return Screen(kind="question", question=result.content or "")
        if kind == "backgroundresponse":
            return Screen(kind="response", question="backgroundresponse", response=result.payload)
        if kind == "backgroundresponseaction":
            return Screen(kind="response", question="backgroundresponseaction",
                          response={"action": signal.action, "arguments": signal.arguments})
        raise SessionError(f"unexpected result {kind}")

    def _save_after(self, screen: Screen, ns: dict, ctx: RunContext, new_step: bool) -> None:
        if ctx.save_status == "ignore" or screen.kind in ("exit", "exit_logout"):
            self.create_unsaved()
            return
        self.sim.save_answers(self.id, ns, new_step=new_step and ctx.save_status == "new",
                              user=ctx.user, launched=ctx.launched, first=self.unsaved)
        self.unsaved = None

    def create_unsaved(self) -> None:
        """A new session whose first page load saved nothing (an error, ``exit``, a
        ``save_status`` of ignore) is still in the store, with its initial answers."""
        first, self.unsaved = self.unsaved, None
        if first is not None:
            self.sim.store.create_session(self.id, first.interview, first.user,
                                          first.created.timestamp(), dump_answers(first.answers()))

    def _show(self, screen: Screen, duration: float) -> None:
        if screen.kind in ("exit", "exit_logout"):
            self.deleted = True
        if screen.kind == "question":
            fields = screen.fields
            if self._draft:
                fields = tuple(f.__class__(**{**f.__dict__, "value": self._draft[f.variable]})
                               if f.variable in self._draft else f for f in fields)
            same = self._screen is not None and self._screen.block == screen.block
            targets = {k: (self._targets.get(k, "") if same else "") for k in screen.targets}
            self._targets = dict(targets)
            if not same:
                self._flash = []
            pending, self._pending = self._pending, {}
            screen = screen.with_updates(fields=fields, targets=targets, flash=tuple(self._flash),
                                         **pending)
        self._screen = screen
        self.sim.record(self.id, "screen", screen.block or screen.kind,
                        screen.question[:200], duration=duration)
        if screen.kind == "exit":
            self.deleted = True

    def _apply_commands(self, commands: list[dict]) -> None:
        """What a browser does with check-in commands (SEMANTICS §6, §8.6-8.8)."""
        if commands and self._screen is not None:
            apply_to_screen(self, commands)


def _brief(values: dict) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in values.items())
    return text[:300]
