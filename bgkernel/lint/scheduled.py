"""Rules for scheduled tasks and e-mail to the interview.

BGK109 cron blocks that never run, BGK110 e-mail sent on every run, BGK111 scheduled code
that runs on into the interview, BGK112 the cron user sent away before process_action(),
BGK113 incoming_email without multi_user.
"""
from __future__ import annotations

import ast

from ..language.blocks import CodeBlock, QuestionBlock
from .background import finding
from .catalog import Finding
from .codeflow import calls, falls_through, mentions_call
from .model import CRON, Model, Unit

__all__ = ["check"]

_CRON_STOPS = frozenset({"response", "background_response", "background_response_action",
                         "json_response", "binary_response", "command"})
_TASK_GUARDS = ("task_not_yet_performed", "task_performed", "times_task_performed")
_SENDS = ("send_email", "send_sms")


def check(model: Model) -> list[Finding]:
    found: list[Finding] = []
    cron_blocks = [b for name, blocks in model.by_event.items() if CRON.match(name) for b in blocks]
    if cron_blocks:
        missing = [n for n in ("multi_user", "allow_cron") if not model.assigns_true(n)]
        if missing:
            first = min(cron_blocks, key=lambda b: b.index)
            found.append(finding("BGK109", first.file, first.line,
                                 "this interview has scheduled blocks but never sets "
                                 + " and ".join(f"{n} = True" for n in missing)
                                 + ": docassemble's cron never runs them"))
    for unit in model.units:
        for event in unit.events:
            if not CRON.match(event):
                continue
            found.extend(_sends(unit, event))
            if not event.endswith("_background") and falls_through(unit.tree.body, _CRON_STOPS):
                last = unit.tree.body[-1] if unit.tree.body else None
                found.append(finding("BGK111", unit.file, unit.line(last) if last else unit.code.line,
                                     f"the scheduled block {event!r} can end without response(): the "
                                     "interview logic then runs on as the cron user"))
    if cron_blocks and model.interview.calls_process_action:
        found.extend(_cron_user_sent_away(model))
    if "incoming_email" in model.by_event and not model.assigns_true("multi_user"):
        block = model.by_event["incoming_email"][0]
        found.append(finding("BGK113", block.file, block.line,
                             "incoming_email runs when no user is there, on answers only a "
                             "multi_user interview keeps unencrypted; this one never sets multi_user = True"))
    return found


def _sends(unit: Unit, event: str) -> list[Finding]:
    found = []
    for call in calls(unit.tree, _SENDS):
        guards = unit.guards.of(call)
        if not any(mentions_call(g, name) for g in guards for name in _TASK_GUARDS):
            found.append(finding("BGK110", unit.file, unit.line(call),
                                 f"the scheduled block {event!r} sends e-mail with no "
                                 "task_not_yet_performed() test: it goes out on every run"))
    return found


def _cron_user_sent_away(model: Model) -> list[Finding]:
    """Initial code before the block that calls process_action() that can show a screen."""
    screens = {name for name, blocks in model.interview.index.items()
               if any(isinstance(b, QuestionBlock) for b in blocks)}
    units = {id(u.block): u for u in model.units}
    found = []
    for block in model.interview.blocks:
        if not (isinstance(block, CodeBlock) and block.initial) or id(block) not in units:
            continue
        unit = units[id(block)]
        if calls(unit.tree, ("process_action",)):
            break
        for node in ast.walk(unit.tree):
            shows = (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in screens) \
                or (isinstance(node, ast.Call) and calls(node, ("force_ask", "command", "message"))
                    and node in calls(node, ("force_ask", "command", "message")))
            if not shows:
                continue
            guards = unit.guards.of(node)
            if any(mentions_call(g, "user_has_privilege") or mentions_call(g, "interface") for g in guards):
                continue
            what = node.id if isinstance(node, ast.Name) else ast.unparse(node.func)
            found.append(finding("BGK112", unit.file, unit.line(node),
                                 f"this initial block runs before process_action() and can show "
                                 f"{what}: the cron user stops there and the scheduled block never runs"))
            break
    return found
