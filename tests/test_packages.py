"""Interviews that use an installed docassemble package: ``include:`` of its YAML, ``modules:``
of its Python (which imports docassemble's modules through bgkernel's aliases), and its data
files, found as docassemble finds them.  The package is built here, in a temporary folder."""
from __future__ import annotations

import sys
import textwrap

import pytest

import bgkernel

HELPERS = '''
from docassemble.base.util import DAObject, comma_and_list
from docassemble.base.functions import word
from docassemble.base.core import DAList

__all__ = ["Greeter", "greet_all"]


class Greeter(DAObject):
    def hello(self):
        return word("Hello") + ", " + self.name


def greet_all(names):
    return "Hi " + comma_and_list(names)
'''


@pytest.fixture
def package(tmp_path, monkeypatch):
    root = tmp_path / "site"
    pkg = root / "docassemble" / "mypkg"
    (pkg / "data" / "questions").mkdir(parents=True)
    (pkg / "data" / "sources").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "helpers.py").write_text(HELPERS)
    (pkg / "data" / "questions" / "shared.yml").write_text(textwrap.dedent("""
        question: What is your name?
        fields:
          - Name: greeter.name
        """))
    (pkg / "data" / "questions" / "more.yml").write_text("code: |\n  shared_code_ran = True\n")
    (pkg / "data" / "sources" / "colours.yml").write_text("- red\n- green\n")
    (pkg / "shout.py").write_text("from .helpers import greet_all\n"
                                  "from docassemble.base.functions import update_language_function\n"
                                  "def loud(text):\n    return text.upper()\n"
                                  "update_language_function('*', 'ordinal_number', lambda n, **kw: 'nth')\n")
    (pkg / "data" / "questions" / "relative.yml").write_text(
        "modules:\n  - .shout\n---\nmandatory: True\n"
        "question: ${ loud(greet_all(['a', 'b'])) } ${ ordinal_number(3) }\n")
    monkeypatch.syspath_prepend(str(root))
    yield pkg
    for name in [n for n in sys.modules if n.startswith("docassemble.mypkg")]:
        del sys.modules[name]


INTERVIEW = """
modules:
  - docassemble.mypkg.helpers
---
include:
  - docassemble.mypkg:data/questions/shared.yml
  - docassemble.mypkg:more.yml
---
objects:
  - greeter: Greeter
---
mandatory: True
code: |
  shared_code_ran
  colours = objects_from_file('docassemble.mypkg:colours.yml', name='colours')
---
mandatory: True
question: ${ greeter.hello() }
subquestion: ${ greet_all(colours) }
"""


def test_an_interview_using_a_package(sim, package):
    s = sim.start(sim.load(INTERVIEW))
    assert s.screen.question == "What is your name?"
    screen = s.answer({"greeter.name": "Ada"})
    assert screen.question == "Hello, Ada"
    assert screen.subquestion == "Hi red and green"


def test_an_include_from_a_package_that_is_not_there_names_it(sim):
    with pytest.raises(bgkernel.InterviewError, match="in the package docassemble.notthere"):
        sim.load("include:\n  - docassemble.notthere:data/questions/x.yml\n---\n"
                 "mandatory: True\nquestion: Hi\n")


def test_a_package_imports_after_the_aliases_were_made(sim, package, monkeypatch):
    """The docassemble alias package made first (by an earlier interview) still lets a real
    docassemble.X package import."""
    from bgkernel.library import compat
    import importlib
    for name in [n for n in sys.modules if n == "docassemble" or n.startswith("docassemble.")]:
        monkeypatch.delitem(sys.modules, name)
    compat.install()
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(package.parent.parent)])
    assert getattr(importlib.import_module("docassemble"), "__bgkernel_alias__", False)
    monkeypatch.setattr(sys, "path", [str(package.parent.parent)] + sys.path)
    test_an_interview_using_a_package(sim, package)


def test_a_relative_module_is_the_interviews_packages(sim, package):
    """``modules: - .shout`` in docassemble/mypkg/data/questions/relative.yml is
    docassemble.mypkg.shout, whose own relative import works; its
    update_language_function() replaces a language function."""
    from bgkernel.library import words
    try:
        s = sim.start(sim.load(str(package / "data" / "questions" / "relative.yml")))
        assert s.screen.question == "HI A AND B nth"
    finally:
        words.LANGUAGE_FUNCTIONS.clear()


def test_a_package_checkout_is_used_as_if_installed(sim, package, monkeypatch):
    """An interview loaded from a package's own folder (not installed, not on sys.path)
    finds the package's modules and files by their full names, as on the author's server."""
    from bgkernel.language import packages
    root = str(package.parent.parent)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != root])
    monkeypatch.setattr(packages, "_CHECKOUTS", {})
    interview = package / "data" / "questions" / "main.yml"
    interview.write_text(INTERVIEW)
    s = sim.start(sim.load(str(interview)))
    assert s.answer({"greeter.name": "Ada"}).question == "Hello, Ada"
    assert packages._CHECKOUTS == {"docassemble.mypkg": str(package)}


def test_a_checkout_is_found_after_python_made_the_docassemble_namespace(sim, package, tmp_path,
                                                                          monkeypatch):
    """An installed docassemble.X imported before any interview makes ``docassemble`` a plain
    namespace package; a checkout loaded later is still found in it."""
    from bgkernel.language import packages
    import importlib
    installed = tmp_path / "installed"
    (installed / "docassemble" / "other").mkdir(parents=True)
    (installed / "docassemble" / "other" / "__init__.py").write_text("")
    for name in [n for n in sys.modules if n == "docassemble" or n.startswith("docassemble.")]:
        monkeypatch.delitem(sys.modules, name)
    root = str(package.parent.parent)
    monkeypatch.setattr(sys, "path", [str(installed)] + [p for p in sys.path if p != root])
    monkeypatch.setattr(packages, "_CHECKOUTS", {})
    importlib.import_module("docassemble.other")
    assert not getattr(sys.modules["docassemble"], "__bgkernel_alias__", False)
    interview = package / "data" / "questions" / "main.yml"
    interview.write_text(INTERVIEW)
    s = sim.start(sim.load(str(interview)))
    assert s.answer({"greeter.name": "Ada"}).question == "Hello, Ada"


def test_user_info_names_the_interviews_package(sim, package):
    (package / "data" / "questions" / "who.yml").write_text(
        "objects:\n  - thing: DAObject\n---\nmandatory: True\ncode: |\n  thing.colour = 'red'\n"
        "---\nmandatory: True\nquestion: ${ user_info().package } ${ thing.as_serializable() }\n")
    s = sim.start(sim.load(str(package / "data" / "questions" / "who.yml")))
    assert s.screen.question == ("docassemble.mypkg {'_class': 'DAObject', 'instanceName': 'thing', "
                                 "'colour': 'red'}")
    assert sim.start(sim.load("mandatory: True\nquestion: ${ user_info().package }\n")) \
        .screen.question == "None"


def test_docassembles_own_examples_keep_bgkernels_modules(tmp_path, monkeypatch):
    """An interview read from docassemble.base's examples folder (as the shipped examples
    are) does not make that docassemble.base the one imported."""
    from bgkernel.language import packages
    monkeypatch.setattr(packages, "_CHECKOUTS", {})
    examples = tmp_path / "docassemble" / "base" / "data" / "questions" / "examples"
    examples.mkdir(parents=True)
    packages.add_checkout(str(examples / "x.yml"))
    assert packages._CHECKOUTS == {}


def test_a_static_file_is_the_interviews_packages(sim, package):
    (package / "data" / "static").mkdir()
    (package / "data" / "static" / "note.txt").write_text("hello from static")
    (package / "data" / "questions" / "static.yml").write_text(
        "objects:\n  - note: DAStaticFile.using(filename='note.txt')\n---\nmandatory: True\n"
        "question: ${ note.show(width='1em') }\nsubquestion: ${ note.slurp() }\n")
    s = sim.start(sim.load(str(package / "data" / "questions" / "static.yml")))
    assert s.screen.question == "[FILE docassemble.mypkg:data/static/note.txt, 1em, None]"
    assert s.screen.subquestion == "hello from static"
