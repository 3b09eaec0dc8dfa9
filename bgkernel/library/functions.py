"""The functions interview code calls (docassemble's ``docassemble.base.util`` names).

Each finds its run through :func:`bgkernel.library.context.current`; the simulator side
(tasks, mail, store) is reached through ``ctx.services``.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any

from ..errors import (CommandSignal, DAError, DAValidationError, ForcedNameError, MessageSignal,
                      ResponseSignal)
from ..language.expressions import run_expression, run_statement
from ..language.packages import package_of
from .access import last_access_time as _last
from .context import current, internal, services
from .dates import as_datetime, current_datetime
from .probing import MISSING, probe
from .saving import picklable_answers

__all__ = [
    "process_action", "url_action", "action_argument", "action_arguments", "command",
    "response", "json_response", "message", "set_save_status", "need", "showifdef", "defined",
    "value", "force_ask", "reconsider", "undefine", "define", "comma_and_list", "comma_list",
    "indent", "user_logged_in", "user_info", "user_has_privilege", "user_privileges",
    "interface", "validation_error", "log", "prevent_going_back", "get_config", "word",
    "capitalize", "nice_number", "currency", "noun_plural", "get_info", "set_info",
    "send_email", "interview_email", "get_emails",
    "last_access_time", "last_access_delta", "last_access_days", "last_access_hours",
    "last_access_minutes", "start_time", "returning_user", "get_uid", "current_context",
    "all_variables", "invalidate",
]

logger = logging.getLogger("bgkernel.language.interview")
COMMAND_TYPES = ("exit", "logout", "exit_logout", "continue", "restart", "leave", "refresh",
                 "signin", "register", "new_session", "interview_exit", "wait")


# --- actions ------------------------------------------------------------------------------

def process_action() -> None:
    """Run the pending action (once), or the head of the event stack."""
    ctx = current()
    if ctx.action is not None:
        action, ctx.action = ctx.action, None
        ctx.extra["forgive"] = action
        if not ctx.checkin and not action.startswith("_da_"):
            stack = internal().setdefault("event_stack", [])
            if action not in stack:
                stack.insert(0, action)
        raise ForcedNameError(action)
    stack = internal().get("event_stack")
    if stack and not ctx.checkin:
        run_stack_commands(internal())
        if stack:
            raise ForcedNameError(stack[0])


def url_action(action: str, **kwargs: Any) -> str:
    if action in ("x",) or action.startswith("x.") or "[i]" in action:
        raise DAError("url_action: a generic object or iterator name cannot be used as an action")
    import base64
    payload = json.dumps({"action": action, "arguments": kwargs}, default=str)
    return "?action=" + base64.urlsafe_b64encode(payload.encode()).decode()


def action_argument(name: str | None = None) -> Any:
    ctx = current()
    if name is None:
        return ctx.extra.get("action_name")
    return ctx.arguments.get(name)


def action_arguments() -> dict:
    args = dict(current().arguments)
    if "_initial" in args and "_changed" in args:
        del args["_initial"], args["_changed"]
    return args


def command(kind: str | None = None, **kwargs: Any) -> None:
    kind = kind or "exit"
    if kind not in COMMAND_TYPES:
        raise DAError(f"command: {kind!r} is not a valid command; valid: {', '.join(COMMAND_TYPES)}")
    raise CommandSignal(kind, url=kwargs.get("url"), sleep=kwargs.get("sleep"),
                        question_text=kwargs.get("question_text"),
                        subquestion_text=kwargs.get("subquestion_text"))


def response(content: Any = None, **kwargs: Any) -> None:
    if kwargs.get("null"):
        raise ResponseSignal("null", null=True)
    if kwargs.get("binaryresponse") is not None:
        raise ResponseSignal(None, binary=kwargs["binaryresponse"],
                             content_type=kwargs.get("content_type", "application/octet-stream"))
    if kwargs.get("all_variables"):
        raise ResponseSignal(None, all_variables=True)
    if content is None and kwargs.get("response") is not None:
        content = kwargs["response"]
    raise ResponseSignal("Empty Response" if content is None else content,
                         content_type=kwargs.get("content_type", "text/plain"),
                         sleep=kwargs.get("sleep"))


def json_response(data: Any, **kwargs: Any) -> None:
    raise ResponseSignal(None, binary=json.dumps(data).encode(), content_type="application/json")


def all_variables(**kwargs: Any) -> dict:
    ns = current().namespace or {}
    return {k: v for k, v in picklable_answers(ns).items() if not k.startswith("_")}


def message(*pargs: Any, **kwargs: Any) -> None:
    """A one-off screen (docassemble's QuestionError): an Exit button unless ``show_exit``
    is False or ``show_leave=True`` leaves it unsaid; Leave if asked; Restart unless False."""
    question = pargs[0] if pargs else kwargs.get("question", "Question not specified")
    subquestion = pargs[1] if len(pargs) > 1 else kwargs.get("subquestion")
    url = pargs[2] if len(pargs) > 2 else kwargs.get("url")
    show_leave = kwargs.get("show_leave")
    show_exit = kwargs.get("show_exit")
    show_exit = show_exit is not False and not (show_leave is True and show_exit is None)
    raise MessageSignal(str(question), "" if subquestion is None else str(subquestion),
                        show_exit=show_exit, show_leave=bool(show_leave),
                        show_restart=kwargs.get("show_restart") is not False, url=url,
                        buttons=kwargs.get("buttons"), reload=kwargs.get("reload"))


def set_save_status(status: str) -> None:
    ctx = current()
    if status not in ("new", "overwrite", "ignore"):
        return
    if ctx.save_status == "ignore":
        logger.info("Call to set_save_status disregarded: the status is already 'ignore'")
        return
    ctx.save_status = status
    if status == "ignore" and ctx.services is not None:
        ctx.services.release_lock(ctx.session_id)


def validation_error(message_text: str, field: str | None = None) -> None:
    raise DAValidationError(message_text, field=field)


def log(text: Any, priority: str = "log") -> None:
    ctx = current()
    ctx.messages.append(f"{priority}: {text}")
    logger.info("%s", text)


def prevent_going_back() -> None:
    current().extra["prevent_back"] = True


def get_config(key: str, default: Any = None) -> Any:
    return current().config.get(key, default)


def get_uid() -> str | None:
    return current().session_id


def current_context() -> Any:
    return current()


# --- seeking ----------------------------------------------------------------------------------

def need(*pargs: Any) -> bool:
    """The arguments are values: evaluating them has already sought them."""
    return True


def _eval(name: str, ns: dict) -> Any:
    return run_expression(name, ns)


def _spaces(prior: bool) -> list[dict]:
    ctx = current()
    return ([ctx.prior] if prior and ctx.prior is not None else []) + [ctx.namespace or {}]


def defined(name: str, prior: bool = False) -> bool:
    return any(probe(name, ns) is not MISSING for ns in _spaces(prior))


def showifdef(name: str, alternative: Any = "", prior: bool = False) -> Any:
    for ns in _spaces(prior):
        found = probe(name, ns)
        if found is not MISSING:
            return found
    return alternative


def value(name: str, prior: bool = False) -> Any:
    if prior and defined(name, prior=True):
        return showifdef(name, prior=True)
    return _eval(name, current().namespace or {})


def force_ask(*names: Any, forget_prior: bool = False, evaluate: bool = False) -> None:
    ctx = current()
    plain = [n for n in names if isinstance(n, str)]
    if not ctx.checkin:
        stack = internal().setdefault("event_stack", [])
        for name in plain:
            if name not in stack:
                stack.append(name)
    raise ForcedNameError(*plain, forget_prior=forget_prior)


def undefine(*names: Any) -> None:
    """Forget the variables (given one by one or in lists), as docassemble's ``undefine``."""
    forget(current().namespace or {}, unpack_names(names))


def assign(ns: dict, target: str, value: Any) -> None:
    """``target = value`` in the namespace ``ns``; ``target`` may be ``a.b[1]``."""
    ns["__bgk_value"] = value
    try:
        run_statement(f"{target} = __bgk_value", ns)         # a variable name
    finally:
        ns.pop("__bgk_value", None)


def forget(ns: dict, names: list[str]) -> None:
    """``del`` each of ``names`` in ``ns`` that is defined."""
    for name in names:
        try:
            run_statement(f"del {name}", ns)
        except Exception:  # noqa: BLE001 -- already undefined
            pass


def unpack_names(pargs: tuple) -> list[str]:
    """Names given one by one or in lists (``undefine('a', ['b', 'c'])``)."""
    return [str(n) for p in pargs for n in (p if isinstance(p, (list, tuple)) else [p])]


def invalidate(*pargs: Any) -> None:
    """Undefine the variables, keeping each value as the default when it is asked again."""
    ns = current().namespace or {}
    dirty = internal().setdefault("dirty", {})
    names = unpack_names(pargs)
    for name in names:
        try:
            dirty[name] = run_expression(name, ns)         # a variable name
        except Exception:  # noqa: BLE001 -- undefined already: nothing to keep
            continue
    undefine(*names)


def define(name: str, val: Any) -> None:
    ns = current().namespace
    if ns is None:
        raise DAError("define() needs a running interview")
    assign(ns, name, val)


def reconsider(*names: str) -> None:
    ctx = current()
    for name in names:
        if name in ctx.reconsidered:
            continue
        ctx.reconsidered.add(name)
        undefine(name)
        _eval(name, ctx.namespace or {})


# --- text -------------------------------------------------------------------------------------

def _flatten(items: tuple) -> list:
    out: list = []
    for item in items:
        if isinstance(item, (list, tuple, set, frozenset)) or (
                hasattr(item, "__iter__") and not isinstance(item, (str, bytes, dict)) and
                hasattr(item, "elements")):
            out.extend(item)
        elif isinstance(item, dict):
            out.extend(item.keys())
        else:
            out.append(item)
    return out


def comma_and_list(*items: Any, oxford: bool = True, and_string: str = "and",
                   comma_string: str = ", ", before_and: str = " ", after_and: str = " ") -> str:
    values = [str(v) for v in _flatten(items)]
    if not values:
        return ""
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        return f"{values[0]}{before_and}{and_string}{after_and}{values[1]}"
    head = comma_string.join(values[:-1])
    joiner = comma_string.rstrip() if oxford else ""
    return f"{head}{joiner}{before_and}{and_string}{after_and}{values[-1]}"


def comma_list(*items: Any, comma_string: str = ", ") -> str:
    return comma_string.join(str(v) for v in _flatten(items))


def indent(text: Any, by: int | None = None) -> str:
    """Every line of ``text`` prefixed by ``by`` (4) spaces; no newline is added (as docassemble)."""
    pad = " " * (4 if by is None else by)
    return pad + str(text).replace("\r", "").replace("\n", "\n" + pad)


def word(text: Any, **kwargs: Any) -> str:
    return str(text)


def capitalize(text: Any) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def nice_number(number: Any, capitalize_it: bool = False) -> str:
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    try:
        as_int = int(number)
        if as_int == number and 0 <= as_int <= 10:
            text = words[as_int]
            return text.capitalize() if capitalize_it else text
    except (TypeError, ValueError):
        pass
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


def currency(amount: Any, decimals: bool = True, symbol: str = "$") -> str:
    # float() first, never bool(): a DACatchAll learns it is a number (context 'float')
    value_ = 0.0 if amount is None or (isinstance(amount, str) and not amount) else float(amount)
    return f"{symbol}{value_:,.2f}" if decimals else f"{symbol}{value_:,.0f}"


def noun_plural(noun: Any, count: Any = 2) -> str:
    noun = str(noun)
    if count == 1:
        return noun
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


# --- who is running -----------------------------------------------------------------------

def user_logged_in() -> bool:
    return bool(current().user.logged_in)


def user_info() -> Any:
    ctx = current()
    info = ctx.user
    info.session = ctx.session_id
    if ctx.interview is not None:
        info.filename = getattr(ctx.interview, "name", None)
        path = getattr(ctx.interview, "path", None)
        package = package_of(os.path.dirname(os.path.abspath(path))) if path else None
        info.package = package[0] if package else None
    return info


def user_privileges() -> list[str]:
    return current().user.privileges()


def user_has_privilege(*names: Any) -> bool:
    wanted: list[str] = []
    for name in names:
        if isinstance(name, str):
            wanted.append(name)
        else:
            wanted.extend(name)
    have = set(user_privileges())
    return any(w in have for w in wanted)


def interface() -> str:
    return current().interface


def get_info(name: str) -> Any:
    return current().extra.get(f"info:{name}")


def set_info(**kwargs: Any) -> None:
    ctx = current()
    for key, val in kwargs.items():
        ctx.extra[f"info:{key}"] = val
        if key == "role" and ctx.namespace is not None:
            ctx.namespace["role"] = val


# --- mail and access times (served by the simulator) -------------------------------------------

def send_email(to: Any = None, **kwargs: Any) -> bool:
    return services().send_email(current(), to, kwargs)


def interview_email(key: Any = None, index: Any = None) -> str:
    if index is not None and key is None:
        raise DAError("interview_email: an index cannot be given without a key")
    return services().interview_email(current(), key, index)


def get_emails(key: Any = None, index: Any = None) -> list:
    return services().get_emails(current(), key, index)


def last_access_time(include_privileges: Any = None, exclude_privileges: Any = None,
                     include_cron: bool = False, timezone: str | None = None) -> Any:
    return _last(internal(), include_privileges, exclude_privileges, include_cron, timezone)


def last_access_delta(*pargs: Any, **kwargs: Any) -> Any:
    import datetime as _dt
    when = last_access_time(*pargs, **kwargs)
    if when is None:
        return _dt.timedelta(0)
    return current_datetime() - when


def last_access_days(*pargs: Any, **kwargs: Any) -> float:
    delta = last_access_delta(*pargs, **kwargs)
    return delta.days + delta.seconds / 86400.0


def last_access_hours(*pargs: Any, **kwargs: Any) -> float:
    delta = last_access_delta(*pargs, **kwargs)
    return delta.days * 24.0 + delta.seconds / 3600.0


def last_access_minutes(*pargs: Any, **kwargs: Any) -> float:
    delta = last_access_delta(*pargs, **kwargs)
    return delta.days * 1440.0 + delta.seconds / 60.0


def start_time(timezone: str | None = None) -> Any:
    started = internal().get("starttime")
    return as_datetime(started, timezone=timezone) if started is not None else None


def returning_user(minutes: float | None = None, hours: float | None = None,
                   days: float | None = None) -> bool:
    if current().interface not in ("web",):
        return False
    delta = last_access_delta()
    seconds = delta.total_seconds()
    for limit, unit in ((minutes, 60), (hours, 3600), (days, 86400)):
        if limit is not None and seconds > limit * unit:
            return True
    return seconds > 6 * 3600


def run_stack_commands(state: dict) -> None:
    """The commands at the head of the event stack that ``url_ask`` put there, run in turn:
    set, undefine, invalidate, compute (seek again), or another action to follow up with."""
    stack = state.setdefault("event_stack", [])
    while stack and isinstance(stack[0], dict):
        command = stack.pop(0)
        action, names = command.get("action"), command.get("arguments", {}).get("variables", [])
        if action == "_da_set":
            for name, val in names:
                define(name, val)
        elif action == "_da_undefine":
            undefine(*names)
        elif action == "_da_invalidate":
            invalidate(*names)
        elif action == "_da_compute":
            stack[0:0] = [n for n in names if n not in stack]
        elif isinstance(action, str):
            stack.insert(0, action)
