"""``TextBox``: a text box that sends what is typed and says when the field is left.

ipywidgets' ``Text`` either sends its value only when the field is left
(``continuous_update=False``), or at each keystroke with no word of leaving: a blur whose
value already reached the kernel sends nothing.  docassemble's page needs both (SEMANTICS
§8.2): a periodic check-in sends the form as typed, and leaving a changed field (the DOM
``change`` event) checks in at once.  This widget is a small ES module run by anywidget
(``textbox.js``, no build step): it sends ``value`` at most once per ``debounce`` ms while
typing (typing stays smooth), and a custom message when the field is left:

* ``{"event": "change"}`` — the field lost focus with a value changed since it was last
  committed (a click elsewhere, Tab), flushed after the pending ``value``;
* ``{"event": "submit"}`` — Enter in a one-line box.

Handle them with ``on_msg`` (see :mod:`fields`).  ``rows > 0`` makes a textarea;
``password`` hides what is typed.
"""
from __future__ import annotations

import pathlib

import anywidget
import traitlets as T

__all__ = ["TextBox", "LEAVE_EVENTS"]

#: The custom messages that mean "the person is done with this field" (a change event).
LEAVE_EVENTS = ("change", "submit")


class TextBox(anywidget.AnyWidget):
    """A one-line text box (``rows=0``) or a textarea, for typed text and numbers."""

    _esm = pathlib.Path(__file__).with_name("textbox.js")

    value = T.Unicode("").tag(sync=True)
    placeholder = T.Unicode("").tag(sync=True)
    disabled = T.Bool(False).tag(sync=True)
    password = T.Bool(False).tag(sync=True)
    rows = T.Int(0).tag(sync=True)
    #: Milliseconds of quiet after a keystroke before the typed text is sent.
    debounce = T.Int(250).tag(sync=True)

    def __repr__(self) -> str:
        return f"<TextBox value={self.value!r}>"
