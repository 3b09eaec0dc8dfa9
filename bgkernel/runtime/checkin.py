"""Check-ins: what a browser sends while the user types, and what it does with the reply.

``run_checkin`` is docassemble's ``/checkin`` route (SEMANTICS §8.4): under the
session lock, the interview logic runs twice — once plainly, once with the screen's
``check in`` action and the form's raw values — and the answers are saved.  The reply
is the action's command first, then pending background notifications (§6).
``apply_to_screen`` is what the page's JavaScript does with those commands.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..engine.form_encoding import form_items
from ..engine.screen import Option
from ..errors import InterviewError
from ..language.markup import to_html
from .diagnostics import diagnose
from .store import load_answers

if TYPE_CHECKING:
    from ..engine.outcome import Result
    from .session import Session

__all__ = ["run_checkin", "apply_to_screen", "form_values", "command_for", "RefreshLoopError"]

_SPECIAL = ("javascript", "flash", "refresh", "fields")


class RefreshLoopError(InterviewError):
    """A check-in action asks for a refresh every time it runs (the seed warns of this loop)."""


def form_values(session: "Session") -> dict[str, Any]:
    """The raw strings the browser's form holds for the current screen (SEMANTICS §8.3)."""
    screen = session.screen
    out: dict[str, Any] = {}
    for fld in screen.fields:
        if not fld.variable or not fld.enabled or fld.datatype == "note":
            continue
        if fld.variable in session._draft:
            out[fld.variable] = session._draft[fld.variable]
            continue
        value = fld.value
        try:
            items = form_items(fld.variable, fld.datatype, value, input_type=fld.input_type)
        except (ValueError, TypeError):
            items = {fld.variable: "" if value is None else str(value)}
        if not items and fld.datatype not in ("boolean", "checkboxes", "multiselect", "yesno", "noyes"):
            items = {fld.variable: ""}
        out.update(items)
    return out


def command_for(action: str, result: "Result") -> dict | None:
    """The command a check-in action's result sends to the browser (SEMANTICS §2.2, §8.6)."""
    if result.kind == "template":
        return {"action": action, "extra": "backgroundresponse",
                "value": {"target": result.target, "content": to_html(result.content or "", trim=True)}}
    if result.kind != "backgroundresponse":
        return None
    r = result.payload
    if isinstance(r, dict) and isinstance(r.get("pargs"), list) and len(r["pargs"]) == 2 \
            and r["pargs"][1] in _SPECIAL:
        extra = r["pargs"][1]
        return {"action": action, "extra": extra, "value": None if extra == "refresh" else r["pargs"][0]}
    if isinstance(r, list) and len(r) == 2 and isinstance(r[1], str) and r[1] in _SPECIAL:
        return {"action": action, "extra": r[1], "value": r[0]}
    if r == "refresh":
        return {"action": action, "extra": "refresh", "value": None}
    return {"action": action, "extra": "backgroundresponse", "value": r}


def run_checkin(session: "Session", changed: str | None, initial: bool, raw_fields: dict,
                _depth: int = 0) -> list[dict]:
    sim = session.sim
    screen = session.screen
    session._draft.update({k: v for k, v in raw_fields.items()})
    action = screen.checkin if screen.kind == "question" else None
    interval = screen.checkin_interval if screen.checkin_interval is not None else sim.config["checkin interval"]
    commands: list[dict] = []
    t0 = sim.clock.wall()
    if action and interval:
        arguments = dict(form_values(session))
        arguments.update(raw_fields)
        arguments["_initial"] = bool(initial)
        arguments["_changed"] = changed
        command = _run_action(session, action, arguments)
        if command is not None:
            commands.append(command)
    sim.record(session.id, "checkin", action or "", _brief(raw_fields, changed, initial),
               sim.clock.wall() - t0)
    for command in commands:
        sim.record(session.id, "checkin_command", str(command.get("extra")), _value(command.get("value")))
    commands.extend(sim.tasks.pop_notifications(session.id))
    apply_to_screen(session, commands, _depth)
    return commands


def _run_action(session: "Session", action: str, arguments: dict) -> dict | None:
    sim = session.sim
    limit = sim.clock.scaled(sim.config["concurrency lock timeout"])
    with sim.locks.hold(session.id, f"checkin {action}"):
        _, data = sim.store.latest(session.id)
        ns = load_answers(data)
        ctx = session._context(ns, checkin=True)
        try:
            session.evaluate(ns, ctx)
            ctx.action = action
            ctx.arguments = dict(arguments)
            ctx.extra["action_name"] = action
            ctx.extra.pop("forgive", None)
            result, _ = session.evaluate(ns, ctx)
        except InterviewError as err:
            sim.record(session.id, "checkin_error", action, str(err))
            session.last_error = err
            return {"action": action, "extra": "error", "value": str(err)}
        if ctx.save_status != "ignore":
            sim.save_answers(session.id, ns, new_step=False, user=ctx.user, launched=ctx.launched)
        held = sim.locks.held_for(session.id)
    if held > limit:
        sim.record(session.id, "lock_timeout", f"checkin {action}",
                   f"check-in code held the lock {held:.2f} s (lock timeout {limit:.2f} s)", held)
        diagnose(sim, session.id, "BGK106", action,
                 f"the check-in action {action!r} held the session lock {held:.2f} s "
                 f"(lock timeout {limit:.2f} s)")
    sim.tasks.dispatch(session, ctx)
    return command_for(action, result)


def apply_to_screen(session: "Session", commands: list[dict], depth: int = 0) -> None:
    """Do what docassemble's page script does with each command (SEMANTICS §6, §8.6-§8.8)."""
    refresh = False
    refresh_action = None
    for command in commands:
        extra, value = command.get("extra"), command.get("value")
        screen = session._screen
        if screen is None:
            return
        if extra == "flash":
            session._flash.append("" if value is None else str(value))
            session._screen = screen.with_updates(flash=tuple(session._flash))
        elif extra == "javascript":
            session._screen = screen.with_updates(javascript=screen.javascript + (str(value),))
        elif extra == "fields" and isinstance(value, dict):
            _set_fields(session, value)
        elif extra == "backgroundresponse":
            _set_targets(session, value)
        elif extra == "refresh":
            refresh = True
            refresh_action = command.get("action")
    if refresh:
        session.refresh()
        if refresh_action:
            limit = int(session.sim.config["refresh loop limit"])
            if depth + 1 >= limit:
                session.sim.record(session.id, "refresh_loop", refresh_action,
                                   f"stopped after {limit} consecutive refreshes")
                diagnose(session.sim, session.id, "BGK104", refresh_action,
                         f"the check-in action {refresh_action!r} asked for a refresh {limit} times "
                         "in a row")
                raise RefreshLoopError(
                    f"the check-in action '{refresh_action}' asked for a refresh {limit} times in a "
                    "row: each refresh starts a new check-in that refreshes again. Call "
                    "background_response('refresh') only when something changed.",
                    session.interview.name)
            if session.screen.checkin:
                run_checkin(session, None, True, {}, _depth=depth + 1)


def _set_targets(session: "Session", value: Any) -> None:
    items = []
    if isinstance(value, dict) and "target" in value and "content" in value:
        items.append(value)
    elif isinstance(value, list):
        items.extend(v for v in value if isinstance(v, dict) and "target" in v and "content" in v)
    if not items:
        return
    for item in items:
        session._targets[str(item["target"])] = "" if item["content"] is None else str(item["content"])
    session._screen = session._screen.with_updates(targets=dict(session._targets))


def _set_fields(session: "Session", value: dict) -> None:
    screen = session._screen
    fields = list(screen.fields)
    for key, val in value.items():
        for index, fld in enumerate(fields):
            if fld.variable != key:
                continue
            changes: dict[str, Any] = {}
            if isinstance(val, (dict, list)) and val is not None:
                if isinstance(val, dict) and "choices" in val:
                    changes["choices"] = tuple(Option(c[0], str(c[1])) if isinstance(c, (list, tuple))
                                               and len(c) > 1 else Option(c, str(c)) for c in val["choices"])
                if isinstance(val, dict) and "value" in val:
                    changes["value"] = val["value"]
                    session._draft[key] = _raw(val["value"])
            else:
                changes["value"] = val
                session._draft[key] = _raw(val)
            if changes:
                fields[index] = fld.__class__(**{**fld.__dict__, **changes})
    session._screen = screen.with_updates(fields=tuple(fields))


def _raw(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _brief(raw: dict, changed: str | None, initial: bool) -> str:
    parts = [f"{k}={v!r}" for k, v in raw.items()]
    if changed:
        parts.append(f"_changed={changed!r}")
    if initial:
        parts.append("_initial=True")
    return ", ".join(parts)[:300]


def _value(value: Any) -> str:
    try:
        return repr(value)[:200]
    except Exception:  # noqa: BLE001
        return "<unprintable>"
