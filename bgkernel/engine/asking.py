"""A question block rendered into a :class:`Screen` (docassemble's ``Question.ask``)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..language.blocks import Choice, Field, QuestionBlock, ReviewItem
from ..language.expressions import run_expression
from ..language.questions import fields_from_code
from ..language.templates import Expr, Text
from ..library.objects import DAObject
from . import documents
from .evaluating import substitute
from .screen import Button, Option, ReviewLine, Screen, ScreenField

if TYPE_CHECKING:
    from .evaluation import Evaluation

__all__ = ["build_question", "normalize_choices", "reload_seconds", "without_choices"]

_MISSING = object()


def _render(text: Text | None, ns: dict) -> str:
    return text.render(ns) if text is not None else ""


def build_question(ev: "Evaluation", block: QuestionBlock, iterators: dict[str, str]) -> Screen:
    ns = ev.ns
    question = _render(block.question, ns).strip()
    subquestion = _render(block.subquestion, ns)
    under = _render(block.under, ns)
    help_text = _render(block.help, ns)
    fields: list[ScreenField] = []
    buttons: list[Button] = []
    qtype = block.question_type
    variable = substitute(block.variable, iterators, ns) if block.variable else None
    if qtype in ("yesno", "noyes", "yesnomaybe", "noyesmaybe"):
        yes, no = (True, False) if qtype.startswith("yes") else (False, True)
        buttons = [Button("Yes", yes, variable), Button("No", no, variable)]
        if qtype.endswith("maybe"):
            buttons.append(Button("I don't know", None, variable))
    elif qtype == "multiple_choice":
        options = choice_options(ev, block.choices, keep_places=not block.variable)
        if block.variable and block.choice_style in ("radio", "dropdown", "combobox"):
            current = _current(ev, variable)
            chosen = next((o.value for o in options if o.default), None)
            fields.append(ScreenField(variable, question, datatype=block.choice_datatype or
                                      _choice_datatype(options), input_type=block.choice_style,
                                      choices=tuple(options), required=True, default=chosen,
                                      value=chosen if current is _MISSING else current,
                                      generic=block.variable))
            buttons.append(_continue(block, ns))
        elif block.variable:
            for opt in options:
                buttons.append(Button(opt.label, opt.value, variable))
        else:
            for index, (choice, opt) in enumerate(zip(_static(block.choices), options)):
                if opt is None:
                    continue
                buttons.append(Button(opt.label, opt.value if choice is None else
                                      (None if choice.embedded else choice.value),
                                      command=None if choice is None else choice.command,
                                      index=index, url=None if choice is None else choice.url))
    elif qtype == "settrue":
        buttons.append(Button(_render(block.continue_label, ns) or "Continue", True, variable))
    elif qtype == "fields":
        for fld in _expanded(ev, block):
            rendered = _field(ev, fld, iterators)
            if rendered is not None:
                fields.append(rendered)
        cont = substitute(block.continue_field, iterators, ns) if block.continue_field else None
        buttons.append(Button(_render(block.continue_label, ns) or "Continue", True if cont else None, cont))
    elif qtype == "signature":
        fields.append(ScreenField(variable, question, datatype="signature", generic=block.variable))
        buttons.append(_continue(block, ns))
    elif qtype == "review":            # docassemble's button here says Resume
        field = block.continue_field or block.variable   # `field:` or `continue button field:`
        cont = substitute(field, iterators, ns) if field else None
        buttons.append(Button(_render(block.continue_label, ns) or "Resume", True if cont else None,
                              cont))
        review = tuple(line for item in block.review
                       if (line := _review_line(ev, item, iterators, block.skip_undefined)))
    if qtype != "review":
        review = ()
    attachments = ()
    if block.attachments or block.attachment_code is not None:
        attachments = documents.for_question(ev, block)
    return Screen(
        kind="question", question=question, subquestion=subquestion, under=under, help=help_text,
        pre=_render(block.pre, ns), post=_render(block.post, ns), script=_render(block.script, ns),
        audio=_render(block.audio, ns).strip(), video=_render(block.video, ns).strip(),
        review=review,
        fields=tuple(fields), buttons=tuple(buttons), question_type=qtype,
        event=block.events[0] if block.events else None,
        reload=reload_seconds(block.reload, ns) if block.reload is not None else None,
        checkin=block.checkin, targets=_targets(block, ns, question, subquestion, under, fields),
        attachments=tuple(attachments), block=block.name, location=block.where(),
        iterators=dict(iterators),
        can_go_back=not (block.prevent_back or ev.ctx.extra.get("prevent_back")))


def without_choices(ev: "Evaluation", screen: Screen, block: QuestionBlock,
                    iterators: dict[str, str]) -> list[tuple[str, str | None]] | None:
    """A question docassemble does not ask: every field offers choices and none has any left
    (after ``show if`` and ``exclude``).  Returns the (variable, datatype) pairs to set --
    None for a single choice, an empty gathered DADict or DAList for checkboxes -- or None
    when the question is asked.  A combobox, a note, any other field or a ``continue button
    field`` means it is asked."""
    if block.question_type == "multiple_choice":
        if any(f.input_type in ("combobox", "datalist") or f.choices for f in screen.fields):
            return None
        if screen.buttons and not screen.fields:
            return None
        if screen.fields:
            return [(screen.fields[0].variable, None)]
        if not block.variable:
            return []                # buttons without a variable, none left: marked answered
        return [(substitute(block.variable, iterators, ev.ns), None)]
    if block.question_type != "fields" or block.continue_field or not screen.fields:
        return None
    if len(screen.fields) != sum(1 for f in block.fields if f.dynamic is None) or any(
            f.dynamic is not None for f in block.fields):
        return None                  # a field hidden by `show if`, or fields made by code
    if any(f.choices is None or f.choices or f.input_type in ("combobox", "datalist")
           for f in screen.fields):
        return None
    return [(f.variable, f.datatype) for f in screen.fields]


def _review_line(ev: "Evaluation", item: ReviewItem, iterators: dict[str, str],
                 skip_undefined: bool) -> ReviewLine | None:
    """A review line, or None when it is left out: a ``show if`` variable is undefined, or
    (with ``skip undefined``, the default) one of its own variables or its text's is."""
    ns = ev.ns
    variables = tuple(substitute(name, iterators, ns) for name in item.fields)
    for name in (*item.show_if, *(variables if skip_undefined else ())):
        if not ev.defined(substitute(name, iterators, ns)):
            return None
    try:
        return ReviewLine(_render(item.label, ns).strip(), variables,
                          _render(item.text, ns).strip(), _render(item.note, ns).strip())
    except Exception:  # noqa: BLE001 -- a line whose text needs what is undefined is left out
        if skip_undefined:
            return None
        raise


def _expanded(ev: "Evaluation", block: QuestionBlock) -> list[Field]:
    """The block's fields, with `code:` items replaced by the fields they compute."""
    out: list[Field] = []
    for fld in block.fields:
        if fld.dynamic is None:
            out.append(fld)
        else:
            out.extend(fields_from_code(fld.dynamic.run(ev.ns), block.file, block.line))
    return out


def _continue(block: QuestionBlock, ns: dict) -> Button:
    return Button(_render(block.continue_label, ns) or "Continue", None, None)


def _static(choices: Any) -> list[Choice | None]:
    return list(choices) if isinstance(choices, tuple) else []


def _current(ev: "Evaluation", variable: str) -> Any:
    prior = ev.ctx.prior
    if prior is not None:
        try:
            return run_expression(variable, dict(prior))
        except Exception:  # noqa: BLE001 -- not in the discarded answers
            pass
    try:
        return run_expression(variable, ev.ns)
    except Exception:  # noqa: BLE001 -- undefined: the value before `depends on` undid it
        return ev.internal.get("dirty", {}).get(variable, _MISSING)


def _field(ev: "Evaluation", fld: Field, iterators: dict[str, str]) -> ScreenField | None:
    ns = ev.ns
    if fld.variable is None:
        return ScreenField(None, _render(fld.label, ns) or None, datatype="note",
                           note=_render(fld.note, ns) or None, html=_render(fld.html, ns) or None,
                           required=False)
    if isinstance(fld.show_if, dict) and "code" in fld.show_if:
        if not run_expression(str(fld.show_if["code"]).strip(), ns):
            return None
    if isinstance(fld.hide_if, dict) and "code" in fld.hide_if:
        if run_expression(str(fld.hide_if["code"]).strip(), ns):
            return None
    variable = substitute(fld.variable, iterators, ns)
    options = None
    if fld.choices is not None:
        objects = fld.datatype.startswith("object")
        labeler = fld.labeler.run(ns) if objects and fld.labeler is not None else None
        excluded = _flatten(fld.exclude.run(ns), []) if fld.exclude is not None else []
        options = tuple(choice_options(ev, fld.choices, label=labeler or str,     # excluded
                                       keep=lambda v: not _is_excluded(v, excluded)))  # unread
        if objects:
            helper = fld.help_generator.run(ns) if fld.help_generator is not None else None
            options = tuple(_object_option(o, ns, labeler, helper, isinstance(fld.choices, Expr))
                            for o in options)
        if excluded:
            options = tuple(o for o in options if not _is_excluded(o.value, excluded))
    required = fld.required.run(ns) if isinstance(fld.required, Expr) else bool(fld.required)
    disabled = fld.disabled.run(ns) if isinstance(fld.disabled, Expr) else bool(fld.disabled)
    current = _current(ev, variable)
    default = _default(fld.default, ns)
    if default is None and options:
        chosen = [o.value for o in options if o.default]
        if chosen:
            default = chosen if fld.datatype in ("checkboxes", "multiselect") else chosen[0]
    value = current if current is not _MISSING else default
    return ScreenField(
        variable, _render(fld.label, ns), datatype=fld.datatype, input_type=fld.input_type,
        choices=options, required=bool(required) and not disabled, default=default,
        value=value, hint=_render(fld.hint, ns) or None, help=_render(fld.help, ns) or None,
        minimum=_limit(fld.minimum, ns), maximum=_limit(fld.maximum, ns), generic=fld.variable,
        enabled=not disabled, js_enable_if=fld.js_enable_if, show_if=fld.show_if,
        hide_if=fld.hide_if,
        none_of_the_above=(fld.none_of_the_above.render(ns) if isinstance(fld.none_of_the_above, Text)
                           else fld.none_of_the_above),
        parameters=fld.parameters)


def _object_option(option: Option, ns: dict, labeler: Any = None, helper: Any = None,
                   computed: bool = False) -> Option:
    """An object field's listed choice names an object: the object is the value, and its
    text the label unless the choice gave one (``object labeler`` gives the text, and
    ``help generator`` the help, from the object)."""
    if computed or not isinstance(option.value, str):   # its label made by choice_options
        found, label = option.value, option.label
    else:
        found = run_expression(option.value.strip(), ns)     # an undefined one is sought
        if option.label != option.value:
            label = option.label
        else:
            label = str(labeler(found) if labeler is not None else found)
    help_text = str(helper(found)) if helper is not None else option.help
    return Option(found, label, help_text, option.default)


def _flatten(value: Any, out: list) -> list:
    """docassemble's ``setify``: the items of lists, sets and DALists (not gathered)."""
    if isinstance(value, DAObject) and "elements" in value.__dict__:
        return _flatten(value.__dict__["elements"], out)
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        for item in value:
            _flatten(item, out)
    else:
        out.append(value)
    return out


def _is_excluded(value: Any, excluded: list) -> bool:
    """An object is left out when it is one of ``excluded``; a plain value when it equals one
    (or its text does)."""
    if isinstance(value, DAObject):
        return any(value is item for item in excluded)
    return any(not isinstance(item, DAObject) and (value == item or str(value) == str(item))
               for item in excluded)


def _limit(value: Any, ns: dict) -> Any:
    """`min:`/`max:` may be Mako (``${ today() }``), rendered when the screen is built."""
    if isinstance(value, str) and ("${" in value or "%" in value):
        return Text(value).render(ns).strip()
    return value


def _default(default: Any, ns: dict) -> Any:
    if isinstance(default, Expr):
        return default.run(ns)
    if isinstance(default, Text):
        return default.render(ns).strip()
    return default


def choice_options(ev: "Evaluation", choices: Any, keep_places: bool = False,
                   label: Any = str, keep: Any = None) -> list[Any]:
    """The options offered; a choice whose ``show if`` is false is left out (or, with
    ``keep_places``, stands as None so indices still match the block's choices).  ``label``
    makes the text of a computed choice given as a bare value, ``keep`` (if given) says which
    bare values are offered at all (the others' text is never made)."""
    ns = ev.ns
    if isinstance(choices, Expr):
        return normalize_choices(choices.run(ns), label, keep)
    out: list[Any] = []
    for choice in choices:
        shown = choice.show_if
        if shown is not None and not (shown.run(ns) if isinstance(shown, Expr) else shown):
            if keep_places:
                out.append(None)
            continue
        value = choice.value
        if isinstance(value, str) and "${" in value:
            value = Text(value).render(ns)
        out.append(Option(value, choice.label.render(ns).strip(),
                          choice.help.render(ns) if choice.help else None, choice.default))
    return out


def normalize_choices(raw: Any, label: Any = str, keep: Any = None) -> list[Option]:
    """``code:`` choices in every format docassemble accepts (ENGINE §5.6)."""
    if raw is None:
        return []
    if isinstance(raw, dict) or (hasattr(raw, "items") and hasattr(raw, "keys") and not isinstance(raw, (list, tuple))):
        items = list(raw.items())
        if type(raw) is dict:
            items.sort(key=lambda kv: str(kv[1]))
        return [Option(k, str(v)) for k, v in items]
    out: list[Option] = []
    for item in list(raw):
        if isinstance(item, dict):
            if "value" in item or "label" in item or "key" in item:
                value = item.get("value", item.get("key", item.get("label")))
                label = item.get("label", value)
                if isinstance(label, bool):
                    if not label:
                        continue
                    label = value
                out.append(Option(value, str(label), item.get("help"), bool(item.get("default"))))
            else:
                for k, v in item.items():
                    out.append(Option(k, str(v)))
        elif isinstance(item, (list, tuple)):
            if len(item) == 1:
                out.append(Option(item[0], str(item[0])))
            elif item:
                out.append(Option(item[0], str(item[1]), item[3] if len(item) > 3 else None,
                                  bool(item[2]) if len(item) > 2 else False))
        elif keep is None or keep(item):
            out.append(Option(item, str(label(item))))
    return out


def _choice_datatype(options: list[Option]) -> str:
    values = [o.value for o in options]
    if values and all(isinstance(v, bool) for v in values):
        return "boolean"
    if values and all(isinstance(v, bool) or v is None or v == "None" for v in values):
        return "threestate"
    return "text"


_TARGET = re.compile(r"\[TARGET ([^\]]+)\]")


def _targets(block: QuestionBlock, ns: dict, *texts: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for text in texts:
        if isinstance(text, list):
            for fld in text:
                for part in (fld.label, fld.note, fld.html):
                    if part:
                        names.update((m.strip(), "") for m in _TARGET.findall(part))
        elif text:
            names.update((m.strip(), "") for m in _TARGET.findall(text))
    return names


def reload_seconds(text: Text, ns: dict) -> int | None:
    """docassemble's `reload` rule: True → 10 s; digits only; at least 4 s (SEMANTICS §9)."""
    rendered = text.render(ns).strip()
    if rendered in ("False", "false", "Null", "None", "none", "null"):
        return None
    if rendered in ("True", "true", ""):
        return 10
    digits = re.sub(r"[^0-9]", "", rendered)
    if not digits:
        # docassemble raises ValueError here (a defect); take the documented default.
        return 10
    return max(int(digits), 4)
