"""``attachment``/``attachments`` read from YAML: Markdown ``content`` (or ``content file``),
``docx template file`` and ``pdf template file`` with their ``fields``, ``field variables``,
``field code`` and ``code``; ``valid formats`` as docassemble's parser defaults them (no
list: ``*``, which is PDF, RTF and HTML; a DOCX template: DOCX and PDF; a PDF template: PDF).
"""
from __future__ import annotations

import os
from typing import Any

from .blocks import Attachment
from .packages import template_file
from .reading import Reading, as_list
from .templates import Expr, Text

__all__ = ["read_attachments"]


def _formats(ctx: Reading, item: dict, key: str) -> tuple[tuple[str, ...], Any]:
    if item.get("pdf template file") is not None:
        return ("pdf",), None
    value = item.get("valid formats")
    if isinstance(value, dict) and set(value) == {"code"}:
        return (), ctx.expr(value["code"], "valid formats")
    if value is not None and not isinstance(value, (str, list)):
        raise ctx.error("Unknown data type in attachment valid formats.", "valid formats")
    formats = tuple(str(f).strip() for f in as_list(value)) if value else ()
    if item.get("docx template file") is not None:
        if "rtf to docx" in formats:
            raise ctx.error('Valid formats cannot include "rtf to docx" when "docx template file" '
                            "is used", "valid formats")
        return formats or ("docx", "pdf"), None
    return formats or ("*",), None


def _texts(ctx: Reading, value: Any, key: str) -> Any:
    """``fields`` values: Mako text at the leaves of dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _texts(ctx, v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts(ctx, v, key) for v in value]
    if isinstance(value, bool):
        return value
    return Text("" if value is None else value, ctx.file, ctx.line_of(key))


def _reference(ctx: Reading, value: Any, key: str) -> Any:
    if isinstance(value, dict):
        if set(value) != {"code"}:
            raise ctx.error(f"A '{key}' must be a file name or a dictionary with 'code'", key)
        return ctx.expr(value["code"], key)
    if not isinstance(value, str):
        raise ctx.error(f"A '{key}' must be a file name or a dictionary with 'code'", key)
    return value.strip()


def _content(ctx: Reading, item: dict, key: str) -> Text | None:
    if item.get("content file") is None:
        return ctx.text(item.get("content"), key)
    source = ""
    for ref in as_list(item["content file"]):
        path = template_file(str(ref), ctx.file)
        if not isinstance(ref, str) or path is None:
            raise ctx.error(f"Unable to read content file {ref}", "content file")
        with open(path, encoding="utf-8") as handle:
            source += handle.read()
    return Text(source, ctx.file, ctx.line_of("content file"))


def read_attachments(ctx: Reading, data: dict) -> tuple[Attachment, ...]:
    key = "attachment" if "attachment" in data else "attachments"
    items = data[key]
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise ctx.error(f"'{key}' must be a dictionary or a list of them", key)
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ctx.error(f"each '{key}' item must be a dictionary", key)
        if item.get("docx template file") is not None and item.get("pdf template file") is not None:
            raise ctx.error("You cannot use a pdf template file and a docx template file at the "
                            "same time", key)
        template_keys = ("fields", "field variables", "field code", "code", "raw field variables")
        if not (item.get("docx template file") or item.get("pdf template file")) and \
                item.get("fields") is not None:
            raise ctx.error("Fields supplied to attachment but no pdf template file or docx "
                            "template file supplied", "fields")
        formats, formats_code = _formats(ctx, item, key)
        metadata = item.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise ctx.error("Unknown data type in attachment metadata.", "metadata")
        field_code = item.get("field code") or {}
        if isinstance(field_code, list):
            field_code = {k: v for entry in field_code if isinstance(entry, dict) for k, v in entry.items()}
        decimal = item.get("decimal places")
        out.append(Attachment(
            name=ctx.text(item.get("name"), key), filename=ctx.text(item.get("filename"), key),
            content=_content(ctx, item, key),
            variable=str(item["variable name"]).strip() if item.get("variable name") else None,
            description=ctx.text(item.get("description"), key),
            valid_formats=formats, formats_code=formats_code,
            metadata=tuple((str(k), _texts(ctx, v, "metadata")) for k, v in metadata.items()),
            docx_template=tuple(_reference(ctx, ref, "docx template file")
                                for ref in as_list(item.get("docx template file"))),
            pdf_template=(_reference(ctx, item["pdf template file"], "pdf template file")
                          if item.get("pdf template file") is not None else None),
            fields=_texts(ctx, item["fields"], "fields") if item.get("fields") is not None else None,
            field_variables=tuple(str(v).strip() for k in ("field variables", "raw field variables")
                                  for v in as_list(item.get(k))),
            field_code=tuple((str(k), ctx.expr(v, "field code")) for k, v in field_code.items()),
            code=ctx.expr(item["code"], "code") if item.get("code") is not None else None,
            skip_undefined=bool(item.get("skip undefined", False)),
            editable=(Expr(str(item["editable"]), ctx.file, ctx.line_of("editable"))
                      if "editable" in item else None),
            decimal_places=int(decimal) if isinstance(decimal, (int, str)) and str(decimal).isdigit() else None,
            file=ctx.file, line=ctx.line_of(key), folder=os.path.dirname(ctx.file or "") or None,
            manual_fields=any(item.get(k) is not None for k in template_keys)))
    return tuple(out)
