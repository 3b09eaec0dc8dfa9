"""Documents from docassemble Markdown: PDF, DOCX, RTF and HTML files, and DOCX → PDF.

docassemble turns an attachment's Markdown into PDF with pandoc and LaTeX, and into DOCX
and RTF with pandoc.  Here the Markdown first becomes HTML (docassemble's layout tags as
inline styles, :func:`bgkernel.language.markup.document_html`); WeasyPrint prints that
HTML as PDF, and pandoc (the ``pypandoc-binary`` wheel ships it) turns it into DOCX and
RTF, after which centred/right-aligned paragraphs and page breaks, which pandoc's HTML
reader drops, are put back.  A DOCX becomes PDF with LibreOffice, as on docassemble, or,
where ``soffice`` is not installed, through HTML and WeasyPrint (plainer).

Every file is written to a temporary name beside its target and renamed when complete,
so nothing is ever half-written.
"""
from __future__ import annotations

import atexit
import html as html_lib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ..errors import DAError
from ..language.markup import document_html
from .files import file_path

__all__ = ["markdown_to_html", "html_to_pdf", "html_to_pandoc", "docx_to_pdf", "write_atomic",
           "writing", "resolve_images", "pandoc_path", "soffice_path", "FILE_TAG"]

_CENTER, _RIGHT, _BREAK = "\u2063BGKC\u2063", "\u2063BGKR\u2063", "\u2063BGKPAGEBREAK\u2063"
FILE_TAG = re.compile(r"\[FILE ([^,\]]+)(?:, *([^,\]]*))?(?:, *([^\]]*))?\]")


# --- writing safely ---------------------------------------------------------------------

@contextmanager
def writing(path: str) -> Iterator[str]:
    """A temporary path beside ``path``; renamed to ``path`` only when the block succeeds."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".partial-", suffix=os.path.splitext(path)[1], dir=folder)
    os.close(handle)
    os.chmod(temp, 0o644)
    try:
        yield temp
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def write_atomic(path: str, data: str | bytes) -> None:
    with writing(path) as temp:
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(temp, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as out:
            out.write(data)


# --- Markdown → HTML ----------------------------------------------------------------------

def resolve_images(markdown: str, find: Callable[[str], str | None] | None = None) -> str:
    """``[FILE ref, width, alt]`` → an ``<img>`` of the file (a number of the session's files,
    or what ``find`` makes of a ``package:`` or relative reference)."""
    def image(match: re.Match) -> str:
        ref, width, alt = (g.strip() if g else "" for g in match.groups())
        path = file_path(ref) if ref.isdigit() else (find(ref) if find else None)
        if not path:
            return match.group(0)
        style = f' style="width: {width}"' if width and width != "None" else ""
        alt = html_lib.escape(alt if alt and alt != "None" else "")
        return f'<img src="{_uri(path)}" alt="{alt}"{style}>'
    return FILE_TAG.sub(image, markdown) if "[FILE" in markdown else markdown


def _uri(path: str) -> str:
    from pathlib import Path
    return Path(path).resolve().as_uri()


def _margins(geometry: str) -> str:
    """LaTeX ``geometry`` (``margin=1in`` / ``left=1in,top=2cm``) as CSS page margins."""
    sides = {"top": "1in", "right": "1in", "bottom": "1in", "left": "1in"}
    for part in str(geometry).split(","):
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if key == "margin" and value:
            sides = dict.fromkeys(sides, value)
        elif key in sides and value:
            sides[key] = value
        elif key in ("hmargin", "vmargin") and value:
            for side in (("left", "right") if key == "hmargin" else ("top", "bottom")):
                sides[side] = value
    return " ".join(sides[s] for s in ("top", "right", "bottom", "left"))


def _margin_boxes(metadata: dict) -> str:
    """docassemble's header/footer metadata (``HeaderLeft``... ``FooterRight``) as @page
    margin boxes; ``[PAGENUM]`` is the page number."""
    boxes = []
    for place in ("Header", "Footer"):
        for side in ("Left", "Center", "Right"):
            text = metadata.get(f"{place}{side}")
            if text is None:
                continue
            parts = [f'"{p}"' for p in re.split(r"\[PAGENUM\]", str(text).replace('"', "'"))]
            content = " counter(page) ".join(parts)
            box = ("top-" if place == "Header" else "bottom-") + side.lower()
            boxes.append(f"@{box} {{ content: {content}; font-size: 10pt; }}")
    return " ".join(boxes)


def markdown_to_html(markdown: str, metadata: dict | None = None,
                     find: Callable[[str], str | None] | None = None) -> str:
    """A whole HTML document for an attachment, styled from its ``metadata``."""
    metadata = metadata or {}
    body = document_html(resolve_images(markdown, find))
    font = metadata.get("mainfont") or metadata.get("fontfamily") or "serif"
    size = str(metadata.get("fontsize") or "12pt")
    margins = _margins(metadata.get("geometry", "margin=1in"))
    title = html_lib.escape(str(metadata.get("title") or ""))
    css = (f"@page {{ size: {metadata.get('papersize', 'letter')}; margin: {margins}; "
           f"{_margin_boxes(metadata)} }} body {{ font-family: {font}; font-size: {size}; "
           "line-height: 1.3; } table { border-collapse: collapse; } td, th { padding: 2pt 6pt; } "
           "img { max-width: 100%; }")
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<style>{css}</style></head><body>{body}</body></html>")


# --- HTML → PDF ---------------------------------------------------------------------------

def html_to_pdf(html: str, path: str, base_url: str | None = None) -> None:
    """Print an HTML document to PDF with WeasyPrint."""
    import weasyprint  # noqa: PLC0415 -- slow to import; only documents need it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        document = weasyprint.HTML(string=html, base_url=base_url or os.getcwd())
        with writing(path) as temp:
            document.write_pdf(temp)


# --- HTML → DOCX / RTF (pandoc) -----------------------------------------------------------

def pandoc_path() -> str:
    """The pandoc binary: the one ``pypandoc-binary`` ships, else one on PATH."""
    try:
        import pypandoc  # noqa: PLC0415
        return pypandoc.get_pandoc_path()
    except (ImportError, OSError) as err:
        found = shutil.which("pandoc")
        if found:
            return found
        raise DAError("pandoc is needed for DOCX and RTF documents: pip install pypandoc-binary") from err


def _marked(html: str) -> str:
    """Centre/right alignment and page breaks as markers pandoc's HTML reader keeps."""
    def paragraph(match: re.Match) -> str:
        style = match.group(1)
        marker = _CENTER if "text-align: center" in style else _RIGHT if "text-align: right" in style else ""
        bold = "font-weight: bold" in style
        return "<p>" + marker + ("<strong>" if bold else "") + match.group(2) + \
            ("</strong>" if bold else "") + "</p>"
    html = re.sub(r'<p style="([^"]*)">(.*?)</p>', paragraph, html, flags=re.DOTALL)
    html = re.sub(r"<title>.*?</title>", "", html, flags=re.DOTALL)
    return html.replace('<div style="break-after: page"></div>', f"<p>{_BREAK}</p>")


def html_to_pandoc(html: str, path: str, to: str, metadata: dict | None = None) -> None:
    """An HTML document → DOCX or RTF with pandoc, alignment and page breaks restored."""
    metadata = metadata or {}
    with writing(path) as temp:
        args = [pandoc_path(), "-f", "html", "-t", to, "-o", temp]
        if to == "rtf":
            args.insert(1, "--standalone")
        run = subprocess.run(args, input=_marked(html).encode("utf-8"), capture_output=True,
                             timeout=120, check=False)
        if run.returncode != 0:
            raise DAError(f"pandoc could not make the {to.upper()} file: "
                          f"{run.stderr.decode('utf-8', 'replace').strip()}")
        if to == "docx":
            _fix_docx(temp, metadata)
        else:
            _fix_rtf(temp)


def _fix_docx(path: str, metadata: dict) -> None:
    import docx  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK  # noqa: PLC0415
    from docx.shared import Pt  # noqa: PLC0415

    document = docx.Document(path)
    for paragraph in _all_paragraphs(document):
        text = paragraph.text
        if _BREAK in text:
            for run in paragraph.runs:
                run.text = ""
            (paragraph.runs[0] if paragraph.runs else paragraph.add_run()).add_break(WD_BREAK.PAGE)
        elif _CENTER in text or _RIGHT in text:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if _CENTER in text else WD_ALIGN_PARAGRAPH.RIGHT
            for run in paragraph.runs:
                run.text = run.text.replace(_CENTER, "").replace(_RIGHT, "")
                if not run.text:
                    run._element.getparent().remove(run._element)
    style = document.styles["Normal"]
    size = re.match(r"([0-9.]+)\s*pt", str(metadata.get("fontsize", "")))
    if size:
        style.font.size = Pt(float(size.group(1)))
    if metadata.get("mainfont") or metadata.get("fontfamily"):
        style.font.name = str(metadata.get("mainfont") or metadata.get("fontfamily"))
    for key in ("title", "author", "subject"):
        if metadata.get(key):
            setattr(document.core_properties, key, str(metadata[key])[:255])
    document.save(path)


def _all_paragraphs(document: Any) -> Iterator[Any]:
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def _fix_rtf(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()

    def paragraph(match: re.Match) -> str:
        para = match.group(0)
        if _rtf(_BREAK).search(para):
            return r"{\pard \page \par}"
        for marker, code in ((_CENTER, r"\qc"), (_RIGHT, r"\qr")):
            if _rtf(marker).search(para):
                para = _rtf(marker).sub("", para).replace(r"\ql", code, 1)
        return para
    text = re.sub(r"\{\\pard [^\n]*", paragraph, text)
    write_atomic(path, text)


def _rtf(marker: str) -> re.Pattern:
    """How pandoc writes a marker in RTF (its invisible separators as \\u escapes)."""
    return re.compile("".join(rf"\\u{ord(c)} ?\?" if ord(c) > 127 else re.escape(c)
                              for c in marker))


# --- DOCX → PDF ---------------------------------------------------------------------------

_office_lock = threading.Lock()        # one LibreOffice at a time per profile
_profiles: dict[int, str] = {}


def _office_profile() -> str:
    """A LibreOffice user profile for this process (made once: its first start is slow)."""
    pid = os.getpid()
    if pid not in _profiles:
        _profiles[pid] = tempfile.mkdtemp(prefix="bgkernel-office-profile-")
        atexit.register(shutil.rmtree, _profiles[pid], True)
    return _profiles[pid]


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx_path: str, pdf_path: str) -> None:
    """DOCX → PDF with LibreOffice (as docassemble converts), or through HTML when it is
    not installed."""
    office = soffice_path()
    if office is None:
        html = subprocess.run([pandoc_path(), "-f", "docx", "-t", "html", "--standalone",
                               "--metadata", "title= ", docx_path], capture_output=True,
                              timeout=120, check=False)
        if html.returncode != 0:
            raise DAError(f"could not convert {os.path.basename(docx_path)} to PDF: "
                          f"{html.stderr.decode('utf-8', 'replace').strip()}")
        html_to_pdf(html.stdout.decode("utf-8"), pdf_path)
        return
    with _office_lock, tempfile.TemporaryDirectory(prefix="bgkernel-office-") as work:
        source = os.path.join(work, "document.docx")
        shutil.copyfile(docx_path, source)
        run = subprocess.run([office, f"-env:UserInstallation=file://{_office_profile()}",
                              "--headless", "--convert-to", "pdf", "--outdir", work, source],
                             capture_output=True, timeout=300, check=False)
        produced = os.path.join(work, "document.pdf")
        if run.returncode != 0 or not os.path.exists(produced):
            raise DAError(f"LibreOffice could not convert {os.path.basename(docx_path)} to PDF: "
                          f"{run.stderr.decode('utf-8', 'replace').strip()}")
        with writing(pdf_path) as temp:
            shutil.copyfile(produced, temp)
