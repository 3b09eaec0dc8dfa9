"""``lint(paths_or_text)``: read each interview, run every rule, merge DAYamlChecker's findings.

A path may be a file or a folder (its ``.yml``/``.yaml`` files, recursively); a string
holding a newline is YAML text.  An interview that does not load is one ``BGK001``
finding at the line the reader names, never an exception.
"""
from __future__ import annotations

import os
import pathlib
from collections.abc import Iterable

from ..errors import BgkernelError
from ..language.interview import Interview, load_interview
from . import background, checkins, scheduled
from .catalog import ERROR, Finding, rule
from .dayaml import dayamlchecker_findings
from .model import Model

__all__ = ["lint", "lint_interview", "interview_files"]

_RULESETS = (background.check, checkins.check, scheduled.check)


def interview_files(paths: Iterable[str | os.PathLike]) -> list[pathlib.Path]:
    """The files named, and the YAML files of the folders named, in order."""
    files: list[pathlib.Path] = []
    for item in paths:
        path = pathlib.Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()))
        else:
            files.append(path)
    return files


def lint_interview(interview: Interview) -> list[Finding]:
    """The findings of the rules for a loaded interview (its ignored keys included)."""
    found: list[Finding] = []
    spec = rule("BGK002")
    for warning in interview.warnings:
        found.append(Finding("BGK002", spec.severity, warning.file or interview.name,
                             warning.line or 1, warning.message, spec.fix))
    model = Model(interview)
    for check in _RULESETS:
        found.extend(check(model))
    return found


def _lint_source(source: str, path: str | None, name: str, use_dayaml: bool | None) -> list[Finding]:
    try:
        interview = load_interview(source, path=path, name=name)
    except BgkernelError as err:
        spec = rule("BGK001")
        found = [Finding("BGK001", ERROR, getattr(err, "file", None) or path or name,
                         getattr(err, "line", None) or 1, getattr(err, "message", None) or str(err),
                         spec.fix)]
    else:
        found = lint_interview(interview)
    if use_dayaml is not False:
        found.extend(dayamlchecker_findings(source, path or name, required=bool(use_dayaml)))
    return found


def lint(paths_or_text: str | os.PathLike | Iterable[str | os.PathLike],
         dayamlchecker: bool | None = None) -> list[Finding]:
    """The findings for interview files, folders, or YAML text, sorted by file and line.

    ``dayamlchecker``: None merges DAYamlChecker's findings when it is installed, True
    requires it, False leaves it out."""
    if isinstance(paths_or_text, (str, os.PathLike)):
        items = [paths_or_text]
    else:
        items = list(paths_or_text)
    found: list[Finding] = []
    for item in items:
        if isinstance(item, str) and "\n" in item:
            found.extend(_lint_source(item, None, "<interview>", dayamlchecker))
            continue
        for path in interview_files([item]):
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                found.append(Finding("BGK001", ERROR, str(path), 1, f"cannot read the file: {err}",
                                     rule("BGK001").fix))
                continue
            found.extend(_lint_source(source, str(path), path.name, dayamlchecker))
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda f: (f.file, f.line, f.code))
