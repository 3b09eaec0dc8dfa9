"""Templates the document tests build for themselves: a fillable PDF written with pypdf's
own objects (a text field, a check box, a radio group, a signature box) and DOCX files with
Jinja2 tags written with python-docx."""
from __future__ import annotations

import docx
from pypdf import PdfWriter
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject,
                           NameObject, NumberObject, TextStringObject)


def _stream(writer: PdfWriter, content: bytes) -> object:
    stream = DecodedStreamObject()
    stream.set_data(content)
    stream.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                   NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(12), FloatObject(12)])})
    return writer._add_object(stream)


def _rect(*values: float) -> ArrayObject:
    return ArrayObject([FloatObject(v) for v in values])


def fillable_pdf(path: str, text_fields=("name", "city"), checkbox="agree",
                 radio=("color", ("Red", "Blue")), signature="sig") -> str:
    """A one-page letter-size PDF with an AcroForm."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    fields, annots = ArrayObject(), ArrayObject()
    y = 700
    for name in text_fields:
        field = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject(name),
            NameObject("/Rect"): _rect(72, y, 372, y + 20), NameObject("/V"): TextStringObject(""),
            NameObject("/DA"): TextStringObject("/Helv 12 Tf 0 g"), NameObject("/F"): NumberObject(4)})
        ref = writer._add_object(field)
        fields.append(ref)
        annots.append(ref)
        y -= 40
    on, off = _stream(writer, b"0 0 m 12 12 l S"), _stream(writer, b"")
    box = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Btn"), NameObject("/T"): TextStringObject(checkbox),
        NameObject("/Rect"): _rect(72, y, 84, y + 12), NameObject("/V"): NameObject("/Off"),
        NameObject("/AS"): NameObject("/Off"), NameObject("/F"): NumberObject(4),
        NameObject("/AP"): DictionaryObject({NameObject("/N"): DictionaryObject(
            {NameObject("/Yes"): on, NameObject("/Off"): off})})})
    ref = writer._add_object(box)
    fields.append(ref)
    annots.append(ref)
    y -= 40
    group_name, states = radio
    group = DictionaryObject({NameObject("/FT"): NameObject("/Btn"), NameObject("/T"): TextStringObject(group_name),
                              NameObject("/Ff"): NumberObject(1 << 15), NameObject("/V"): NameObject("/Off")})
    group_ref = writer._add_object(group)
    kids = ArrayObject()
    for i, state in enumerate(states):
        kid = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Parent"): group_ref, NameObject("/Rect"): _rect(72 + 30 * i, y, 84 + 30 * i, y + 12),
            NameObject("/AS"): NameObject("/Off"), NameObject("/F"): NumberObject(4),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): DictionaryObject(
                {NameObject("/" + state): _stream(writer, b"0 0 m 12 12 l S"), NameObject("/Off"): off})})})
        kid_ref = writer._add_object(kid)
        kids.append(kid_ref)
        annots.append(kid_ref)
    group[NameObject("/Kids")] = kids
    fields.append(group_ref)
    y -= 120
    sig = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Sig"), NameObject("/T"): TextStringObject(signature),
        NameObject("/Rect"): _rect(72, y, 272, y + 80), NameObject("/F"): NumberObject(4)})
    ref = writer._add_object(sig)
    fields.append(ref)
    annots.append(ref)
    page[NameObject("/Annots")] = annots
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(DictionaryObject({
        NameObject("/Fields"): fields, NameObject("/DA"): TextStringObject("/Helv 12 Tf 0 g")}))
    with open(path, "wb") as out:
        writer.write(out)
    return path


def docx_template(path: str, paragraphs: list[str], table: list[list[str]] | None = None) -> str:
    """A DOCX whose paragraphs (and optional table rows) hold the given Jinja2 text."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    document.save(path)
    return path
