"""Findings as text, JSON or GitHub workflow annotations."""
from __future__ import annotations

import json
from collections.abc import Sequence

from .catalog import ERROR, Finding

__all__ = ["render", "FORMATS", "exit_status"]

FORMATS = ("text", "json", "github")
_GITHUB = {"error": "error", "warning": "warning", "info": "notice"}


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render(findings: Sequence[Finding], fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps([f.as_dict() for f in findings], indent=2)
    if fmt == "github":
        return "\n".join(
            f"::{_GITHUB.get(f.severity, 'warning')} file={_escape(f.file, True)},line={f.line},"
            f"title={_escape(f.code, True)}::{_escape(f.explained())}"
            for f in findings)
    if fmt != "text":
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    lines = [str(f) for f in findings]
    errors = sum(f.severity == ERROR for f in findings)
    lines.append(f"{len(findings)} finding(s), {errors} error(s)")
    return "\n".join(lines)


def exit_status(findings: Sequence[Finding]) -> int:
    return 1 if any(f.severity == ERROR for f in findings) else 0
