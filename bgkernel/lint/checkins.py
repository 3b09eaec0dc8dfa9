"""Rules for check-ins and what they put on the screen.

BGK104/BGK105 refresh loops, BGK106 slow work under the session lock, BGK115 target names
the page cannot find, BGK116 targets no checking-in screen shows.
"""
from __future__ import annotations

import ast
import re

from ..language.blocks import QuestionBlock, TemplateBlock
from .background import finding
from .catalog import Finding
from .codeflow import call_name, calls, dotted, string_arg
from .model import CRON, Model, Unit, text_line

__all__ = ["check"]

_TARGET = re.compile(r"\[TARGET ([^\]]+)\]")
_BAD = re.compile(r"[^A-Za-z0-9_]")
_SLOW_CALLS = frozenset({"sleep", "urlopen", "ocr_file", "wait"})
_SLOW_MODULES = frozenset({"requests", "httpx", "urllib", "subprocess", "smtplib", "ftplib"})


def check(model: Model) -> list[Finding]:
    found: list[Finding] = []
    for action in model.checkins:
        for unit in model.units_for(action):
            found.extend(_refresh(unit, action))
            found.extend(_slow(unit, f"the check-in action {action!r}"))
    for action in model.responses:
        for unit in model.units_for(action):
            found.extend(_slow(unit, f"the response action {action!r}"))
    for unit in model.units:
        for event in unit.events:
            if CRON.match(event) and not event.endswith("_background"):
                found.extend(_slow(unit, f"the scheduled block {event!r}"))
    found.extend(_target_names(model))
    found.extend(_targets_shown(model))
    return found


# --- refresh loops ----------------------------------------------------------------------

def _is_refresh(call: ast.Call) -> bool:
    return string_arg(call) == "refresh" and len(call.args) == 1 or string_arg(call, 1) == "refresh"


def _refresh(unit: Unit, action: str) -> list[Finding]:
    found = []
    for call in calls(unit.tree, ("background_response",)):
        if not _is_refresh(call):
            continue
        guards = [g for g in unit.guards.of(call)
                  if not (isinstance(g, ast.Constant) and g.value)]
        if not guards:
            found.append(finding("BGK104", unit.file, unit.line(call),
                                 f"the check-in action {action!r} calls background_response('refresh') "
                                 "on every run: each refresh starts a new check-in, which refreshes again"))
        elif all(_browser_only(g) for g in guards):
            found.append(finding("BGK105", unit.file, unit.line(call),
                                 f"the check-in action {action!r} refreshes whenever the browser sends "
                                 "a value: after the refresh the browser sends it again"))
    return found


def _browser_only(test: ast.expr) -> bool:
    """A test made only of the browser's values (``action_argument('x')``, not '_changed')
    and constants: it stays true across the refresh it causes."""
    called = {id(n.func) for n in ast.walk(test) if isinstance(n, ast.Call)}
    for node in ast.walk(test):
        if isinstance(node, ast.Call) and call_name(node) in ("action_argument", "action_arguments"):
            if string_arg(node) == "_changed":
                return False
        elif isinstance(node, ast.Name) and id(node) not in called:
            return False          # an interview variable: compared with the saved state
    return True


# --- slow work --------------------------------------------------------------------------

def _slow(unit: Unit, what: str) -> list[Finding]:
    found = []
    for node in ast.walk(unit.tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func) or ""
        root = name.split(".")[0]
        if call_name(node) in _SLOW_CALLS or root in _SLOW_MODULES:
            found.append(finding("BGK106", unit.file, unit.line(node),
                                 f"{what} calls {name or call_name(node)}() while it holds the "
                                 "session lock (4 seconds at most)"))
    return found


# --- targets ----------------------------------------------------------------------------

def _target_names(model: Model) -> list[Finding]:
    found = []
    for block, text in model.texts:
        for match in _TARGET.finditer(text.source):
            name = match.group(1)
            if _BAD.search(name):
                found.append(finding("BGK115", text.file or block.file, text_line(text, match.start()),
                                     f"[TARGET {name}]: the page looks the area up under another "
                                     "name, so nothing is ever put there"))
    for block in model.interview.blocks:
        if isinstance(block, TemplateBlock) and block.target and _BAD.search(block.target):
            found.append(finding("BGK115", block.file, block.line,
                                 f"the template {block.variable!r} has target {block.target!r}: "
                                 "the page never finds an area of that name"))
    return found


def _shown(blocks: list[QuestionBlock], model: Model) -> set[str]:
    names = set()
    for block, text in model.texts:
        if block in blocks:
            names.update(m.group(1) for m in _TARGET.finditer(text.source))
    return names


def _targets_shown(model: Model) -> list[Finding]:
    templates = model.target_templates()
    found = []
    for action, screens in model.checkins.items():
        shown = _shown(screens, model)
        sent: list[tuple[str, str, int]] = []
        if action in templates:
            tpl = templates[action]
            sent.append((tpl.target, tpl.file, tpl.line))
        for unit in model.units_for(action):
            for call in calls(unit.tree, ("background_response",)):
                for name, node in _targets_sent(call):
                    sent.append((name, unit.file, unit.line(node)))
            for node in ast.walk(unit.tree):
                if isinstance(node, ast.Name) and node.id in templates:
                    sent.append((templates[node.id].target, unit.file, unit.line(node)))
        for name, file, line in sent:
            if name not in shown and not _BAD.search(name):
                found.append(finding("BGK116", file, line,
                                     f"the check-in action {action!r} fills the target {name!r}, but no "
                                     "screen that checks in with it has [TARGET " + name + "]"))
    return found


def _targets_sent(call: ast.Call):
    for keyword in call.keywords:
        if keyword.arg == "target" and isinstance(keyword.value, ast.Constant):
            yield str(keyword.value.value), keyword.value
    for node in ast.walk(call):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "target" \
                        and isinstance(value, ast.Constant):
                    yield str(value.value), value
