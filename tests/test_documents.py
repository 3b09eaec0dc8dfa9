"""Documents as docassemble makes them: PDF, DOCX and RTF from Markdown, DOCX templates,
fillable PDFs, document functions, template lookup, background assembly, bad templates.

Every template is built here (python-docx, pypdf's own objects: tests/forms.py) and every
output is opened again with python-docx and pypdf."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from PIL import Image
from pypdf import PdfReader

import bgkernel
from bgkernel.errors import InterviewWarning
from conftest import demo_path, start
from forms import docx_template, fillable_pdf


def pdf_text(path: str) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def docx_paragraphs(path: str) -> list[str]:
    return [p.text for p in docx.Document(path).paragraphs]


def write(folder, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def docx_only(name: str, code: str) -> str:
    """An interview showing the DOCX made from ``<name>.docx``, with ``code`` defining names."""
    return (f"mandatory: True\nquestion: Done\nattachment:\n  filename: {name}\n"
            f"  valid formats: [docx]\n  docx template file: {name}.docx\n---\ncode: |{code}")


def session(sim, folder, yaml: str):
    return sim.start(sim.load(write(folder, "interview.yml", yaml)))


# --- Markdown content --------------------------------------------------------------------------

MARKDOWN = """
mandatory: True
question: Your letter
attachment:
  name: Letter to ${ who }
  filename: letter
  variable name: letter
  valid formats: [pdf, docx, rtf, html, md]
  metadata:
    title: A letter
    fontsize: 11pt
  content: |
    [BOLDCENTER] Notice to ${ who }

    Dear **${ who }**,

    [FLUSHRIGHT] May 1

    Item | Count
    -----|------
    apples | 3
    pears | 4

    [FILE ${ picture.number }, 1in]

    [PAGEBREAK]

    Second page.
---
code: |
  who = "Ann Lee"
  picture = DAFile("picture")
  picture.initialize(filename="dot.png")
  picture.copy_into(dot_path)
"""


@pytest.fixture
def dot(tmp_path):
    path = str(tmp_path / "dot.png")
    Image.new("RGB", (40, 40), "red").save(path)
    return path


def test_markdown_becomes_pdf_docx_rtf_html_and_md(sim, tmp_path, dot):
    s = session(sim, tmp_path, MARKDOWN.replace("dot_path", repr(dot)))
    (doc,) = s.screen.attachments
    assert doc.name == "Letter to Ann Lee"
    assert sorted(doc.files) == ["docx", "html", "md", "pdf", "rtf"]
    pages = PdfReader(doc.files["pdf"]).pages
    assert len(pages) == 2                                   # [PAGEBREAK]
    first = pages[0].extract_text()
    assert "Notice to Ann Lee" in first and "Dear Ann Lee," in first and "pears 4" in first
    assert pages[0].images                                   # [FILE n, 1in]
    assert "Second page." in pages[1].extract_text()
    document = docx.Document(doc.files["docx"])
    by_text = {p.text: p for p in document.paragraphs}
    assert by_text["Notice to Ann Lee"].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert by_text["Notice to Ann Lee"].runs[0].bold
    assert by_text["May 1"].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert [[c.text for c in row.cells] for row in document.tables[0].rows] == [
        ["Item", "Count"], ["apples", "3"], ["pears", "4"]]
    assert document.inline_shapes                            # the image
    assert 'w:type="page"' in document.element.xml           # the page break
    assert document.core_properties.title == "A letter"
    rtf = open(doc.files["rtf"], encoding="utf-8").read()
    assert rtf.startswith("{\\rtf1") and "\\qc" in rtf and "\\page" in rtf and "Ann Lee" in rtf
    assert "<strong>Ann Lee</strong>" in open(doc.files["html"], encoding="utf-8").read()
    assert open(doc.files["md"], encoding="utf-8").read().startswith("[BOLDCENTER] Notice to Ann Lee")
    letter = s.get("letter")
    assert type(letter).__name__ == "DAFileCollection"
    assert letter.pdf.num_pages() == 2 and letter.num_pages() == 2
    assert letter.docx.mimetype.endswith("wordprocessingml.document")
    assert letter.pdf.path() == doc.files["pdf"]


def test_default_formats_are_docassembles_pdf_rtf_and_html(sim, tmp_path):
    s = session(sim, tmp_path, "mandatory: True\nquestion: Hi\nattachment:\n  name: Note\n"
                "  filename: note\n  content: Hello ${ 'there' }\n")
    (doc,) = s.screen.attachments
    assert sorted(doc.files) == ["html", "pdf", "rtf"]
    assert pdf_text(doc.files["pdf"]) == "Hello there"


def test_documents_are_rows_of_the_timeline(sim, tmp_path):
    s = session(sim, tmp_path, "mandatory: True\nquestion: Hi\nattachment:\n  name: Note\n"
                "  filename: note\n  valid formats: [pdf, docx]\n  content: Hello\n")
    s.screen  # noqa: B018
    rows = sim.timeline.query("kind == 'document'")
    assert list(rows["name"]) == ["Note"]
    assert list(rows["detail"]) == ["pdf, docx"]
    assert rows["duration"].iloc[0] > 0


# --- DOCX templates ----------------------------------------------------------------------------

DOCX_INTERVIEW = """
objects:
  - client: Individual
---
mandatory: True
question: Here is the document
attachment:
  name: Letter
  filename: letter
  variable name: letter
  docx template file: letter.docx
---
question: Your name?
fields:
  - First: client.name.first
  - Last: client.name.last
---
code: |
  fruits = ["apple", "pear & plum"]
  sky_blue = False
  amount = 1234.5
  rows = [["Rent", 100], ["Food", 50]]
"""


def test_docx_template_asks_then_renders_loops_conditions_and_filters(sim, tmp_path):
    docx_template(str(tmp_path / "letter.docx"), [
        "Dear {{ client }},", "{%p for fruit in fruits %}", "You like {{ fruit|capitalize }}.",
        "{%p endfor %}", "{%p if sky_blue %}", "The sky is blue.", "{%p else %}",
        "The sky is “grey”{{ ‘ today’ }}.", "{%p endif %}",  # Word's quotes in a tag
        "You owe {{ amount|currency }}; fruits: {{ fruits|comma_and_list }}."],
        table=[["{%tr for item in rows %}", ""], ["{{ item[0] }}", "{{ item[1] }}"],
               ["{%tr endfor %}", ""]])
    s = session(sim, tmp_path, DOCX_INTERVIEW)
    assert s.screen.variables == ["client.name.first", "client.name.last"]   # sought from the DOCX
    screen = s.answer({"client.name.first": "Sam", "client.name.last": "Smith"})
    (doc,) = screen.attachments
    assert sorted(doc.files) == ["docx", "pdf"]              # docassemble's default for templates
    paragraphs = [p for p in docx_paragraphs(doc.files["docx"]) if p]
    assert paragraphs == ["Dear Sam Smith,", "You like Apple.", "You like Pear & plum.",
                          "The sky is “grey” today.",
                          "You owe $1,234.50; fruits: apple and pear & plum."]
    table = docx.Document(doc.files["docx"]).tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [["Rent", "100"], ["Food", "50"]]
    assert "You like Pear & plum." in pdf_text(doc.files["pdf"])     # LibreOffice (or HTML) PDF


def test_docx_template_fields_field_code_code_and_skip_undefined(sim, tmp_path):
    docx_template(str(tmp_path / "form.docx"), [
        "Name: {{ name }}", "Age: {{ age }}", "Double: {{ double }}", "Pet: {{ pet }}",
        "Missing: [{{ nowhere }}]"])
    s = session(sim, tmp_path, """
mandatory: True
code: |
  first = "Kim"
  age = 20
---
mandatory: True
question: Done
attachment:
  filename: form
  valid formats: [docx]
  docx template file: form.docx
  skip undefined: True
  fields:
    name: ${ first } Jones
  field code:
    double: age * 2
  code: |
    dict(pet="Rex")
  field variables:
    - age
""")
    (doc,) = s.screen.attachments
    assert sorted(doc.files) == ["docx"]
    assert docx_paragraphs(doc.files["docx"]) == [
        "Name: Kim Jones", "Age: 20", "Double: 40", "Pet: Rex", "Missing: []"]


def test_include_docx_template_and_images_in_a_docx(sim, tmp_path, dot):
    docx_template(str(tmp_path / "main.docx"), ["Start {{ who }}", "{{p include_docx_template('part.docx', extra='X') }}",
                                                "Picture: {{ picture }}", "End"])
    docx_template(str(tmp_path / "part.docx"), ["Part for {{ who }} {{ extra }}"])
    s = session(sim, tmp_path, docx_only("main", f"""
  who = "Lee"
  picture = DAStaticFile(filename={dot!r})
"""))
    (doc,) = s.screen.attachments
    document = docx.Document(doc.files["docx"])
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[:2] == ["Start Lee", "Part for Lee X"] and texts[-1] == "End"
    assert len(document.inline_shapes) == 1


def test_jinja2_syntax_error_names_the_paragraph_and_the_yaml_line(sim, tmp_path):
    docx_template(str(tmp_path / "bad.docx"), ["Fine", "Hello {{ client_name }"])
    path = write(tmp_path, "bad.yml", "mandatory: True\nquestion: Done\nattachment:\n"
                 "  filename: bad\n  docx template file: bad.docx\n")
    s = sim.start(sim.load(path))
    before = sorted(os.listdir(sim.store.files_dir)) if os.path.isdir(sim.store.files_dir) else []
    with pytest.raises(bgkernel.InterviewError) as caught:
        s.screen  # noqa: B018
    message = str(caught.value)
    assert "bad.yml, line 3" in message and "bad.docx" in message
    assert "Hello {{ client_name }" in message
    after = sorted(os.listdir(sim.store.files_dir))
    assert after == before                                    # nothing half-written


def test_a_missing_template_file_is_named(sim, tmp_path):
    s = session(sim, tmp_path, "mandatory: True\nquestion: Done\nattachment:\n"
                "  docx template file: nowhere.docx\n")
    with pytest.raises(bgkernel.InterviewError, match="nowhere.docx was not found"):
        s.screen  # noqa: B018


# --- PDF forms ---------------------------------------------------------------------------------

PDF_INTERVIEW = """
mandatory: True
question: Done
attachment:
  name: Form
  filename: filled
  variable name: filled
  pdf template file: form.pdf
  editable: editable
  fields:
    name: ${ name }
    agree: ${ agrees }
    color: Blue
    sig: ${ signature }
---
code: |
  name = "Ann & Bo"
  agrees = True
  editable = True
  signature = DAStaticFile(filename=dot_path)
"""


def test_pdf_template_fills_text_checkbox_radio_and_signature(sim, tmp_path, dot):
    fillable_pdf(str(tmp_path / "form.pdf"))
    s = session(sim, tmp_path, PDF_INTERVIEW.replace("dot_path", repr(dot)))
    (doc,) = s.screen.attachments
    assert sorted(doc.files) == ["pdf"]
    reader = PdfReader(doc.files["pdf"])
    fields = reader.get_fields()
    assert fields["name"]["/V"] == "Ann & Bo"
    assert fields["agree"]["/V"] == "/Yes"
    assert fields["color"]["/V"] == "/Blue"
    states = {}
    for ref in reader.pages[0]["/Annots"]:
        annot = ref.get_object()
        if "/AS" in annot:
            states[str(annot.get("/T") or annot["/Parent"].get_object()["/T"]) + str(annot["/Rect"][0])] = annot["/AS"]
    assert sorted(states.values()) == ["/Blue", "/Off", "/Yes"]
    assert reader.pages[0].images                             # the signature, in its box
    assert s.get("filled").num_pages() == 1


def test_pdf_template_unchecked_and_flattened(sim, tmp_path, dot):
    fillable_pdf(str(tmp_path / "form.pdf"))
    yaml = PDF_INTERVIEW.replace("dot_path", repr(dot)).replace("agrees = True", "agrees = False") \
        .replace("editable = True", "editable = False")
    s = session(sim, tmp_path, yaml)
    (doc,) = s.screen.attachments
    reader = PdfReader(doc.files["pdf"])
    assert not reader.get_fields()                            # editable: False flattens
    assert "Ann & Bo" in reader.pages[0].extract_text()


def test_a_pdf_field_that_does_not_exist_is_named(sim, tmp_path):
    fillable_pdf(str(tmp_path / "form.pdf"))
    with pytest.warns(InterviewWarning, match="no field named 'nmae'.*name, city, agree"):
        s = session(sim, tmp_path, "mandatory: True\nquestion: Done\nattachment:\n"
                    "  pdf template file: form.pdf\n  fields:\n    name: Ann\n    nmae: typo\n")
    (doc,) = s.screen.attachments
    assert PdfReader(doc.files["pdf"]).get_fields()["name"]["/V"] == "Ann"


# --- document functions -------------------------------------------------------------------------

def test_pdf_concatenate_docx_concatenate_zip_file_and_mimetype(sim, tmp_path):
    docx_template(str(tmp_path / "one.docx"), ["First {{ n }}"])
    s = session(sim, tmp_path, """
mandatory: True
code: |
  a = DAFileCollection("a")
  both = pdf_concatenate(first, second, filename="both.pdf")
  words = docx_concatenate(first_docx, second_docx, filename="words.docx")
  bundle = zip_file(first, {"sub": [second]}, filename="bundle.zip")
  pages = both.num_pages()
  copy = DAFile("copy")
  copy.initialize(filename="copy.bin")
  copy.set_mimetype("application/pdf")
---
attachment:
  variable name: first
  filename: first
  valid formats: [pdf, docx]
  content: One
---
attachment:
  variable name: second
  filename: second
  valid formats: [pdf, docx]
  content: "Two [PAGEBREAK] Three"
---
code: |
  first_docx = first.docx
  second_docx = second.docx
---
mandatory: True
question: ${ pages } pages
""")
    assert s.screen.question == "3 pages"
    assert pdf_text(s.get("both").path()) == "One Two Three"
    assert [p for p in docx_paragraphs(s.get("words").path()) if p] == ["One", "Two", "Three"]
    with zipfile.ZipFile(s.get("bundle").path()) as archive:
        assert sorted(archive.namelist()) == ["first.docx", "first.pdf", "sub/second.docx", "sub/second.pdf"]
    assert s.get("copy").mimetype == "application/pdf"


# --- where templates are found -------------------------------------------------------------------

def test_templates_are_found_in_the_packages_data_templates(sim, tmp_path, monkeypatch):
    package = tmp_path / "site" / "docassemble" / "mypkg"
    (package / "data" / "questions").mkdir(parents=True)
    (package / "data" / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    docx_template(str(package / "data" / "templates" / "own.docx"), ["Own {{ x }}"])
    docx_template(str(package / "data" / "templates" / "named.docx"), ["Named {{ x }}"])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    interview = package / "data" / "questions" / "i.yml"
    interview.write_text("mandatory: True\nquestion: Done\nattachments:\n"
                         "  - filename: own\n    valid formats: [docx]\n    docx template file: own.docx\n"
                         "  - filename: named\n    valid formats: [docx]\n"
                         "    docx template file: docassemble.mypkg:data/templates/named.docx\n"
                         "---\ncode: x = 1\n")
    s = sim.start(sim.load(str(interview)))
    own, named = s.screen.attachments
    assert docx_paragraphs(own.files["docx"]) == ["Own 1"]
    assert docx_paragraphs(named.files["docx"]) == ["Named 1"]


# --- the background, the store and the command line ----------------------------------------------

def test_assemble_in_background_gives_a_real_pdf_that_survives_reopening(loky_sim, tmp_path):
    store = loky_sim.store.path
    s = start(loky_sim, str(demo_path("assemble-in-background.yml")))
    assert s.answer(sweetheart="Sam").question == "Please wait..."
    assert s.wait(60)
    screen = s.refresh()
    assert screen.question == "Document created"
    (doc,) = screen.attachments
    assert sorted(doc.files) == ["html", "pdf", "rtf"]
    assert "Sam, will you marry me?" in pdf_text(doc.files["pdf"])
    rows = loky_sim.timeline.query("kind == 'document'")
    assert list(rows["name"]) == ["A letter"] and rows["task"].iloc[0]   # made by the task
    session_id = s.id
    loky_sim.close()
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        again = sim.session(session_id)
        (doc,) = again.refresh().attachments
        assert "Sam, will you marry me?" in pdf_text(doc.files["pdf"])
        assert again.get("the_letter").pdf.num_pages() == 1


def test_run_out_writes_the_documents(tmp_path):
    path = write(tmp_path, "i.yml", "mandatory: True\nquestion: Hi ${ who }\nattachment:\n"
                 "  name: Note\n  filename: note\n  valid formats: [pdf, docx]\n"
                 "  content: Hello ${ who }\n---\nquestion: Who?\nfields:\n  - Who: who\n")
    out = tmp_path / "docs"
    run = subprocess.run([sys.executable, "-m", "bgkernel", "run", path, "-a", "who=Kai",
                          "--out", str(out)], capture_output=True, text=True, timeout=300,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert sorted(os.listdir(out)) == ["note.docx", "note.pdf"]
    assert pdf_text(str(out / "note.pdf")) == "Hello Kai"
    assert docx_paragraphs(str(out / "note.docx")) == ["Hello Kai"]


def test_docx_becomes_pdf_through_html_where_libreoffice_is_not_installed(tmp_path, monkeypatch):
    from bgkernel.library import conversion
    source = docx_template(str(tmp_path / "plain.docx"), ["Hello from a DOCX"])
    monkeypatch.setattr(conversion, "soffice_path", lambda: None)
    conversion.docx_to_pdf(source, str(tmp_path / "plain.pdf"))
    assert pdf_text(str(tmp_path / "plain.pdf")) == "Hello from a DOCX"


def test_the_screen_widget_links_every_format_and_previews_the_pdfs_first_page(sim, tmp_path):
    import base64
    import io
    import re

    from bgkernel.widgets.screen import ScreenView
    s = session(sim, tmp_path, "mandatory: True\nquestion: Hi\nattachment:\n  name: Note\n"
                "  filename: note\n  valid formats: [pdf, docx]\n  content: One [PAGEBREAK] Two\n")
    view = ScreenView(s.screen, lambda label: None, lambda name: None, lambda: None)
    head, preview = view.attachments.children[0].children
    assert 'download="note.pdf"' in head.value and 'download="note.docx"' in head.value
    found = re.search(r'data="data:application/pdf;base64,([^"#]+)', preview.value)
    first = PdfReader(io.BytesIO(base64.b64decode(found.group(1))))
    assert len(first.pages) == 1 and first.pages[0].extract_text().strip() == "One"


def test_a_files_show_in_a_docx_template_is_an_image_of_that_width(sim, tmp_path, dot):
    docx_template(str(tmp_path / "sig.docx"), ["Signed: {{ signature.show(width='1in') }}"])
    s = session(sim, tmp_path, docx_only("sig", f"""
  signature = DAFile("signature")
  signature.initialize(filename="sig.png")
  signature.copy_into({dot!r})
"""))
    (doc,) = s.screen.attachments
    (shape,) = docx.Document(doc.files["docx"]).inline_shapes
    assert shape.width == 914400                              # one inch, in EMU


def test_markdown_and_inline_markdown_filters_in_a_docx_template(sim, tmp_path):
    docx_template(str(tmp_path / "md.docx"), ["{{p body|markdown }}", "Inline: {{r note|inline_markdown }}"])
    s = session(sim, tmp_path, docx_only("md", """
  body = "# Heading\\n\\nSome **bold** text.\\n\\n- one\\n- two"
  note = "very *important*"
"""))
    (doc,) = s.screen.attachments
    document = docx.Document(doc.files["docx"])
    assert [(p.text, p.style.name) for p in document.paragraphs][:2] == [
        ("Heading", "Heading 1"), ("Some bold text.", "First Paragraph")]
    inline = document.paragraphs[-1]
    assert inline.text == "Inline: very important"
    assert [r.text for r in inline.runs if r.italic] == ["important"]
