"""DOCX templates (``docx template file``) rendered with docxtpl, as docassemble renders them.

The Jinja2 environment behaves like docassemble's: an undefined name (or an interview
object's missing attribute) raises Jinja2's ``UndefinedError`` naming it, so the engine asks
for it; with ``skip undefined`` it renders as nothing.  Every ``{{ ... }}`` goes through a
last filter that escapes text for the XML and turns a file object into an inline image;
Word's curly quotes inside tags become straight ones; docassemble's filters (``comma_and_list``,
``currency``, ``markdown``...) are there.  ``include_docx_template`` renders another DOCX
into the one being rendered (as a sub-document).  A Jinja2 syntax error is reported with
the text of the paragraph that holds it.
"""
from __future__ import annotations

import contextvars
import os
import re
import tempfile
from typing import Any, Callable

from ..errors import DAError, TemplateError
from .conversion import FILE_TAG, html_to_pandoc, markdown_to_html, writing
from .files import file_path

__all__ = ["render_docx", "include_docx_template", "concatenate_docx", "FILTER_NAMES",
           "template_finder"]

# Filters docassemble's Jinja2 environment has that are functions of the interview API.
FILTER_NAMES = ("add_separators", "format_date", "format_datetime", "format_time", "month_of",
                "year_of", "day_of", "dow_of", "nice_number", "ordinal", "ordinal_number",
                "currency", "comma_list", "comma_and_list", "capitalize", "salutation", "alpha",
                "roman", "word", "bold", "italic", "title_case", "single_paragraph",
                "phone_number_formatted", "phone_number_in_e164", "country_name",
                "fix_punctuation", "redact", "verbatim", "qr_code", "manual_line_breaks",
                "single_to_double_newlines")

_rendering: contextvars.ContextVar[dict | None] = contextvars.ContextVar("bgkernel_docx", default=None)
# Where ``include_docx_template`` finds files (set by the engine: the interview's lookup).
template_finder: contextvars.ContextVar[Callable[[str], str | None] | None] = \
    contextvars.ContextVar("bgkernel_docx_finder", default=None)

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_TAG = re.compile(r"({[%{].*?[%}]})", re.DOTALL)
_FILE_CLASSES = ("DAFile", "DAFileList", "DAStaticFile", "DAFileCollection", "_Path")


def _straight_quotes(match: re.Match) -> str:
    return match.group(1).translate(_QUOTES).replace("&amp;", "&")


def _xml_text(value: Any) -> Any:
    """docassemble's last filter on every ``{{ }}``: escape text, keep docxtpl objects,
    show files as images."""
    name = type(value).__name__
    if name in _FILE_CLASSES:
        return _image(value)
    if name in ("InlineImage", "RichText", "Listing", "Subdoc", "Markup", "RichTextParagraph"):
        return str(value)
    if value is None or isinstance(value, (int, bool, float)):
        return value
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", str(value))
    if text.startswith("[FILE ") and (image := _file_tag_image(text)) is not None:
        return str(image)
    if "<w:r>" in text or "</w:t>" in text:
        return re.sub(r"&(?!#?[0-9A-Za-z]+;)", "&amp;", text)
    text = re.sub(r"&(?!#?[0-9A-Za-z]+;)", "&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _image(value: Any, width: Any = None) -> Any:
    from docx.shared import Inches  # noqa: PLC0415
    from docxtpl import InlineImage  # noqa: PLC0415

    state = _rendering.get()
    path = value.path() if callable(getattr(value, "path", None)) else None
    mimetype = str(getattr(value, "mimetype", "") or "")
    if state is None or not path or not (mimetype.startswith("image") or
                                         str(path).lower().endswith((".png", ".jpg", ".jpeg", ".gif"))):
        return _xml_text(str(value)) if type(value).__name__ not in _FILE_CLASSES else ""
    return InlineImage(state["template"], path, width=width or Inches(2.5))


def _file_tag_image(text: str) -> Any:
    """``[FILE n, 1in]`` (what ``DAFile.show()`` gives) as an inline image, or None."""
    from docx.shared import Cm, Inches, Pt  # noqa: PLC0415

    found = FILE_TAG.fullmatch(text.strip())
    state = _rendering.get()
    if found is None or state is None:
        return None
    ref = found.group(1).strip()
    finder = template_finder.get()
    path = file_path(ref) if ref.isdigit() else (finder(ref) if finder else None)
    if not path:
        return None
    size = re.fullmatch(r"([0-9.]+)\s*(in|cm|pt|px)", (found.group(2) or "").strip())
    width = None
    if size:
        amount = float(size.group(1))
        width = {"in": Inches, "cm": Cm, "pt": Pt, "px": lambda v: Pt(v * 0.75)}[size.group(2)](amount)
    return _image(_Path(path), width)


class _Path:
    """A file given by path, for :func:`_image`."""

    def __init__(self, path: str) -> None:
        self._path = path

    def path(self) -> str:
        return self._path


def _markdown_filter(text: Any) -> Any:
    """``|markdown``: the Markdown as a sub-document (through pandoc)."""
    state = _rendering.get()
    if state is None:
        return str(text)
    handle, path = tempfile.mkstemp(suffix=".docx")
    os.close(handle)
    state["temps"].append(path)
    html_to_pandoc(markdown_to_html(str(text)), path, "docx")
    return state["template"].new_subdoc(path)


def _inline_markdown_filter(text: Any) -> Any:
    """``|inline_markdown``: **bold** and *italic* kept, as a RichText run."""
    from docxtpl import RichText  # noqa: PLC0415

    rich = RichText()
    for part in re.split(r"(\*\*[^*]+\*\*|\*[^*]+\*)", str(text)):
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            rich.add(part[2:-2], bold=True)
        elif part.startswith("*") and part.endswith("*") and len(part) > 2:
            rich.add(part[1:-1], italic=True)
        elif part:
            rich.add(part)
    return rich


def _environment(skip_undefined: bool, namespace: dict) -> Any:
    import jinja2  # noqa: PLC0415
    from jinja2.ext import Extension  # noqa: PLC0415
    from jinja2.lexer import Token  # noqa: PLC0415

    from ..errors import missing_name  # noqa: PLC0415

    class LastFilter(Extension):
        def filter_stream(self, stream: Any) -> Any:
            for token in stream:
                if token.type == "variable_end":
                    yield Token(token.lineno, "pipe", None)
                    yield Token(token.lineno, "name", "_bgkernel_xml")
                yield token

    class Skip(jinja2.ChainableUndefined):
        def __str__(self) -> str:
            return ""

        def __iter__(self) -> Any:
            return iter(())

    class Environment(jinja2.Environment):
        def from_string(self, source: Any, *pargs: Any, **kwargs: Any) -> Any:
            return super().from_string(_TAG.sub(_straight_quotes, source), *pargs, **kwargs)

        def getattr(self, obj: Any, attribute: str) -> Any:
            try:
                return getattr(obj, attribute)
            except AttributeError as err:
                name = missing_name(err)
                if name is not None:
                    return self.undefined(hint=f"'{name}' is undefined", name=name)
                return self.undefined(obj=obj, name=attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            try:
                return obj[argument]
            except (AttributeError, TypeError, LookupError) as err:
                name = missing_name(err)
                if name is not None:
                    return self.undefined(hint=f"'{name}' is undefined", name=name)
                return self.undefined(obj=obj, name=argument)

    env = Environment(undefined=Skip if skip_undefined else jinja2.StrictUndefined,
                      extensions=[LastFilter])
    env.filters.update({name: namespace[name] for name in FILTER_NAMES if callable(namespace.get(name))})
    env.filters.update(_bgkernel_xml=_xml_text, markdown=_markdown_filter,
                       inline_markdown=_inline_markdown_filter, paragraphs=_paragraphs,
                       any=any, all=all)
    return env


def _paragraphs(text: Any) -> str:
    return re.sub(r"(?<!\n)\n(?!\n)", "\n\n", str(text))


def _syntax_error(tpl: Any, env: Any, name: str) -> str | None:
    """The syntax error of the body, with the text of the paragraph it is in, or None."""
    import jinja2  # noqa: PLC0415

    xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.get_xml())
    xml = tpl.patch_xml(_TAG.sub(_straight_quotes, xml))
    try:
        env.parse(xml)
    except jinja2.TemplateSyntaxError as err:
        lines = xml.split("\n")
        line = lines[err.lineno - 1] if err.lineno and err.lineno <= len(lines) else ""
        text = re.sub(r"<[^>]+>", "", line).strip()
        return f"Jinja2 syntax error in {name}: {err.message}, in the paragraph “{text}”"
    return None


def render_docx(paths: list[str], context: dict, out_path: str, skip_undefined: bool = False,
                where: tuple[str | None, int | None] = (None, None)) -> None:
    """Render the DOCX template(s) (several are joined first) with ``context``."""
    import jinja2  # noqa: PLC0415
    from docxtpl import DocxTemplate  # noqa: PLC0415

    name = ", ".join(os.path.basename(p) for p in paths)
    temps: list[str] = []
    try:
        source = paths[0]
        if len(paths) > 1:
            handle, source = tempfile.mkstemp(suffix=".docx")
            os.close(handle)
            temps.append(source)
            concatenate_docx(paths, source)
        try:
            tpl = DocxTemplate(source)
            tpl.render_init()
        except Exception as err:  # noqa: BLE001 -- a file that is not a DOCX
            raise TemplateError(f"{name} is not a DOCX file that can be read: {err}", *where) from err
        env = _environment(skip_undefined, context)
        problem = _syntax_error(tpl, env, name)
        if problem:
            raise TemplateError(problem, *where)
        token = _rendering.set({"template": tpl, "temps": temps, "context": context,
                                "skip": skip_undefined})
        try:
            tpl.render(context, env)
        except jinja2.TemplateSyntaxError as err:
            raise TemplateError(f"Jinja2 syntax error in {name} (a header or footer): "
                                f"{err.message}", *where) from err
        finally:
            _rendering.reset(token)
        with writing(out_path) as temp:
            tpl.save(temp)
    finally:
        for path in temps:
            if os.path.exists(path):
                os.unlink(path)


def include_docx_template(template_file: Any, **kwargs: Any) -> Any:
    """Another DOCX template rendered into the one being rendered, with the same variables
    and ``kwargs`` added (``{{p include_docx_template('part.docx', x=1) }}``)."""
    state = _rendering.get()
    if state is None:
        raise DAError("include_docx_template() can only be used inside a DOCX template")
    path = template_file.path() if callable(getattr(template_file, "path", None)) else None
    if path is None:
        finder = template_finder.get()
        path = finder(str(template_file)) if finder else None
        path = path or (str(template_file) if os.path.isfile(str(template_file)) else None)
    if not path:
        raise DAError(f"include_docx_template(): the template {template_file} was not found")
    handle, out = tempfile.mkstemp(suffix=".docx")
    os.close(handle)
    state["temps"].append(out)
    context = {**state["context"], **kwargs}
    token = _rendering.set(None)
    try:
        render_docx([path], context, out, state["skip"])
    finally:
        _rendering.reset(token)
    return state["template"].new_subdoc(out)


def concatenate_docx(paths: list[str], out_path: str) -> None:
    """One DOCX of several, each after a page break (docxcompose)."""
    import docx  # noqa: PLC0415
    from docxcompose.composer import Composer  # noqa: PLC0415

    master = docx.Document(paths[0])
    composer = Composer(master)
    for path in paths[1:]:
        master.add_page_break()
        composer.append(docx.Document(path))
    with writing(out_path) as temp:
        composer.save(temp)
