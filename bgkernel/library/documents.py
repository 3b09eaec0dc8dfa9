"""docassemble's functions on assembled documents: ``pdf_concatenate``, ``docx_concatenate``,
``zip_file`` (and ``include_docx_template``, which works inside a DOCX template).

Each takes files as docassemble does (DAFile, DAFileList, DAFileCollection, DAStaticFile,
a path, or lists of them) and returns a new DAFile in the session's files folder.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from typing import Any

from ..errors import DAError
from .conversion import docx_to_pdf, writing
from .docx_templates import concatenate_docx, include_docx_template
from .files import DAFile, DAFileCollection, DAFileList, DAStaticFile, ext_and_mimetype
from .objects import _INTERNAL_FILES
from .pdf_forms import concatenate_pdfs

__all__ = ["pdf_concatenate", "docx_concatenate", "zip_file", "include_docx_template"]

_INTERNAL_FILES.add(__file__)


def _paths(items: Any, prefer: str | None = None) -> list[str]:
    """The file paths behind docassemble's file arguments, in order."""
    found: list[str] = []
    for item in items:
        if isinstance(item, (list, tuple)):
            found += _paths(item, prefer)
        elif isinstance(item, DAFileList):
            found += _paths(item.elements, prefer)
        elif isinstance(item, DAFileCollection):
            chosen = item.__dict__.get(prefer) if prefer else None
            if chosen is None and prefer is None:
                found += [item.__dict__[ext].path() for ext in item._extension_list() if ext in item.__dict__]
                continue
            chosen = chosen or item._first_file()
            if chosen is not None:
                found.append(chosen.path())
        elif isinstance(item, (DAFile, DAStaticFile)):
            found.append(item.path())
        elif isinstance(item, str) and os.path.isfile(item):
            found.append(item)
        else:
            raise DAError(f"{item!r} is not a file")
    return found


def _new_file(filename: str) -> DAFile:
    return DAFile().initialize(filename=filename)


def _as_pdf(path: str, work: str) -> str:
    extension = ext_and_mimetype(path)[0]
    if extension == "pdf":
        return path
    target = os.path.join(work, f"{len(os.listdir(work))}.pdf")
    if extension in ("docx", "doc", "rtf", "odt"):
        docx_to_pdf(path, target)
    elif extension in ("png", "jpg", "gif", "tif", "bmp"):
        from PIL import Image  # noqa: PLC0415

        with Image.open(path) as image:
            image.convert("RGB").save(target, format="PDF")
    else:
        raise DAError(f"pdf_concatenate(): cannot make a PDF of {os.path.basename(path)}")
    return target


def pdf_concatenate(*pargs: Any, filename: str = "file.pdf", **kwargs: Any) -> DAFile:
    """One PDF of the given documents (DOCX, RTF and images converted first)."""
    paths = _paths(pargs, "pdf")
    if not paths:
        raise DAError("pdf_concatenate(): no files to concatenate")
    with tempfile.TemporaryDirectory(prefix="bgkernel-pdf-") as work:
        pdfs = [_as_pdf(path, work) for path in paths]
        result = _new_file(filename)
        concatenate_pdfs(pdfs, result.path())
    return result


def docx_concatenate(*pargs: Any, filename: str = "file.docx") -> DAFile:
    """One DOCX of the given DOCX files."""
    paths = _paths(pargs, "docx")
    if not paths or any(ext_and_mimetype(p)[0] != "docx" for p in paths):
        raise DAError("docx_concatenate(): every file must be a DOCX file")
    result = _new_file(filename)
    concatenate_docx(paths, result.path())
    return result


def zip_file(*pargs: Any, filename: str = "file.zip") -> DAFile:
    """A ZIP archive of the given files (a dict's keys become folders)."""
    result = _new_file(filename)
    with writing(result.path()) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        _add(archive, list(pargs), "")
    return result


def _add(archive: zipfile.ZipFile, items: Any, folder: str) -> None:
    for item in items:
        if isinstance(item, dict) or type(item).__name__ == "DADict":
            for key, value in item.items():
                _add(archive, value if isinstance(value, (list, tuple)) else [value],
                     os.path.join(folder, str(key)))
            continue
        for path in _paths([item]):
            archive.write(path, os.path.join(folder, os.path.basename(path)))
