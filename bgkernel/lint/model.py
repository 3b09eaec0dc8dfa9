"""An interview as the linter sees it: its Python (parsed once, with YAML lines), its
texts, and which actions run where (background task, response action, check-in, cron)."""
from __future__ import annotations

import ast
import dataclasses
import functools
import re
from dataclasses import dataclass

from ..language.blocks import Block, CodeBlock, QuestionBlock, TemplateBlock
from ..language.interview import Interview
from ..language.templates import Code, Text
from .codeflow import Guards, call_name, calls, string_arg

__all__ = ["Unit", "Model", "CRON", "BACKGROUND_STOPS"]

CRON = re.compile(r"^cron_(hourly|daily|weekly|monthly)(_background)?$")
#: the calls that end a background action (each raises, so nothing after it runs)
BACKGROUND_STOPS = frozenset({"background_response", "background_response_action", "response",
                              "json_response", "binary_response", "command"})
_LAUNCH_TEXT = re.compile(r"""\bbackground_action\(\s*['"]([^'"]+)['"]""")


@dataclass
class Unit:
    """One block's Python: its tree and where its first line is in the YAML."""

    block: Block
    code: Code
    tree: ast.Module

    @property
    def file(self) -> str:
        return self.code.file or self.block.file

    def line(self, node: ast.AST | None = None) -> int:
        return self.code.line + (getattr(node, "lineno", 1) - 1)

    @property
    def events(self) -> tuple[str, ...]:
        return getattr(self.block, "events", ())

    @functools.cached_property
    def guards(self) -> Guards:
        return Guards(self.tree, BACKGROUND_STOPS)


class Model:
    """The facts the rules share, computed once per interview."""

    def __init__(self, interview: Interview):
        self.interview = interview
        self.units: list[Unit] = []
        for block in interview.blocks:
            if isinstance(block, CodeBlock) and block.code is not None:
                try:
                    tree = ast.parse(block.code.source)
                except SyntaxError:
                    continue                      # the reader reports those
                self.units.append(Unit(block, block.code, tree))
        self.by_event: dict[str, list[Block]] = {}
        for block in interview.blocks:
            for name in getattr(block, "events", ()):
                self.by_event.setdefault(name, []).append(block)
        self.launched = self._launched()
        self.responses = {string_arg(c) for u in self.units
                          for c in calls(u.tree, ("background_response_action", "background_error_action"))
                          if string_arg(c)}
        self.checkins: dict[str, list[QuestionBlock]] = {}
        for block in interview.blocks:
            if isinstance(block, QuestionBlock) and block.checkin:
                self.checkins.setdefault(block.checkin, []).append(block)

    def _launched(self) -> dict[str, tuple[str, int]]:
        """Actions that run as background tasks -> where one is started."""
        found: dict[str, tuple[str, int]] = {}
        for unit in self.units:
            for call in ast.walk(unit.tree):
                name = call_name(call)
                if name == "background_action" or (name == "run" and isinstance(call.func, ast.Attribute)):
                    action = string_arg(call)
                    if action and (name == "background_action" or action in self.by_event):
                        found.setdefault(action, (unit.file, unit.line(call)))
        for block, text in self.texts:
            for match in _LAUNCH_TEXT.finditer(text.source):
                found.setdefault(match.group(1), (text.file or block.file, text_line(text, match.start())))
        for name, blocks in self.by_event.items():
            if name == "incoming_email" or (CRON.match(name) and name.endswith("_background")):
                found.setdefault(name, (blocks[0].file, blocks[0].line))
        return found

    def units_for(self, event: str) -> list[Unit]:
        return [u for u in self.units if event in u.events]

    def background_units(self) -> list[Unit]:
        """Code that runs as a background task's main run."""
        return [u for u in self.units if any(e in self.launched for e in u.events)]

    def foreground_units(self) -> list[Unit]:
        """Code that runs in a page request (not a background task, response action or cron)."""
        special = set(self.launched) | self.responses
        return [u for u in self.units if not any(e in special or CRON.match(e) for e in u.events)]

    def assigns_true(self, name: str) -> bool:
        """Whether some code sets ``name = True`` (or any value that is not False/None/0)."""
        for unit in self.units:
            for node in ast.walk(unit.tree):
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                        for t in node.targets):
                    value = node.value
                    if not (isinstance(value, ast.Constant) and not value.value):
                        return True
        return False

    @functools.cached_property
    def texts(self) -> tuple[tuple[Block, Text], ...]:
        """Every text of every block (questions, fields, templates ...), for Mako and markup."""
        found: list[tuple[Block, Text]] = []
        for block in self.interview.blocks:
            for text in _texts_in(block, depth=0):
                found.append((block, text))
        return tuple(found)

    def target_templates(self) -> dict[str, TemplateBlock]:
        return {b.variable: b for b in self.interview.blocks
                if isinstance(b, TemplateBlock) and b.target is not None}


def _texts_in(value: object, depth: int):
    if depth > 4:
        return
    if isinstance(value, Text):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _texts_in(item, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for spec in dataclasses.fields(value):
            yield from _texts_in(getattr(value, spec.name), depth + 1)


def text_line(text: Text, offset: int) -> int:
    """The YAML line of character ``offset`` of a text."""
    return (text.line or 1) + text.source.count("\n", 0, offset)
