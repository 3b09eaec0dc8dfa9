"""``InterviewApp``: a session's screen as live ipywidgets, with its tasks and calendar.

Every gesture has a method twin, so a test or a later notebook cell drives the app
without a browser::

    app = InterviewApp(session)
    app.set_field("value_to_add", 5)       # typing (a change: check-in if the screen has one)
    app.click("Continue")                  # a button: submits the fields
    app.wait()                             # background work done, then a check-in
    app.back(); app.refresh(); app.advance(days=20)

Public methods raise what the session raises; the same gestures made in the browser
show the error on the page instead.  Timers (check-ins, ``reload``, wait pages) run in
the :mod:`bridge` thread; widgets are only changed on the thread that made the app.
"""
from __future__ import annotations

import html as _html
import threading
import traceback
import weakref
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as W

from bgkernel.engine.screen import Button, Screen

from .bridge import POLL, Marshal, Ticker, _interval
from .diagnostics import DiagnosticsPanel
from .fields import FieldWidget
from .panels import CalendarBar, TasksPanel
from .screen import ScreenView

if TYPE_CHECKING:
    from bgkernel.runtime.session import Session

__all__ = ["InterviewApp", "show"]

#: The live app of each session: a new live app for a session stops the old one's timers,
#: so re-running a cell does not leave threads checking in behind it.
_LIVE: "weakref.WeakValueDictionary[str, InterviewApp]" = weakref.WeakValueDictionary()


class InterviewApp:
    """The current screen of ``session`` as ipywidgets, kept live as docassemble's page is.

    ``live=False`` starts no timer thread (check in with ``sync()``); ``eager=True`` checks
    in as soon as a background task finishes instead of at the next periodic check-in.
    A session has one live app at a time: a new one stops the timers of the previous one.
    """

    def __init__(self, session: "Session", *, live: bool = True, eager: bool = False,
                 poll: float = POLL):
        self.session = session
        self.sim = session.sim
        self.lock = threading.RLock()
        self.marshal = Marshal.here(self.lock, on_error=self._failed)
        self.generation = 0
        self.closed = False
        self.problems: list[str] = []
        self.commands: list[dict] = []          # every check-in command received, in order
        self._raw: dict[str, str] = {}
        self.calendar = CalendarBar(self.sim, self._guard(self.advance), self._guard(self.refresh))
        self.tasks_panel = TasksPanel()
        self.problem_box = W.HTML("")
        self.status = W.HTML("")
        self.screen_box = W.VBox([])
        self.tasks_box = W.Accordion(children=[self.tasks_panel.box], titles=("Background tasks",))
        self.root = W.VBox([self.calendar.box, self.problem_box, self.screen_box, self.status,
                            self.tasks_box],
                           layout=W.Layout(border="1px solid #ccc", padding="6px"))
        self.view: ScreenView | None = None
        self.ticker = Ticker(self, poll=poll, eager=eager) if live else None
        with self.lock:
            screen = session.screen
        self._show(screen)
        self._show_status(self.tasks_panel.snapshot(session), self.calendar.snapshot())
        self.diagnostics = DiagnosticsPanel.attach(self)     # the pitfalls the run has shown
        if self.ticker is not None:
            previous = _LIVE.get(session.id)
            if previous is not None and previous is not self:
                previous.close()
            _LIVE[session.id] = self
            self.ticker.start()

    def __repr__(self) -> str:
        screen = self.view.screen if self.view else None
        what = f"{screen.kind}: {screen.question!r}" if screen else "nothing"
        return f"<InterviewApp {self.session.id} showing {what}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.root._repr_mimebundle_(**kwargs)

    # --- what is shown -----------------------------------------------------------------

    @property
    def screen(self) -> Screen:
        """The screen the widgets show (after ``pump()``, the newest one)."""
        self.pump()
        return self.view.screen

    @property
    def fields(self) -> dict[str, FieldWidget]:
        return self.view.fields

    @property
    def buttons(self) -> dict[str, W.Button]:
        return self.view.buttons

    @property
    def targets(self) -> dict[str, str]:
        return dict(self.screen.targets)

    @property
    def flash(self) -> tuple[str, ...]:
        return self.screen.flash

    @property
    def errors(self) -> dict[str, str]:
        return dict(self.screen.errors)

    @property
    def html(self) -> str:
        """The question text with its targets filled, as the widget shows it."""
        self.pump()
        return self.view.question.value + self.view.under.value

    def values(self) -> dict[str, Any]:
        """What a Continue would submit."""
        return self.view.values()

    def raw_form(self) -> dict[str, str]:
        """The browser strings of the form (what a check-in sends); safe from any thread."""
        with self.lock:
            return dict(self._raw)

    # --- gestures (method twins) ----------------------------------------------------------

    def set_field(self, variable: str, value: Any) -> None:
        """Type ``value`` (a Python value or a browser string) into a field, then leave it:
        a change event, which checks in if the screen has ``check in``."""
        self.pump()
        fw = self._field(variable)
        with fw.quiet():
            fw.set(value)
        self._on_change(variable)

    def click(self, label: Any) -> Screen:
        """Click a button by its label (or value / command): submits the fields, or presses."""
        self.pump()
        view = self.view
        button = self._button(label)
        with self.lock:
            screen = view.screen
            if self._submits(screen, button):
                new = self.session.answer(**view.values())
            else:
                new = self.session.press(button.label if isinstance(button.label, str) else label)
            new = self.session.screen
        if new.errors and view.same_page(new):
            view.update(new)
            self._raw = view.raw()
        else:
            self._show(new)
        return new

    def back(self) -> Screen:
        """The Back button."""
        return self._step(self.session.back)

    def refresh(self) -> Screen:
        """Reload the page (``session.refresh()``)."""
        return self._step(self.session.refresh)

    def action(self, name: str, **arguments: Any) -> Screen:
        """Follow a ``url_action()`` link."""
        return self._step(lambda: self.session.action(name, **arguments))

    def advance(self, days: float = 0, hours: float = 0, minutes: float = 0) -> list:
        """Calendar time forward (``sim.advance``), running the scheduled tasks in the jump."""
        self.pump()
        with self.lock:
            runs = self.sim.advance(days=days, hours=hours, minutes=minutes)
        self.update_status()
        return runs

    def sync(self) -> list[dict]:
        """Check in now (as the periodic check-in would) and show the result."""
        self.pump()
        generation = self.generation
        with self.lock:
            commands = self.session.checkin(**self._raw)
            screen = self.session.screen
        self._after_checkin(screen, commands, generation)
        self._show_status(self.tasks_panel.snapshot(self.session), self.calendar.snapshot())
        return commands

    def wait(self, timeout: float | None = None, checkin: bool = True) -> bool:
        """Until the session's background work is done; then check in (``checkin=True``)."""
        done = self.session.wait(timeout)
        self.pump()
        if checkin and not self.session.deleted:
            self.sync()
        else:
            self._show_status(self.tasks_panel.snapshot(self.session), self.calendar.snapshot())
        return done

    def update_status(self) -> None:
        """Re-read the tasks, the calendar and the outbox now."""
        self.pump()
        self._show_status(self.tasks_panel.snapshot(self.session), self.calendar.snapshot())

    def pump(self) -> int:
        """Apply what the timer thread has posted (in a kernel this happens by itself)."""
        return self.marshal.drain() if self.marshal.on_owner() else 0

    def close(self) -> None:
        """Stop the timers; the widgets stay as they are."""
        self.closed = True
        if self.ticker is not None:
            self.ticker.stop()

    # --- machinery ----------------------------------------------------------------------

    def _field(self, variable: str) -> FieldWidget:
        try:
            return self.view.fields[variable]
        except KeyError:
            raise KeyError(f"no field {variable!r} on this screen; fields: "
                           + (", ".join(self.view.fields) or "none")) from None

    def _button(self, wanted: Any) -> Button:
        screen = self.view.screen
        for plain, widget in self.view.buttons.items():
            if isinstance(wanted, str) and plain.strip().lower() == wanted.strip().lower():
                return screen.buttons[list(self.view.buttons).index(plain)]
        for button in screen.buttons:
            if wanted == button.label or (button.command is not None and wanted == button.command) \
                    or (button.value is not None and str(button.value) == str(wanted)):
                return button
        if screen.kind == "wait" and str(wanted).lower() in ("refresh", "continue"):
            return Button("Refresh", command="refresh")
        raise KeyError(f"no button {wanted!r} on this screen; buttons: "
                       + (", ".join(repr(b) for b in self.view.buttons) or "none"))

    @staticmethod
    def _submits(screen: Screen, button: Button) -> bool:
        inputs = [f for f in screen.fields if f.variable and f.enabled and f.datatype != "note"]
        return (screen.kind == "question" and bool(inputs) and button.command is None
                and button.index is None and (button.variable is None or button.value is True))

    def _step(self, run: Callable[[], Screen]) -> Screen:
        self.pump()
        with self.lock:
            run()
            screen = self.session.screen
        self._show(screen)
        return screen

    def _on_change(self, variable: str) -> None:
        """A field changed (the browser's ``change`` event)."""
        self.pump()
        if variable not in self.view.fields:
            return                       # a field of a page replaced meanwhile
        with self.lock:
            self._raw = self.view.raw()
            screen = self.view.screen
            if not (screen.checkin and _interval(screen, self.sim)) or self.session.deleted:
                return
            generation = self.generation
            commands = self.session.checkin(changed=variable, **self._raw)
            new = self.session.screen
        self._after_checkin(new, commands, generation)
        if self.ticker is not None:
            self.ticker.restart_interval()

    def _show(self, screen: Screen, initial: bool = True) -> None:
        """A new screen body (owner thread)."""
        self.generation += 1
        old = self.view
        self.view = ScreenView(screen, on_click=self._guard(self.click),
                               on_change=self._guard(self._on_change),
                               on_back=self._guard(self.back))
        self.screen_box.children = (self.view.box,)
        if old is not None:
            old.close()
        self._raw = self.view.raw()
        self.status.value = _status(screen, self.sim)
        if self.ticker is not None:
            self.ticker.arm(screen, self.generation, initial=initial)

    def _after_checkin(self, screen: Screen, commands: list[dict], generation: int) -> None:
        """Do what the page script does with a check-in's reply (owner thread)."""
        if generation != self.generation:
            return                       # the page changed meanwhile: docassemble drops it
        self.commands.extend(commands)
        for command in commands:
            if command.get("extra") == "error":
                self._problem(f"check in {command.get('action')}: {command.get('value')}")
        if any(c.get("extra") == "refresh" for c in commands) or not self.view.same_page(screen):
            self._show(screen, initial=False)
            return
        self.view.update(screen)
        self._raw = self.view.raw()

    def _show_status(self, tasks: tuple, calendar: tuple) -> None:
        self.tasks_panel.show(tasks)
        self.calendar.show(calendar)
        running = sum(1 for row in tasks if row[2] not in ("SUCCESS", "FAILURE", "REVOKED"))
        self.tasks_box.set_title(0, f"Background tasks ({len(tasks)}, {running} running)"
                                 if tasks else "Background tasks")

    def _problem(self, summary: str, trace: str = "") -> None:
        """Something failed (any thread): keep it, and show it on the page."""
        self.problems.append(trace or summary)
        self.marshal.post(self._show_problems)

    def _failed(self, trace: str) -> None:
        """A posted update failed (owner thread)."""
        self.problems.append(trace)
        self._show_problems()

    def _show_problems(self) -> None:
        items = "".join(f"<details><summary>{_html.escape(p.strip().splitlines()[-1])}</summary>"
                        f"<pre>{_html.escape(p)}</pre></details>" for p in self.problems[-5:])
        self.problem_box.value = f'<div style="color:#b00020">{items}</div>'

    def _guard(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """A widget callback: errors go on the page, not into the void."""
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as err:  # noqa: BLE001 -- shown and kept
                self.problems.append(traceback.format_exc())
                self._show_problems()
                return err
        return run


def _status(screen: Screen, sim: Any) -> str:
    """One line on the page's timers: check-in, reload, wait."""
    parts = []
    scale = sim.timescale
    def secs(s: float) -> str:
        return f"{s:g} s" + (f" ({s * scale:g} s at timescale {scale:g})" if scale != 1 else "")
    interval = _interval(screen, sim)
    if screen.kind in ("question", "message") and interval:
        what = f"check in <code>{_html.escape(screen.checkin)}</code>" if screen.checkin else "check-ins"
        parts.append(f"{what} every {secs(interval / 1000)}")
    if screen.kind == "wait" and screen.sleep:
        parts.append(f"wait page: refreshes after {secs(float(screen.sleep))}")
    elif screen.reload:
        parts.append(f"reloads after {secs(float(screen.reload))}")
    if screen.location:
        parts.append(f"{_html.escape(screen.block or '')} ({_html.escape(screen.location)})")
    return f'<small style="color:#666">{" · ".join(parts)}</small>'


def show(session: "Session", **options: Any) -> InterviewApp:
    """Display an :class:`InterviewApp` for ``session`` (in IPython) and return it."""
    app = InterviewApp(session, **options)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return app
    if get_ipython() is not None:
        display(app)
    return app
