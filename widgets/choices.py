"""Fields that pick from choices: radio buttons, dropdowns, comboboxes, checkbox groups.

Registered in :mod:`.fields`'s registry on import.  Widget options are indexes into
``field.choices``, so any choice value (numbers, booleans, objects) round-trips.
"""
from __future__ import annotations

from typing import Any

import ipywidgets as W

from bgkernel.engine import form_encoding
from bgkernel.engine.screen import Option, ScreenField

from .fields import _NOTA, FieldWidget, _plain, _truth, register

__all__ = ["RadioField", "DropdownField", "ComboboxField", "CheckboxesField"]


class _ChoiceField(FieldWidget):
    """A pick from ``field.choices``; widget options are indexes into them."""

    def __init__(self, field: ScreenField):
        self.choices: tuple[Option, ...] = tuple(field.choices or ())
        super().__init__(field)
        if field.value is None and field.default is None:
            preset = next((i for i, o in enumerate(self.choices) if o.default), None)
            if preset is not None:
                with self.quiet():
                    self.control.value = preset

    def _options(self) -> list[tuple[str, int]]:
        return [(_plain(o.label), i) for i, o in enumerate(self.choices)]

    def _index(self, value: Any) -> int | None:
        if value is None or value == "":
            return None
        for i, o in enumerate(self.choices):
            if o.value is value or (o.value == value and type(o.value) is type(value)):
                return i
        for i, o in enumerate(self.choices):
            if str(o.value) == str(value):
                return i
        raise ValueError(f"{value!r} is not one of the choices of {self.variable}: "
                         + ", ".join(repr(o.value) for o in self.choices))

    @property
    def value(self) -> Any:
        index = self.control.value
        return None if index is None or index < 0 else self.choices[index].value

    def set(self, value: Any) -> None:
        self.control.value = self._index(value)

    def set_choices(self, choices: tuple[Option, ...]) -> None:
        current = self.value
        self.choices = tuple(choices)
        with self.quiet():
            self.control.options = self._options()
            try:
                self.control.value = self._index(current)
            except ValueError:
                self.control.value = None

    def raw(self) -> dict[str, str]:
        value = self.value
        return {self.variable: "" if value is None else str(value)}


@register("radio")
class RadioField(_ChoiceField):
    def build(self) -> W.Widget:
        return W.RadioButtons(options=self._options(), value=None)


@register("dropdown")
class DropdownField(_ChoiceField):
    def build(self) -> W.Widget:
        return W.Dropdown(options=self._options(), value=None)


@register("combobox")
class ComboboxField(_ChoiceField):
    """A text box with suggestions: a choice's label picks it, anything else is kept as typed."""

    def build(self) -> W.Widget:
        return W.Combobox(options=[_plain(o.label) for o in self.choices], ensure_option=False,
                          continuous_update=False)

    @property
    def value(self) -> Any:
        text = self.control.value
        for o in self.choices:
            if text == _plain(o.label):
                return o.value
        return text

    def set(self, value: Any) -> None:
        if value is None:
            self.control.value = ""
            return
        for o in self.choices:
            if o.value == value or str(o.value) == str(value):
                self.control.value = _plain(o.label)
                return
        self.control.value = str(value)

    def set_choices(self, choices: tuple[Option, ...]) -> None:
        current = self.value
        self.choices = tuple(choices)
        with self.quiet():
            self.control.options = [_plain(o.label) for o in self.choices]
            self.set(current)


register("object", "object_radio")(RadioField)


@register("checkboxes", "multiselect", "object_checkboxes", "object_multiselect")
class CheckboxesField(FieldWidget):
    """One checkbox per choice (plus "None of the above" for ``checkboxes``).

    The value is the list of checked choice values, or None when "None of the above" is
    checked, as ``Session.answer`` takes them."""

    def __init__(self, field: ScreenField):
        self.choices: tuple[Option, ...] = tuple(field.choices or ())
        self.nota: W.Checkbox | None = None
        super().__init__(field)

    def build(self) -> W.Widget:
        self.boxes = [W.Checkbox(value=bool(o.default), description=_plain(o.label), indent=False)
                      for o in self.choices]
        extra: list[W.Widget] = []
        if self.field.datatype in ("checkboxes", "object_checkboxes"):
            self.nota = W.Checkbox(value=False, description=_NOTA, indent=False)
            self.nota.observe(self._nota_changed, names="value")
            extra.append(self.nota)
        return W.VBox(self.boxes + extra)

    def watched(self) -> list[W.Widget]:
        return self.boxes + ([self.nota] if self.nota is not None else [])

    def _nota_changed(self, change: dict) -> None:
        if change["new"]:
            for box in self.boxes:
                box.value = False

    @property
    def value(self) -> Any:
        if self.nota is not None and self.nota.value:
            return None
        return [o.value for o, box in zip(self.choices, self.boxes) if box.value]

    def set(self, value: Any) -> None:
        if value is None:
            if self.nota is not None:
                self.nota.value = True
            return
        if isinstance(value, dict):
            wanted = {str(k) for k, on in value.items() if _truth(on)}
        elif isinstance(value, (list, tuple, set, frozenset)):
            wanted = {str(v) for v in value}
        else:
            wanted = {str(value)}
        for o, box in zip(self.choices, self.boxes):
            box.value = str(o.value) in wanted
        if self.nota is not None and wanted:
            self.nota.value = False

    @property
    def disabled(self) -> bool:
        return all(b.disabled for b in self.boxes)

    def raw(self) -> dict[str, str]:
        checked = self.value or []
        return form_encoding.checkbox_form_items(self.variable, checked)
