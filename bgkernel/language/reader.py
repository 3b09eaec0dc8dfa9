"""YAML blocks → frozen block objects (``blocks.py``), with errors naming file and line.

:func:`read_block` tells a block's kind by its keys and reads code, objects, templates,
tables and data here; questions (fields, choices, review screens, attachments) are read by
:mod:`bgkernel.language.questions`.
"""
from __future__ import annotations

import ast
import difflib
import os
from typing import Any

from ..errors import BlockError, InterviewWarning
from .assignments import assigned_names, canonical
from .blocks import (AttachmentBlock, Block, CodeBlock, DataBlock, ObjectsBlock, ObjectSpec,
                     SettingsBlock, TemplateBlock)
from .packages import package_file, split_reference, template_file
from .questions import read_attachments, read_question
from .reading import (COMMANDS, DIRECTIVES, KNOWN_KEYS, SETTINGS, Reading, as_list, names_of,
                      with_defines)
from .source import RawBlock
from .templates import Expr

__all__ = ["read_block", "KNOWN_KEYS", "COMMANDS"]


def read_block(raw: RawBlock, index: int, counter: list[int],
               defs: dict[str, list[str]] | None = None,
               warnings: list[InterviewWarning] | None = None) -> Block:
    """One YAML block as a Block.  ``counter`` numbers the anonymous blocks; ``defs``, the
    interview's ``def`` blocks so far, grows with a ``def`` block's ``mako``; ``warnings``
    receives what docassemble would accept but ignore (unknown keys)."""
    data = raw.data
    if not isinstance(data, dict):
        raise BlockError("A block must be in the form of a dictionary.", raw.file, raw.line)
    data = {str(k).lower(): v for k, v in data.items()}
    ctx = Reading(raw, defs, read_block, warnings)
    for key in (k for k in data if k not in KNOWN_KEYS):
        # docassemble ignores a key it does not know (it logs it in debug mode): so does
        # bgkernel, and says so, with the likely intended key
        close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=2, cutoff=0.75)
        hint = f" (did you mean {' or '.join(repr(m) for m in close)}?)" if close else ""
        if warnings is not None:
            warnings.append(InterviewWarning(f"unknown key {key!r}{hint} in this block is ignored",
                                             ctx.file, ctx.line_of(key), key))
    if "def" in data:
        ctx.define(data)
    if "usedefs" in data:
        ctx.use_defs(data["usedefs"])
    counter[0] += 1
    block_id = str(data["id"]).strip() if data.get("id") is not None else None
    is_question_like = any(k in data for k in ("question", "code", "objects", "template", "data",
                                               "data from code", "attachment", "attachments"))
    if block_id:
        name = f"ID {block_id}"
    else:
        name = f"{'Question' if is_question_like else 'Block'}_{counter[0]}"
    common = _common(ctx, data, index, name, block_id)
    directives = [d for d in DIRECTIVES if d in data]
    if len(directives) > 1:
        raise ctx.error("There can only be one directive in a question.  You had more than one.\n"
                        "The directives are " + ", ".join(DIRECTIVES), directives[1])
    if directives and "question" not in data:
        raise ctx.error("This block is missing a 'question' directive.", directives[0])
    if "question" in data and "code" in data:
        raise ctx.error("A block cannot have both 'question' and 'code'.", "code")
    if "question" in data:
        return read_question(ctx, data, common)
    if "code" in data:
        return _code(ctx, data, common)
    if "objects" in data:
        return _objects(ctx, data, common)
    if "template" in data:
        return _template(ctx, data, common)
    if "table" in data:
        return _table(ctx, data, common)
    if "data" in data or "data from code" in data:
        return _data(ctx, data, common)
    if "attachment" in data or "attachments" in data:
        attachments = read_attachments(ctx, data)
        return AttachmentBlock(**with_defines(common, ctx, data, [a.variable for a in attachments if a.variable]),
                               attachments=attachments)
    for key in SETTINGS:
        if key in data:
            return SettingsBlock(**common, setting=key, value=data[key], extra=data)
    if set(data) <= {"id", "comment"}:
        return SettingsBlock(**common, setting="comment", value=data.get("comment"), extra=data)
    raise ctx.error("No question type could be determined for this block: it needs one of "
                    "question, code, objects, template, attachment, data, metadata, features, "
                    "modules, imports, include, default role (found: " + ", ".join(data) + ")")


def _common(ctx: Reading, data: dict, index: int, name: str, block_id: str | None) -> dict:
    mandatory: Any = False
    if "mandatory" in data:
        value = data["mandatory"]
        mandatory = value if isinstance(value, bool) else ctx.expr(value, "mandatory")
        if "initial" in data:
            raise ctx.error("'mandatory' cannot be combined with 'initial'", "initial")
    conditions: tuple[Expr, ...] = ()
    if "if" in data:
        raw_if = data["if"] if isinstance(data["if"], list) else [data["if"]]
        conditions = tuple(ctx.expr(c, "if") for c in raw_if)
    need_pre: list[Expr] = []
    need_post: list[Expr] = []
    if "need" in data:
        need = data["need"]
        if isinstance(need, dict):
            need_pre = [ctx.expr(v, "need") for v in as_list(need.get("pre"))]
            need_post = [ctx.expr(v, "need") for v in as_list(need.get("post"))]
        else:
            need_pre = [ctx.expr(v, "need") for v in as_list(need)]
    reconsider: Any = ()
    if "reconsider" in data:
        value = data["reconsider"]
        reconsider = value if isinstance(value, bool) else names_of(value)
    role = names_of(data.get("role")) if "role" in data else ()
    generic = data.get("generic object") or data.get("generic list object")
    return dict(file=ctx.file, line=ctx.raw.line, index=index, name=name, id=block_id,
                mandatory=mandatory, conditions=conditions, need_pre=tuple(need_pre),
                need_post=tuple(need_post), reconsider=reconsider,
                undefine=names_of(data.get("undefine")), role=role,
                depends_on=names_of(data.get("depends on")),
                generic=str(generic) if generic else None,
                supersedes=tuple(str(v).strip() for v in as_list(data.get("supersedes"))),
                language=str(data.get("language") or "*"))




# --- code, objects, template, data ----------------------------------------------------

def _code(ctx: Reading, data: dict, common: dict) -> CodeBlock:
    code = ctx.code(data["code"], "code")
    events = names_of(data.get("event"))
    initial: Any = False
    if "initial" in data:
        value = data["initial"]
        initial = value if isinstance(value, bool) else ctx.expr(value, "initial")
    default_role = names_of(data.get("default role")) if "default role" in data else ()
    found = [] if events else assigned_names(ast.parse(code.source))
    return CodeBlock(**with_defines(common, ctx, data, found), code=code, initial=initial,
                     events=events, default_role=default_role)


def _objects(ctx: Reading, data: dict, common: dict) -> ObjectsBlock:
    items = data["objects"]
    if isinstance(items, dict):
        items = [{k: v} for k, v in items.items()]
    if not isinstance(items, list):
        raise ctx.error("'objects' must be a list of {variable: ClassName} items", "objects")
    specs = []
    for item in items:
        if not isinstance(item, dict) or len(item) != 1:
            raise ctx.error("each 'objects' item must be one {variable: ClassName}", "objects")
        (var, cls), = item.items()
        specs.append(ObjectSpec(canonical(str(var).strip()), ctx.expr(cls, "objects")))
    return ObjectsBlock(**with_defines(common, ctx, data, [s.variable for s in specs]),
                        objects=tuple(specs))


def _template(ctx: Reading, data: dict, common: dict) -> TemplateBlock:
    var = str(data["template"]).strip()
    if "content" not in data and "content file" not in data:
        raise ctx.error("a 'template' block needs 'content'", "template")
    target = data.get("target")
    if target is not None and not isinstance(target, str):
        raise ctx.error("'target' must be plain text", "target")
    content = data.get("content", "")
    if "content file" in data and not isinstance(data["content file"], dict):
        content = _content_files(ctx, data["content file"])
    return TemplateBlock(**with_defines(common, ctx, data, [var]), variable=var,
                         subject=ctx.text(data.get("subject"), "subject"),
                         content=ctx.text(content, "content file" if "content file" in data
                                          else "content"), target=target)


def _content_files(ctx: Reading, value: Any) -> str:
    """The text of a template's ``content file`` (one name or a list): a file of an
    installed package (``docassemble.X:file.md``, looked for in its ``data/templates``),
    next to the interview, or in the ``data/templates`` folder beside the interview's
    folder.  One that cannot be read is an error at the block, as in docassemble."""
    names = value if isinstance(value, list) else [value]
    base = os.path.dirname(os.path.abspath(ctx.file)) if ctx.file and os.path.isfile(ctx.file) \
        else None
    text = ""
    for name in names:
        if not isinstance(name, str):
            raise ctx.error("a 'content file' is a file name or a list of file names", "content file")
        found = package_file(name, "templates")
        candidates = [found] if found else []
        if base and split_reference(name)[0] is None:
            # the package's data/templates (from data/questions/examples too) or beside the
            # interview (template_file), else the templates folder beside the interview's folder
            candidates += [template_file(name, ctx.file) or "",
                           os.path.join(os.path.dirname(base), "templates", name)]
        path = next((c for c in candidates if c and os.path.isfile(c)), None)
        if path is None:
            raise ctx.error(f"cannot read the content file {name!r}: no such file "
                            + ("next to the interview" if base else
                               "(an interview given as text has no folder to look in)"),
                            "content file")
        try:
            with open(path, encoding="utf-8") as handle:
                text += handle.read()
        except (OSError, UnicodeDecodeError) as err:
            raise ctx.error(f"cannot read the content file {name!r}: {err}", "content file") from err
    return text


def _table(ctx: Reading, data: dict, common: dict) -> DataBlock:
    """`table:` with `rows:` and `columns:` (a DataBlock whose value is built on demand)."""
    var = str(data["table"]).strip()
    if "rows" not in data or "columns" not in data:
        raise ctx.error("a 'table' block needs 'rows' and 'columns'", "table")
    columns = data["columns"]
    if not isinstance(columns, list):
        raise ctx.error("'columns' must be a list of {Header: expression} items", "columns")
    parsed = []
    for item in columns:
        if not isinstance(item, dict) or not item:
            raise ctx.error("each column must be {Header: expression}", "columns")
        header = next(k for k in item if k not in ("header", "cell"))  if "header" not in item else item["header"]
        source = item.get("cell", item.get(header))
        ctx.expr(source, "columns")
        parsed.append((str(header), str(source).strip()))
    spec = {"rows": str(data["rows"]).strip(), "columns": parsed,
            "empty message": data.get("show if empty") if isinstance(data.get("show if empty"), str) else None,
            "file": ctx.file, "line": ctx.line_of("table")}
    ctx.expr(spec["rows"], "rows")
    return DataBlock(**with_defines(common, ctx, data, [var]), variable=var, data=spec, from_code=False,
                     table=True)


def _data(ctx: Reading, data: dict, common: dict) -> DataBlock:
    if "variable name" not in data:
        raise ctx.error("a 'data' block needs 'variable name'", "data")
    var = str(data["variable name"]).strip()
    from_code = "data from code" in data
    use_objects = data.get("use objects", False)
    if isinstance(use_objects, str) and use_objects.strip().lower() == "objects":
        use_objects = "objects"
    elif not isinstance(use_objects, bool):
        raise ctx.error("'use objects' is True, False or objects", "use objects")
    gathered = data.get("gathered", True)
    if not isinstance(gathered, bool):
        raise ctx.error("'gathered' is True or False here", "gathered")
    return DataBlock(**with_defines(common, ctx, data, [var]), variable=var,
                     data=data.get("data from code" if from_code else "data"), from_code=from_code,
                     use_objects=use_objects, gathered=gathered)
