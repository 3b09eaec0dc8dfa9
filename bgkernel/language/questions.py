"""Question blocks read from YAML: fields and their modifiers, choices and buttons (with the
blocks embedded behind them), review screens and attachments (ENGINE §4-§5)."""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from ..errors import BlockError
from . import datatype_names as datatypes
from .assignments import canonical
from .attachments import read_attachments
from .blocks import Block, Choice, Field, QuestionBlock, ReviewItem
from .reading import (CHOICE_MODIFIERS, COMMANDS, FIELD_MODIFIERS, Reading, as_list, names_of,
                      with_defines)
from .source import RawBlock
from .templates import Expr

__all__ = ["read_question", "read_attachments", "fields_from_code"]


_REVIEW_KEYS = {"label", "field", "fields", "button", "help", "note", "html", "raw html",
                "show if", "css class", "action"}


def _review(ctx: Reading, items: Any) -> tuple[ReviewItem, ...]:
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
        names = [f for f in as_list(fields) if isinstance(f, str)]
        out.append(ReviewItem(
            label=ctx.text(label, "review") if label is not None else None,
            fields=tuple(n.strip() for n in names),
            text=ctx.text(item.get("button", item.get("help")), "review"),
            note=ctx.text(item.get("note", item.get("html", item.get("raw html"))), "review"),
            show_if=tuple(str(v).strip() for v in as_list(item.get("show if")))))
    return tuple(out)


# --- questions ----------------------------------------------------------------------

def read_question(ctx: Reading, data: dict, common: dict) -> QuestionBlock:
    events = names_of(data.get("event"))
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
        kw["attachments"] = read_attachments(ctx, data)
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
    return QuestionBlock(**with_defines(common, ctx, data, found), question=question,
                         events=events, **kw)


def _choices(ctx: Reading, raw: Any, key: str, has_field: bool,
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


def _choice(ctx: Reading, item: Any, key: str, has_field: bool) -> Choice:
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


def _embedded(ctx: Reading, value: dict, key: str) -> Block:
    """The block behind a button (`- Red: {question: ...}`), named after where it stands."""
    raw = RawBlock(value, ctx.file, ctx.line_of(key), "")
    block = ctx.read(raw, -1, [0], ctx.defs, ctx.warnings)
    digest = hashlib.sha1(repr(sorted(value.items(), key=str)).encode()).hexdigest()[:10]
    return dataclasses.replace(block, name=f"Embedded_{raw.line}_{digest}")


def _fields(ctx: Reading, raw: Any) -> tuple[Field, ...]:
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
    ctx = Reading(RawBlock({}, file, line, ""))
    return tuple(_field(ctx, dict(item)) for item in items)


def _field(ctx: Reading, item: Any) -> Field:
    if not isinstance(item, dict):
        raise ctx.error(f"each item of 'fields' must be a dictionary, not {item!r}", "fields")
    if set(item) == {"code"}:
        return Field(variable=None, label=None, dynamic=ctx.expr(item["code"], "fields"))
    labels = [k for k in item if k not in FIELD_MODIFIERS]
    parameters: dict[str, Any] = {}
    if len(labels) > 1 and not datatypes.is_standard(item.get("datatype")):
        # a custom datatype's own keys (its `parameters`): the label comes first
        parameters = {k: item[k] for k in labels[1:]}
        labels = labels[:1]
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
        labeler=ctx.expr(item["object labeler"], "fields") if "object labeler" in item else None,
        help_generator=(ctx.expr(item["help generator"], "fields") if "help generator" in item
                        else None),
        extras=tuple((k, v) for k, v in item.items() if k in ("css class", "inline", "rows")),
        parameters=tuple(parameters.items()))


def _exclude(ctx: Reading, value: Any) -> Expr:
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
