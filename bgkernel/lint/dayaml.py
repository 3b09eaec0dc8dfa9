"""DAYamlChecker's findings, when it is installed (``pip install bgkernel[lint]``).

It is run as a library, its rules untouched; each of its results becomes a
:class:`~.catalog.Finding` with ``source="dayamlchecker"`` and its own code.
"""
from __future__ import annotations

import importlib
from typing import Any

from ..errors import ConfigError
from .catalog import ERROR, INFO, WARNING, Finding

__all__ = ["dayamlchecker_findings", "available"]


def _checker() -> Any:
    try:
        return importlib.import_module("dayamlchecker.yaml_structure")
    except ImportError:
        return None


def available() -> bool:
    return _checker() is not None


def dayamlchecker_findings(source: str, file: str, required: bool = False) -> list[Finding]:
    checker = _checker()
    if checker is None:
        if required:
            raise ConfigError("DAYamlChecker is not installed: pip install 'bgkernel[lint]' "
                              "(it needs Python 3.12 or later)")
        return []
    found = []
    for item in checker.find_errors_from_string(source, input_file=file):
        found.append(_finding(item, file))
    return found


def _finding(item: Any, file: str) -> Finding:
    severity = str(getattr(item, "severity", "") or ERROR).lower()
    if severity not in (ERROR, WARNING, INFO):
        severity = ERROR
    message = (getattr(item, "err_str", None) or getattr(item, "message", None) or str(item)).strip()
    line = getattr(item, "line_number", None) or getattr(item, "line", None) or 1
    return Finding(str(getattr(item, "code", None) or "DAYC"), severity,
                   str(getattr(item, "file_name", None) or file), int(line), message,
                   "", source="dayamlchecker")
