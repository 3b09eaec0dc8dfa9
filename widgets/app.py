"""``InterviewApp``: a session's screen as live ipywidgets, with its tasks and calendar.

Every gesture has a method twin, so a test or a later notebook cell drives the app
without a browser::

    app = InterviewApp(session)
    app.set_field("value_to_add", 5)       # typing, then leaving (a change: check-in if any)
                                           # (in the page: a click elsewhere, Tab or Enter)
    app.type_text("value_to_add", "5")     # typing, cursor still there (no change event)
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

#: The newest live app of each session: ``show(session)`` shows it again instead of making
#: another (ipywidgets keeps every view of one widget in step).
_LIVE: "weakref.WeakValueDictionary[str, InterviewApp]" = weakref.WeakValueDictionary()

#: What a view shows once its simulator is closed (a calm note, not a traceback).
CLOSED_TEXT = ("The simulator has been closed, so this screen no longer changes. "
               "Run the notebook again to start a new one.")


class InterviewApp:
    """The current screen of ``session`` as ipywidgets, kept live as docassemble's page is.

    ``live=False`` starts no timer thread (check in with ``sync()``); ``eager=True`` checks
    in as soon as a background task finishes instead of at the next periodic check-in.
    Every live app follows its session: a gesture made elsewhere (another app of the same
    session, or ``session.answer()`` in a cell) shows here within one poll.
    ``chrome=False`` displays the screen as the interview's user sees it, without the
    author's calendar bar, status line and tasks panel (``app.user_view`` is that box).
    """

    def __init__(self, session: "Session", *, live: bool = True, eager: bool = False,
                 poll: float = POLL, chrome: bool = True):
        self.session = session
        self.chrome = chrome
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
        self.user_view = W.VBox([self.problem_box, self.screen_box],
                                layout=W.Layout(padding="6px"))
        self.root.add_class("bgk-app")
        self.user_view.add_class("bgk-app")
        self._typing: str | None = None         # a field typed into and not yet left
        self.view: ScreenView | None = None
        self.ticker = Ticker(self, poll=poll, eager=eager) if live else None
        with self.lock:
            screen = session.screen
        self._show(screen)
        self._show_status(self.tasks_panel.snapshot(session), self.calendar.snapshot())
        self.diagnostics = DiagnosticsPanel.attach(self)     # the pitfalls the run has shown
        if self.ticker is not None:
            _LIVE[session.id] = self
            self.ticker.start()

    def __repr__(self) -> str:
        screen = self.view.screen if self.view else None
        what = f"{screen.kind}: {screen.question!r}" if screen else "nothing"
        return f"<InterviewApp {self.session.id} showing {what}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box(self.chrome)._repr_mimebundle_(**kwargs)

    def box(self, chrome: bool = True) -> W.VBox:
        """The widget to display: the author's view (``chrome``) or the user's."""
        return self.root if chrome else self.user_view

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

    def type_text(self, variable: str, text: str) -> None:
        """Type ``text`` into a text field and stay in it: no change event, but the next
        periodic check-in sends it (as docassemble's page sends the form as it is)."""
        self.pump()
        fw = self._field(variable)
        with fw.quiet():
            fw.set(text)
        self._on_typing(variable)

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

    def _on_typing(self, variable: str) -> None:
        """Text typed into a field reached the kernel (debounced keystrokes): the form holds
        it now, and the periodic check-in sends it.  The page says when the field is left
        (``_on_change``); a gesture in another field before that also leaves this one."""
        self.pump()
        if variable not in self.view.fields:
            return
        left, self._typing = self._typing, variable
        with self.lock:
            self._raw = self.view.raw()
        if left is not None and left != variable and left in self.view.fields:
            self._on_change(left)

    def _on_change(self, variable: str) -> None:
        """A field changed (the browser's ``change`` event)."""
        self.pump()
        if variable not in self.view.fields:
            return                       # a field of a page replaced meanwhile
        if self._typing is not None and self._typing != variable:
            left, self._typing = self._typing, None
            if left in self.view.fields:
                self._on_change(left)    # the field typed in before was left for this one
        elif self._typing == variable:
            self._typing = None
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
        self._typing = None
        self.view = ScreenView(screen, on_click=self._guard(self.click),
                               on_change=self._guard(self._on_change),
                               on_back=self._guard(self.back),
                               on_typing=self._guard(self._on_typing))
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

    def _follow(self) -> None:
        """Show what the session shows now, if another view or a cell moved it (owner thread)."""
        if self.closed or self.sim.closed or self.view is None:
            return
        with self.lock:
            screen = self.session.screen
        if screen is self.view.screen:
            return
        if self.view.same_page(screen):
            self.view.update(screen)
            self._raw = self.view.raw()
        else:
            self._show(screen)

    def _show_closed(self) -> None:
        """The simulator is closed: say so calmly, and take the buttons away (owner thread)."""
        self.problem_box.value = (f'<div class="bgk-closed" style="color:#555;background:#f4f4f4;'
                                  f'padding:4px 8px">{_html.escape(CLOSED_TEXT)}</div>')
        if self.view is not None:
            for button in self.view.buttons.values():
                button.disabled = True
            if self.view.back_button is not None:
                self.view.back_button.disabled = True
        for button in (*self.calendar.buttons.values(), self.calendar.refresh):
            button.disabled = True

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
        self.problem_box.value = f'<div class="bgk-problem" style="color:#b00020">{items}</div>'

    def _guard(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """A widget callback: errors go on the page, not into the void."""
        def run(*args: Any, **kwargs: Any) -> Any:
            if self.sim.closed:
                self._show_closed()
                return None
            try:
                return fn(*args, **kwargs)
            except Exception as err:  # noqa: BLE001 -- shown and kept
                if self.sim.closed:      # closed meanwhile: no traceback for that
                    self._show_closed()
                    return err
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


def show(session: "Session", chrome: bool = True, **options: Any) -> InterviewApp:
    """Display the :class:`InterviewApp` of ``session`` (in IPython) and return it.

    A session that already has a live app is shown by that same app (one more view of the
    same widgets, which ipywidgets keeps in step), so no copy is left behind; ``options``
    (``live``, ``eager``, ``poll``) ask for a new app.  ``chrome=False``: the user's view."""
    app = _LIVE.get(session.id)
    if options or app is None or app.closed or app.sim.closed:
        app = InterviewApp(session, chrome=chrome, **options)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return app
    if get_ipython() is not None:
        display(app.box(chrome))
    return app
