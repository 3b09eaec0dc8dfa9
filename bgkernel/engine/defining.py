"""Variables that blocks define without asking: templates, data, tables, attachments, and
the answers of a question with nothing to choose from.

The engine calls these under its guard, with the block's iterators set (ENGINE §3).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..language.blocks import AttachmentBlock, Block, DataBlock, TemplateBlock
from ..language.expressions import run_expression
from ..library import namespace as library
from ..library.collections_dict import DADict
from ..library.collections_list import DAList
from ..library.data_objects import objects_from_data, objects_from_structure
from ..library.tables import DATable
from . import documents
from .evaluating import data_value, render_data, substitute

if TYPE_CHECKING:
    from .evaluation import Evaluation

__all__ = ["define_direct", "assign_unchosen"]


def define_direct(ev: "Evaluation", block: Block, iterators: dict[str, str]) -> None:
    """Set the variable(s) of a template, data, table or attachment block."""
    ns = ev.ns
    if isinstance(block, TemplateBlock):
        ev._assign(block.variable, library.make_template(block, ns))
    elif isinstance(block, DataBlock) and block.table:
        spec = block.data
        table = DATable(substitute(block.variable, iterators, ns))
        table.rows_source, table.columns = spec["rows"], list(spec["columns"])
        table.empty_message, table.file, table.line = spec["empty message"], spec["file"], spec["line"]
        ev._assign(block.variable, table)
    elif isinstance(block, DataBlock):
        objects = block.use_objects == "objects"
        value = data_value(block.data, ns, objects) if block.from_code else render_data(block.data, ns)
        if block.use_objects:
            make = objects_from_data if objects else objects_from_structure
            value = make(value, substitute(block.variable, iterators, ns), block.gathered)
        ev._assign(block.variable, value)
    elif isinstance(block, AttachmentBlock):
        for spec in block.attachments:
            if spec.variable:
                ev._assign(spec.variable, documents.assemble(spec, ns))


def assign_unchosen(ev: "Evaluation", variable: str, datatype: str | None) -> None:
    """A field of a question not asked for want of choices: None, or for checkboxes an
    empty gathered DADict (a DAList for object checkboxes)."""
    if datatype not in ("checkboxes", "multiselect", "object_checkboxes", "object_multiselect"):
        ev._assign(variable, None)
        return
    if not ev.defined(variable):
        kind: Any = DAList if datatype.startswith("object") else DADict
        ev._assign(variable, kind(variable, auto_gather=False))
    run_expression(variable, ev.ns).gathered = True
