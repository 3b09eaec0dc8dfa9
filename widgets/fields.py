"""Screen fields as ipywidgets: a registry from a field's datatype to a :class:`FieldWidget`.

A ``FieldWidget`` wraps one :class:`bgkernel.engine.screen.ScreenField`.  It shows ``.box`` (label,
control, hint, error), gives ``.value`` (what ``Session.answer`` is passed: a Python value,
or the raw string a browser would post for typed text and numbers) and ``.raw()`` (the
check-in strings of SEMANTICS §8.3), and takes ``.set(value)`` — the method twin of typing
into the control — with a Python value or a browser string.

Pick the widget for a field with :func:`widget_for`; add one with :func:`register`::

    @register("signature")
    class SignatureField(FieldWidget): ...
"""
from __future__ import annotations

import datetime as _dt
import html as _html
from typing import Any, Callable

import ipywidgets as W

from bgkernel.engine import datatypes, form_encoding
from bgkernel.engine.screen import Option, ScreenField
from bgkernel.language.markup import to_html, to_text

from .textbox import LEAVE_EVENTS, TextBox

__all__ = ["FieldWidget", "register", "widget_for", "registered", "NoteField", "TextField",
           "AreaField", "NumberField", "RangeField", "DateField", "DatetimeField", "TimeField",
           "YesNoField", "YesNoRadioField", "FileField"]

_REGISTRY: dict[str, type["FieldWidget"]] = {}
#: Keys that need choices: without them such a field falls back to text.
_CHOICE_KEYS = {"radio", "dropdown", "combobox", "checkboxes", "multiselect",
                "object_checkboxes", "object_multiselect", "object", "object_radio"}
_UNSET = object()
_NOTA = "None of the above"


def register(*keys: str) -> Callable[[type["FieldWidget"]], type["FieldWidget"]]:
    """Class decorator: use this widget for fields whose datatype or input type is a key."""
    def deco(cls: type[FieldWidget]) -> type[FieldWidget]:
        for key in keys:
            _REGISTRY[key] = cls
        return cls
    return deco


def registered() -> dict[str, type["FieldWidget"]]:
    """The registry, key → widget class (a copy)."""
    return dict(_REGISTRY)


def widget_for(field: ScreenField) -> "FieldWidget":
    """The widget for ``field``: by input type (radio, dropdown, combobox, area, hidden),
    then datatype; fields with choices and neither default to a dropdown; anything else
    unknown is a text box (docassemble treats unknown datatypes as text)."""
    if field.variable is None or field.datatype == "note":
        return NoteField(field)
    dt, input_type = datatypes.normalize_datatype(field.datatype, field.input_type)
    if dt in ("boolean", "threestate") and input_type:
        dt = input_type
    for key in (input_type, dt):
        if key and key in _REGISTRY and not (key == dt and key in _CHOICE_KEYS and not field.choices):
            return _REGISTRY[key](field)
    if field.choices:
        return _REGISTRY["dropdown"](field)
    return TextField(field)


def _html_text(text: str | None) -> str:
    return to_html(text, trim=True) if text else ""


class FieldWidget:
    """One field on the screen.  Subclasses implement ``build``, ``value`` and ``set``."""

    def __init__(self, field: ScreenField):
        self.field = field
        self.variable = field.variable
        self._listeners: list[Callable[[str], None]] = []
        self._typing_listeners: list[Callable[[str], None]] = []
        self._quiet = 0
        self.error = W.HTML("", layout=W.Layout(display="none"))
        self.control = self.build()
        start = field.value if field.value is not None else field.default
        if start is not None:
            with self.quiet():
                self.set(start)
        self.control.disabled = not field.enabled
        parts: list[W.Widget] = []
        if self.labelled_outside and field.label:
            star = " *" if field.required else ""
            parts.append(W.HTML(f"<b>{_html_text(field.label)}</b>{star}"))
        parts.append(self.control)
        if field.hint:
            parts.append(W.HTML(f'<small style="color:#666">{_html_text(field.hint)}</small>'))
        parts.append(self.error)
        self.box = W.VBox(parts, layout=W.Layout(margin="0 0 8px 0"))

    # --- what subclasses provide -------------------------------------------------------------

    labelled_outside = True
    #: Text typed into the control reaches the kernel as it is typed (a *typing* event per
    #: debounced update); leaving the field, Enter, or a gesture elsewhere is the change
    #: event (see :mod:`textbox` and InterviewApp).
    typing = False

    def build(self) -> W.Widget:
        raise NotImplementedError

    @property
    def value(self) -> Any:
        """What ``Session.answer`` gets for this field."""
        raise NotImplementedError

    def set(self, value: Any) -> None:
        """Show ``value`` (a Python value or a browser string), as typing would."""
        raise NotImplementedError

    def set_choices(self, choices: tuple[Option, ...]) -> None:
        """Replace the options (a ``fields`` command with ``choices``); only selects do."""
        return None

    def watched(self) -> list[W.Widget]:
        """The widgets whose ``value`` changes are this field's change events."""
        return [self.control]

    # --- shared --------------------------------------------------------------------------

    def raw(self) -> dict[str, str]:
        """The raw strings a browser's form holds for this field (check-in arguments)."""
        value = self.value
        if value is _UNSET:
            return {}
        try:
            return form_encoding.form_items(self.variable, self.field.datatype, value,
                                        input_type=self.field.input_type)
        except (TypeError, ValueError):
            return {self.variable: "" if value is None else str(value)}

    def show_error(self, message: str | None) -> None:
        if message:
            self.error.value = f'<span style="color:#b00020">{_html.escape(message)}</span>'
            self.error.layout.display = ""
        else:
            self.error.value = ""
            self.error.layout.display = "none"

    def on_change(self, callback: Callable[[str], None],
                  typing: Callable[[str], None] | None = None) -> None:
        """Call ``callback(variable)`` when the person changes the field, and ``typing``
        (if given) as text arrives in a field that sends it as it is typed."""
        if not self._listeners and not self._typing_listeners:
            for widget in self.watched():
                widget.observe(self._changed, names="value")
            if self.typing:
                self.control.on_msg(self._submitted)
        self._listeners.append(callback)
        if typing is not None:
            self._typing_listeners.append(typing)

    def _changed(self, change: dict) -> None:
        if self._quiet:
            return
        listeners = self._typing_listeners if self.typing and self._typing_listeners \
            else self._listeners
        for callback in list(listeners):
            callback(self.variable)

    def _submitted(self, _widget: Any, content: dict, _buffers: Any) -> None:
        """The text box was left (blur, Tab) or Enter was pressed: the browser's change event."""
        if isinstance(content, dict) and content.get("event") in LEAVE_EVENTS and not self._quiet:
            for callback in list(self._listeners):
                callback(self.variable)

    def quiet(self) -> "_Quiet":
        """``with fw.quiet():`` — programmatic changes that fire no change event."""
        return _Quiet(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.variable} = {self.value!r}>"


class _Quiet:
    def __init__(self, fw: FieldWidget):
        self.fw = fw

    def __enter__(self) -> None:
        self.fw._quiet += 1

    def __exit__(self, *exc: Any) -> None:
        self.fw._quiet -= 1


class _PostsNothing(FieldWidget):
    """A field whose control gives no value to submit."""

    @property
    def value(self) -> Any:
        return _UNSET

    def set(self, value: Any) -> None:
        return None

    def raw(self) -> dict[str, str]:
        return {}


class NoteField(_PostsNothing):
    """A ``note`` or ``html`` entry: text, no input."""

    labelled_outside = False

    def build(self) -> W.Widget:
        text = self.field.html or _html_text(self.field.note) or _html_text(self.field.label)
        return W.HTML(text)


@register("text", "email", "password", "url", "ml", "raw", "hidden", "ajax", "datalist", "user",
          "environment")
class TextField(FieldWidget):
    """A one-line text box; the value is the typed string, sent as it is typed (debounced),
    and leaving the box is a change event (:class:`~bgkernel.widgets.textbox.TextBox`)."""

    typing = True

    def build(self) -> W.Widget:
        dt = self.field.datatype
        if dt == "password":
            return TextBox(password=True)
        return TextBox(placeholder="name@example.com" if dt == "email" else "")

    @property
    def value(self) -> Any:
        return self.control.value

    def set(self, value: Any) -> None:
        self.control.value = "" if value is None else _browser_text(self.field, value)


@register("area")
class AreaField(TextField):
    def build(self) -> W.Widget:
        return TextBox(rows=4, layout=W.Layout(width="60%"))


@register("integer", "number", "float", "currency")
class NumberField(TextField):
    """Numbers are typed as text, so the server's own checks (and messages) apply."""

    def build(self) -> W.Widget:
        prefix = "$ " if self.field.datatype == "currency" else ""
        return TextBox(placeholder=prefix, layout=W.Layout(width="12em"))


@register("range")
class RangeField(FieldWidget):
    def build(self) -> W.Widget:
        lo = float(self.field.minimum) if self.field.minimum is not None else 0.0
        hi = float(self.field.maximum) if self.field.maximum is not None else 100.0
        return W.FloatSlider(min=lo, max=hi, value=lo, continuous_update=False)

    @property
    def value(self) -> Any:
        return self.control.value

    def set(self, value: Any) -> None:
        if value not in (None, ""):
            self.control.value = float(value)


class _WhenField(FieldWidget):
    """A date, datetime or time picker; empty is ``""`` as a browser sends it."""

    kind = "date"
    picker: Any = None

    def build(self) -> W.Widget:
        return self.picker()

    @property
    def value(self) -> Any:
        return "" if self.control.value is None else self.control.value

    def set(self, value: Any) -> None:
        self.control.value = _parse_when(value, self.kind)


@register("date")
class DateField(_WhenField):
    kind, picker = "date", W.DatePicker


@register("datetime", "datetime-local")
class DatetimeField(_WhenField):
    kind, picker = "datetime", W.NaiveDatetimePicker


@register("time")
class TimeField(_WhenField):
    kind, picker = "time", W.TimePicker


@register("yesno", "noyes", "yesnowide", "noyeswide")
class YesNoField(FieldWidget):
    """A single checkbox; the value is the stored value (a checked ``noyes`` box is False)."""

    labelled_outside = False

    def build(self) -> W.Widget:
        return W.Checkbox(value=False, description=_plain(self.field.label), indent=False)

    @property
    def _style(self) -> str:
        dt = self.field.datatype
        return self.field.input_type if dt in ("boolean", "threestate") and self.field.input_type else dt

    @property
    def value(self) -> Any:
        return datatypes.checkbox_value(self._style, self.control.value)

    def set(self, value: Any) -> None:
        stored = _truth(value)
        self.control.value = (not stored) if self._style.startswith("noyes") else stored


@register("yesnoradio", "noyesradio", "yesnomaybe", "noyesmaybe")
class YesNoRadioField(FieldWidget):
    """Yes / No (/ I don't know) radio buttons; the value is True, False or None."""

    def build(self) -> W.Widget:
        options = [("Yes", "True"), ("No", "False")]
        if self.field.datatype.endswith("maybe"):
            options.append(("I don't know", "None"))
        return W.RadioButtons(options=options, value=None)

    @property
    def value(self) -> Any:
        raw = self.control.value
        return "" if raw is None else {"True": True, "False": False, "None": None}[raw]

    def set(self, value: Any) -> None:
        if value in ("", _UNSET):
            self.control.value = None
            return
        self.control.value = "None" if value is None or value == "None" else str(_truth(value))

    def raw(self) -> dict[str, str]:
        return {} if self.control.value is None else {self.variable: self.control.value}


@register("file", "files", "camera", "camcorder", "microphone")
class FileField(_PostsNothing):
    """An upload control.  Uploads are not passed on yet: answer file fields from Python."""

    def build(self) -> W.Widget:
        return W.FileUpload(multiple=self.field.datatype == "files")


# --- helpers -----------------------------------------------------------------------------

def _plain(label: Any) -> str:
    """A label as plain text (checkbox descriptions and options are not HTML)."""
    return to_text(to_html(str(label), trim=True), separator="") if label is not None else ""


def _truth(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1", "y")
    return bool(value)


def _browser_text(field: ScreenField, value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        encoded = form_encoding.form_encode(field.datatype, value, input_type=field.input_type)
    except (TypeError, ValueError):
        encoded = None
    return str(value) if encoded is None else encoded


def _parse_when(value: Any, kind: str) -> Any:
    """A date/datetime/time for a picker from a Python value or an ISO string ('' = empty)."""
    if value is None or value == "":
        return None
    if kind == "date":
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        return _dt.date.fromisoformat(str(value).strip()[:10])
    if kind == "datetime":
        if isinstance(value, _dt.datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, _dt.date):
            return _dt.datetime(value.year, value.month, value.day)
        return _dt.datetime.fromisoformat(str(value).strip()).replace(tzinfo=None)
    if isinstance(value, _dt.datetime):
        return value.time()
    if isinstance(value, _dt.time):
        return value
    return _dt.time.fromisoformat(str(value).strip())

