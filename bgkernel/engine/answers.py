"""Applying what a person submits on a screen to the answers (docassemble's POST handling).

Values may be Python values or the raw strings a browser sends.  Every field is
converted and validated first; only when all pass are the variables set, so a failing
submission changes nothing (docassemble reloads the stored answers).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import DAValidationError, SessionError
from ..language.assignments import parents_of
from ..language.blocks import ObjectsBlock, QuestionBlock
from ..language.expressions import run_expression
from ..library.collections_dict import DADict
from ..library.collections_list import DAList
from ..library.custom_types import custom_type
from ..library.files import DAFile, DAFileList
from . import datatypes
from .dependencies import after_changes, value_of
from .evaluating import substitute
from .screen import Button, Screen, ScreenField

if TYPE_CHECKING:
    from .evaluation import Evaluation

__all__ = ["Submission", "plan_answer", "plan_press", "apply_submission"]

_FALLBACK = {"integer": 0, "number": 0.0, "float": 0.0, "currency": 0.0, "range": 0.0}


@dataclass
class Submission:
    """What a submission does once validated."""

    assignments: list[tuple[str, Any]] = field(default_factory=list)
    choice_index: int | None = None        # a no-field button with an embedded block
    command: str | None = None             # a command button (refresh, exit, leave ...)
    errors: dict[str, str] = field(default_factory=dict)
    changed: bool = True


def _key_for(screen: Screen, name: str) -> str | None:
    for fld in screen.fields:
        if name in (fld.variable, fld.generic):
            return fld.variable
    for button in screen.buttons:
        if button.variable and name == button.variable:
            return button.variable
    return None


def plan_answer(screen: Screen, values: dict[str, Any]) -> Submission:
    """Convert and validate ``values`` for the fields of ``screen``."""
    sub = Submission()
    if screen.kind != "question":
        raise SessionError(f"this screen ({screen.kind}: {screen.question!r}) takes no answers")
    given: dict[str, Any] = {}
    for name, val in values.items():
        key = _key_for(screen, name)
        if key is None:
            raise SessionError(f"{name!r} is not asked on this screen; it asks for "
                               f"{', '.join(screen.variables) or 'nothing (press a button)'}")
        given[key] = val
    input_fields = [f for f in screen.fields if f.variable and f.enabled and f.datatype != "note"
                    and not _hidden(f, screen, given)]
    if input_fields:
        by_variable: dict[str, list[ScreenField]] = {}
        for fld in input_fields:
            by_variable.setdefault(fld.variable, []).append(fld)
        for fields in by_variable.values():
            _plan_variable(sub, fields, given)
        cont = next((b for b in screen.buttons if b.variable and b.value is True), None)
        if cont is not None:
            sub.assignments.append((cont.variable, True))
        return sub
    button_vars = {b.variable for b in screen.buttons if b.variable}
    if len(button_vars) == 1:
        (var,) = button_vars
        if var not in given:
            raise SessionError(f"give a value for {var!r}, or press a button")
        val = given[var]
        for button in screen.buttons:
            if _same(button.value, val):
                sub.assignments.append((var, button.value))
                return sub
        # nothing chosen, or a value no button offers (as a radio field says it)
        sub.errors[var] = (datatypes.MESSAGES["multiple choice required"] if val in (None, "")
                           else datatypes.MESSAGES["valid value"])
        return sub
    raise SessionError("this screen has no fields to answer; press one of its buttons: "
                       + ", ".join(b.label for b in screen.buttons))


def _hidden(fld: ScreenField, screen: Screen, given: dict[str, Any]) -> bool:
    """A field the browser hides (``show if``/``hide if`` on another field's value, ENGINE
    §5.5): it is not submitted, so nothing is written for it.  The other field holds what
    was given for it, else what it shows."""
    rule, hide = (fld.show_if, False) if fld.show_if is not None else (fld.hide_if, True)
    if isinstance(rule, str):
        other, wanted = rule, True
    elif isinstance(rule, dict) and "variable" in rule:
        other, wanted = str(rule["variable"]), rule.get("is")
    else:
        return False                      # none, or `code` (decided when the screen was made)
    source = next((f for f in screen.fields if f is not fld and other in (f.variable, f.generic)),
                  None)
    if source is None:
        return False
    value = given[source.variable] if source.variable in given else (
        source.value if source.value is not None else source.default)
    if source.variable == fld.variable and source.choices and source.variable in given and \
            not any(_same(o.value, value) for o in source.choices):
        return hide        # the "Other" box of a choice: a value no choice has was typed there
    return _browser_equal(value, wanted) == hide


def _browser_equal(value: Any, wanted: Any) -> bool:
    """docassemble's comparison in the browser: booleans and None by meaning, else as text."""
    if isinstance(wanted, bool):
        return str(value).lower() == str(wanted).lower()
    if wanted is None:
        return value is None or value in ("", "None")
    label = getattr(value, "instanceName", value)
    return str(label) == str(wanted)


def _plan_variable(sub: Submission, fields: list[ScreenField], given: dict[str, Any]) -> None:
    """One variable's answer.  Several fields may set it (a choice with ``disable others``
    and an "Other" text box): the first field that takes the value sets it."""
    if len(fields) == 1:
        _plan_field(sub, fields[0], given)
        return
    first_error = None
    for fld in fields:
        trial = Submission()
        _plan_field(trial, fld, given)
        if not trial.errors:
            sub.assignments.extend(trial.assignments)
            return
        first_error = first_error or trial.errors
    sub.errors.update(first_error or {})


def _same(choice: Any, given: Any) -> bool:
    if choice is given or choice == given and type(choice) is type(given):
        return True
    if isinstance(choice, bool) or choice is None:
        return str(choice) == str(given)
    return str(choice) == str(given)


def _plan_field(sub: Submission, fld: ScreenField, given: dict[str, Any]) -> None:
    var = fld.variable
    provided = var in given
    raw = given.get(var)
    if not provided:
        raw = fld.value if fld.value is not None else fld.default
    try:
        if fld.datatype.startswith("object"):
            _plan_objects(sub, fld, raw)
            return
        if fld.datatype in _FILE_TYPES:
            uploads = _uploads(raw)
            if not uploads:
                if fld.required:
                    raise datatypes.FieldError("You must provide a file.")
                sub.assignments.append((var, None))
            else:
                sub.assignments.append((var, ("files", uploads)))
            return
        if fld.datatype in ("checkboxes", "multiselect"):
            values = [o.value for o in fld.choices or ()]
            # None given on purpose is "None of the above"; nothing given is no box checked.
            converted = datatypes.convert_checkboxes(raw if raw is not None or provided else [], values,
                                                     required=fld.required,
                                                     none_of_the_above=fld.none_of_the_above,
                                                     multiselect=fld.datatype == "multiselect")
            sub.assignments.append((var, ("checkboxes", converted)))
            return
        custom = custom_type(fld.datatype)
        if custom is not None:
            _plan_custom(sub, fld, custom, raw)
            return
        if fld.choices is not None and not fld.choices:
            # no choice offered: the page holds a hidden "None" in the field's place
            sub.assignments.append((var, None))
            return
        if raw is None and not fld.required:
            sub.assignments.append((var, _fallback(fld.datatype)))
            return
        choices = [o.value for o in fld.choices] if fld.choices else None
        converted = datatypes.convert(fld.datatype, raw, required=fld.required,
                                      minimum=fld.minimum, maximum=fld.maximum, choices=choices,
                                      input_type=fld.input_type)
        sub.assignments.append((var, converted))
    except datatypes.FieldError as err:
        sub.errors[var] = str(err)


def _plan_custom(sub: Submission, fld: ScreenField, custom: Any, raw: Any) -> None:
    """A custom datatype: its ``validate`` then ``transform`` of the text sent; a field
    left empty is skipped (``skip_if_empty``) or stores ``empty()``."""
    if raw is None or raw == "":
        if fld.required:
            raise datatypes.FieldError("This field is required.")
        if not custom.skip_if_empty:
            sub.assignments.append((fld.variable, custom.empty()))
        return
    data = {key: value for key, value in (("min", fld.minimum), ("max", fld.maximum))
            if value is not None}
    data.update(fld.parameters)
    try:
        valid = custom.call_validate(raw, fld.variable, data)
    except DAValidationError as err:
        raise datatypes.FieldError(str(err)) from None
    if not valid:
        raise datatypes.FieldError("You need to enter a valid value.")
    sub.assignments.append((fld.variable, custom.call_transform(raw, fld.variable, data)))


def _fallback(datatype: str) -> Any:
    """What a not-required field that was left out becomes (ENGINE §5.1)."""
    if datatype in _FALLBACK:
        return _FALLBACK[datatype]
    if datatype in ("yesnoradio", "noyesradio", "yesnomaybe", "noyesmaybe"):
        return None
    if datatype == "yesno":
        return False
    if datatype == "noyes":
        return True
    return ""


def _plan_objects(sub: Submission, fld: ScreenField, raw: Any) -> None:
    """``datatype: object`` (radio, dropdown) and ``object_checkboxes``: the answer is the
    object itself, given as the object, its label or its instance name."""
    options = [o for o in fld.choices or ()]
    if fld.choices is not None and not options and fld.datatype in ("object", "object_radio"):
        return          # nothing to choose from: the page shows no such field, nothing is set

    def pick(given: Any) -> Any:
        for option in options:
            if option.value is given:
                return option.value
        for option in options:
            if str(given) in (option.label, getattr(option.value, "instanceName", None)):
                return option.value
        raise datatypes.FieldError("Please enter a valid value.")

    if fld.datatype in ("object_checkboxes", "object_multiselect"):
        if isinstance(raw, dict):                        # {choice: checked}, as for checkboxes
            raw = [key for key, checked in raw.items() if checked]
        chosen = [] if raw in (None, "", [], "None") else list(raw) if isinstance(raw, (list, tuple, set)) else [raw]
        if not chosen and fld.required and not fld.none_of_the_above:
            raise datatypes.FieldError("This field is required.")
        sub.assignments.append((fld.variable, ("objects", [pick(g) for g in chosen])))
    elif raw in (None, "") or (raw == "None" and not fld.required):
        if fld.required:
            raise datatypes.FieldError("You need to select one.")
        sub.assignments.append((fld.variable, None))
    else:
        sub.assignments.append((fld.variable, ("object", pick(raw))))


_FILE_TYPES = frozenset({"file", "files", "camera", "user", "environment", "camcorder", "microphone"})


def _uploads(raw: Any) -> list[tuple[str, bytes]]:
    """Uploaded files as (filename, content): paths, (name, bytes) pairs, or lists of them."""
    import os
    if raw is None or raw == "" or raw == []:
        return []
    items = raw if isinstance(raw, (list, tuple)) and not (
        len(raw) == 2 and isinstance(raw[0], str) and isinstance(raw[1], (bytes, str))
        and not os.path.exists(str(raw[0]))) else [raw]
    out = []
    for item in items:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            name, content = item
            out.append((os.path.basename(str(name)), content.encode() if isinstance(content, str) else bytes(content)))
        elif isinstance(item, (str, os.PathLike)) and os.path.isfile(item):
            with open(item, "rb") as handle:
                out.append((os.path.basename(str(item)), handle.read()))
        elif hasattr(item, "path") and callable(item.path):
            with open(item.path(), "rb") as handle:
                out.append((getattr(item, "filename", os.path.basename(item.path())), handle.read()))
        else:
            raise datatypes.FieldError(f"cannot upload {item!r}: give a path, a (filename, bytes) "
                                       "pair or a list of them")
    return out


def plan_press(screen: Screen, label_or_value: Any) -> Submission:
    """A button, found by its label or its value."""
    button = _find_button(screen, label_or_value)
    sub = Submission()
    if button.command:
        sub.command = button.command
        sub.changed = False
        return sub
    if button.index is not None and button.variable is None:
        sub.choice_index = button.index
        return sub
    if button.variable:
        if screen.fields and button.value is True:
            raise SessionError("this screen has fields: use answer(...) to submit them")
        sub.assignments.append((button.variable, button.value))
        return sub
    if screen.fields:
        return plan_answer(screen, {})
    # a Continue that sets nothing (a review or event screen): the form is posted as it is
    return Submission(changed=False)


def _find_button(screen: Screen, wanted: Any) -> Button:
    if screen.kind != "question" and not screen.buttons:
        raise SessionError(f"this screen ({screen.kind}) has no buttons")
    for button in screen.buttons:
        if isinstance(wanted, str) and button.label == wanted:
            return button
    for button in screen.buttons:
        if isinstance(wanted, str) and isinstance(button.label, str) and \
                button.label.strip().lower() == wanted.strip().lower():
            return button
    for button in screen.buttons:
        if button.command is not None and wanted == button.command:
            return button
        if button.value is not None and _same(button.value, wanted) and button.variable:
            return button
    raise SessionError(f"no button {wanted!r} on this screen; buttons: "
                       + (", ".join(repr(b.label) for b in screen.buttons) or "none"))


def _live(chosen: Any, ns: dict) -> Any:
    """The chosen object as it is in these answers (the screen's choice is a copy from the
    answers the screen was made from): looked up by its name, as docassemble does."""
    name = getattr(chosen, "instanceName", None)
    if not isinstance(name, str) or not getattr(chosen, "has_nonrandom_instance_name", False):
        return chosen
    try:
        found = run_expression(name, ns)         # an instance name
    except Exception:  # noqa: BLE001 -- not there (any more): the copy it is
        return chosen
    return found if type(found) is type(chosen) else chosen


def make_parents(ev: "Evaluation", name: str) -> None:
    """Before an answer to ``thing.name`` is set: make the objects it hangs on (``thing``)
    that an ``objects`` block defines and that do not exist yet, as docassemble does."""
    for prefix in parents_of(name):
        if ev.defined(prefix):
            continue
        for block, iterators in ev.candidates(prefix):
            if not isinstance(block, ObjectsBlock):
                continue
            spec = next((s for s in block.objects
                         if substitute(s.variable, iterators, ev.ns) == prefix), None)
            if spec is not None:
                ev._make_object(spec, iterators)
                break


def apply_submission(ev: "Evaluation", block: QuestionBlock, iterators: dict[str, str],
                     sub: Submission) -> None:
    """Set the variables (validation code and ``validate`` run first)."""
    ns = ev.ns
    ev.set_iterators(iterators)
    tracked = ev.interview.dependents or ev.interview.on_change
    before = {var: value_of(ev, var) for var, _ in sub.assignments} if tracked else {}
    for var, val in sub.assignments:
        if isinstance(val, tuple) and len(val) == 2 and val[0] == "object":
            val = _live(val[1], ns)
        elif isinstance(val, tuple) and len(val) == 2 and val[0] == "objects":
            val = DAList(var, elements=[_live(v, ns) for v in val[1]], auto_gather=False,
                         gathered=True)
        elif isinstance(val, tuple) and len(val) == 2 and val[0] == "files":
            files = DAFileList(var, auto_gather=False, gathered=True)
            for index, (name, content) in enumerate(val[1]):
                item = DAFile(f"{var}[{index}]")
                item.initialize(filename=name)
                item.write(content)
                files.append(item)
            val = files
        elif isinstance(val, tuple) and len(val) == 2 and val[0] == "checkboxes":
            obj = DADict(var, auto_gather=False, gathered=True)
            for key, checked in val[1].items():
                obj[key] = checked
            val = obj
        make_parents(ev, var)
        ev._assign(var, val)
    validators = {f.variable: f.validate for f in block.fields if f.validate is not None}
    if validators:
        for generic, validate in validators.items():
            var = substitute(generic, iterators, ns)
            current = next((v for n, v in sub.assignments if n == var), None)
            try:
                ok = validate.run(ns)(current)
            except DAValidationError as err:
                sub.errors[var] = str(err) or "Please enter a valid value."
                continue
            except Exception as err:  # noqa: BLE001 -- its message is the validation message
                sub.errors[var] = str(err) or "Please enter a valid value."
                continue
            if not ok:
                sub.errors[var] = "Please enter a valid value."
    if block.validation_code is not None and not sub.errors:
        try:
            block.validation_code.run(ns)
        except DAValidationError as err:
            sub.errors[err.field or "_question"] = str(err) or "Please enter a valid value."
        except Exception as err:  # noqa: BLE001 -- any exception fails the submission
            sub.errors["_question"] = str(err) or "Please enter a valid value."
    if before and not sub.errors:
        after_changes(ev, before)
    internal = ns["_internal"]
    stack = internal.get("event_stack") or []
    for var, _ in sub.assignments:
        if var in stack:
            stack.remove(var)
    if sub.choice_index is not None:
        internal["answers"][block.name] = sub.choice_index
