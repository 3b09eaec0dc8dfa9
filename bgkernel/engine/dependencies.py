"""What an answer that changes a variable sets off: ``depends on`` and ``on change``.

When a submission gives a variable a value other than the one it had (a first answer
is not a change), every block with that variable in its ``depends on`` loses the
variables it defines -- with the answer's own indices (``people[0].pay_period`` reaches a
block that depends on ``people[i].pay_period``) -- and so, in turn, do the blocks that
depend on those; their old values stay in ``_internal['dirty']``.  Then the interview's
``on change`` code for the variable runs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..language.assignments import variants
from ..language.expressions import run_expression
from .evaluating import substitute

if TYPE_CHECKING:
    from .evaluation import Evaluation

__all__ = ["MISSING", "value_of", "after_changes"]

MISSING = object()


def value_of(ev: "Evaluation", name: str) -> Any:
    """The variable's value now, or MISSING."""
    try:
        return run_expression(name, ev.ns)
    except Exception:  # noqa: BLE001 -- undefined (or not there at all)
        return MISSING


def after_changes(ev: "Evaluation", before: dict[str, Any]) -> None:
    """``before``: each answered variable's value before the answer (MISSING if none)."""
    changed = [name for name, old in before.items()
               if old is not MISSING and not _same(old, value_of(ev, name))]
    if not changed:
        return
    interview = ev.interview
    if interview.dependents:
        _invalidate(ev, changed, set(before))
    for name in changed:
        code = interview.on_change.get(name)
        if code is not None:
            code.run(ev.ns)


def _invalidate(ev: "Evaluation", changed: list[str], answered: set[str]) -> None:
    dirty = ev.internal.setdefault("dirty", {})
    seen: set[str] = set()
    pending = list(changed)
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        for variant, x_expr, iterators in variants(name):
            if x_expr is not None:
                iterators = {"x": x_expr, **iterators}
            for block in ev.interview.dependents.get(variant, ()):
                for target in block.defines:
                    concrete = substitute(target, iterators, ev.ns)
                    if concrete in answered or concrete in seen:
                        continue
                    value = value_of(ev, concrete)
                    if value is MISSING:
                        continue
                    dirty[concrete] = value
                    ev.undefine(concrete)
                    pending.append(concrete)


def _same(old: Any, new: Any) -> bool:
    if old is new:
        return True
    try:
        return bool(old == new)
    except Exception:  # noqa: BLE001 -- values that cannot be compared have changed
        return False
