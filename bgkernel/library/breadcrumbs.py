"""``DABreadCrumbs``: the trail of actions the user is in the middle of, as HTML breadcrumbs.

The crumbs are the entries of the session's event stack that carry a ``breadcrumb`` label,
innermost last, as docassemble's ``get_action_stack()`` gives them.  bgkernel's event stack
holds the names being asked (and ``url_ask`` steps) without labels, so the trail is empty
and ``show()`` gives ``''``, as docassemble does with fewer than two crumbs.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .context import current
from .functions import word
from .objects import DAObject

__all__ = ["DABreadCrumbs"]


class DABreadCrumbs(DAObject):
    """Breadcrumbs of the actions under way (see the module docstring)."""

    def get_crumbs(self) -> list[dict]:
        stack = (current().namespace or {}).get("_internal", {}).get("event_stack") or []
        return [item for item in reversed(stack) if isinstance(item, dict) and "breadcrumb" in item]

    def show(self) -> str:
        crumbs = self.get_crumbs()
        if len(crumbs) < 2:
            return ""
        last = len(crumbs) - 1
        return self.container(self.inner(item["breadcrumb"], index == last)
                              for index, item in enumerate(crumbs))

    def container(self, items: Iterable[str]) -> str:
        return (f'<nav class="da-breadcrumb mt-2" aria-label="{word("breadcrumb")}">'
                f'<ol class="breadcrumb">{"".join(items)}</ol></nav>\n')

    def inner(self, label: Any, active: bool) -> str:
        if active:
            return f'<li class="da-breadcrumb-item breadcrumb-item">{label}</li>'
        return f'<li class="da-breadcrumb-item breadcrumb-item active" aria-current="page">{label}</li>'
