"""One :class:`bgkernel.engine.screen.Screen` as a tree of ipywidgets, updated in place.

A :class:`ScreenView` is built for a screen body (a new question, a refresh) and then
updated for what a check-in changes on the same page: ``[TARGET x]`` areas, flash
messages, field values and choices (a ``fields`` command), validation errors.
It touches nothing but its own widgets; the app decides what a click or a change means.
"""
from __future__ import annotations

import base64
import html as _html
import os
import re
from typing import Any, Callable

import ipywidgets as W

from bgkernel.engine.screen import Screen
from bgkernel.errors import DAError
from bgkernel.language.markup import to_html
from bgkernel.library.files import ext_and_mimetype
from bgkernel.library.pdf_forms import first_page

from .fields import _UNSET, FieldWidget, _plain, widget_for

__all__ = ["ScreenView", "fill_targets", "COMMAND_TEXT"]

#: What a screen that is not a question says (docassemble would leave the page).
COMMAND_TEXT = {
    "exit": "The interview has ended (exit): the session was deleted.",
    "exit_logout": "The interview has ended (exit and log out): the session was deleted.",
    "leave": "You left the interview (leave). The session is kept.",
    "logout": "You logged out.",
    "restart": "The interview restarted.",
    "new_session": "A new session would start here.",
    "signin": "The interview would show the sign-in page.",
    "register": "The interview would show the registration page.",
    "interview_exit": "The interview has ended.",
}
_DOWNLOAD_LIMIT = 5 * 1024 * 1024


def fill_targets(html: str, targets: dict[str, str]) -> str:
    """Put each target's content into its ``[TARGET name]`` span (content replaces, as in
    docassemble's page script)."""
    for name, content in targets.items():
        safe = re.sub(r"[^A-Za-z0-9_]", "", str(name))
        html = re.sub(f'<span class="datarget{safe}">.*?</span>',
                      lambda _m: f'<span class="datarget{safe}">{content}</span>', html, flags=re.S)
    return html


class ScreenView:
    """The widgets of one screen body.

    ``on_click(label)`` runs when a button is clicked, ``on_change(variable)`` when the
    person changes a field (leaves it), ``on_typing(variable)`` as text is typed into one;
    ``on_back()`` for the Back button.
    """

    def __init__(self, screen: Screen, on_click: Callable[[str], None],
                 on_change: Callable[[str], None], on_back: Callable[[], None],
                 on_typing: Callable[[str], None] | None = None):
        self.screen = screen
        self._on_click = on_click
        self.fields: dict[str, FieldWidget] = {}
        self.buttons: dict[str, W.Button] = {}
        self.flash = W.HTML("")
        self.question = W.HTML("")
        self.error = W.HTML("")
        self.javascript = W.HTML("")
        self._templates = self._text_parts(screen)
        children: list[W.Widget] = [self.flash, self.question, self.error]
        notes: list[W.Widget] = []
        for fld in screen.fields:
            fw = widget_for(fld)
            if fld.variable:
                self.fields[fld.variable] = fw
                fw.on_change(on_change, typing=on_typing)
            notes.append(fw.box)
        children.extend(notes)
        row: list[W.Widget] = []
        if screen.can_go_back:
            back = W.Button(description="Back", icon="arrow-left", tooltip="the previous screen")
            back.on_click(lambda _b: on_back())
            self.back_button: W.Button | None = back
            row.append(back)
        else:
            self.back_button = None
        for button in screen.buttons:
            label = _plain(button.label) or str(button.value)
            widget = W.Button(description=label, button_style=_style(button),
                              layout=W.Layout(width="auto"))
            widget.on_click(lambda _b, label=label: self._on_click(label))
            self.buttons[label] = widget
            row.append(widget)
        if row:
            children.append(W.HBox(row))
        self.under = W.HTML("")
        children.append(self.under)
        self.attachments = _attachments(screen)
        if self.attachments is not None:
            children.append(self.attachments)
        children.append(self.javascript)
        self.box = W.VBox(children, layout=W.Layout(padding="4px"))
        self.update(screen, first=True)

    # --- building -------------------------------------------------------------------------

    @staticmethod
    def _text_parts(screen: Screen) -> dict[str, str]:
        if screen.kind in ("question", "message", "wait"):
            head = f"<h3>{to_html(screen.question, trim=True)}</h3>" if screen.question else ""
            if screen.section:            # where the interview's `nav` says the user is
                head = f'<p class="bgk-section"><small>{_html.escape(screen.section)}</small></p>' + head
            body = to_html(screen.subquestion) if screen.subquestion else ""
            for line in screen.review:    # a review screen's lines (edit: s.action(variable))
                label = f"<b>{_html.escape(line.label)}</b> " if line.label else ""
                body += f'<div class="bgk-review">{label}{to_html(line.text) if line.text else ""}'
                body += f'{to_html(line.note) if line.note else ""}</div>'
            if screen.kind == "wait" and not body:
                body = "<p><i>Please wait . . .</i></p>"
            under = to_html(screen.under) if screen.under else ""
            return {"question": head + body, "under": under}
        if screen.kind == "response":
            response = screen.response
            if isinstance(response, bytes):
                text = f"{len(response)} bytes"
            else:
                text = _html.escape(str(response))
            return {"question": f"<h3>Response</h3><pre>{text}</pre>", "under": ""}
        text = COMMAND_TEXT.get(screen.kind, f"The interview sent the command {screen.kind!r}.")
        url = f' <a href="{_html.escape(str(screen.response))}" target="_blank">{_html.escape(str(screen.response))}</a>' \
            if screen.response else ""
        return {"question": f"<h3>{_html.escape(text)}</h3>{url}", "under": ""}

    # --- updating ------------------------------------------------------------------------

    def same_page(self, screen: Screen) -> bool:
        """Whether ``screen`` is this page updated (same block, fields and buttons)."""
        old = self.screen
        return (old.kind == screen.kind and old.block == screen.block
                and old.question == screen.question and old.subquestion == screen.subquestion
                and [f.variable for f in old.fields] == [f.variable for f in screen.fields]
                and [b.label for b in old.buttons] == [b.label for b in screen.buttons])

    def update(self, screen: Screen, first: bool = False) -> None:
        """Show what changed on the same page: targets, flash, errors, field values/choices."""
        old, self.screen = self.screen, screen
        self.question.value = fill_targets(self._templates["question"], screen.targets)
        self.under.value = fill_targets(self._templates["under"], screen.targets)
        self.flash.value = "".join(
            f'<div style="background:#e7f1fb;border-left:4px solid #2a7ae2;padding:4px 8px;'
            f'margin:2px 0">{message}</div>' for message in screen.flash)
        errors = dict(screen.errors)
        general = [errors.pop(k) for k in list(errors) if k not in self.fields]
        self.error.value = "".join(f'<div style="color:#b00020">{_html.escape(str(m))}</div>'
                                   for m in general)
        for name, fw in self.fields.items():
            fw.show_error(errors.get(name))
        if screen.javascript:
            self.javascript.value = "".join(
                f'<details><summary><small>javascript (not run in the notebook)</small></summary>'
                f'<pre>{_html.escape(js)}</pre></details>' for js in screen.javascript)
        if first:
            return
        new_fields = {f.variable: f for f in screen.fields if f.variable}
        for f in old.fields:
            if not f.variable or f.variable not in new_fields or f.variable not in self.fields:
                continue
            new, fw = new_fields[f.variable], self.fields[f.variable]
            if new.choices != f.choices and new.choices is not None:
                fw.set_choices(new.choices)
            if new.value != f.value:
                with fw.quiet():
                    try:
                        fw.set(new.value)
                    except (TypeError, ValueError) as err:
                        fw.show_error(f"could not show {new.value!r}: {err}")
            fw.field = new

    # --- reading -------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What ``Session.answer`` gets: every enabled input field's value."""
        out = {}
        for name, fw in self.fields.items():
            if not fw.field.enabled or fw.field.datatype == "note":
                continue
            value = fw.value
            if value is not _UNSET:
                out[name] = value
        return out

    def raw(self) -> dict[str, str]:
        """The raw strings a browser's form holds (check-in arguments, SEMANTICS §8.3)."""
        out: dict[str, str] = {}
        for fw in self.fields.values():
            if fw.field.enabled:
                out.update(fw.raw())
        return out

    def target_html(self, name: str) -> str:
        return self.screen.targets.get(name, "")

    def close(self) -> None:
        """Close every widget of this view (frees their comms once replaced)."""
        stack: list[W.Widget] = [self.box]
        while stack:
            widget = stack.pop()
            stack.extend(getattr(widget, "children", ()))
            widget.close()


def _style(button: Any) -> str:
    if button.command in ("exit", "logout", "exit_logout"):
        return "danger"
    if button.command in ("leave", "restart"):
        return "warning"
    if button.variable is None and button.command is None and button.index is None:
        return "primary"
    return "info" if button.value is True else ""


def _attachments(screen: Screen) -> W.Widget | None:
    if not screen.attachments:
        return None
    panes, titles = [], []
    for doc in screen.attachments:
        links = []
        for ext, path in sorted((doc.files or {}).items()):
            link = _download_link(path, f"{doc.filename}.{ext}")
            if link:
                links.append(link)
        head = f"<p><b>{_html.escape(doc.name)}</b> ({_html.escape(doc.filename)})"
        if doc.description:
            head += f" &mdash; {doc.description}"
        head += ("<br>" + " ".join(links) if links else "") + "</p>"
        preview = W.HTML(_pdf_preview(doc.files["pdf"]) if "pdf" in (doc.files or {}) else
                         f'<div style="border:1px solid #ddd;padding:8px;max-height:30em;'
                         f'overflow:auto">{doc.html or _text_block(doc.text)}</div>')
        panes.append(W.VBox([W.HTML(head), preview]))
        titles.append(doc.name)
    return W.Accordion(children=panes, titles=tuple(titles))


def _text_block(text: str) -> str:
    return f'<pre style="white-space:pre-wrap">{_html.escape(text)}</pre>' if text else ""


def _pdf_preview(path: str) -> str:
    """The PDF's first page, shown by the browser's PDF viewer."""
    try:
        data = base64.b64encode(first_page(path)).decode("ascii")
    except (OSError, DAError):
        return ""
    return (f'<object class="bgk-pdf-preview" type="application/pdf" width="100%" height="480" '
            f'data="data:application/pdf;base64,{data}#page=1&amp;view=FitH">'
            "(first page of the PDF)</object>")


def _download_link(path: str, filename: str) -> str | None:
    """A ``data:`` download link (works without a server that can reach the file)."""
    try:
        if os.path.getsize(path) > _DOWNLOAD_LIMIT:
            return f"<code>{_html.escape(path)}</code>"
        with open(path, "rb") as handle:
            data = base64.b64encode(handle.read()).decode("ascii")
    except OSError:
        return None
    mimetype = ext_and_mimetype(filename)[1]
    return (f'<a download="{_html.escape(os.path.basename(filename))}" '
            f'href="data:{mimetype};base64,{data}">{_html.escape(os.path.basename(filename))}</a>')
