"""``table`` blocks: a variable that shows ``rows`` as a Markdown table.

The table is rendered each time it is shown, against the running answers, with
``row_item`` (and ``row_index``) set for each row — as docassemble's DATable does.
"""
from __future__ import annotations

from typing import Any

from ..language.templates import Expr
from .context import current
from .objects import DAObject

__all__ = ["DATable"]


class DATable(DAObject):
    """The value of a ``table:`` block; ``str()`` is a Markdown table."""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        self.rows_source = ""
        self.columns: list = []          # [(header, expression source)]
        self.empty_message = None
        self.file = None
        self.line = None
        super().init(*pargs, **kwargs)

    def _rows(self, ns: dict) -> list:
        rows = Expr(self.rows_source, self.file, self.line).run(ns)
        if hasattr(rows, "items") and callable(rows.items) and not hasattr(rows, "elements"):
            return list(rows.items())
        if hasattr(rows, "items") and hasattr(rows, "elements") and isinstance(rows.elements, dict):
            return list(rows.items())
        return list(rows)

    def as_rows(self) -> list[list[str]]:
        """Header row, then one row of cell texts per item."""
        ns = current().namespace or {}
        compiled = [(header, Expr(source, self.file, self.line)) for header, source in self.columns]
        out = [[header for header, _ in compiled]]
        for index, item in enumerate(self._rows(ns)):
            if isinstance(item, tuple) and len(item) == 2:
                ns["row_index"], ns["row_item"] = item
            else:
                ns["row_index"], ns["row_item"] = index, item
            try:
                out.append([_cell(expr.run(ns)) for _, expr in compiled])
            finally:
                ns.pop("row_item", None)
                ns.pop("row_index", None)
        return out

    def show(self, **kwargs: Any) -> str:
        rows = self.as_rows()
        if len(rows) == 1 and self.empty_message is not None:
            return str(self.empty_message)
        header, body = rows[0], rows[1:]
        lines = [" | ".join(header), " | ".join("---" for _ in header)]
        lines.extend(" | ".join(row) for row in body)
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.show()

    def num_rows(self) -> int:
        return len(self.as_rows()) - 1


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("\n", " ").replace("|", "\\|").strip()
