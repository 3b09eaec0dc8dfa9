"""`depends on` and `on change`: an answer that changes a variable undefines what depends
on it (a first answer does not), with the answer's own indices, and runs its on change code."""
from __future__ import annotations

import pytest

import bgkernel
from conftest import start

SQUARES = """
on change:
  a: |
    changes = changes + 1 if defined("changes") else 1
---
question: What is A?
fields:
  - A: a
    datatype: number
---
question: What is the square of ${ a }?
fields:
  - B: b
    datatype: number
depends on:
  - a
---
code: |
  c = a + b
depends on:
  - a
  - b
---
mandatory: True
question: ${ a } ${ b } ${ c } ${ changes if defined("changes") else 0 }
"""


def test_changing_a_variable_undefines_what_depends_on_it(sim):
    s = start(sim, SQUARES)
    s.answer(a=3)
    assert s.answer(b=9).question == "3.0 9.0 12.0 0"     # first answers: no change
    assert s.action("a").question == "What is A?"
    assert s.answer(a=3).question == "3.0 9.0 12.0 0"      # the same value: no change
    s.action("a")
    screen = s.answer(a=4)
    assert screen.question == "What is the square of 4.0?"             # b and c undefined
    assert screen.fields[0].value == 9.0                               # shown as it was
    assert s.answer(b=16).question == "4.0 16.0 20.0 1"


PEOPLE = """
objects:
  - people: DAList.using(object_type=Individual, there_are_any=True)
---
question: Pay of ${ ordinal(i) }?
fields:
  - Pay: people[i].pay
    datatype: integer
depends on:
  - people[i].period
---
question: Period of ${ ordinal(i) }?
fields:
  - Period: people[i].period
    datatype: integer
---
question: Name of ${ ordinal(i) }?
fields:
  - Name: people[i].name.first
---
question: More?
yesno: people.there_is_another
---
mandatory: True
question: |
  ${ people[0].name.first } ${ people[0].period } ${ people[0].pay }
"""


def test_depends_on_with_an_index_reaches_the_same_index(sim):
    s = start(sim, PEOPLE)
    assert s.answer(**{"people[0].name.first": "Ann"}).question == "Period of first?"
    s.answer(**{"people[0].period": 12})
    assert s.answer(**{"people[0].pay": 100}).question == "Ann 12 100"
    s.action("people[0].period")
    assert s.answer(**{"people[0].period": 52}).question == "Pay of first?"


def test_on_change_must_map_names_to_code(sim):
    with pytest.raises(bgkernel.InterviewError, match="'on change' must be a dictionary"):
        sim.load("on change: [a]\n")
