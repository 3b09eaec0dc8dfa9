"""Rules for background actions and the foreground code that waits for them.

BGK101 can end without background_response(), BGK102 waits on a task whose action takes
the lock, BGK103 discarded changes, BGK107 two-argument background_response(),
BGK108 dropdown choices that are not pairs, BGK114 incoming_email saving nothing.
"""
from __future__ import annotations

import ast
import re

from ..language.blocks import QuestionBlock
from .catalog import Finding, rule
from .codeflow import (assigned, call_name, calls, dotted, falls_through, loaded, mentions_call,
                       root_name, string_arg)
from .model import BACKGROUND_STOPS, Model, Unit, text_line

__all__ = ["check", "unread_assignments"]

_NOTIFY_KINDS = ("fields", "flash", "javascript", "refresh")
_WAITING = ("get", "failed", "result", "wait")


def finding(code: str, file: str, line: int, message: str) -> Finding:
    spec = rule(code)
    return Finding(code, spec.severity, file, line, message, spec.fix)


def check(model: Model) -> list[Finding]:
    found: list[Finding] = []
    for action in model.launched:
        for block in model.by_event.get(action, ()):
            if isinstance(block, QuestionBlock):
                found.append(finding("BGK101", block.file, block.line,
                                     f"the background action {action!r} is a question: a "
                                     "background task cannot ask questions, so it fails"))
    for unit in model.background_units():
        action = next(e for e in unit.events if e in model.launched)
        found.extend(_ends(unit, action))
        found.extend(_discarded(unit, action))
        found.extend(_notifications(unit, action))
    found.extend(_waits(model))
    return found


def _ends(unit: Unit, action: str) -> list[Finding]:
    if not falls_through(unit.tree.body, BACKGROUND_STOPS):
        return []
    last = unit.tree.body[-1] if unit.tree.body else None
    return [finding("BGK101", unit.file, unit.line(last) if last else unit.code.line,
                    f"the background action {action!r} can end without background_response(): "
                    "the interview logic then runs on to a question, and the task fails")]


def unread_assignments(tree: ast.Module) -> list[tuple[str, str, ast.stmt]]:
    """(variable, target as written, statement) for each variable the code sets and never
    reads, and each object it changes in place without reading or passing it on: in
    background code, changes that are lost with the task's snapshot."""
    reads = loaded(tree)
    seen: set[str] = set()
    lost: list[tuple[str, str, ast.stmt]] = []
    for target, stmt in assigned(tree):
        name = target.id if isinstance(target, ast.Name) else root_name(target)
        if not name or name.startswith("_") or name in seen:
            continue
        if isinstance(target, ast.Name) and _read_after(tree, name, stmt):
            continue
        if not isinstance(target, ast.Name) and (name in reads or _local(tree, name)):
            continue
        seen.add(name)
        lost.append((name, dotted(target) or ast.unparse(target), stmt))
    return lost


def _discarded(unit: Unit, action: str) -> list[Finding]:
    lost = unread_assignments(unit.tree)
    if not lost:
        return []
    names = ", ".join(written for _, written, _ in lost)
    if action == "incoming_email" and not calls(unit.tree, ("background_response_action",)):
        return [finding("BGK114", unit.file, unit.line(lost[0][2]),
                        f"incoming_email sets {names} but never calls background_response_action(): "
                        "the change is discarded when the background run ends")]
    return [finding("BGK103", unit.file, unit.line(stmt),
                    f"the background action {action!r} sets {written}, which nothing reads or passes on: "
                    "the change is discarded when the task ends") for _, written, stmt in lost]


def _read_after(tree: ast.Module, name: str, stmt: ast.stmt) -> bool:
    """Whether the value ``stmt`` gives ``name`` is read: a read after the statement, or in
    a loop around it (``counter = counter + 1`` reads only the old value)."""
    end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load) \
                and (node.lineno, node.col_offset) >= end:
            return True
    for loop in ast.walk(tree):
        if isinstance(loop, (ast.For, ast.While)) and any(n is stmt for n in ast.walk(loop)):
            if any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
                   for n in ast.walk(loop)):
                return True
    return False


def _local(tree: ast.Module, name: str) -> bool:
    return any(isinstance(t, ast.Name) and t.id == name for t, _ in assigned(tree))


def _notifications(unit: Unit, action: str) -> list[Finding]:
    found = []
    for call in calls(unit.tree, ("background_response",)):
        kind = string_arg(call, 1)
        if len(call.args) == 2 and kind in _NOTIFY_KINDS:
            found.append(finding("BGK107", unit.file, unit.line(call),
                                 f"background_response(..., {kind!r}) in the background action "
                                 f"{action!r}: from a task this delivers a list, not the {kind} "
                                 "notification"))
        for node in ast.walk(call):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value == "choices" and _bare(value):
                        found.append(finding("BGK108", unit.file, unit.line(value),
                                             f"the choices sent by the background action {action!r} "
                                             "are not [value, label] pairs: the dropdown shows the "
                                             "first two characters of each"))
    return found


def _bare(value: ast.expr) -> bool:
    if isinstance(value, ast.Dict):
        return True
    if isinstance(value, (ast.List, ast.Tuple)):
        return any(isinstance(e, ast.Constant) for e in value.elts)
    return False


# --- BGK102: foreground code that waits -------------------------------------------------

def _waits(model: Model) -> list[Finding]:
    risky = {}
    for unit in model.units:
        for node in ast.walk(unit.tree):
            if isinstance(node, ast.Assign) and call_name(node.value) == "background_action" \
                    and isinstance(node.value, ast.Call):
                action = string_arg(node.value)
                if action and _takes_lock(model, action):
                    for target in node.targets:
                        if dotted(target):
                            risky[dotted(target)] = action
    if not risky:
        return []
    foreground = model.foreground_units()
    guarded = _guarded_names(foreground, risky)
    found = []
    for unit in foreground:
        blocked = _reached(unit.block) and bool(set(unit.block.defines) & guarded)
        for call in ast.walk(unit.tree):
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
                continue
            task = dotted(call.func.value)
            method = call.func.attr
            if task not in risky or method not in _WAITING:
                continue
            if method != "wait" and (blocked or any(mentions_call(g, "ready", task)
                                                    for g in unit.guards.of(call))):
                continue
            found.append(_wait_finding(unit.file, unit.line(call), task, method, risky[task]))
    for block, text in model.texts:
        if _reached(block) and set(block.defines) & guarded:
            continue
        for task, action in risky.items():
            if f"{task}.ready()" in text.source:
                continue
            for match in re.finditer(rf"\b{re.escape(task)}\.({'|'.join(_WAITING)})\(", text.source):
                found.append(_wait_finding(text.file or block.file, text_line(text, match.start()),
                                           task, match.group(1), action))
    return found


def _wait_finding(file: str, line: int, task: str, method: str, action: str) -> Finding:
    how = "waits for" if method == "wait" else "can wait for"
    return finding("BGK102", file, line,
                   f"{task}.{method}() {how} the task {action!r}, whose action uses "
                   "background_response_action() or background_error_action(): the page holds the "
                   "session lock those need")


def _takes_lock(model: Model, action: str) -> bool:
    return any(calls(u.tree, ("background_response_action", "background_error_action"))
               for u in model.units_for(action))


def _reached(block: object) -> bool:
    """A block that runs only when one of its names is sought (not mandatory or initial)."""
    return not getattr(block, "mandatory", False) and not getattr(block, "initial", False)


def _guarded_names(units: list[Unit], risky: dict[str, str]) -> set[str]:
    """Names read only after some ``task.ready()`` test, and what those names' blocks read
    (the task variables themselves left out: they are read before the test too)."""
    tasks = {t.split(".")[0] for t in risky}
    names: set[str] = set()
    for unit in units:
        for node in ast.walk(unit.tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if any(mentions_call(g, "ready", t) for g in unit.guards.of(node) for t in risky):
                    names.add(node.id)
    names -= tasks
    for _ in range(5):
        grown = set(names)
        for unit in units:
            if _reached(unit.block) and set(unit.block.defines) & names:
                grown |= loaded(unit.tree) - tasks
        if grown == names:
            break
        names = grown
    return names
