"""Other sessions, as interview code reaches them (docassemble's ``create_session``,
``get_session_variables``, ``set_session_variables``, ``run_action_in_session``,
``go_back_in_session``, ``get_question_data``), with docassemble's rule that the current
session is not among them; and data kept apart from any session (``stash_data``,
``store_variables_snapshot``)."""
from __future__ import annotations

import json
import pickle
import secrets
from typing import TYPE_CHECKING, Any

from ..errors import DAError
from ..library.context import RunContext
from ..library.encoding import transform_json_variables
from ..library.functions import assign, forget
from ..library.objects import serializable
from ..library.saving import picklable_answers
from .store import load_answers

if TYPE_CHECKING:
    from .host import Host
    from .session import Session

__all__ = ["create", "variables", "set_variables", "run_action", "go_back", "question_data", "menu",
           "snapshot", "stash", "retrieve_stash"]


def _other(host: "Host", ctx: RunContext, filename: str, session_id: str, what: str) -> "Session":
    """The session ``session_id`` of the interview ``filename``; never the current one."""
    if session_id == ctx.session_id:
        raise DAError(f"You cannot {what} the current interview session")
    if not host.store.exists(session_id):
        raise DAError(f"{what}: there is no session {session_id!r}")
    session = host.session(session_id)
    if filename and filename not in session.interview.filenames:
        raise DAError(f"{what}: session {session_id!r} is of {session.interview.name!r}, "
                      f"not {filename!r}")
    return session


def create(host: "Host", ctx: RunContext, filename: str, url_args: dict | None) -> str:
    """A new session of ``filename``, run to its first screen; its id."""
    interview = host.find_interview(filename, ctx.interview)
    return host.start(interview, user=ctx.user, url_args=url_args).id


def variables(host: "Host", ctx: RunContext, filename: str, session_id: str,
              simplify: bool = True) -> dict:
    session = _other(host, ctx, filename, session_id, "get variables from")
    _, data = host.store.latest(session.id)
    answers = {k: v for k, v in picklable_answers(load_answers(data)).items()
               if not k.startswith("_")}
    return {k: serializable(v) for k, v in answers.items()} if simplify else answers


def set_variables(host: "Host", ctx: RunContext, filename: str, session_id: str, values: dict,
                  question_name: str | None = None, overwrite: bool = False,
                  process_objects: bool = False, delete: Any = None) -> None:
    session = _other(host, ctx, filename, session_id, "set variables in")
    if hasattr(values, "elements"):
        values = values.elements
    if not isinstance(values, dict):
        raise DAError("set_session_variables: variables must be a dictionary")
    if process_objects:
        values = transform_json_variables(values)
    gone = [delete] if isinstance(delete, str) else list(delete or ())
    with host.locks.hold(session.id, "set_session_variables"):
        _, data = host.store.latest(session.id)
        ns = load_answers(data)
        for name, value in values.items():
            assign(ns, name, value)
        forget(ns, gone)
        if question_name:
            ns.setdefault("_internal", {}).setdefault("answered", set()).add(question_name)
        host.save_answers(session.id, ns, new_step=not overwrite, user=session.user)
    host.record(session.id, "answer", "set_session_variables", ", ".join(map(str, values)))


def run_action(host: "Host", ctx: RunContext, filename: str, session_id: str, action: str,
               arguments: dict | None = None) -> bool:
    session = _other(host, ctx, filename, session_id, "run an action in")
    session.action(action, **dict(arguments or {}))
    return True


def go_back(host: "Host", ctx: RunContext, filename: str, session_id: str) -> None:
    _other(host, ctx, filename, session_id, "go back in").back()


def question_data(host: "Host", ctx: RunContext, filename: str, session_id: str) -> dict:
    """What the session's current screen asks (docassemble's ``get_question_data``, in part)."""
    screen = _other(host, ctx, filename, session_id, "get question data from").screen
    return {"questionText": screen.question, "subquestionText": screen.subquestion,
            "questionType": screen.kind, "encrypted": False,
            "fields": [{"variable_name": f.variable, "label": f.label, "datatype": f.datatype}
                       for f in screen.fields],
            "buttons": [{"label": b.label, "value": b.value} for b in screen.buttons]}


def snapshot(host: "Host", ctx: RunContext, data: Any = None, include_internal: bool = False,
             key: str | None = None) -> None:
    """``store_variables_snapshot``: the answers (or ``data``) as JSON, kept under a key."""
    if ctx.session_id is None:
        raise DAError("store_variables_snapshot: could not identify the session")
    if key is not None and not isinstance(key, str):
        raise DAError("store_variables_snapshot: key must be a string")
    if data is None:
        ns = picklable_answers(ctx.namespace or {})
        data = {k: v for k, v in ns.items() if include_internal or not k.startswith("_")}
    host.store.kv_set(f"snapshot:{ctx.session_id}:{key or ''}",
                      json.dumps(serializable(data), default=str).encode())


def stash(host: "Host", data: Any, expire: Any = None) -> tuple[str, str]:
    """``stash_data``: keep ``data`` for ``expire`` seconds of calendar (90 days); the key and
    the secret that read it back."""
    seconds = 60 * 60 * 24 * 90 if expire is None else expire
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        seconds = 0
    if seconds <= 0:
        raise DAError("Invalid expire value")
    key, secret = secrets.token_hex(16), secrets.token_hex(8)
    host.store.kv_set(f"stash:{key}", pickle.dumps(
        {"secret": secret, "expires": host.now().timestamp() + seconds, "seconds": seconds,
         "data": data}))
    return key, secret


def retrieve_stash(host: "Host", key: str, secret: str, delete: bool = False,
                   refresh: Any = False) -> Any:
    """``retrieve_stashed_data``: the data, or None when expired, unknown or the secret is wrong."""
    raw = host.store.kv_get(f"stash:{key}")
    if raw is None:
        return None
    kept = pickle.loads(raw)  # noqa: S301 -- written by stash() above, in this store
    if kept["secret"] != secret or kept["expires"] < host.now().timestamp():
        return None
    if delete:
        host.store.kv_delete(f"stash:{key}")
    elif refresh:
        seconds = refresh if isinstance(refresh, int) and refresh > 0 else 60 * 60 * 24 * 90
        kept["expires"] = host.now().timestamp() + seconds
        host.store.kv_set(f"stash:{key}", pickle.dumps(kept))
    return kept["data"]


def menu(host: "Host", ctx: RunContext) -> list[dict]:
    """``interview_menu``: the interviews of this simulator, as the server's /list shows them."""
    rows = host.store.connection().execute(
        "SELECT DISTINCT name, path, digest FROM interviews ORDER BY name").fetchall()
    out = []
    for name, path, digest in rows:
        interview = host.interview(digest)
        filename = path or name
        out.append({"title": interview.title, "filename": filename, "package": None,
                    "link": f"http://localhost/interview?i={filename}",
                    "tags": list(interview.metadata.get("tags") or []),
                    "metadata": dict(interview.metadata), "status_class": None, "subtitle": None})
    return out
