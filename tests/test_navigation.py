"""`sections` blocks, `section:` on questions and the session's `nav` object."""
from __future__ import annotations

import pickle

import pytest

import bgkernel
from bgkernel.library.navigation import DANav
from conftest import start

SECTIONS = """
sections:
  - intro: Introduction
  - about: About you
    subsections:
      - contact: Contact info
  - Conclusion
---
mandatory: True
question: Welcome
subquestion: ${ nav.section_ids() } ${ nav.get_section() }
field: welcomed
---
mandatory: True
question: Your name?
fields:
  - Name: name
section: contact
---
mandatory: True
question: Thanks ${ name }
subquestion: ${ nav.get_section(display=True) } after ${ sorted(nav.past) }
section: Conclusion
"""


def test_a_question_with_a_section_makes_it_current(sim):
    s = start(sim, SECTIONS)
    assert s.screen.subquestion.strip() == "['intro', 'about', 'contact', 'Conclusion'] None"
    assert s.screen.section is None
    screen = s.press("Continue")
    assert screen.question == "Your name?" and screen.section == "Contact info"
    screen = s.answer(name="Ann")
    assert screen.question == "Thanks Ann" and screen.section == "Conclusion"
    # as docassemble's web app does, the section changes once the screen is made
    assert screen.subquestion.strip() == "Contact info after ['contact']"
    assert s.refresh().subquestion.strip() == "Conclusion after ['Conclusion', 'contact']"


def test_nav_without_sections_and_set_sections():
    nav = DANav()
    assert not nav.visible() and nav.get_sections() == []
    nav.set_sections(["One", {"two": "Two"}])
    assert nav.visible() and nav.section_ids() == ["One", "two"]
    assert nav.set_section("two") and not nav.set_section("two")
    assert nav.get_section(display=True) == "Two"
    nav.hide()
    assert not nav.visible()
    assert "**Two**" in pickle.loads(pickle.dumps(nav)).show_sections()


def test_sections_must_be_a_list(sim):
    with pytest.raises(bgkernel.InterviewError, match="'sections' must be a list"):
        sim.load("sections: {a: b}\n")
