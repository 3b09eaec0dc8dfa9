"""The linter: the background-code pitfalls of docassemble interviews no other checker sees.

    import bgkernel
    for finding in bgkernel.lint("interview.yml"):
        print(finding)       # file:line: error BGK101 ... Fix: ...

``python -m bgkernel lint PATH... [--format text|json|github]`` prints the same and exits
1 when there is an error.  The codes and their fixes are in :mod:`.catalog`; the rules
work on the parsed interview (``bgkernel.language``) and the Python of its blocks.
"""
from __future__ import annotations

import sys
import types
from typing import Any

from .catalog import RULES, Finding, Rule
from .report import FORMATS, exit_status, render
from .runner import interview_files, lint, lint_interview

__all__ = ["lint", "lint_interview", "Finding", "Rule", "RULES", "render", "exit_status", "FORMATS",
           "interview_files"]


class _Linter(types.ModuleType):
    """``bgkernel.lint`` is this package and the function at once: importing the package
    (``bgkernel.lint.catalog``...) must not hide ``bgkernel.lint(paths)``."""

    def __call__(self, *args: Any, **kwargs: Any) -> list[Finding]:
        return lint(*args, **kwargs)


sys.modules[__name__].__class__ = _Linter
