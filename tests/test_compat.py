"""bgkernel.library.compat: docassemble's modules importable without docassemble."""
from __future__ import annotations

import importlib
import importlib.machinery
import sys

import pytest

from bgkernel.library import compat, catalog as library
from bgkernel.library.people import Individual
from conftest import start

pytestmark = pytest.mark.skipif(importlib.machinery.PathFinder.find_spec("docassemble") is not None,
                                reason="a real docassemble is installed: it is imported instead")


@pytest.fixture
def aliases():
    compat.install()
    yield
    compat.install()


def test_util_names_are_the_library_objects(aliases):
    util = importlib.import_module("docassemble.base.util")
    assert util.Individual is Individual and util.ordinal(0) == "first"
    assert set(util.__all__) == set(library.names()) | {"us", "objects_from_file"}
    functions = importlib.import_module("docassemble.base.functions")
    assert functions.does_a_b("Fred", "eat") == "does Fred eat"
    assert not hasattr(util, "does_a_b")           # util does not export the phrase helpers
    legal = importlib.import_module("docassemble.base.legal")
    assert {"PartyList", "Court", "Case", "his", "Individual"} <= set(legal.__all__)


LEGAL = """
modules:
  - docassemble.base.legal
---
objects:
  - enemy: PartyList
---
mandatory: True
question: |
  Our enemies are ${ enemy }.
---
question: |
  Who is the ${ ordinal(i) } enemy?
fields:
  - First: enemy[i].name.first
  - Last: enemy[i].name.last
---
question: Are there any enemies?
yesno: enemy.there_are_any
---
question: Is there another enemy?
yesno: enemy.there_is_another
"""


def test_interview_with_the_legal_module_gathers_a_party_list(sim):
    session = start(sim, LEGAL)
    assert session.screen.question == "Are there any enemies?"
    screen = session.answer({"enemy.there_are_any": True})
    assert screen.question == "Who is the first enemy?"
    assert screen.variables == ["enemy[0].name.first", "enemy[0].name.last"]
    session.answer({"enemy[0].name.first": "Darth", "enemy[0].name.last": "Vader"})
    assert session.answer({"enemy.there_is_another": False}).question == \
        "Our enemies are Darth Vader."
    assert isinstance(session.get("enemy[0]"), Individual)


IMPORTS = """
imports:
  - us
---
mandatory: True
code: |
  from docassemble.base.util import Individual as Imported, comma_and_list
  same = Imported is Individual
  states = us.states.mapping('abbr', 'name')
---
mandatory: True
question: ${ same } ${ states['NY'] } ${ len(states) }
"""


def test_code_imports_docassemble_and_us(sim):
    assert start(sim, IMPORTS).screen.question == "True New York 56"


def test_a_real_docassemble_wins(aliases, tmp_path, monkeypatch):
    package = tmp_path / "docassemble" / "base"
    package.mkdir(parents=True)
    (tmp_path / "docassemble" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "util.py").write_text("REAL = True\n")
    compat.uninstall()                              # forget the aliases imported so far
    monkeypatch.syspath_prepend(str(tmp_path))
    compat.install()
    try:
        assert importlib.import_module("docassemble.base.util").REAL is True
    finally:
        for name in [n for n in sys.modules if n == "docassemble" or n.startswith("docassemble.")]:
            del sys.modules[name]
    monkeypatch.undo()
    assert importlib.import_module("docassemble.base.util").Individual is Individual


def test_uninstall_removes_the_finder(aliases):
    compat.uninstall()
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("docassemble.base.legal")


def test_a_case_lists_its_known_people_and_their_children(sim):
    s = start(sim, """
modules:
  - docassemble.base.legal
---
objects:
  - case: Case
---
mandatory: True
code: |
  ann = case.plaintiff.appendObject()
  ann.name.first = "Ann"
  ann.initializeAttribute("child", ChildList)
  kid = ann.child.appendObject()
  kid.name.first = "Kit"
  case.plaintiff.appendObject()             # not identified: left out
  bob = case.defendant.appendObject()
  bob.name.first = "Bob"
---
mandatory: True
question: ${ comma_and_list(case.all_known_people()) }
""")
    assert s.screen.question == "Ann, Kit, and Bob"
