"""A session's answers as an ALKiln story table (a Gherkin ``.feature`` file), so that a
flow tried in a notebook becomes a test against the author's own docassemble server.

One ``Scenario`` per session: it starts the interview and gets to the question id of the
screen the session stopped on, with one table row per variable the user answered (read
from the timeline's ``answer`` rows and the session's final answers)::

    Feature: Reminder
      Scenario: reminder.yml reaches "final screen"
        Given I start the interview at "reminder.yml"
        And I get to the question id "final screen" with this data:
          | var | value | trigger |
          | amount | 150 |  |
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from ..language.blocks import QuestionBlock

__all__ = ["story_table", "answered_variables", "alkiln_value"]


def _cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n")


def alkiln_value(value: Any) -> str:
    """A value as ALKiln types it into the field: dates as MM/DD/YYYY, booleans as True/False."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, _dt.datetime):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, _dt.date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _lookup(variables: dict, name: str) -> tuple[bool, Any]:
    """The value of ``name`` (``a``, ``a.b``, ``a['k']``) in the answers; (False, None) if absent."""
    try:
        return True, eval(name, {"__builtins__": {}}, dict(variables))  # noqa: S307 -- names from the interview's own fields
    except Exception:  # noqa: BLE001 -- undefined, generic (x) or iterator (i) names
        return False, None


def _screen_variables(block: QuestionBlock) -> list[str]:
    names = [f.variable for f in block.fields if f.variable]
    if block.variable:
        names.append(block.variable)
    if block.continue_field:
        names.append(block.continue_field)
    return names


def answered_variables(interview: Any, variables: dict, timeline: Any) -> list[tuple[str, Any]]:
    """(variable, value) for each variable of each screen the session answered, in order."""
    found: dict[str, Any] = {}
    rows = timeline[timeline["kind"] == "answer"] if len(timeline) else timeline
    for name in rows["name"] if len(rows) else ():
        block = interview.by_name.get(str(name))
        if not isinstance(block, QuestionBlock):
            continue
        for variable in _screen_variables(block):
            ok, value = _lookup(variables, variable)
            if ok:
                found[variable] = value
    return list(found.items())


def _final_block(interview: Any, timeline: Any) -> Any:
    screens = timeline[timeline["kind"] == "screen"] if len(timeline) else timeline
    if not len(screens):
        return None
    return interview.by_name.get(str(screens["name"].iloc[-1]))


def story_table(sessions: list[tuple[Any, dict, Any, str]], title: str | None = None) -> str:
    """The ``.feature`` text for (interview, answers, timeline frame, session id) tuples."""
    if not sessions:
        raise ValueError("no session to export")
    first = sessions[0][0]
    lines = [f"Feature: {title or first.title}", ""]
    for interview, variables, timeline, session_id in sessions:
        block = _final_block(interview, timeline)
        target = (block.id if block is not None and block.id else
                  (block.name if block is not None else "final screen"))
        lines.append(f"  # bgkernel session {session_id}")
        if block is not None and not block.id:
            lines.append(f"  # The screen the session stopped on has no id: add `id: {target}` "
                         f"to its block ({block.file}, line {block.line}).")
        start = interview.path.rsplit("/", 1)[-1] if interview.path else interview.name
        lines.append(f'  Scenario: {start} reaches "{target}"')
        lines.append(f'    Given I start the interview at "{start}"')
        lines.append(f'    And I get to the question id "{target}" with this data:')
        lines.append("      | var | value | trigger |")
        for variable, value in answered_variables(interview, variables, timeline):
            lines.append(f"      | {_cell(variable)} | {_cell(alkiln_value(value))} |  |")
        lines.append("")
    return "\n".join(lines)
