"""What a person sees: a :class:`Screen` with its fields, buttons, targets and messages."""
from __future__ import annotations

import html as _html
from dataclasses import dataclass, field
from typing import Any

from ..language.markup import to_html

__all__ = ["Screen", "ScreenField", "Button", "Option", "Document", "ReviewLine"]


@dataclass(frozen=True)
class Option:
    """One choice offered by a field or a multiple-choice question."""

    value: Any
    label: str
    help: str | None = None
    default: bool = False

    def __iter__(self):
        yield self.value
        yield self.label


@dataclass(frozen=True)
class ScreenField:
    variable: str | None
    label: str | None
    datatype: str = "text"
    input_type: str | None = None
    choices: tuple[Option, ...] | None = None
    required: bool = True
    default: Any = None
    value: Any = None                 # what the browser currently shows in the field
    hint: str | None = None
    help: str | None = None
    minimum: Any = None
    maximum: Any = None
    note: str | None = None
    html: str | None = None
    generic: str | None = None        # the name as written in the YAML (x., [i])
    enabled: bool = True
    js_enable_if: str | None = None
    show_if: Any = None               # decided in the browser: another field's value
    hide_if: Any = None
    none_of_the_above: Any = True      # checkboxes: False, True or its label
    parameters: tuple = ()            # a custom datatype's keys of the field: ((key, value), ...)


@dataclass(frozen=True)
class ReviewLine:
    """A line of a review screen: ``s.action(variable)`` for a variable asks it again."""

    label: str
    variables: tuple[str, ...]
    text: str = ""
    note: str = ""


@dataclass(frozen=True)
class Button:
    """A button: answers ``variable`` with ``value``, or runs ``command``."""

    label: str
    value: Any = None
    variable: str | None = None
    command: str | None = None
    index: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class Document:
    """An assembled attachment, reachable from the screen."""

    name: str
    filename: str
    description: str
    markdown: str
    html: str
    text: str
    files: dict = field(default_factory=dict)     # extension -> path

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Screen:
    """One screen of a session, as docassemble would show it."""

    kind: str                                    # question, wait, exit, leave, restart, refresh,
    #                                              response, message, error, logout, new_session ...
    question: str = ""
    subquestion: str = ""
    under: str = ""
    help: str = ""
    pre: str = ""
    post: str = ""
    script: str = ""                  # the question's `script:` (HTML for the page), rendered
    section: str | None = None        # the `nav` section the user is in (its title)
    audio: str = ""                   # the `audio:` and `video:` texts, rendered
    video: str = ""
    review: tuple[ReviewLine, ...] = ()  # a review screen's lines whose variables are defined
    fields: tuple[ScreenField, ...] = ()
    buttons: tuple[Button, ...] = ()
    question_type: str | None = None
    event: str | None = None
    reload: int | None = None
    checkin: str | None = None
    targets: dict = field(default_factory=dict)
    flash: tuple[str, ...] = ()
    attachments: tuple[Document, ...] = ()
    errors: dict = field(default_factory=dict)
    can_go_back: bool = False
    sleep: float | None = None
    response: Any = None
    block: str | None = None                     # block name ("ID x" / "Question_3")
    location: str | None = None                  # "file, line N"
    iterators: dict = field(default_factory=dict)
    javascript: tuple[str, ...] = ()
    checkin_interval: int | None = None           # ms between periodic check-ins (0: none)
    checkin_initial_delay: int = 100              # ms from showing the screen to the first

    # --- rendering -----------------------------------------------------------------------

    @property
    def html(self) -> str:
        """The screen as HTML: question, subquestion, fields, buttons, under, targets filled."""
        parts = [f'<h1 class="h3" id="daMainQuestion">{to_html(self.question, trim=True)}</h1>']
        for message in self.flash:
            parts.append(f'<div class="alert alert-info" role="alert">{message}</div>')
        if self.subquestion:
            parts.append(f'<div class="da-subquestion">{to_html(self.subquestion)}</div>')
        for fld in self.fields:
            parts.append(_field_html(fld))
        if self.buttons:
            parts.append('<fieldset class="da-field-buttons">'
                         + "".join(f'<button type="submit">{to_html(b.label, trim=True)}</button>'
                                   for b in self.buttons) + "</fieldset>")
        if self.under:
            parts.append(f'<div class="daundertext">{to_html(self.under)}</div>')
        return self._fill_targets("\n".join(parts))

    def _fill_targets(self, text: str) -> str:
        import re
        for name, content in self.targets.items():
            safe = re.sub(r"[^A-Za-z0-9_]", "", name)
            text = text.replace(f'<span class="datarget{safe}"></span>',
                                f'<span class="datarget{safe}">{content}</span>')
        return text

    def _repr_html_(self) -> str:
        return self.html

    def field(self, variable: str) -> ScreenField:
        for fld in self.fields:
            if fld.variable == variable or fld.generic == variable:
                return fld
        raise KeyError(f"no field {variable!r} on this screen; fields: "
                       + ", ".join(str(f.variable) for f in self.fields if f.variable))

    @property
    def variables(self) -> list[str]:
        names = [f.variable for f in self.fields if f.variable]
        names.extend(b.variable for b in self.buttons if b.variable and b.variable not in names)
        return names

    def with_updates(self, **changes: Any) -> "Screen":
        """A copy with ``changes`` (what ``dataclasses.replace`` gives, without running
        ``__init__`` again: a screen is copied on every step)."""
        unknown = changes.keys() - _SCREEN_FIELDS
        if unknown:
            raise TypeError(f"a Screen has no field(s) {sorted(unknown)}")
        copy = object.__new__(Screen)
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(changes)
        return copy

    def text(self) -> str:
        """A plain transcript of the screen (the CLI prints this)."""
        lines = [f"[{self.kind}] {self.question}".rstrip()]
        if self.subquestion:
            lines.append(self.subquestion.strip())
        for fld in self.fields:
            if fld.variable:
                choices = f" {[o.value for o in fld.choices]}" if fld.choices else ""
                kind = fld.input_type if fld.input_type and fld.datatype == "text" else fld.datatype
                lines.append(f"  - {fld.label or ''} ({fld.variable}: {kind}){choices}")
            elif fld.note or fld.html:
                lines.append(f"  {fld.note or fld.html}")
        if self.buttons:
            lines.append("  buttons: " + " | ".join(b.label for b in self.buttons))
        for name, content in self.targets.items():
            if content:
                lines.append(f"  [{name}] {content}")
        for message in self.flash:
            lines.append(f"  flash: {message}")
        for doc in self.attachments:
            lines.append(f"  attachment: {doc.name} ({doc.filename})")
        for var, message in self.errors.items():
            lines.append(f"  error in {var}: {message}")
        if self.reload:
            lines.append(f"  (reloads every {self.reload} s)")
        if self.under:
            lines.append(self.under.strip())
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "question": self.question, "subquestion": self.subquestion,
            "under": self.under, "event": self.event, "reload": self.reload, "checkin": self.checkin,
            "fields": [{"variable": f.variable, "label": f.label, "datatype": f.datatype,
                        "choices": [[o.value, o.label] for o in f.choices] if f.choices else None,
                        "required": f.required, "default": _jsonable(f.default),
                        "value": _jsonable(f.value)} for f in self.fields],
            "buttons": [{"label": b.label, "value": _jsonable(b.value), "variable": b.variable,
                         "command": b.command} for b in self.buttons],
            "targets": dict(self.targets), "flash": list(self.flash),
            "attachments": [{"name": d.name, "filename": d.filename, "files": dict(d.files)}
                            for d in self.attachments],
            "errors": dict(self.errors),
        }


def _field_html(fld: ScreenField) -> str:
    if fld.variable is None:
        return f'<div class="da-note">{to_html(fld.note or fld.html or "")}</div>'
    label = to_html(fld.label or "", trim=True)
    name = _html.escape(fld.variable)
    if fld.choices:
        options = "".join(f'<option value="{_html.escape(str(o.value))}">{_html.escape(o.label)}</option>'
                          for o in fld.choices)
        control = f'<select name="{name}">{options}</select>'
    else:
        value = "" if fld.value is None else _html.escape(str(fld.value))
        control = f'<input name="{name}" type="{fld.input_type or fld.datatype}" value="{value}">'
    return f'<div class="da-form-group"><label>{label}</label>{control}</div>'


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


#: The names ``Screen.with_updates`` may change.
_SCREEN_FIELDS = frozenset(Screen.__dataclass_fields__)
