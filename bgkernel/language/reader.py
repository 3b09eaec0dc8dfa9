"""YAML blocks → frozen block objects (``blocks.py``), with errors naming file and line."""
from __future__ import annotations

import ast
import dataclasses
import hashlib
import difflib
import re
from typing import Any

from . import datatype_names as datatypes
from .assignments import assigned_names, canonical
from .blocks import (Attachment, AttachmentBlock, Block, Choice, CodeBlock, DataBlock, Field,
                     ObjectsBlock, ObjectSpec, QuestionBlock, ReviewItem, SettingsBlock,
                     TemplateBlock)
from ..errors import BlockError
from .source import RawBlock
from .templates import Code, Expr, Text

__all__ = ["read_block", "KNOWN_KEYS", "COMMANDS"]

# docassemble's recognised top-level keys (parse.py); any other key is an error here.
KNOWN_KEYS = frozenset("""
features|scan for variables|only sets|question|code|event|translations|default language|on change|
sections|progressive|auto open|section|machine learning storage|language|prevent going back|
back button|usedefs|continue button label|continue button color|resume button label|
resume button color|back button label|corner back button label|skip undefined|list collect|
mandatory|attachment options|script|css|initial|default role|command|objects from file|use objects|
data|variable name|data from code|objects|id|ga id|segment id|segment|supersedes|order|image sets|
images|def|mako|interview help|default screen parts|default validation messages|generic object|
generic list object|comment|metadata|modules|reset|imports|terms|auto terms|role|include|
action buttons|if|validation code|require|orelse|attachment|attachments|attachment code|
attachments code|allow emailing|allow downloading|email subject|email body|email template|
email address default|progress|zip filename|action|backgroundresponse|response|binaryresponse|
all_variables|response filename|content type|redirect url|null response|sleep|include_internal|
css class|table css class|response code|subquestion|reload|help|audio|video|decoration|signature|
under|pre|post|right|submit|check in|yesno|noyes|yesnomaybe|noyesmaybe|sets|choices|buttons|
dropdown|combobox|field|shuffle|review|need|depends on|target|table|rows|columns|require gathered|
allow reordering|edit|delete buttons|confirm|read only|edit header|show if empty|template|
content file|content|subject|reconsider|undefine|continue button field|fields|indent|url|default|
datatype|extras|allowed to set|show incomplete|not available label|required|
always include editable files|question metadata|include attachment notice|include download tab|
describe file types|manual attachment list|breadcrumb|tabular|hide continue button|
disable continue button|pen color|gathered|sort key|sort reverse|filter|flattened checkbox label|
flattened checkbox unselected label""".replace("\n", "").split("|"))

DIRECTIVES = ("yesno", "noyes", "yesnomaybe", "noyesmaybe", "fields", "buttons", "choices",
              "dropdown", "combobox", "signature", "review")
COMMANDS = frozenset({"continue", "restart", "refresh", "signin", "register", "exit", "logout",
                      "exit_logout", "leave", "new_session"})
SETTINGS = ("metadata", "features", "modules", "imports", "reset", "translations", "default language",
            "sections", "order", "image sets", "images", "def", "interview help",
            "default screen parts", "default validation messages", "machine learning storage",
            "attachment options", "terms", "auto terms", "on change", "comment", "default role")
FIELD_MODIFIERS = frozenset("""datatype|input type|required|default|hint|help|choices|code|exclude|
none of the above|all of the above|show if|hide if|js show if|js hide if|enable if|disable if|
js enable if|js disable if|disabled|min|max|minlength|maxlength|step|scale|inline|inline width|
currency symbol|css class|validate|validation messages|under text|label above field|floating label|
grid|item grid|rows|address autocomplete|uncheck others|check others|disable others|shuffle|group|
object labeler|help generator|image generator|field metadata|accept|maximum image size|
image upload type|persistent|private|allow users|allow privileges|action|trigger at|label|field|
note|html|raw html|field metadata|maximum number|minimum number|file css class|
use image|max image size|content type|object|show if empty""".replace("\n", "").split("|"))
CHOICE_MODIFIERS = frozenset({"label", "value", "key", "help", "image", "default", "css class", "color",
                              "group", "show if", "url"})


class _Ctx:
    """Where we are while reading one block."""

    def __init__(self, raw: RawBlock, defs: dict[str, list[str]] | None = None):
        self.raw = raw
        self.file = raw.file
        self.lines = raw.text.split("\n")
        self.defs = defs if defs is not None else {}
        self.prefix = ""             # the `usedefs` definitions, put before every text

    def line_of(self, key: str, body: bool = False) -> int:
        """The YAML line of a top-level ``key`` (the first line of its text if body)."""
        pattern = re.compile(rf"^{re.escape(key)}\s*:(.*)$", re.IGNORECASE)
        for offset, text in enumerate(self.lines):
            match = pattern.match(text)
            if match:
                rest = match.group(1).strip()
                if body and (rest.startswith("|") or rest.startswith(">") or rest == ""):
                    return self.raw.line + offset + 1
                return self.raw.line + offset
        return self.raw.line

    def error(self, message: str, key: str | None = None) -> BlockError:
        return BlockError(message, self.file, self.line_of(key) if key else self.raw.line)

    def text(self, value: Any, key: str | None = None) -> Text | None:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise self.error(f"'{key}' must be text, not a {type(value).__name__}", key)
        # The first line of the text itself, so Mako's line numbers add up to the file's
        # (`usedefs` definitions come first: the text's own lines still add up).
        line = self.line_of(key, body=True) if key else self.raw.line
        if self.prefix:
            return Text(self.prefix + str(value), self.file, line - self.prefix.count("\n"))
        return Text(value, self.file, line)

    def use_defs(self, value: Any) -> None:
        """``usedefs``: the named ``def`` blocks' Mako, defined earlier in the interview."""
        names = value if isinstance(value, list) else [value]
        found: list[str] = []
        for name in names:
            if isinstance(name, (dict, list, set, bool)) or name is None:
                raise self.error("A usedefs section must consist of a list of strings or a "
                                 "single string.", "usedefs")
            if str(name) not in self.defs:
                raise self.error(f'Referred to a non-existent def "{name}."  All defs must be '
                                 "defined before they are used.", "usedefs")
            found.extend(self.defs[str(name)])
        self.prefix = "\n".join(found) + "\n"

    def define(self, data: dict) -> None:
        """A ``def`` block: its ``mako`` joins the named definitions (for later ``usedefs``)."""
        name = data["def"]
        if not isinstance(name, str):
            raise self.error("A def name must be a string.", "def")
        mako = data.get("mako", [])
        items = [mako] if isinstance(mako, str) else mako
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise self.error("A mako template definition must be a string or a list of strings.",
                             "mako")
        self.defs.setdefault(name, []).extend(items)

    def expr(self, value: Any, key: str) -> Expr:
        if not isinstance(value, (str, int, float, bool)):
            raise self.error(f"'{key}' must be a Python expression", key)
        return Expr(value, self.file, self.line_of(key))

    def code(self, value: Any, key: str) -> Code:
        if not isinstance(value, str):
            raise self.error(f"'{key}' must be Python code as text", key)
        return Code(value, self.file, self.line_of(key, body=True))


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(canonical(str(v).strip()) for v in value)
    return (canonical(str(value).strip()),)


def read_block(raw: RawBlock, index: int, counter: list[int],
               defs: dict[str, list[str]] | None = None) -> Block:
    """One YAML block as a Block.  ``counter`` numbers the anonymous blocks; ``defs``, the
    interview's ``def`` blocks so far, grows with a ``def`` block's ``mako``."""
    data = raw.data
    if not isinstance(data, dict):
        raise BlockError("A block must be in the form of a dictionary.", raw.file, raw.line)
    data = {str(k).lower(): v for k, v in data.items()}
    ctx = _Ctx(raw, defs)
    unknown = [k for k in data if k not in KNOWN_KEYS]
    if unknown:
        hints = [f"{k!r} (did you mean {' or '.join(repr(m) for m in close)}?)" if close else repr(k)
                 for k in unknown
                 for close in [difflib.get_close_matches(k, sorted(KNOWN_KEYS), n=2, cutoff=0.75)]]
        raise ctx.error(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(hints)} "
                        "in this block", unknown[0])
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
        return _question(ctx, data, common)
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
        attachments = _attachments(ctx, data)
        return AttachmentBlock(**_with_defines(common, ctx, data, [a.variable for a in attachments if a.variable]),
                               attachments=attachments)
    for key in SETTINGS:
        if key in data:
            return SettingsBlock(**common, setting=key, value=data[key], extra=data)
    if set(data) <= {"id", "comment"}:
        return SettingsBlock(**common, setting="comment", value=data.get("comment"), extra=data)
    raise ctx.error("No question type could be determined for this block: it needs one of "
                    "question, code, objects, template, attachment, data, metadata, features, "
                    "modules, imports, include, default role (found: " + ", ".join(data) + ")")


def _common(ctx: _Ctx, data: dict, index: int, name: str, block_id: str | None) -> dict:
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
            need_pre = [ctx.expr(v, "need") for v in _as_list(need.get("pre"))]
            need_post = [ctx.expr(v, "need") for v in _as_list(need.get("post"))]
        else:
            need_pre = [ctx.expr(v, "need") for v in _as_list(need)]
    reconsider: Any = ()
    if "reconsider" in data:
        value = data["reconsider"]
        reconsider = value if isinstance(value, bool) else _names(value)
    role = _names(data.get("role")) if "role" in data else ()
    generic = data.get("generic object") or data.get("generic list object")
    return dict(file=ctx.file, line=ctx.raw.line, index=index, name=name, id=block_id,
                mandatory=mandatory, conditions=conditions, need_pre=tuple(need_pre),
                need_post=tuple(need_post), reconsider=reconsider,
                undefine=_names(data.get("undefine")), role=role,
                depends_on=_names(data.get("depends on")),
                generic=str(generic) if generic else None,
                supersedes=tuple(str(v).strip() for v in _as_list(data.get("supersedes"))),
                language=str(data.get("language") or "*"))


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _with_defines(common: dict, ctx: _Ctx, data: dict, found: list[str]) -> dict:
    """Add `sets`, `event` and the scanned names to what the block defines."""
    names = list(found)
    if "only sets" in data:
        names = list(_names(data["only sets"]))
    elif data.get("scan for variables") is False:
        names = []
    names.extend(_names(data.get("sets")))
    names.extend(_names(data.get("event")))
    common = dict(common)
    common["defines"] = tuple(dict.fromkeys(canonical(n) for n in names))
    return common


# --- code, objects, template, data ----------------------------------------------------

def _code(ctx: _Ctx, data: dict, common: dict) -> CodeBlock:
    code = ctx.code(data["code"], "code")
    events = _names(data.get("event"))
    initial: Any = False
    if "initial" in data:
        value = data["initial"]
        initial = value if isinstance(value, bool) else ctx.expr(value, "initial")
    default_role = _names(data.get("default role")) if "default role" in data else ()
    found = [] if events else assigned_names(ast.parse(code.source))
    return CodeBlock(**_with_defines(common, ctx, data, found), code=code, initial=initial,
                     events=events, default_role=default_role)


def _objects(ctx: _Ctx, data: dict, common: dict) -> ObjectsBlock:
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
    return ObjectsBlock(**_with_defines(common, ctx, data, [s.variable for s in specs]),
                        objects=tuple(specs))


def _template(ctx: _Ctx, data: dict, common: dict) -> TemplateBlock:
    var = str(data["template"]).strip()
    if "content" not in data and "content file" not in data:
        raise ctx.error("a 'template' block needs 'content'", "template")
    target = data.get("target")
    if target is not None and not isinstance(target, str):
        raise ctx.error("'target' must be plain text", "target")
    return TemplateBlock(**_with_defines(common, ctx, data, [var]), variable=var,
                         subject=ctx.text(data.get("subject"), "subject"),
                         content=ctx.text(data.get("content", ""), "content"), target=target)


def _table(ctx: _Ctx, data: dict, common: dict) -> DataBlock:
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
    return DataBlock(**_with_defines(common, ctx, data, [var]), variable=var, data=spec, from_code=False,
                     table=True)


def _data(ctx: _Ctx, data: dict, common: dict) -> DataBlock:
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
    return DataBlock(**_with_defines(common, ctx, data, [var]), variable=var,
                     data=data.get("data from code" if from_code else "data"), from_code=from_code,
                     use_objects=use_objects, gathered=gathered)


_REVIEW_KEYS = {"label", "field", "fields", "button", "help", "note", "html", "raw html",
                "show if", "css class", "action"}


def _review(ctx: _Ctx, items: Any) -> tuple[ReviewItem, ...]:
    """``review:`` lines: ``- Edit label: variable`` or ``label:`` with ``field(s):``, each
    with ``button``/``help`` text, a ``note`` and ``show if`` variables."""
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, list):
        raise ctx.error("The review must be written in the form of a list.", "review")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ctx.error("Each line of a review is a dictionary, e.g. '- Fruit: favorite_fruit'",
                            "review")
        label, fields = item.get("label"), item.get("fields", item.get("field"))
        if fields is not None and label is None:
            raise ctx.error("A review line with 'field' or 'fields' needs a 'label'", "review")
        for key, value in item.items():
            if key not in _REVIEW_KEYS and fields is None:
                label, fields = key, value
        names = [f for f in _as_list(fields) if isinstance(f, str)]
        out.append(ReviewItem(
            label=ctx.text(label, "review") if label is not None else None,
            fields=tuple(n.strip() for n in names),
            text=ctx.text(item.get("button", item.get("help")), "review"),
            note=ctx.text(item.get("note", item.get("html", item.get("raw html"))), "review"),
            show_if=tuple(str(v).strip() for v in _as_list(item.get("show if")))))
    return tuple(out)


def _attachments(ctx: _Ctx, data: dict) -> tuple[Attachment, ...]:
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
        formats = item.get("valid formats") or ("pdf", "docx")
        out.append(Attachment(
            name=ctx.text(item.get("name"), key), filename=ctx.text(item.get("filename"), key),
            content=ctx.text(item.get("content"), key),
            variable=str(item["variable name"]).strip() if item.get("variable name") else None,
            description=ctx.text(item.get("description"), key),
            valid_formats=tuple(_as_list(formats)),
            metadata=tuple((item.get("metadata") or {}).items())))
    return tuple(out)


# --- questions ----------------------------------------------------------------------

def _question(ctx: _Ctx, data: dict, common: dict) -> QuestionBlock:
    events = _names(data.get("event"))
    if events and any(k in data for k in ("field", "fields", "yesno", "noyes")):
        raise ctx.error("The 'event' designator is for special screens that do not gather "
                        "information and can only be used with 'buttons' or with no other controls.",
                        "event")
    found: list[str] = []
    kw: dict[str, Any] = {}
    variable = str(data["field"]).strip() if data.get("field") is not None else None
    for key in ("yesno", "noyes", "yesnomaybe", "noyesmaybe"):
        if key in data:
            kw["question_type"] = key
            kw["variable"] = str(data[key]).strip()
            found.append(kw["variable"])
    choice_key = next((k for k in ("buttons", "choices", "dropdown", "combobox") if k in data), None)
    if choice_key:
        kw["question_type"] = "multiple_choice"
        kw["choice_style"] = {"choices": "radio"}.get(choice_key, choice_key)
        kw["choices"] = _choices(ctx, data[choice_key], choice_key, has_field=variable is not None)
        if variable:
            kw["variable"] = variable
            found.append(variable)
        else:
            for choice in kw["choices"] if isinstance(kw["choices"], tuple) else ():
                if choice.embedded is not None:
                    found.extend(choice.embedded.defines)
        if data.get("datatype"):
            kw["choice_datatype"] = str(data["datatype"])
    elif variable and "question_type" not in kw:
        kw["question_type"] = "settrue"
        kw["variable"] = variable
        found.append(variable)
    continue_field = data.get("continue button field")
    if continue_field:
        continue_field = str(continue_field).strip()
        kw["continue_field"] = continue_field
        found.append(continue_field)
        kw.setdefault("question_type", "settrue")
        kw.setdefault("variable", continue_field)
    if "fields" in data:
        kw["question_type"] = "fields"
        kw["fields"] = _fields(ctx, data["fields"])
        for fld in kw["fields"]:
            if fld.variable:
                found.append(fld.variable)
    if "signature" in data:
        kw["question_type"] = "signature"
        kw["variable"] = str(data["signature"]).strip()
        found.append(kw["variable"])
    if "review" in data:
        kw["question_type"] = "review"
        kw["review"] = _review(ctx, data["review"])
        kw["skip_undefined"] = data.get("skip undefined", True) is not False
    if "validation code" in data:
        kw["validation_code"] = ctx.code(data["validation code"], "validation code")
    if data.get("reload"):
        kw["reload"] = ctx.text(str(data["reload"]), "reload")
    if "check in" in data:
        if not isinstance(data["check in"], str):
            raise ctx.error("'check in' must be the name of an action", "check in")
        kw["checkin"] = data["check in"].strip()
    if "attachment" in data or "attachments" in data:
        kw["attachments"] = _attachments(ctx, data)
        found.extend(a.variable for a in kw["attachments"] if a.variable)
    for key in ("attachment code", "attachments code"):
        if key in data:
            kw["attachment_code"] = ctx.expr(data[key], key)
    for key in ("subquestion", "under", "pre", "post", "right", "help", "script", "section",
                "audio", "video"):
        if key in data and not isinstance(data[key], dict):
            kw[key] = ctx.text(data[key], key)
    if isinstance(data.get("help"), dict):
        kw["help"] = ctx.text(data["help"].get("content"), "help")
    if data.get("continue button label") is not None:
        kw["continue_label"] = ctx.text(data["continue button label"], "continue button label")
    elif data.get("resume button label") is not None:
        kw["continue_label"] = ctx.text(data["resume button label"], "resume button label")
    kw["prevent_back"] = bool(data.get("prevent going back"))
    if "back button" in data:
        kw["back_button"] = bool(data["back button"])
    kw["hide_continue"] = bool(data.get("hide continue button"))
    if data.get("command"):
        kw["command"] = str(data["command"])
    question = ctx.text(data["question"], "question")
    return QuestionBlock(**_with_defines(common, ctx, data, found), question=question,
                         events=events, **kw)


def _choices(ctx: _Ctx, raw: Any, key: str, has_field: bool,
             in_fields: bool = False) -> tuple[Choice, ...] | Expr:
    """Manual choices.  A YAML dict keeps its order on a question (parse_fields) and is
    sorted by value inside ``fields`` (process_selections_manual); inside ``fields`` a
    ``- code: x`` list item is an ordinary choice labelled "code", as in docassemble."""
    if isinstance(raw, dict) and set(raw) == {"code"}:
        return ctx.expr(raw["code"], key)
    if isinstance(raw, dict):
        items = [{k: v} for k, v in raw.items()]
        if in_fields:
            items.sort(key=lambda item: str(next(iter(item.values()))))
    elif isinstance(raw, list):
        items = raw
    elif isinstance(raw, str):
        return ctx.expr(raw, key)
    else:
        raise ctx.error(f"'{key}' must be a list or a dictionary of choices", key)
    out = []
    for item in items:
        if isinstance(item, dict) and set(item) == {"code"} and not has_field:
            pass
        elif isinstance(item, dict) and set(item) == {"code"} and not in_fields:
            return ctx.expr(item["code"], key)
        out.append(_choice(ctx, item, key, has_field))
    return tuple(out)


def _choice(ctx: _Ctx, item: Any, key: str, has_field: bool) -> Choice:
    if not isinstance(item, dict):
        value = item if isinstance(item, bool) or item is None else str(item)
        return Choice(label=ctx.text(str(item), key), value=value)
    extras = {k: v for k, v in item.items() if k in CHOICE_MODIFIERS}
    labels = [k for k in item if k not in CHOICE_MODIFIERS]
    if "label" in item or "value" in item or "key" in item:
        label = item.get("label", item.get("value", item.get("key")))
        value = item.get("value", item.get("key", label))
    elif len(labels) == 1:
        label, value = labels[0], item[labels[0]]
    elif labels:
        raise ctx.error(f"a choice has more than one label: {', '.join(map(str, labels))}", key)
    else:
        raise ctx.error("a choice needs a label", key)
    help_text = ctx.text(extras.get("help"), key) if extras.get("help") is not None else None
    command = embedded = None
    if not has_field:
        if isinstance(value, dict):
            embedded = _embedded(ctx, value, key)
        elif isinstance(value, str) and value.strip() in COMMANDS:
            command = value.strip()
    if not isinstance(value, (bool, dict)) and value is not None:
        value = str(value)
    show_if = extras.get("show if")
    if isinstance(show_if, str):
        show_if = ctx.expr(show_if, key)
    return Choice(label=ctx.text(str(label), key), value=value, help=help_text,
                  default=bool(extras.get("default")), image=extras.get("image"),
                  command=command, url=extras.get("url"), embedded=embedded, show_if=show_if)


def _embedded(ctx: _Ctx, value: dict, key: str) -> Block:
    """The block behind a button (`- Red: {question: ...}`), named after where it stands."""
    raw = RawBlock(value, ctx.file, ctx.line_of(key), "")
    block = read_block(raw, -1, [0], ctx.defs)
    digest = hashlib.sha1(repr(sorted(value.items(), key=str)).encode()).hexdigest()[:10]
    return dataclasses.replace(block, name=f"Embedded_{raw.line}_{digest}")


def _fields(ctx: _Ctx, raw: Any) -> tuple[Field, ...]:
    if isinstance(raw, dict) and set(raw) == {"code"}:
        return (Field(variable=None, label=None, dynamic=ctx.expr(raw["code"], "fields")),)
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise ctx.error("'fields' must be a list of fields", "fields")
    return tuple(_field(ctx, item) for item in raw)


def fields_from_code(items: Any, file: str, line: int) -> tuple[Field, ...]:
    """The fields a `fields: code:` expression gave (a list of field dictionaries)."""
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, (list, tuple)):
        raise BlockError(f"the code of 'fields' must give a list of field dictionaries, not {items!r}",
                         file, line)
    ctx = _Ctx(RawBlock({}, file, line, ""))
    return tuple(_field(ctx, dict(item)) for item in items)


def _field(ctx: _Ctx, item: Any) -> Field:
    if not isinstance(item, dict):
        raise ctx.error(f"each item of 'fields' must be a dictionary, not {item!r}", "fields")
    if set(item) == {"code"}:
        return Field(variable=None, label=None, dynamic=ctx.expr(item["code"], "fields"))
    labels = [k for k in item if k not in FIELD_MODIFIERS]
    if len(labels) > 1:
        raise ctx.error(f"Syntax error: field label '{labels[1]}' overwrites previous label "
                        f"'{labels[0]}'", "fields")
    if labels:
        label, variable = labels[0], item[labels[0]]
    else:
        label, variable = item.get("label"), item.get("field")
    text = lambda key: ctx.text(item.get(key), "fields") if item.get(key) is not None else None  # noqa: E731
    if variable is None:
        if any(k in item for k in ("note", "html", "raw html")):
            return Field(variable=None, label=ctx.text(label, "fields") if label else None,
                         note=text("note"), html=text("html") or text("raw html"))
        raise ctx.error(f"a field needs a variable: {item!r}", "fields")
    variable = canonical(str(variable).strip())
    datatype, input_type = datatypes.normalize_datatype(item.get("datatype"), item.get("input type"))
    choices: Any = None
    if "choices" in item:
        choices = _choices(ctx, item["choices"], "fields", has_field=True, in_fields=True)
    elif "code" in item:
        choices = ctx.expr(item["code"], "fields")
    if choices is None and datatype == "text" and "default" in item and "datatype" not in item:
        datatype = _auto_type(item["default"], datatype)
    required: Any = item.get("required", datatypes.default_required(datatype))
    if isinstance(required, str):
        required = ctx.expr(required, "fields")
    default = item.get("default")
    if isinstance(default, dict) and set(default) == {"code"}:
        default = ctx.expr(default["code"], "fields")
    elif isinstance(default, str):
        default = ctx.text(default, "fields")
    nota = item.get("none of the above", True)
    return Field(
        variable=variable, label=ctx.text(label, "fields") if label is not None else None,
        datatype=datatype, input_type=input_type, required=required, default=default,
        choices=choices, exclude=_exclude(ctx, item["exclude"]) if "exclude" in item else None,
        none_of_the_above=nota if isinstance(nota, bool) else ctx.text(nota, "fields"),
        minimum=item.get("min"), maximum=item.get("max"), minlength=item.get("minlength"),
        maxlength=item.get("maxlength"), step=item.get("step"), hint=text("hint"), help=text("help"),
        show_if=item.get("show if"), hide_if=item.get("hide if"),
        js_show_if=item.get("js show if"),
        js_enable_if=item.get("js enable if"),
        disabled=item.get("disabled", False),
        validate=ctx.expr(item["validate"], "fields") if "validate" in item else None,
        extras=tuple((k, v) for k, v in item.items() if k in ("css class", "inline", "rows")))


def _exclude(ctx: _Ctx, value: Any) -> Expr:
    """`exclude:` is an expression, or a list of them (their values are left out)."""
    if isinstance(value, list):
        return ctx.expr("[" + ", ".join(f"({str(v).strip()})" for v in value) + "]", "fields")
    return ctx.expr(value, "fields")


def _auto_type(default: Any, datatype: str) -> str:
    if isinstance(default, bool):
        return "yesno"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "number"
    return datatype
