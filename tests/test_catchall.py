"""``features: use catchall: True``: a name no block defines becomes a DACatchAll, whose
every use asks for ``.value`` through a ``generic object: DACatchAll`` question."""
from __future__ import annotations

import pytest

import bgkernel
from bgkernel.library.catchall import DACatchAll
from conftest import start

CATCHALL = """
features:
  use catchall: True
---
generic object: DACatchAll
question: |
  What is ${ x.object_name() }?
fields:
  - no label: x.value
validation code: |
  define(x.instanceName, x.value)
---
if: x.data_type_guess() in ('float', 'int')
generic object: DACatchAll
question: |
  How much is ${ x.object_name() }?
fields:
  - Amount: x.value
    datatype: currency
validation code: |
  define(x.instanceName, x.value)
---
mandatory: True
question: Summary
subquestion: |
  ${ user_name } earns ${ currency(salary) } and has ${ pets + 1 } pets with a goldfish.
"""


def test_undefined_names_are_asked_by_the_catchall_questions(sim):
    s = start(sim, CATCHALL)
    assert s.screen.question == "What is user name?"
    assert [(f.variable, f.datatype) for f in s.screen.fields] == [("user_name.value", "text")]
    screen = s.answer(**{"user_name.value": "Ann"})
    assert screen.question == "How much is salary?"                  # currency() asks a float
    assert screen.fields[0].datatype == "currency"
    screen = s.answer(**{"salary.value": "50000"})
    assert screen.question == "How much is pets?"                     # pets + 1: an int
    screen = s.answer(**{"pets.value": "2"})
    assert screen.question == "Summary"
    assert screen.subquestion.strip() == "Ann earns $50,000.00 and has 3.0 pets with a goldfish."
    assert s.get("user_name") == "Ann" and s.get("salary") == 50000.0   # defined by the code


def test_without_the_feature_an_undefined_name_is_an_error(sim):
    s = start(sim, CATCHALL.replace("use catchall: True", "use catchall: False"))
    with pytest.raises(bgkernel.MissingVariableError, match="'user_name'"):
        s.screen  # noqa: B018 -- reading the screen runs the interview


@pytest.mark.parametrize("use, context, guess", [
    (lambda o: o + 1, "add", "int"),
    (lambda o: 1.5 * o, "rmul", "float"),
    (lambda o: o == "x", "eq", "str"),
    (lambda o: o > True, "gt", "bool"),
    (lambda o: -o, "neg", "float"),
    (lambda o: float(o), "float", "float"),
    (lambda o: int(o), "int", "int"),
    (lambda o: str(o), "str", "str"),
    (lambda o: bool(o), "bool", "bool"),
    (lambda o: len(o), "len", "str"),
    (lambda o: 2 in o, "contains", "str"),
    (lambda o: o(), "callable", "callable"),
])
def test_each_use_is_remembered_and_reads_the_value(use, context, guess):
    values = {"len": [1, 2], "contains": [2], "callable": lambda: 7, "neg": 3, "eq": "x"}
    obj = DACatchAll("thing")
    obj.value = values.get(context, 4)
    expected = use(values.get(context, 4)) if context != "callable" else 7
    assert use(obj) == expected
    assert obj.context == context
    assert obj.data_type_guess() == guess


def test_reading_it_before_the_value_is_known_seeks_the_value():
    obj = DACatchAll("thing")
    with pytest.raises(AttributeError, match="thing.value"):
        str(obj)
    assert obj.context == "str"
