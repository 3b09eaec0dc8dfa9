"""Attachments: documents assembled as docassemble assembles them.

An attachment becomes a ``DAFileCollection`` with one ``DAFile`` per format of its ``valid
formats`` (``collection.pdf``, ``.docx``, ``.rtf``, ``.html``, ``.md``) in the session's files
folder, and a :class:`bgkernel.engine.screen.Document` for the screen.  Markdown ``content``
is printed with :mod:`bgkernel.library.conversion`; a ``docx template file`` is rendered with
:mod:`bgkernel.library.docx_templates` (and converted to PDF when asked); a ``pdf template
file`` is filled with :mod:`bgkernel.library.pdf_forms`.  Everything is produced in a
temporary folder first, so a failure leaves no file behind; each assembly is noted in
``RunContext.documents`` (name, formats, seconds) for the timeline.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import warnings
from typing import TYPE_CHECKING, Any

from ..errors import InterviewWarning, TemplateError
from ..language.blocks import Attachment, QuestionBlock
from ..language.markup import document_html, document_text
from ..language.packages import template_file
from ..language.templates import Text
from ..library import conversion, docx_templates, pdf_forms
from ..library.context import current, files_dir
from ..library.files import DAFile, DAFileCollection, file_path
from .screen import Document

if TYPE_CHECKING:
    from .evaluation import Evaluation

__all__ = ["assemble", "for_question", "as_document", "FORMATS"]

FORMATS = ("pdf", "docx", "rtf", "html", "md", "txt", "tex")
_UNSAFE = re.compile(r"[^\w\-. ]+")
_ALL = ("pdf", "rtf", "html")           # docassemble's formats when `valid formats` is absent
_LAYOUT = re.compile(r"\[(BORDER|NOINDENT|FLUSHLEFT|FLUSHRIGHT|BOLDCENTER|CENTER)\]")


def _seconds() -> float:
    """A real clock (the calendar's freeze does not reach CLOCK_MONOTONIC)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def _render(value: Any, ns: dict) -> Any:
    if isinstance(value, Text):
        return value.render(ns)
    if isinstance(value, dict):
        return {k: _render(v, ns) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, ns) for v in value]
    return value


def _formats(spec: Attachment, ns: dict) -> list[str]:
    formats = spec.formats_code.run(ns) if spec.formats_code is not None else spec.valid_formats
    if not isinstance(formats, (list, tuple)) or not all(isinstance(f, str) for f in formats):
        raise TemplateError("The valid formats did not evaluate to a list of strings",
                            spec.file, spec.line)
    return list(_ALL) if "*" in formats else ["docx" if f == "rtf to docx" else f for f in formats]


def _finder(spec: Attachment, kind: str = "templates"):
    return lambda ref: template_file(ref, spec.file, kind) or template_file(ref, spec.file, "static")


def _template_paths(spec: Attachment, refs: Any, ns: dict) -> list[str]:
    paths = []
    for ref in refs:
        value = ref.run(ns) if hasattr(ref, "run") else ref
        items = value.elements if hasattr(value, "elements") else value if isinstance(value, list) else [value]
        for item in items:
            path = item.path() if callable(getattr(item, "path", None)) else \
                template_file(str(item), spec.file)
            if not path or not os.path.isfile(path):
                raise TemplateError(f"the template file {item} was not found (looked in the "
                                    "interview's package data/templates folder and beside the "
                                    "interview)", spec.file, spec.line)
            paths.append(path)
    return paths


def assemble(spec: Attachment, ns: dict) -> Any:
    """Render one attachment into a DAFileCollection (names are sought as usual)."""
    started = _seconds()
    name = spec.name.render(ns).strip() if spec.name else ""
    filename = spec.filename.render(ns).strip() if spec.filename else ""
    filename = _UNSAFE.sub("_", filename or name.replace(" ", "_")).strip("_") or "Document"
    description = spec.description.render(ns).strip() if spec.description else ""
    formats = _formats(spec, ns)
    metadata = {k: _render(v, ns) for k, v in spec.metadata}
    work = tempfile.mkdtemp(prefix=".assembling-", dir=files_dir())
    try:
        made = {fmt: os.path.join(work, f"{filename}.{fmt}") for fmt in formats}
        if spec.template_kind == "docx":
            info = _from_docx(spec, ns, made, work)
        elif spec.template_kind == "pdf":
            info = _from_pdf(spec, ns, made)
        else:
            info = _from_markdown(spec, ns, made, metadata)
        collection = DAFileCollection(spec.variable or "_attachment")
        for fmt in formats:
            if not os.path.exists(made[fmt]):
                continue
            item = DAFile(f"{collection.instanceName}.{fmt}")
            item.initialize(filename=f"{filename}.{fmt}")
            os.replace(made[fmt], item._locate())
            setattr(collection, fmt, item)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    produced = [fmt for fmt in formats if fmt in collection.__dict__]
    collection.info = {"name": name or "Document", "filename": filename, "description": description,
                       "formats": produced, "valid_formats": list(spec.valid_formats),
                       "metadata": metadata, "missing": [f for f in formats if f not in produced],
                       **info}
    current().documents.append({"name": name or filename, "formats": produced,
                                "seconds": _seconds() - started})
    return collection


def _from_markdown(spec: Attachment, ns: dict, made: dict, metadata: dict) -> dict:
    markdown = spec.content.render(ns) if spec.content else ""
    finder = _finder(spec, "static")
    page = conversion.markdown_to_html(markdown, metadata, finder)
    for fmt, path in made.items():
        if fmt == "pdf":
            conversion.html_to_pdf(page, path, base_url=spec.folder)
        elif fmt in ("docx", "rtf"):
            conversion.html_to_pandoc(page, path, fmt, metadata)
        elif fmt == "html":
            conversion.write_atomic(path, document_html(conversion.resolve_images(markdown, finder)))
        elif fmt == "md":
            conversion.write_atomic(path, markdown)
        elif fmt == "txt":
            conversion.write_atomic(path, document_text(markdown))
        else:
            warnings.warn(InterviewWarning(f"the document format {fmt!r} is not made by bgkernel",
                                           spec.file, spec.line, "valid formats"), stacklevel=2)
    return {"markdown": markdown, "content": document_html(markdown), "text": document_text(markdown)}


# --- DOCX templates ------------------------------------------------------------------------

def _eval_or_skip(spec: Attachment, run: Any) -> Any:
    if not spec.skip_undefined:
        return run()
    try:
        return run()
    except Exception:  # noqa: BLE001 -- `skip undefined`: what cannot be computed is blank
        return ""


def _docx_context(spec: Attachment, ns: dict) -> dict:
    """docassemble's variables for a DOCX template: every answer, then the attachment's own."""
    context = {**ns.get("__builtins__", {}), **{k: v for k, v in ns.items() if k != "__builtins__"}}
    extra: dict[str, Any] = {}
    fields = spec.fields if isinstance(spec.fields, list) else [spec.fields] if spec.fields else []
    for group in fields:
        if isinstance(group, dict):
            for key, value in group.items():
                extra[key] = _eval_or_skip(spec, lambda v=value: _render(v, ns))
    for variable in spec.field_variables:
        extra[variable] = _eval_or_skip(spec, lambda v=variable: eval(v, ns))  # noqa: S307
    for key, expr in spec.field_code:
        extra[key] = _eval_or_skip(spec, lambda e=expr: e.run(ns))
    if spec.code is not None:
        found = _eval_or_skip(spec, lambda: spec.code.run(ns)) or {}
        if not isinstance(found, dict):
            raise TemplateError("code in an attachment returned something other than a dictionary",
                                spec.file, spec.line)
        extra.update(found)
    if spec.decimal_places is not None:
        extra = {k: (f"%.{spec.decimal_places}f" % v if isinstance(v, float) else v)
                 for k, v in extra.items()}
    context.update(extra)
    return context


def _from_docx(spec: Attachment, ns: dict, made: dict, work: str) -> dict:
    paths = _template_paths(spec, spec.docx_template, ns)
    target = made.get("docx") or os.path.join(work, "template-output.docx")
    token = docx_templates.template_finder.set(_finder(spec))
    try:
        docx_templates.render_docx(paths, _docx_context(spec, ns), target, spec.skip_undefined,
                                   (spec.file, spec.line))
    finally:
        docx_templates.template_finder.reset(token)
    if "pdf" in made:
        conversion.docx_to_pdf(target, made["pdf"])
    import docx  # noqa: PLC0415

    text = "\n\n".join(p.text for p in docx.Document(target).paragraphs if p.text.strip())
    return {"text": text, "markdown": text}


# --- PDF forms -------------------------------------------------------------------------------

def _pdf_value(value: Any, spec: Attachment) -> tuple[str, str | None]:
    """(text, image path) for one field, as docassemble turns answers into field values."""
    if type(value).__name__ in ("DAFile", "DAFileList", "DAStaticFile", "DAFileCollection"):
        path = value.path()
        return "", path
    if value is True:
        return "Yes", None
    if value is False:
        return "No", None
    if value is None:
        return "", None
    if isinstance(value, float) and spec.decimal_places is not None:
        return f"%.{spec.decimal_places}f" % value, None
    text = str(value).rstrip()
    text = {"True": "Yes", "False": "No", "None": ""}.get(text, text)
    text = _LAYOUT.sub("", re.sub(r"\[(NEWLINE|BR)\]", "\n", text))
    found = re.search(r"\[FILE ([^\],]+)", text)
    if found:
        ref = found.group(1).strip()
        return "", file_path(ref) if ref.isdigit() else _finder(spec, "static")(ref)
    return text, None


def _from_pdf(spec: Attachment, ns: dict, made: dict) -> dict:
    (template,) = _template_paths(spec, [spec.pdf_template], ns)
    pairs: list[tuple[str, Any]] = []
    fields = spec.fields if isinstance(spec.fields, list) else [spec.fields] if spec.fields else []
    for group in fields:
        if isinstance(group, dict):
            pairs += [(k, _eval_or_skip(spec, lambda v=v: _render(v, ns))) for k, v in group.items()]
    pairs += [(v, _eval_or_skip(spec, lambda v=v: eval(v, ns))) for v in spec.field_variables]  # noqa: S307
    pairs += [(k, _eval_or_skip(spec, lambda e=e: e.run(ns))) for k, e in spec.field_code]
    if spec.code is not None:
        found = _eval_or_skip(spec, lambda: spec.code.run(ns)) or {}
        pairs += list(found.items()) if isinstance(found, dict) else []
    values, images = [], []
    for key, value in pairs:
        text, image = _pdf_value(value, spec)
        (images.append((key, image)) if image else values.append((key, text)))
    editable = bool(spec.editable.run(ns)) if spec.editable is not None else True
    unknown = pdf_forms.fill_pdf(template, values, images, made["pdf"], editable=editable)
    for name in unknown:
        warnings.warn(InterviewWarning(f"the PDF template {os.path.basename(template)} has no "
                                       f"field named {name!r}; its fields are "
                                       f"{', '.join(pdf_forms.pdf_field_names(template))}",
                                       spec.file, spec.line, "fields"), stacklevel=2)
    from pypdf import PdfReader  # noqa: PLC0415

    reader = PdfReader(made["pdf"])
    text = "\n".join(f"{k}: {v.get('/V', '')}" for k, v in (reader.get_fields() or {}).items())
    return {"text": text, "markdown": "", "unknown_fields": unknown}


# --- the screen ------------------------------------------------------------------------------

def as_document(collection: Any) -> Document:
    """The screen's view of a DAFileCollection (or a single DAFile)."""
    info = getattr(collection, "info", None) or {}
    files = {}
    for ext in FORMATS:
        item = collection.__dict__.get(ext) if hasattr(collection, "__dict__") else None
        if item is not None:
            files[ext] = item.path()
    if not files and hasattr(collection, "path"):
        files[getattr(collection, "extension", "bin")] = collection.path()
    name = info.get("name") or getattr(collection, "filename", "Document")
    return Document(name=str(name), filename=str(info.get("filename") or getattr(collection, "filename", "document")),
                    description=str(info.get("description") or ""),
                    markdown=str(info.get("markdown") or ""), html=str(info.get("content") or ""),
                    text=str(info.get("text") or info.get("markdown") or ""), files=files)


def for_question(ev: "Evaluation", block: QuestionBlock) -> list[Document]:
    """The documents a question shows: its ``attachments`` and ``attachment code``."""
    docs = []
    for spec in block.attachments:
        collection = assemble(spec, ev.ns)
        if spec.variable:
            ev._assign(spec.variable, collection)
        docs.append(as_document(collection))
    if block.attachment_code is not None:
        found = block.attachment_code.run(ev.ns)
        items = found if isinstance(found, (list, tuple)) or hasattr(found, "elements") else [found]
        docs.extend(as_document(item) for item in items)
    return docs
