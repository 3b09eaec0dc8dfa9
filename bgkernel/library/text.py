"""Text helpers interview code calls: capitals and title case, punctuation and separators,
paragraphs, item labels (alpha, roman), emphasis, yes/no, the currency symbol.

English only, as :mod:`bgkernel.library.words`; ``language=`` keywords are accepted and
ignored.  ``__all__`` holds the names ``docassemble.base.util`` exports.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .words import _cap, _defined, ensure_definition

__all__ = [
    "capitalize", "title_case", "period_list", "name_suffix", "add_separators",
    "fix_punctuation", "space_to_underscore", "single_to_double_newlines", "single_paragraph",
    "quote_paragraphs", "verbatim", "alpha", "roman", "item_label", "plain", "bold", "italic",
    "yesno", "noyes", "currency_symbol", "split", "redact",
]


# --- capitals, lists, punctuation -----------------------------------------------------------

@_defined
def capitalize(text: Any, **kwargs: Any) -> str:
    """The first letter in upper case (a one-letter string is left as it is)."""
    return _cap(str(text))


_SMALL_WORDS = frozenset("a an and as at but by en for if in nor of on or per the to v v. via "
                         "vs vs.".split())


@_defined
def title_case(text: Any, **kwargs: Any) -> str:
    """``the politics of turtles`` → ``The Politics of Turtles``."""
    words = str(text).split(" ")
    out: list[str] = []
    for pos, word in enumerate(words):
        edge = pos == 0 or pos == len(words) - 1 or (out and out[-1].endswith(":"))
        if word.lower() in _SMALL_WORDS and not edge:
            out.append(word.lower())
        elif re.search(r"[A-Z]", word[1:]) or re.search(r"\d|\.\w", word):
            out.append(word)            # iPhone, NASA, 3D, e.g. -- left as written
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(out)


def period_list() -> list:
    """Choices for how often an amount is paid: ``[[12, 'Per Month'], ...]``."""
    return [[12, "Per Month"], [1, "Per Year"], [52, "Per Week"], [24, "Twice Per Month"],
            [26, "Every Two Weeks"]]


def name_suffix() -> list[str]:
    return ["Jr", "Sr", "II", "III", "IV", "V", "VI"]


@_defined
def fix_punctuation(text: Any, mark: str | None = None, other_marks: Any = None) -> str:
    """End the text with ``mark`` (``.``) unless it already ends with a punctuation mark."""
    text = str(text).rstrip()
    mark = "." if mark is None else mark
    marks = [".", "?", "!"] if other_marks is None else list(other_marks)
    if mark == "" or any(text.endswith(m) for m in {mark, *marks}):
        return text
    return text + mark


@_defined
def add_separators(*items: Any, separator: str = ";", last_separator: str = "; and",
                   end_mark: str = ".") -> list[str]:
    """``['a', 'b', 'c']`` → ``['a;', 'b; and', 'c.']``."""
    texts: list[str] = []
    for item in items:
        if isinstance(item, str) or not hasattr(item, "__iter__"):
            texts.append(str(item).rstrip())
        else:
            texts.extend(str(sub).rstrip() for sub in item)
    if not texts:
        return texts
    for pos in range(len(texts) - 2):
        texts[pos] = fix_punctuation(texts[pos].rstrip(","), mark=separator)
    if len(texts) > 1 and not texts[-2].endswith(last_separator):
        texts[-2] = texts[-2].rstrip(last_separator[0]) + last_separator
    texts[-1] = fix_punctuation(texts[-1], mark=end_mark)
    return texts


@_defined
def space_to_underscore(text: Any) -> str:
    """A safe file name: ASCII letters, digits, ``._-``; spaces become underscores."""
    ascii_text = str(text).encode("ascii", errors="ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "", "_".join(ascii_text.split()))
    return cleaned.strip("._")


@_defined
def single_to_double_newlines(text: Any) -> str:
    return re.sub(r"[\n\r]+", "\n\n", str(text))


@_defined
def single_paragraph(text: Any) -> str:
    return re.sub(r"[\n\r]+", " ", str(text))


@_defined
def quote_paragraphs(text: Any) -> str:
    """Each line as a Markdown block quote."""
    return "> " + re.sub(r"[\n\r]+", "\n> ", str(text).strip())


@_defined
def verbatim(text: Any) -> str:
    """The text with Markdown and HTML characters escaped, paragraphs as ``<br>``."""
    text = str(text).strip()
    text = re.sub(r"&(?!#?[0-9A-Za-z]+;)", "&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = "<span>" + text + "</span>"
    for char, code in (("*", "42"), ("_", "95"), ("=", "61"), ("+", "43"), ("-", "45")):
        text = text.replace(char, f"&#{code};")
    text = re.sub(r"(?<!&)#", "&#35;", text)
    text = re.sub(r"(\d)\.", r"\1&#46;", text)
    return re.sub(r"\r?\n(\r?\n)+", "<br>", text)


@_defined
def alpha(index: int, case: str | None = None) -> str:
    """``alpha(0)`` → ``A``; ``alpha(26)`` → ``AA``."""
    n, letters = index + 1, ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters.lower() if case == "lower" else letters


@_defined
def roman(index: int, case: str | None = None) -> str:
    """``roman(0)`` → ``I``; the index is zero-based."""
    n = index + 1
    if not 0 < n < 4000:
        raise ValueError("Argument must be between 1 and 3999")
    out = ""
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out += numeral * count
    return out.lower() if case == "lower" else out


@_defined
def item_label(index: int, level: int | None = None, punctuation: bool = True) -> str:
    """Outline labels by level: ``I.``, ``A.``, ``1.``, ``a)``, ``(1)``, ``(a)``, ``i)``."""
    level = int(float(level or 0)) % 7
    styles: list[Callable[[int], str]] = [
        roman, alpha, lambda i: str(i + 1), lambda i: alpha(i, "lower"), lambda i: str(i + 1),
        lambda i: alpha(i, "lower"), lambda i: roman(i, "lower")]
    text = styles[level](index)
    if not punctuation:
        return text
    return text + "." if level < 3 else (text + ")" if level in (3, 6) else f"({text})")


def _blank(value: Any) -> bool:
    return value is None or str(value).strip() == "" or type(value).__name__ == "DAEmpty"


@_defined
def plain(text: Any, default: Any = None) -> Any:
    return (default if default is not None else "") if _blank(text) else text


@_defined
def bold(text: Any, default: Any = None) -> str:
    if _blank(text):
        return "" if default is None else f"**{default}**"
    return "**" + str(text).replace("*", "") + "**"


@_defined
def italic(text: Any, default: Any = None) -> str:
    if _blank(text):
        return "" if default is None else f"_{default}_"
    return "_" + str(text).replace("_", "") + "_"


@_defined
def yesno(value: Any, invert: bool = False) -> str:
    if value is None or value == "" or type(value).__name__ == "DAEmpty":
        return ""
    return "Yes" if bool(value) != bool(invert) else "No"


@_defined
def noyes(value: Any, invert: bool = False) -> str:
    return yesno(value, invert=not invert)


def currency_symbol(**kwargs: Any) -> str:
    return "$"


def split(text: Any, breaks: Any, index: Any) -> Any:
    """Part ``index`` of ``text`` cut into lines of at most ``breaks`` characters (a number, or
    a list of widths, one per part), at spaces where it can, and at every newline; ``'all'``
    gives every part (a PDF form's multi-line field filled from one answer)."""
    ensure_definition(text, breaks, index)
    body = re.sub(r"[\n\r]+", "\n", str(text).strip())
    widths = breaks if isinstance(breaks, list) else [breaks]
    limits = _limits(widths)
    parts: list[str] = []
    part = last_space = last_break = 0
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\n":
            parts.append(body[last_break:i].strip())
            last_space = last_break = i
            part += 1
        else:
            if char == " ":
                last_space = i
            if i > limits[part + 1] - 1:
                if last_space <= last_break:           # no space to break at: cut the word
                    parts.append(body[last_break:i].strip())
                    last_break = i
                else:
                    parts.append(body[last_break:last_space].strip())
                    last_break = i = last_space
                part += 1
        i += 1
    parts.append(body[last_break:].strip())
    if index == "all":
        return parts
    position = int(float(index))
    return parts[position] if position < len(parts) else ""


def _limits(widths: list) -> list[float]:
    """docassemble's break points: each width added to the width before it (not to the total
    so far), a 0 in front, and no limit after the last."""
    points, previous = [], 0
    for width in widths:
        points.append(width + previous)
        previous = width
    if not points:
        points = [0]
    elif points[0] != 0:
        points = [0] + points
    return points + [float("inf")]


_REDACT_SYMBOLS = re.compile(r"\[(NBSP|ENDASH|EMDASH|HYPHEN|CHECKBOX|PAGENUM|TOTALPAGES|SECTIONNUM)\]")
_REDACT_KEEP = re.compile(
    r"\[INDENTBY [^\]]*\]|\[(START_INDENTATION|STOP_INDENTATION|BEGIN_CAPTION|VERTICAL_LINE|"
    r"END_CAPTION|BEGIN_TWOCOL|BREAK|END_TWOCOL|TIGHTSPACING|SINGLESPACING|DOUBLESPACING|"
    r"ONEANDAHALFSPACING|TRIPLESPACING|BLANK|BLANKFILL|PAGEBREAK|SKIPLINE|VERTICALSPACE|NEWLINE|"
    r"NEWPAR|BR|TAB|END|BORDER|NOINDENT|FLUSHLEFT|FLUSHRIGHT|CENTER|BOLDCENTER)\]|[\n\r\t]")


def redact(text: Any) -> str:
    """``text`` hidden word by word: each word becomes ``[REDACTION_WORD ...]`` and each space
    ``[REDACTION_SPACE]`` (shown as blocks), while layout markup and line breaks stay."""
    body = _REDACT_SYMBOLS.sub("x", str(text))
    kept = [False] * len(body)
    for match in _REDACT_KEEP.finditer(body):
        kept[match.start():match.end()] = [True] * (match.end() - match.start())
    out: list[str] = []
    word = ""
    for char, keep in zip(body, kept):
        if keep or char == " ":
            if word:
                out.append(f"[REDACTION_WORD {word}]")
                word = ""
            out.append(char if keep else "[REDACTION_SPACE]")
        else:
            word += "[" if char == "]" else char
    if word:
        out.append(f"[REDACTION_WORD {word}]")
    return "".join(out)
