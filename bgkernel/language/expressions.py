"""Variable names and one-line statements that a run evaluates again and again
(``user.name.first``, ``del x[i]``, ``fruit = __bgk_value``), compiled once each.

``eval`` of a string compiles it on every call; a screen reads the same few names many
times, and the sessions of an interview all read the same ones.  The cache is bounded.
"""
from __future__ import annotations

import functools
from types import CodeType
from typing import Any

__all__ = ["compiled", "run_expression", "run_statement"]


@functools.lru_cache(maxsize=16384)
def compiled(text: str, mode: str = "eval") -> CodeType:
    """``text`` compiled as ``eval`` or ``exec`` does it (file name ``<string>``)."""
    return compile(text, "<string>", mode)


def run_expression(expression: str, namespace: dict) -> Any:
    """``eval(expression, namespace)``, compiled once."""
    return eval(compiled(expression), namespace)  # noqa: S307 -- interview names and code


def run_statement(statement: str, namespace: dict) -> None:
    """``exec(statement, namespace)``, compiled once."""
    exec(compiled(statement, "exec"), namespace)  # noqa: S102 -- interview names and code
