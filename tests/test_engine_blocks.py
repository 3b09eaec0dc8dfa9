"""Every block kind and the evaluation order, over the project's own interviews.

The interviews are in ``tests/interviews/blocks_*.yml``.  Where docassemble's behaviour
is subtle (how often ``initial`` code runs, which of two blocks wins, how code that is
interrupted re-runs), the expected values were checked against the real engine.
"""
from __future__ import annotations

import pytest
from pypdf import PdfReader
from pypdf import PdfReader

from bgkernel.language.blocks import (AttachmentBlock, CodeBlock, ObjectsBlock, QuestionBlock,
                                      SettingsBlock, TemplateBlock)
from conftest import INTERVIEWS, start


# --- question kinds ---------------------------------------------------------------------

def test_continue_button_field_with_subquestion_and_under(sim):
    screen = start(sim, "blocks_questions.yml").screen
    assert screen.kind == "question"
    assert screen.question == "Welcome"
    assert screen.subquestion.strip() == "This tour shows *every* kind of question."
    assert screen.under.strip() == "Text **under** the buttons."
    assert screen.question_type == "settrue"
    assert [(b.label, b.value, b.variable) for b in screen.buttons] == [("Continue", True, "welcome_seen")]
    html = screen.html
    assert "<em>every</em>" in html and '<div class="daundertext"><p>Text <strong>under</strong>' in html
    # the under text comes after the buttons, as docassemble lays the screen out
    assert html.index("da-field-buttons") < html.index("daundertext")


def _to_colour_question(sim):
    s = start(sim, "blocks_questions.yml")
    s.press("Continue")
    return s


def test_yesno_sets_true_or_false(sim):
    s = _to_colour_question(sim)
    screen = s.screen
    assert screen.question == "Do you like tea?" and screen.question_type == "yesno"
    assert [(b.label, b.value) for b in screen.buttons] == [("Yes", True), ("No", False)]
    s.press("No")
    assert s.get("likes_tea") is False


def test_noyes_swaps_the_values(sim):
    s = _to_colour_question(sim)
    s.press("Yes")
    screen = s.screen
    assert screen.question == "Do you dislike noise?" and screen.question_type == "noyes"
    assert [(b.label, b.value) for b in screen.buttons] == [("Yes", False), ("No", True)]
    s.press("Yes")
    assert s.get("dislikes_noise") is False


def test_field_with_buttons_stores_the_choice_value(sim):
    s = _to_colour_question(sim)
    s.press("Yes")
    screen = s.press("No")
    assert screen.question == "Which colour?"
    assert [(b.label, b.value) for b in screen.buttons] == [("Red", "red"), ("Green", "green"),
                                                           ("Blue", "Blue")]
    s.press("Green")
    assert s.get("favourite_colour") == "green"


def test_yesno_answered_with_a_raw_string(sim):
    s = _to_colour_question(sim)
    s.answer(likes_tea="False")
    assert s.get("likes_tea") is False


def _to_mood_question(sim):
    s = _to_colour_question(sim)
    s.press("Yes")
    s.press("No")
    s.press("Red")
    return s


def test_buttons_without_field_run_their_embedded_code(sim):
    s = _to_mood_question(sim)
    screen = s.screen
    assert screen.question == "How are you?"
    assert [b.label for b in screen.buttons] == ["Fine", "Tired", "Start over"]
    assert screen.buttons[2].command == "restart"
    screen = s.press("Tired")
    assert s.get("mood") == "tired" and s.get("mood_checked") is True
    assert screen.question == "What size?"


def test_a_restart_choice_starts_the_session_again(sim):
    s = _to_mood_question(sim)
    screen = s.press("Start over")
    assert screen.question == "Welcome"
    assert s.get("likes_tea") is None


def test_field_with_choices_is_a_radio_field(sim):
    s = _to_mood_question(sim)
    screen = s.press("Fine")
    fld = screen.field("size")
    assert fld.input_type == "radio" and fld.required
    assert [(o.value, o.label) for o in fld.choices] == [("S", "Small"), ("L", "Large")]
    assert fld.default is None and fld.value is None
    assert [b.label for b in screen.buttons] == ["Continue"]
    s.answer(size="L")
    assert s.get("size") == "L"


def test_fields_with_continue_button_field_and_a_lone_field(sim):
    s = _to_mood_question(sim)
    s.press("Fine")
    screen = s.answer(size="S")
    assert screen.question == "Your pet" and screen.question_type == "fields"
    assert screen.variables == ["pet_name", "pet_species", "pet_form_done"]
    screen = s.answer(pet_name="Rex")
    assert s.get("pet_species") == "" and s.get("pet_form_done") is True
    # `field:` alone is a continue button field
    assert screen.question == "Do you agree?" and screen.question_type == "settrue"
    screen = s.press("Continue")
    assert s.get("agreed") is True
    assert screen.event == "final_screen" and screen.question == "All done"
    assert screen.buttons == () and screen.fields == ()
    assert "mood: fine, size: S, pet: Rex." in screen.subquestion


def test_event_screen_is_shown_again_on_every_load(sim):
    s = _to_mood_question(sim)
    s.press("Fine")
    s.answer(size="S")
    s.answer(pet_name="Rex")
    s.press("Continue")
    for _ in range(2):
        assert s.refresh().event == "final_screen"
    assert s.get("final_screen") is None     # an event screen never defines its name


# --- code, mandatory, initial; evaluation order -----------------------------------------------

def test_mandatory_blocks_run_in_order_and_are_marked_done(sim):
    s = start(sim, "blocks_code.yml")
    screen = s.screen
    # the second mandatory block ran up to `greeting`, which re-ran it from the top
    assert s.get("order") == ["first", "second", "second", "after greeting"]
    assert screen.question == "A mandatory question shown once"
    s.press("Continue")
    assert s.screen.question == "What is the base amount?"
    assert s.get("order")[:4] == ["first", "second", "second", "after greeting"]


def test_later_blocks_win(sim):
    s = start(sim, "blocks_code.yml")
    s.screen
    assert s.get("greeting") == "from the later block"


def _finish_code_interview(sim):
    s = start(sim, "blocks_code.yml")
    s.press("Continue")
    s.answer(base_amount="7")
    return s, s.answer(nickname="Bo")


def test_code_that_does_not_define_the_name_falls_back_to_an_earlier_block(sim):
    s, screen = _finish_code_interview(sim)
    assert s.get("total") == 14
    assert "Total: 14;" in screen.subquestion


def test_if_chooses_between_blocks(sim):
    s, _ = _finish_code_interview(sim)
    assert s.get("pricing") == "standard"


def test_need_and_sets(sim):
    s, screen = _finish_code_interview(sim)
    assert s.get("counter_value") == 9
    assert "counter 9" in screen.subquestion


def test_screens_and_counts_match_docassemble(sim):
    """The whole transcript of blocks_code.yml, as docassemble 1.10 produces it."""
    s, screen = _finish_code_interview(sim)
    assert screen.question == "Finished"
    assert screen.subquestion.strip().splitlines() == [
        "Order: first, second, second, after greeting, third, third, third, third, third, and third.",
        "Greeting: from the later block.",
        "Total: 14; counter 9; pricing standard.",
        "Reading: 1. Passes: 8.",
    ]
    screen = s.refresh()
    assert screen.subquestion.strip().splitlines()[-1] == "Reading: 2. Passes: 9."


def test_initial_code_runs_on_every_pass(sim):
    s = start(sim, "blocks_code.yml")
    s.screen
    assert s.get("log_of_initial") == [1, 2]
    s.refresh()
    assert s.get("passes") == 3


def test_reconsider_recomputes_each_load(sim):
    s, screen = _finish_code_interview(sim)
    readings = [s.refresh().subquestion.split("Reading: ")[1].split(".")[0] for _ in range(3)]
    assert readings == ["2", "3", "4"]


def test_event_code_run_as_an_action(sim):
    s, _ = _finish_code_interview(sim)
    assert s.get("base_amount") == 7
    screen = s.action("reset_base")
    assert s.get("base_amount") is None
    assert screen.question == "Finished"      # `total` was already computed


def test_block_ids_name_blocks(sim):
    interview = sim.load(str(INTERVIEWS / "blocks_code.yml"))
    assert set(interview.by_id) == {"first mandatory", "second mandatory", "final"}
    assert interview.by_id["final"].name == "ID final"
    s = sim.start(interview)
    s.screen
    answered = s.get("_internal")["answered"]
    assert "ID first mandatory" in answered         # done mandatory blocks are keyed by id
    assert "ID second mandatory" in answered


def test_initial_code_runs_again_after_a_mandatory_question_seeks_a_name(sim):
    """When a mandatory question's own text needs a name, docassemble defines it and starts
    the pass again, so `initial` code sees the new value before the screen is shown."""
    s = start(sim, "blocks_initial_again.yml")
    assert s.screen.question == "Ann / Hi Ann"     # docassemble 1.10 gives this


# --- text: Mako, Markdown, templates, targets ------------------------------------------------

def test_mako_lines_and_markdown_in_a_template_block(sim):
    s = start(sim, "blocks_text.yml")
    screen = s.answer(fruit="pear", fruit_count="3")
    assert screen.question == "About your pear"
    assert screen.subquestion.startswith("Dear customer,\n\n* pear number 1\n* pear number 2\n"
                                         "* pear number 3\n\nThat is a lot of pear.")
    assert "<li>pear number 3</li>" in screen.html


def test_template_renders_afresh_each_time_it_is_read(sim):
    s = start(sim, "blocks_text.yml")
    screen = s.answer(fruit="fig", fruit_count="1")
    assert screen.question == "About your fig"
    assert "* fig number 1\n\nA modest amount." in screen.subquestion
    assert type(s.get("letter")).__name__ == "DALazyTemplate"


def test_session_get_reads_a_template_attribute(sim):
    s = start(sim, "blocks_text.yml")
    s.answer(fruit="fig", fruit_count="1")
    assert s.get("letter.subject").strip() == "About your fig"


def test_markdown_becomes_html_and_question_markdown_is_kept_as_source(sim):
    screen = start(sim, "blocks_text.yml").screen
    assert screen.question == "Which **fruit**?"
    html = screen.html
    assert '<h1 class="h3" id="daMainQuestion">Which <strong>fruit</strong>?</h1>' in html
    assert "<ul>\n<li>apple</li>\n<li>pear</li>\n</ul>" in html


def test_target_markup_is_an_empty_named_area(sim):
    s = start(sim, "blocks_text.yml")
    screen = s.screen
    assert screen.targets == {"advice": ""}
    assert '<span class="datargetadvice"></span>' in screen.html


def test_check_in_and_reload_keys(sim):
    s = start(sim, "blocks_text.yml")
    screen = s.screen
    assert screen.checkin == "fruit_advice"
    assert screen.reload == 30
    commands = s.checkin(fruit="plum")
    assert commands and commands[0]["value"] == {"target": "advice", "content": "A fine choice: plum."}
    assert s.screen.targets["advice"] == "A fine choice: plum."
    assert '<span class="datargetadvice">A fine choice: plum.</span>' in s.screen.html


def test_mako_python_block_links_and_reload_true(sim):
    s = start(sim, "blocks_text.yml")
    s.answer(fruit="pear", fruit_count="3")
    screen = s.press("Continue")
    assert screen.question == "Done with pear"
    assert screen.subquestion.startswith("Thrice 3 is 9.")
    assert '<a target="_blank" href="https://example.com/shop">the shop</a>' in screen.html
    assert "<h1>A heading from Mako</h1>" in screen.html
    assert screen.reload == 10           # `reload: True` is docassemble's 10 seconds


def test_mako_doc_and_control_lines_in_question_text(sim):
    screen = start(sim, "blocks_mako.yml").screen
    assert screen.question == "Q 1"
    assert "gone" not in screen.subquestion
    assert "\nyes" in screen.subquestion and "never" not in screen.subquestion


def test_double_hash_lines_are_kept_as_docassemble_does(sim):
    screen = start(sim, "blocks_mako.yml").screen
    assert screen.subquestion.startswith("## Heading with Mako 2\n")
    assert "<h2>Heading with Mako 2</h2>" in screen.html


# --- attachments -------------------------------------------------------------------------------

def test_attachment_on_a_question(sim):
    s = start(sim, "blocks_attachments.yml")
    screen = s.answer(tenant="Ann Lee")
    assert screen.question == "Your receipt"
    (doc,) = screen.attachments
    assert doc.name == "Rent receipt"
    assert doc.filename == "receipt_ann lee"
    assert doc.description == "A receipt for Ann Lee"
    assert doc.markdown.startswith("# Receipt\n\nReceived from **Ann Lee** the sum of $1,250.00.")
    assert "<h1>Receipt</h1>" in doc.html and "<strong>Ann Lee</strong>" in doc.html
    assert "**" not in doc.text and "Ann Lee" in doc.text
    assert sorted(doc.files) == ["html", "pdf", "rtf"]     # docassemble's default formats
    for ext in ("html", "rtf"):
        with open(doc.files[ext], encoding="utf-8") as handle:
            assert "Ann Lee" in handle.read()
    assert "Received from Ann Lee" in PdfReader(doc.files["pdf"]).pages[0].extract_text()
    receipt = s.get("receipt")
    assert type(receipt).__name__ == "DAFileCollection"
    assert receipt.info["name"] == "Rent receipt"


def test_attachments_list_on_a_question(sim):
    s = start(sim, "blocks_attachments.yml")
    s.answer(tenant="Ann Lee")
    screen = s.press("Continue")
    assert [d.name for d in screen.attachments] == ["Notice", "Summary"]
    assert screen.attachments[0].html == "<p>Notice to <em>Ann Lee</em>.</p>"
    assert screen.attachments[1].markdown == "- rent\n- deposit\n"


def test_attachment_block_and_attachment_code(sim):
    s = start(sim, "blocks_attachments.yml")
    s.answer(tenant="Ann Lee")
    s.press("Continue")
    screen = s.press("Continue")
    assert screen.event == "final_screen"
    assert [d.name for d in screen.attachments] == ["Cover letter", "Rent receipt"]
    assert "<em>receipt</em>" in screen.attachments[0].html
    assert type(s.get("cover_letter")).__name__ == "DAFileCollection"


# --- settings blocks -------------------------------------------------------------------------

def test_settings_blocks_are_read(sim):
    interview = sim.load(str(INTERVIEWS / "blocks_settings.yml"))
    assert interview.metadata["title"] == "Settings tour" and interview.title == "Settings tour"
    assert interview.features == {"loop limit": 300, "checkin interval": 2000}
    assert interview.modules == ["statistics"]
    assert interview.imports == ["json", "textwrap"]
    assert interview.default_role == ("clerk",)
    kinds = [type(b) for b in interview.blocks]
    assert kinds.count(SettingsBlock) == 5      # metadata, features, modules, imports, comment
    assert ObjectsBlock in kinds and CodeBlock in kinds and QuestionBlock in kinds


def test_include_puts_the_included_blocks_in_place(sim):
    interview = sim.load(str(INTERVIEWS / "blocks_settings.yml"))
    files = [b.file.rsplit("/", 1)[-1] for b in interview.blocks]
    at = files.index("blocks_settings_part.yml")
    assert files[at:at + 2] == ["blocks_settings_part.yml"] * 2
    assert files[:at] == ["blocks_settings.yml"] * at       # the five settings blocks before
    assert interview.files[1].endswith("blocks_settings_part.yml")


def test_modules_imports_objects_and_default_role_at_run_time(sim):
    s = start(sim, "blocks_settings.yml")
    screen = s.screen
    assert screen.question == "Who owns the shop?"
    assert screen.checkin_interval == 2000                 # features: checkin interval
    screen = s.answer({"owner.name.first": "Ann", "owner.name.last": "Lee"})
    assert screen.question == "What is the shop called?"   # the question from the included file
    assert screen.location.startswith(str(INTERVIEWS / "blocks_settings_part.yml"))
    screen = s.answer(shop_name="Corner")
    assert screen.question == "Corner belongs to Ann Lee"
    assert screen.subquestion.splitlines() == [
        "Median: 5.", 'JSON: {"a": 1}.', "Wrapped: a b [...].",
        "Inventory is a DAList named inventory.", "Ledger: ledger."]
    assert s.get("role") == "clerk"                        # default role code runs as initial


def test_template_and_attachment_blocks_are_read_as_their_kinds(sim):
    text = sim.load(str(INTERVIEWS / "blocks_text.yml"))
    templates = [b for b in text.blocks if isinstance(b, TemplateBlock)]
    assert [(t.variable, t.target) for t in templates] == [("fruit_advice", "advice"), ("letter", None)]
    docs = sim.load(str(INTERVIEWS / "blocks_attachments.yml"))
    (block,) = [b for b in docs.blocks if isinstance(b, AttachmentBlock)]
    assert block.defines == ("cover_letter",)


def test_every_block_keeps_its_file_and_line(sim):
    interview = sim.load(str(INTERVIEWS / "blocks_questions.yml"))
    lines = [(type(b).__name__, b.line) for b in interview.blocks]
    assert lines[:3] == [("SettingsBlock", 1), ("CodeBlock", 5), ("QuestionBlock", 17)]
    assert all(b.file == str(INTERVIEWS / "blocks_questions.yml") for b in interview.blocks)


# --- mandatory expressions, need on a question, sets, help, event buttons ----------------------

def test_a_mandatory_expression_that_is_true_shows_its_question(sim):
    s = start(sim, "blocks_more.yml")
    screen = s.screen
    assert screen.question == "Do you want extras?"
    assert screen.help.strip() == "Extras cost *nothing*."
    assert s.press("Yes").question == "You asked for extras"


def test_a_mandatory_expression_that_is_false_skips_its_question(sim):
    s = start(sim, "blocks_more.yml")
    screen = s.press("No")
    assert screen.question == "Your full name?"         # `need` of the Summary question
    assert s.get("extras_acknowledged") is None


def test_need_on_a_question_asks_first_then_shows_it(sim):
    s = start(sim, "blocks_more.yml")
    s.press("No")
    screen = s.answer(full_name="Ann Lee")
    assert screen.question == "Summary"


def test_sets_with_validation_code(sim):
    s = start(sim, "blocks_more.yml")
    s.press("No")
    s.answer(full_name="Ann Lee")
    screen = s.press("Continue")
    assert screen.question == "Say something"
    screen = s.answer(words="hello")
    assert s.get("shout") == "HELLO!"
    assert screen.question == "The end, HELLO!"


def _the_end(sim):
    s = start(sim, "blocks_more.yml")
    s.press("No")
    s.answer(full_name="Ann Lee")
    s.press("Continue")
    s.answer(words="hi")
    return s


def test_event_screen_with_command_buttons(sim):
    s = _the_end(sim)
    screen = s.screen
    assert [(b.label, b.command) for b in screen.buttons] == [
        ("Start again", "restart"), ("Leave", "leave"), ("Look again", "refresh")]
    assert screen.reload == 4                          # docassemble's minimum reload is 4 s
    assert s.press("Look again").question == "The end, HI!"
    assert s.press("Leave").kind == "leave"
    assert s.refresh().question == "The end, HI!"
    screen = s.press("Start again")
    assert screen.question == "Do you want extras?" and s.get("shout") is None


def test_yaml_1_2_booleans_and_capitalised_keys(sim):
    s = start(sim, "blocks_yaml12.yml")
    screen = s.screen
    assert [(b.label, b.value) for b in screen.buttons] == [("Yes", True), ("No", False), ("on", "off")]
    assert s.press("Yes").question == "Switch is True"
    s = start(sim, "blocks_yaml12.yml")
    assert s.press("on").question == "Switch is 'off'"


def test_buttons_answered_by_value_or_press_by_value(sim):
    s = _to_colour_question(sim)
    s.press(True)                                      # a yes/no button by its value
    assert s.get("likes_tea") is True
    s.answer(dislikes_noise=True)
    assert s.get("dislikes_noise") is True
    screen = s.answer(favourite_colour="Blue")
    assert s.get("favourite_colour") == "Blue" and screen.question == "How are you?"


def test_a_value_not_on_the_buttons_is_an_error(sim):
    s = _to_colour_question(sim)
    s.press("Yes")
    s.press("No")
    screen = s.answer(favourite_colour="purple")
    assert screen.errors == {"favourite_colour": "Please enter a valid value."}
    assert s.answer(favourite_colour=None).errors == {"favourite_colour": "You need to select one."}
    assert s.get("favourite_colour") is None


DEFS = """
def: fruit_words
mako: |
  <%def name="praise(fruit)">${ fruit } are delicious.</%def>
---
def: fruit_words
mako:
  - <%def name="scorn(fruit)">${ fruit } are inedible.</%def>
---
mandatory: True
usedefs: fruit_words
question: ${ praise("Peaches") }
subquestion: |
  ${ scorn("Quinces") } And ${ nickname }.
---
question: Nickname?
fields:
  - Nickname: nickname
"""


def test_def_blocks_give_mako_functions_to_blocks_that_use_them(sim):
    """`def`/`mako` blocks collect named <%def> snippets (two blocks of one name add up);
    `usedefs` puts them before every text of the block that names them."""
    s = start(sim, DEFS)
    assert s.screen.question == "Nickname?"
    screen = s.answer(nickname="Pip")
    assert screen.question == "Peaches are delicious."
    assert screen.subquestion.strip() == "Quinces are inedible. And Pip."


@pytest.mark.parametrize("source, message, line", [
    ("mandatory: True\nusedefs: nothing\nquestion: Hi\n", 'non-existent def "nothing."', 2),
    ("mandatory: True\nquestion: Hi\nusedefs: [later]\n---\ndef: later\nmako: x\n",
     'non-existent def "later."', 3),
    ("def: [a]\nmako: x\n", "A def name must be a string.", 1),
    ("def: a\nmako: {x: 1}\n", "A mako template definition must be a string", 2),
])
def test_def_and_usedefs_errors_name_the_line(sim, source, message, line):
    import bgkernel
    with pytest.raises(bgkernel.InterviewError, match=message) as info:
        sim.load(source)
    assert info.value.line == line


USE_OBJECTS = """
variable name: shelf
use objects: objects
data from code:
  object: Thing
  module: docassemble.base.util
  item:
    name:
      object: Name
      item:
        text: |
          "rocks"
    size: 4 * 2
---
variable name: crowd
use objects: objects
data:
  object: Individual
  items:
    - name:
        object: IndividualName
        item:
          first: Ann
    - name:
        object: IndividualName
        item:
          first: Bob
---
variable name: plan
use objects: True
data:
  fruit: [apple, pear]
  owner:
    first: Ann
---
mandatory: True
question: |
  ${ shelf } ${ shelf.size } ${ shelf.name.instanceName } | ${ crowd } ${ crowd[1].instanceName }
  | ${ plan['fruit'] } ${ plan['owner'].instanceName } ${ type(plan).__name__ }
"""


def test_use_objects_builds_the_objects_the_data_describes(sim):
    """`use objects: objects`: dicts with `object` and `item`/`items` become those objects
    (`object`/`module` are names even in `data from code`); `use objects: True` makes
    DADicts and DALists.  Everything is named after the variable."""
    s = start(sim, USE_OBJECTS)
    assert s.screen.question == ("rocks 8 shelf.name | Ann and Bob crowd[1]\n"
                                 "| apple and pear plan['owner'] DADict")


def test_use_objects_must_be_true_false_or_objects(sim):
    import bgkernel
    with pytest.raises(bgkernel.InterviewError, match="'use objects' is True, False or objects"):
        sim.load("variable name: x\nuse objects: sometimes\ndata: [1]\n")


def test_script_is_rendered_with_the_screen_and_seeks_what_it_needs(sim):
    s = start(sim, """
mandatory: True
question: Chart
script: |
  <script>draw(${ count });</script>
---
question: How many?
fields:
  - Count: count
    datatype: integer
""")
    assert s.screen.question == "How many?"                # the script needs `count`
    screen = s.answer(count=3)
    assert screen.question == "Chart" and screen.script.strip() == "<script>draw(3);</script>"


def test_suppress_loading_util_and_several_settings_in_one_block(sim):
    """`suppress loading util`: the library is not there unless a `modules` entry imports
    it; `metadata` and `modules` in one block both count."""
    bare = start(sim, """
metadata:
  suppress loading util: True
---
code: |
  try:
    Individual
    defined_here = True
  except NameError:
    defined_here = False
---
mandatory: True
question: ${ defined_here }
""")
    assert bare.screen.question == "False"
    imported = start(sim, """
metadata:
  suppress loading util: True
modules:
  - docassemble.base.util
---
objects:
  - client: Individual
---
mandatory: True
question: Hello ${ client.name.first }
---
question: Name?
fields:
  - First: client.name.first
""")
    assert imported.screen.question == "Name?"
    assert imported.answer(**{"client.name.first": "Ann"}).question == "Hello Ann"


def test_audio_and_video_are_rendered_with_the_screen(sim):
    s = start(sim, """
mandatory: True
question: Listen
audio: ${ clip }.mp3
video: "[YOUTUBE ${ clip }]"
---
question: Which clip?
fields:
  - Clip: clip
""")
    assert s.screen.question == "Which clip?"
    screen = s.answer(clip="intro")
    assert (screen.audio, screen.video) == ("intro.mp3", "[YOUTUBE intro]")


LANGUAGES = """
initial: True
code: |
  set_language(language)
---
question: Meaning?
fields:
  - Meaning: meaning
---
language: es
question: ¿Significado?
fields:
  - Significado: meaning
---
language: fr
question: Sens ?
fields:
  - Sens: meaning
---
question: Language?
field: language
choices:
  - English: en
  - Español: es
  - Deutsch: de
---
mandatory: True
question: ${ meaning }
"""


@pytest.mark.parametrize("language, asked", [("en", "Meaning?"), ("es", "¿Significado?"),
                                             ("de", "Meaning?")])
def test_blocks_of_the_current_language_come_first(sim, language, asked):
    """`language:` blocks are tried for their language only, before those of any language."""
    s = start(sim, LANGUAGES)
    assert s.answer(language=language).question == asked


@pytest.mark.parametrize("key", ["continue button field", "field"])
def test_a_review_screen_says_resume_and_sets_its_continue_field(sim, key):
    s = start(sim, f"""
mandatory: True
code: |
  fruit = "apple"
  reviewed
  final
---
question: Review
review:
  - Fruit: fruit
    button: You like ${{ fruit }}.
{key}: reviewed
---
event: final
question: Done
""")
    screen = s.screen
    assert screen.question == "Review" and [b.label for b in screen.buttons] == ["Resume"]
    assert s.press("Resume").question == "Done"


REVIEW = """
mandatory: True
code: |
  fruit
  reviewed
  final
---
question: Review
review:
  - note: Your answers
  - Fruit: fruit
    button: You like ${ fruit }.
  - label: Both
    fields: [fruit, vegetable]
    help: ${ fruit } and ${ vegetable }
  - note: Not yet
    show if: vegetable
continue button field: reviewed
---
question: Vegetable?
fields:
  - Vegetable: vegetable
---
question: Fruit?
fields:
  - Fruit: fruit
---
event: final
question: Done with ${ fruit }
"""


def test_review_lines_show_what_is_defined_and_edit_by_action(sim):
    s = start(sim, REVIEW)
    assert s.answer(fruit="apple").question == "Review"
    lines = s.screen.review
    assert [(r.label, r.variables, r.text, r.note) for r in lines] == [
        ("", (), "", "Your answers"), ("Fruit", ("fruit",), "You like apple.", "")]
    assert s.action("fruit").question == "Fruit?"              # the line's edit
    assert s.answer(fruit="pear").question == "Review"
    assert s.screen.review[1].text == "You like pear."
    assert s.press("Resume").question == "Done with pear"


def test_a_review_must_be_a_list_of_dictionaries(sim):
    import bgkernel
    with pytest.raises(bgkernel.InterviewError, match="Each line of a review is a dictionary"):
        sim.load("question: R\nreview:\n  - just text\n")


def test_a_block_that_stopped_after_setting_its_variable_runs_again(sim):
    """The block set ``summary`` and then needed ``person``, which an objects block made at
    once: docassemble runs the block again rather than keep the half-made ``summary``."""
    s = start(sim, """
objects:
  - person: Individual
---
code: |
  summary = {}
  summary['name'] = person.name.first
---
mandatory: True
question: ${ summary }
---
question: Name?
fields:
  - First: person.name.first
""")
    assert s.screen.question == "Name?"
    # after a page, though, the half-made value stands (docassemble's known pitfall: define
    # the variable last)
    assert s.answer(**{"person.name.first": "Ann"}).question == "{}"
