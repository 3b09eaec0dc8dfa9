"""Reading one YAML block: the keys docassemble recognises, and where the reader stands
(lines, ``def``/``usedefs``), so that every error names the file and the line of its key."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import BlockError
from .assignments import canonical
from .source import RawBlock
from .templates import Code, Expr, Text

__all__ = ["Reading", "names_of", "as_list", "with_defines", "KNOWN_KEYS", "DIRECTIVES", "COMMANDS", "SETTINGS",
           "FIELD_MODIFIERS", "CHOICE_MODIFIERS"]

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


class Reading:
    """Where the reader stands while it reads one block: its lines, the ``def`` blocks so far,
    and the reader itself (``read``), for the blocks embedded behind buttons."""

    def __init__(self, raw: RawBlock, defs: dict[str, list[str]] | None = None,
                 read: Callable[..., Any] | None = None, warnings: list | None = None):
        self.raw = raw
        self.read = read
        self.warnings = warnings
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


def names_of(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(canonical(str(v).strip()) for v in value)
    return (canonical(str(value).strip()),)


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def with_defines(common: dict, ctx: Reading, data: dict, found: list[str]) -> dict:
    """Add `sets`, `event` and the scanned names to what the block defines."""
    names = list(found)
    if "only sets" in data:
        names = list(names_of(data["only sets"]))
    elif data.get("scan for variables") is False:
        names = []
    names.extend(names_of(data.get("sets")))
    names.extend(names_of(data.get("event")))
    common = dict(common)
    common["defines"] = tuple(dict.fromkeys(canonical(n) for n in names))
    return common
