"""Fillable PDFs (``pdf template file``), PDF concatenation and page counts, with pypdf.

Values arrive as docassemble makes them: text, ``Yes``/``No`` for True/False, ``''`` for
None.  A check box takes its "on" state (the first state of its appearance that is not
``Off``) for ``Yes``, ``yes``, ``True``, ``true``, ``On``, ``on`` or that state's own name,
and ``Off`` otherwise; a radio group takes the state its value names, and is off when none
matches.  An image (``[FILE ...]`` in a field's value, a signature) is drawn inside the
field's rectangle, keeping its proportions, centred; ``editable=False`` flattens the form
(appearances drawn into the page, fields removed).
"""
from __future__ import annotations

import io
import os
from typing import Any, Iterable

from ..errors import DAError
from .conversion import writing

__all__ = ["pdf_field_names", "fill_pdf", "concatenate_pdfs", "count_pages", "first_page"]

_ON = ("Yes", "yes", "True", "true", "On", "on")


def _reader(path: str) -> Any:
    from pypdf import PdfReader  # noqa: PLC0415
    from pypdf.errors import PdfReadError  # noqa: PLC0415

    try:
        return PdfReader(path)
    except (PdfReadError, OSError, ValueError) as err:
        raise DAError(f"{os.path.basename(path)} is not a PDF that can be read: {err}") from err


def count_pages(path: str) -> int:
    return len(_reader(path).pages)


def _widgets(writer: Any) -> Iterable[tuple[Any, Any, Any, str]]:
    """(page, widget annotation, field dictionary, qualified name) for every widget."""
    for page in writer.pages:
        for ref in page.get("/Annots", ()) or ():
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            field = annot if "/T" in annot else annot.get("/Parent")
            if field is None:
                continue
            field = field.get_object()
            yield page, annot, field, _qualified(field)


def _qualified(field: Any) -> str:
    parts = []
    while field is not None:
        if "/T" in field:
            parts.append(str(field["/T"]))
        parent = field.get("/Parent")
        field = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))


def _states(annot: Any) -> list[str]:
    try:
        return [str(k)[1:] for k in annot["/AP"]["/N"].keys()]
    except (KeyError, TypeError, AttributeError):
        return []


def _field_type(field: Any) -> str:
    while field is not None:
        if "/FT" in field:
            return str(field["/FT"])
        parent = field.get("/Parent")
        field = parent.get_object() if parent is not None else None
    return ""


def pdf_field_names(path: str) -> list[str]:
    """The names of a PDF's form fields, in page order."""
    from pypdf import PdfWriter  # noqa: PLC0415

    writer = PdfWriter(clone_from=_reader(path))
    names: list[str] = []
    for _, _, _, name in _widgets(writer):
        if name not in names:
            names.append(name)
    return names


def _button_value(value: str, states: list[list[str]]) -> str:
    """docassemble's state for a check box (one widget) or radio group (several)."""
    if len(states) > 1:
        every = {s for group in states for s in group if s not in ("Off", "off")}
        if value in ("Yes", "yes") and "True" in every:
            value = "True"
        if value in ("No", "no") and "False" in every:
            value = "False"
        return value if value in every else "Off"
    on = next((s for s in states[0] if s not in ("Off", "off")), "Yes") if states else "Yes"
    return on if str(value) in (*_ON, on) else "Off"


def fill_pdf(template: str, values: list[tuple[str, str]], images: list[tuple[str, str]],
             out_path: str, editable: bool = True) -> list[str]:
    """Fill ``template``'s fields into ``out_path``; returns the names no field has."""
    from pypdf import PdfWriter  # noqa: PLC0415
    from pypdf.generic import NameObject  # noqa: PLC0415

    writer = PdfWriter(clone_from=_reader(template))
    widgets = list(_widgets(writer))
    if not widgets:
        raise DAError(f"the PDF template {os.path.basename(template)} has no fields in it")
    by_name: dict[str, list] = {}
    for page, annot, field, name in widgets:
        by_name.setdefault(name, []).append((page, annot, field))
        by_name.setdefault(str(field.get("/T", "")), []).append((page, annot, field))
    unknown = [name for name, _ in [*values, *images] if name not in by_name]
    filled: dict[str, str] = {}
    for name, value in values:
        if name not in by_name:
            continue
        _, annot, field = by_name[name][0]
        if _field_type(field) == "/Btn":
            if "/A" in annot:       # a push button
                continue
            state = _button_value(value, [_states(a) for _, a, _ in by_name[name]])
            filled[name] = "/" + state
        else:
            filled[name] = value
    if filled:
        writer.set_need_appearances_writer(True)
        writer.update_page_form_field_values(None, filled, auto_regenerate=None,
                                             flatten=not editable)
        for name, value in filled.items():        # a button's value is a name, not text
            if value.startswith("/") and _field_type(by_name[name][0][2]) == "/Btn":
                by_name[name][0][2][NameObject("/V")] = NameObject(value)
    for name, image in images:
        for page, annot, _ in by_name.get(name, ())[:1]:
            _draw_image(page, annot, image)
    if not editable:
        _flatten(writer)
    with writing(out_path) as temp, open(temp, "wb") as out:
        writer.write(out)
    return unknown


def _draw_image(page: Any, annot: Any, image_path: str) -> None:
    """Draw an image inside a widget's rectangle, proportions kept, centred."""
    from PIL import Image  # noqa: PLC0415
    from pypdf import PdfReader, Transformation  # noqa: PLC0415

    x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
    width, height = abs(x1 - x0), abs(y1 - y0)
    with Image.open(image_path) as img:
        picture = img.convert("RGBA") if img.mode in ("P", "LA") else img
        if picture.mode == "RGBA":
            background = Image.new("RGB", picture.size, "white")
            background.paste(picture, mask=picture.split()[-1])
            picture = background
        buffer = io.BytesIO()
        picture.convert("RGB").save(buffer, format="PDF", resolution=72.0)
    stamp = PdfReader(buffer).pages[0]
    w, h = float(stamp.mediabox.width), float(stamp.mediabox.height)
    scale = min(width / w, height / h)
    dx = min(x0, x1) + (width - w * scale) / 2
    dy = min(y0, y1) + (height - h * scale) / 2
    page.merge_transformed_page(stamp, Transformation().scale(scale, scale).translate(dx, dy))


def _flatten(writer: Any) -> None:
    """Drop the form: widgets off every page, no AcroForm (values are drawn already)."""
    from pypdf.generic import ArrayObject, NameObject  # noqa: PLC0415

    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = [ref for ref in annots if ref.get_object().get("/Subtype") != "/Widget"]
        if kept:
            page[NameObject("/Annots")] = ArrayObject(kept)
        else:
            del page["/Annots"]
    if "/AcroForm" in writer._root_object:
        del writer._root_object["/AcroForm"]


def concatenate_pdfs(paths: list[str], out_path: str) -> None:
    """One PDF of several, in order (form fields kept)."""
    from pypdf import PdfWriter  # noqa: PLC0415

    writer = PdfWriter()
    for path in paths:
        writer.append(_reader(path))
    with writing(out_path) as temp, open(temp, "wb") as out:
        writer.write(out)


def first_page(path: str) -> bytes:
    """A PDF of the first page of ``path`` alone (a preview)."""
    from pypdf import PdfWriter  # noqa: PLC0415

    writer = PdfWriter()
    writer.add_page(_reader(path).pages[0])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
