"""What one session's scheduled run gives back: its result row, and the text of its output
(a ``response()``, what the code printed, the error), the same whichever process ran it."""
from __future__ import annotations

import json
from typing import Any

from ..errors import InterviewError
from ..library.saving import picklable_answers
from ..runtime.diagnostics import diagnose

__all__ = ["result", "response_text", "describe", "join_output", "unchanged_save"]


def result(session: str, cron_type: str, outcome: str, output: str = "",
            error: str | None = None) -> dict:
    return {"session": session, "type": cron_type, "outcome": outcome, "output": output,
            "error": error}


def response_text(signal: Any, ns: dict) -> str:
    """What docassemble's cron writes to stdout after a ``response()``.

    docassemble's ``all_variables`` branch concatenates bytes and str and fails
    (SEMANTICS §10.2 DEFECT?); this writes the JSON it meant to."""
    if signal.all_variables:
        data = {k: v for k, v in picklable_answers(ns).items() if not k.startswith("_")}
        return json.dumps(data, default=str)
    if signal.binary is not None or signal.content is None:
        return ""
    content = str(signal.content)
    return "" if content == "Empty Response" else content.rstrip()


def describe(err: InterviewError) -> str:
    kind = getattr(err, "error_type", "") or type(err).__name__
    message = getattr(err, "error_message", "") or str(err)
    where = err.location() if hasattr(err, "location") else ""
    return f"{kind}: {message}" + (f" ({where})" if where else "")


def join_output(printed: str, text: str) -> str:
    parts = [p.rstrip("\n") for p in (printed, text) if p and p.strip()]
    return "\n".join(parts)


def unchanged_save(sim: Any, session_id: str, cron_type: str) -> None:
    """A scheduled run saved answers it had not changed: a diagnostic (BGK205)."""
    diagnose(sim, session_id, "BGK205", cron_type,
             f"the scheduled run {cron_type!r} saved the answers without changing them")
