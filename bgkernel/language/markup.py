"""docassemble markup → Markdown → HTML for screens, and for documents (ENGINE §6.2).

:func:`to_html` is what a screen shows: docassemble's ``[TAGS]`` first, then
Python-Markdown with docassemble's extensions, then its post-processing (table and
blockquote classes, links).  :func:`document_html` and :func:`document_text` render
attachment text, where the layout tags become inline styles.  :func:`to_text` takes the
text out of HTML, as docassemble does for an e-mail's plain-text body.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import markdown

__all__ = ["to_html", "to_text", "document_html", "document_text", "target_span",
           "TABLE_CLASS"]

TABLE_CLASS = "table table-striped"
_EXTENSIONS = ["smarty", "sane_lists", "tables", "attr_list", "md_in_html", "footnotes"]

# Text made only of these needs no Markdown: <p> around it, with smarty's quotes, is the
# same HTML (checked against Markdown by a randomised test).
_PLAIN = re.compile(r"(?:[^\W\d_]|\"(?=[A-Za-z]))(?:[^\W_]|[ ,.?!;:()%$/@'\"])*")
_APOSTROPHE = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])")
_OPEN_QUOTE = re.compile(r'(?<![^ ])"(?=[A-Za-z])')
_CLOSE_QUOTE = re.compile(r'(?<=[A-Za-z.,?!])"(?![^ .,?!;:])')

_local = threading.local()


def _markdown() -> markdown.Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(extensions=_EXTENSIONS, output_format="html5")
    return md


# --- docassemble tags -------------------------------------------------------------------

_BLANK = '<span style="text-decoration: underline">{}</span>'
_SCREEN_TAGS = {
    "NBSP": "&nbsp;", "ENDASH": "&ndash;", "EMDASH": "&mdash;", "HYPHEN": "-",
    "REDACTION_SPACE": "&#9608;&#8203;",
    "CHECKBOX": _BLANK.format("&nbsp;" * 4), "BLANK": _BLANK.format("&nbsp;" * 12),
    "BLANKFILL": _BLANK.format("&nbsp;" * 30),
}
# These also swallow the spaces after them.
_SCREEN_SPACED = {
    "PAGEBREAK": "", "PAGENUM": "", "SECTIONNUM": "", "SKIPLINE": "<br />",
    "NEWLINE": "<br />", "BR": "<br />", "NEWPAR": "<br /><br />",
    "TAB": '<span class="datab"></span>',
}
_DOCUMENT_SPACED = dict(
    _SCREEN_SPACED, PAGEBREAK='\n\n<div style="break-after: page"></div>\n\n',
    TAB='<span style="display: inline-block; width: 0.5in"></span>')
_SIMPLE = re.compile(r"\[(%s)\]" % "|".join(_SCREEN_TAGS))
_SPACED = re.compile(r"\[(%s)\] *" % "|".join(_SCREEN_SPACED))
_TARGET = re.compile(r"\[TARGET ([^\]]+)\]")
_REDACT_WORD = re.compile(r"\[REDACTION_WORD ([^\]]+)\]")
_END = re.compile(r" *\[END\] *")
_VIDEO = re.compile(r"\[(YOUTUBE|VIMEO)(4:3|16:9)? ([^\]]+)\]")
_VIDEO_SRC = {"YOUTUBE": "https://www.youtube.com/embed/{}?rel=0",
              "VIMEO": "https://player.vimeo.com/video/{}?byline=0&portrait=0"}
_TWO_COL = re.compile(r"\[BEGIN_TWOCOL\](.+?)\[BREAK\]\s*(.+?)\[END_TWOCOL\]", re.DOTALL)
_CAPTION = re.compile(r"\[BEGIN_CAPTION\](.+?)\[VERTICAL_LINE\]\s*(.+?)\[END_CAPTION\]",
                      re.DOTALL)
_BAR_LINE = re.compile(r"^[|] (.*)$", re.MULTILINE)

# Paragraph-level layout tags: on screen they become classes of the paragraph.
_SPACINGS = {"TIGHTSPACING": "daspacingtight", "SINGLESPACING": "daspacingsingle",
             "DOUBLESPACING": "daspacingdouble",
             "ONEANDAHALFSPACING": "daspacingoneandahalf", "TRIPLESPACING": "daspacingtriple"}
_LINE_CLASSES = (("BORDER", ("daborder",)), ("FLUSHLEFT", ("daflushleft",)),
                 ("FLUSHRIGHT", ("daflushright",)), ("CENTER", ("dacenter",)),
                 ("BOLDCENTER", ("dacenter", "dabold")))
_PARA_TAG = re.compile(
    r"\[(BORDER|NOINDENT|FLUSHLEFT|FLUSHRIGHT|BOLDCENTER|CENTER|%s|START_INDENTATION|"
    r"STOP_INDENTATION)\] *|\[INDENTBY[^\]]*\] *" % "|".join(_SPACINGS))
_INDENT_ONE = re.compile(r"\[INDENTBY *([0-9.]+ *[A-Za-z]+)\]")
_INDENT_TWO = re.compile(r"\[INDENTBY *([0-9.]+ *[A-Za-z]+) *([0-9]+ *[A-Za-z]+)\]")
_UNITS = {"twips": 0.05, "hp": 0.5, "in": 72, "pt": 1, "px": 1, "em": 12, "cm": 28.346472}
_MARKER = re.compile(r'<p><i class="visually-hidden *([^>]*)></i>')
# How the screen classes look in a document, which has no docassemble CSS.
_DOCUMENT_STYLES = {
    "daborder": "border: 1px solid black; padding: 0.5em", "daflushleft": "text-align: left",
    "daflushright": "text-align: right", "dacenter": "text-align: center",
    "dabold": "font-weight: bold", "daspacingtight": "line-height: 1",
    "daspacingsingle": "line-height: 1.15", "daspacingoneandahalf": "line-height: 1.5",
    "daspacingdouble": "line-height: 2", "daspacingtriple": "line-height: 3"}


def target_span(name: str) -> str:
    """The placeholder ``[TARGET name]`` becomes; only [A-Za-z0-9_] of the name is kept."""
    return '<span class="datarget' + re.sub(r"[^A-Za-z0-9_]", "", name) + '"></span>'


def _pixels(length: str) -> int:
    match = re.search(r"([0-9.]+) *([a-z]+)", length.lower())
    if match and match.group(2) in _UNITS:
        return int(_UNITS[match.group(2)] * float(match.group(1)))
    return 300


def _video(match: re.Match) -> str:
    ratio = "davideo43" if match.group(2) == "4:3" else "davideo169"
    src = _VIDEO_SRC[match.group(1)].format(match.group(3))
    extra = " webkitallowfullscreen mozallowfullscreen" if match.group(1) == "VIMEO" else ""
    return (f'<div class="davideo {ratio}"><iframe src="{src}" frameborder="0"{extra} '
            f'allowfullscreen></iframe></div>')


_CELL = {
    True: ('<td style="width: 50%; border-style: solid; border-right-width: 1px; '
           'padding-right: 1em; border-left-width: 0px; border-top-width: 0px; '
           'border-bottom-width: 0px">', '<td style="padding-left: 1em; width: 50%;">'),
    False: ('<td style="width: 50%; vertical-align: top; border-style: none; '
            'padding-right: 1em;">', '<td style="padding-left: 1em; vertical-align: top; '
            'width: 50%;">'),
}


def _columns(match: re.Match, caption: bool, document: bool) -> str:
    """[BEGIN_TWOCOL]/[BEGIN_CAPTION]: a two-cell table, each side rendered on its own."""
    render = document_html if document else to_html
    left, right = (render(part.strip() if caption else part) for part in match.groups())
    return ('<table style="width: 100%"><tr>' + _CELL[caption][0] + left + "</td>"
            + _CELL[caption][1] + right + "</td></tr></table>")


def _layout(text: str) -> str:
    """Turn paragraph-level tags into a hidden marker that becomes the <p>'s class/style."""
    out, spacing, indenting = [], None, False
    for chunk in re.split(r"\n *\n", text):
        for tag, css in _SPACINGS.items():
            if f"[{tag}]" in chunk:
                spacing = css
        indenting = (indenting or "[START_INDENTATION]" in chunk) and \
            "[STOP_INDENTATION]" not in chunk
        classes = [spacing] if spacing else []
        for tag, names in _LINE_CLASSES:
            if f"[{tag}]" in chunk:
                classes += [n for n in names if n not in classes]
        styles = {"text-indent": "36px"} if indenting and "[NOINDENT]" not in chunk else {}
        if match := _INDENT_ONE.search(chunk):
            styles["padding-left"] = f"{_pixels(match.group(1))}px"
        if match := _INDENT_TWO.search(chunk):
            styles["margin-left"] = f"{_pixels(match.group(1))}px"
            styles["margin-right"] = f"{_pixels(match.group(2))}px"
        stripped = _PARA_TAG.sub("", chunk)
        if chunk and not stripped:
            continue
        if stripped.startswith(">"):
            stripped, prefix = re.sub(r"^> *", "", stripped), "> "
        else:
            prefix = ""
        marker = ""
        if classes or styles:
            marker = '<i class="visually-hidden' + ("  " + " ".join(classes) if classes else "")
            marker += '"' + (' style="' + "".join(f"{k}:{v};" for k, v in styles.items())
                             + '"' if styles else "") + "></i>"
        out.append(prefix + marker + stripped)
    return "\n\n".join(out).rstrip("\n")


def _filter(text: str, document: bool) -> str:
    """docassemble's tag pass (its ``html_filter``) on Markdown source."""
    text = _BAR_LINE.sub(r"\1<br>", text + "\n\n")
    text = _TARGET.sub("" if document else (lambda m: target_span(m.group(1))), text)
    if not document:
        text = _VIDEO.sub(_video, text)
    text = _CAPTION.sub(lambda m: _columns(m, True, document), text)
    text = _TWO_COL.sub(lambda m: _columns(m, False, document), text)
    text = _SIMPLE.sub(lambda m: _SCREEN_TAGS[m.group(1)], text)
    text = _REDACT_WORD.sub(lambda m: "&#9608;" * len(m.group(1)), text)
    spaced = _DOCUMENT_SPACED if document else _SCREEN_SPACED
    text = _SPACED.sub(lambda m: spaced[m.group(1)], text)
    text = _END.sub("\n", text)
    if "[" in text and _PARA_TAG.search(text):
        return _layout(text)
    return text.rstrip("\n")


# --- Markdown and post-processing ------------------------------------------------------------

def _link(match: re.Match) -> str:
    """docassemble's link rewrite: outside links open a new window, actions are marked."""
    href = match.group(1)
    if href.startswith("#"):        # docassemble calls its own daGoToAnchor() here
        return match.group(0)
    internal = href.startswith(("/", "?"))
    target = "" if internal else 'target="_blank" '
    if re.match(r"/(packagestatic|storedfile|tempfile|uploadedfile|uploadedpage|"
                r"playgroundstatic|playgrounddownload)", href):
        target = 'target="_blank" '
    action = ""
    if internal and (found := re.search(r"[?&]action=([^&]+)", href)):
        action, target = f'data-embaction="{found.group(1)}" ', ""
    script = ""
    if js := re.match(r"javascript:(.*)", href):
        script, target = f'data-js="{js.group(1)}" ', ""
    return f'<a {action}{target}{script}href="{href}"'


def _convert(source: str) -> str:
    """Markdown → HTML; tables already in the source are hidden as <TABLE> meanwhile."""
    return _markdown().reset().convert(re.sub(r"<(/?)table", r"<\1TABLE", source))


def _restore_tables(html: str) -> str:
    return re.sub(r"<(/?)TABLE", r"<\1table", html) if "TABLE" in html else html


@lru_cache(maxsize=4096)
def _screen_html(text: str) -> str:
    if "[" in text or "| " in text:
        text = _filter(text, document=False)
    html = _convert(text)
    if "<table>" in html:
        html = html.replace("<table>", '<div class="table-responsive"><table class="'
                            + TABLE_CLASS + '">').replace("</table>", "</table></div>")
    html = _restore_tables(html).replace("<blockquote>", '<blockquote class="blockquote">')
    if "<a " in html:
        html = re.sub(r'<a href="(.*?)"', _link, html)
    if "[NO_EMOJIS]" in html:
        html = re.sub(r"\[NO_EMOJIS\]\s*", "", html)
    return _MARKER.sub(r'<p class="\1>', html) if "visually-hidden" in html else html


def _trimmed(html: str) -> str:
    if html.startswith("<p>") and html.endswith("</p>"):
        return re.sub(r"</p>\s*<p>", " ", html[3:-4])
    return html


def _plain(text: str) -> str | None:
    """The HTML of text that needs no Markdown, or None when Markdown must decide."""
    if not _PLAIN.fullmatch(text) or text.endswith(" ") or ".." in text:
        return None
    if "'" in text:
        if '"' in text:
            return None
        text = _APOSTROPHE.sub("&rsquo;", text)
    elif '"' in text:
        text = _CLOSE_QUOTE.sub("&rdquo;", _OPEN_QUOTE.sub("&ldquo;", text))
    return None if "'" in text or '"' in text else text


def to_html(text: Any, trim: bool = False) -> str:
    """Screen HTML for docassemble-flavoured Markdown; ``trim`` drops a lone outer <p>."""
    text = str(text)
    inner = _plain(text)
    if inner is not None:
        return inner if trim else f"<p>{inner}</p>"
    html = _screen_html(text)
    return _trimmed(html) if trim else html


# --- documents -----------------------------------------------------------------------------

def _document_marker(match: re.Match) -> str:
    classes = re.match(r'\s*([^"]*)"', match.group(1))
    styles = [_DOCUMENT_STYLES[c] for c in (classes.group(1).split() if classes else ())
              if c in _DOCUMENT_STYLES]
    inline = re.search(r'style="([^"]*)"', match.group(1))
    if inline:
        styles.append(inline.group(1).rstrip(";").replace(":", ": ").replace(";", "; "))
    return '<p style="' + "; ".join(styles) + '">' if styles else "<p>"


@lru_cache(maxsize=256)
def document_html(text: str) -> str:
    """HTML for an attachment: layout tags become inline styles, [TARGET] goes away."""
    html = _restore_tables(_convert(_filter(str(text), document=True)))
    return _MARKER.sub(_document_marker, html) if "visually-hidden" in html else html


def document_text(text: str) -> str:
    """Plain text for an attachment: paragraphs apart by a blank line, tags resolved."""
    parser = _TextParser(blocks=True)
    parser.feed(document_html(text))
    parser.close()
    lines = [line.strip(" ") for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# --- text out of HTML -----------------------------------------------------------------------

_HIDDEN = {"script", "style", "template"}
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "tr",
           "ul", "ol", "pre", "hr", "section", "article", "dl", "dt", "dd", "figure"}


class _TextParser(HTMLParser):
    """Collects text runs; with ``blocks``, lays them out as paragraphs and list items."""

    def __init__(self, blocks: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks = blocks
        self.parts: list[str] = []
        self.hidden = _HIDDEN | {"head", "title"} if blocks else _HIDDEN
        self.skipping = self.pre = 0
        self.joinable = False                # the last event was text: extend it
        self.lists: list[list[int]] = []     # a counter per open list; -1 means bullets
        self.first_cell = True

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.joinable = False
        if tag in self.hidden:
            self.skipping += 1
        if self.blocks and not self.skipping:
            self.parts.append(self._opening(tag))

    def _opening(self, tag: str) -> str:
        if tag == "br":
            return "\n"
        if tag in ("ul", "ol"):
            self.lists.append([0 if tag == "ol" else -1])
        elif tag == "li":
            counter = self.lists[-1] if self.lists else [-1]
            if counter[0] >= 0:
                counter[0] += 1
            bullet = f"{counter[0]}. " if counter[0] >= 0 else "- "
            return "\n" + "  " * max(len(self.lists) - 1, 0) + bullet
        elif tag in ("td", "th"):
            first, self.first_cell = self.first_cell, False
            if self.parts and not first:
                self.parts[-1] = self.parts[-1].rstrip(" ")
            return "" if first else " | "
        elif tag == "tr":
            self.first_cell = True
            return ""
        elif tag == "pre":
            self.pre += 1
        return "\n\n" if tag in _BLOCKS else ""

    def handle_endtag(self, tag: str) -> None:
        self.joinable = False
        if tag in self.hidden:
            self.skipping = max(self.skipping - 1, 0)
        elif self.blocks and not self.skipping and tag in _BLOCKS:
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            if tag == "pre" and self.pre:
                self.pre -= 1
            self.parts.append("\n" if tag == "tr" else "\n\n")

    def handle_comment(self, data: str) -> None:
        self.joinable = False

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA[") and not self.skipping:
            self.parts.append(data[6:])
            self.joinable = False

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.blocks and not self.pre:
            data = re.sub(r"\s+", " ", data)
            if data == " " and (not self.parts or self.parts[-1].endswith(("\n", " "))):
                return
        if self.joinable:
            self.parts[-1] += data
        else:
            self.parts.append(data)
        self.joinable = not self.blocks


def to_text(html: str, separator: str = "\n") -> str:
    """Every text run of the HTML joined by ``separator`` (BeautifulSoup's ``get_text``).

    docassemble builds an e-mail's plain-text body this way, so blank runs between tags
    count too. Comments and script/style contents are left out; entities are decoded.
    """
    parser = _TextParser(blocks=False)
    parser.feed(str(html))
    parser.close()
    return separator.join(parser.parts)
