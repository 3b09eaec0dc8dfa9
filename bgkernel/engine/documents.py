"""Attachments: documents assembled from Markdown ``content``.

Each attachment becomes a ``DAFileCollection`` with ``.md``, ``.html`` and ``.txt``
files in the session's files folder (PDF and DOCX need LibreOffice or pandoc, which
bgkernel does not require; their absence is noted in ``info['missing']``), and a
:class:`bgkernel.engine.screen.Document` for the screen.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..language.blocks import Attachment, QuestionBlock
from ..language.markup import document_html, document_text
from ..library.files import DAFile, DAFileCollection
from .screen import Document

if TYPE_CHECKING:
    from .evaluation import Evaluation

__all__ = ["assemble", "for_question", "as_document"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-. ]+")


def assemble(spec: Attachment, ns: dict) -> Any:
    """Render one attachment into a DAFileCollection (names are sought as usual)."""
    name = spec.name.render(ns).strip() if spec.name else "Document"
    filename = spec.filename.render(ns).strip() if spec.filename else "document"
    filename = _UNSAFE.sub("_", filename).strip("_") or "document"
    markdown = spec.content.render(ns) if spec.content else ""
    description = spec.description.render(ns).strip() if spec.description else ""
    collection = DAFileCollection(spec.variable or "_attachment")
    collection.info = {"name": name, "filename": filename, "description": description,
                       "formats": ["md", "html", "txt"], "missing": [f for f in spec.valid_formats
                                                                      if f not in ("md", "html", "txt")]}
    contents = {"md": markdown, "html": document_html(markdown), "txt": document_text(markdown)}
    for ext, text in contents.items():
        item = DAFile(f"{collection.instanceName}.{ext}")
        item.initialize(filename=f"{filename}.{ext}")
        item.write(text)
        setattr(collection, ext, item)
    return collection


def as_document(collection: Any) -> Document:
    """The screen's view of a DAFileCollection (or a single DAFile)."""
    info = getattr(collection, "info", None) or {}
    files = {}
    for ext in ("md", "html", "txt", "pdf", "docx"):
        item = collection.__dict__.get(ext) if hasattr(collection, "__dict__") else None
        if item is not None:
            files[ext] = item.path()
    if not files and hasattr(collection, "path"):
        files[getattr(collection, "extension", "bin")] = collection.path()

    def read(ext: str) -> str:
        path = files.get(ext)
        if not path:
            return ""
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    return Document(name=str(info.get("name") or getattr(collection, "filename", "Document")),
                    filename=str(info.get("filename") or getattr(collection, "filename", "document")),
                    description=str(info.get("description") or ""), markdown=read("md"),
                    html=read("html"), text=read("txt") or read("md"), files=files)


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
