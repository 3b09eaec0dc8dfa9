"""docassemble.base.util names that interview code calls, beyond the seed's: phone numbers, name
and JSON encodings, steering the logic, status and explanations, split, iso_country."""
from __future__ import annotations

import json

import pytest

import bgkernel
from conftest import start


def run(sim, code: str, question: str = "${ result }"):
    """The first screen of an interview whose mandatory code sets ``result``."""
    body = "\n".join("  " + line for line in code.strip().splitlines())
    return start(sim, f"mandatory: True\ncode: |\n{body}\n---\nmandatory: True\nquestion: {question}\n")


def test_phone_numbers(sim):
    s = run(sim, """
result = [phone_number_in_e164('(202) 555-0123'), phone_number_formatted('2025550123'),
          phone_number_is_valid('202 555 0123'), phone_number_is_valid('123'),
          phone_number_part('202-555-0123', 1), phone_number_in_e164('whatsapp:2025550123'),
          phone_number_in_e164('020 7946 0018', country='GB'), phone_number_in_e164('nonsense')]
""")
    assert s.get("result") == ["+12025550123", "(202) 555-0123", True, False, "555",
                               "whatsapp:+12025550123", "+442079460018", None]


def test_names_and_json_encodings(sim):
    s = run(sim, """
result = [encode_name('x[0].name'), decode_name(encode_name('x[0].name')),
          from_b64_json('eyJhIjogWzEsIDJdfQ'), from_b64_json(None), str(raw([1, 2]))]
""")
    assert s.get("result") == ["eFswXS5uYW1l", "x[0].name", {"a": [1, 2]}, None, "[1, 2]"]


def test_set_variables_and_transform_json_variables(sim):
    s = run(sim, """
set_variables({'fruit': 'apple', 'client': {'_class': 'docassemble.base.util.Individual',
               'instanceName': 'client', 'name': {'_class': 'docassemble.base.util.IndividualName',
               'instanceName': 'client.name', 'first': 'Ada'}}, 'when': '2024-03-01'},
              process_objects=True)
result = (fruit, type(client).__name__, client.name.first, when.year)
""")
    assert s.get("result") == ("apple", "Individual", "Ada", 2024)


def test_variables_as_json_responds_with_the_answers(sim):
    s = start(sim, "mandatory: True\ncode: |\n  colour = 'red'\n  variables_as_json()\n")
    assert s.screen.kind == "response"
    assert json.loads(s.screen.response)["colour"] == "red"


def test_re_run_logic_runs_the_logic_again(sim):
    s = run(sim, """
passes = passes + 1 if defined('passes') else 1
if passes < 3:
  re_run_logic()
result = passes
""")
    assert s.screen.question == "3"


def test_force_gather_seeks_until_defined(sim):
    s = start(sim, """
mandatory: True
code: |
  if not defined('started'):
    started = True
    force_gather('favourite')
---
question: Favourite?
fields:
  - Fruit: favourite
---
mandatory: True
question: Done, ${ showifdef('favourite', 'none') }
""")
    assert s.screen.question == "Favourite?"
    assert s.answer(favourite="plum").question == "Done, plum"


def test_forget_result_of_and_invalidate(sim):
    s = start(sim, """
id: ask colour
mandatory: True
question: Colour?
fields:
  - Colour: colour
---
mandatory: True
question: You said ${ colour }
buttons:
  - Again: again
---
event: again
code: |
  invalidate('colour')
  forget_result_of('ask colour')
""")
    s.answer(colour="red")
    assert s.screen.question == "You said red"
    screen = s.action("again")
    assert screen.question == "Colour?"
    assert screen.fields[0].value == "red"            # invalidate keeps the old answer


def test_status_and_explanations(sim):
    s = run(sim, """
set_status(stage=2)
explain('Because A'); explain('Because A'); explain('Because B'); explain('X', 'other')
first = logic_explanation()
clear_explanations()
result = [get_status('stage'), get_status('none'), first, logic_explanation(),
          logic_explanation('other'), showif('colour_unknown', False, 'n/a')]
""")
    assert s.get("result") == [2, None, ["Because A", "Because B"], [], ["X"], "n/a"]


def test_split_and_iso_country(sim):
    s = run(sim, """
result = [split('The quick brown fox jumps over', 10, 'all'), split('a b c', 1, 5),
          iso_country('Germany'), iso_country('france', 'alpha_3'), iso_country('US', 'name')]
""")
    assert s.get("result") == [["The quick", "brown fox jumps over"], "", "DE", "FRA",
                               "United States"]


def test_iso_country_of_nonsense_is_a_clear_error(sim):
    s = run(sim, "result = iso_country('Atlantis-on-Sea')")
    with pytest.raises(bgkernel.InterviewError, match="Invalid country: Atlantis-on-Sea"):
        s.screen  # noqa: B018


def test_objects_from_file_builds_the_objects_of_a_sources_file(sim, tmp_path):
    (tmp_path / "data" / "sources").mkdir(parents=True)
    (tmp_path / "data" / "questions").mkdir(parents=True)
    (tmp_path / "data" / "sources" / "people.yml").write_text(
        "object: Individual\nitem:\n  name:\n    object: IndividualName\n    item:\n"
        "      first: Ada\n      last: Lovelace\n---\nobject: Individual\nitem:\n  name:\n"
        "    object: IndividualName\n    item:\n      first: Alan\n      last: Turing\n")
    (tmp_path / "data" / "sources" / "plain.json").write_text('{"a": [1, 2], "b": {"c": 3}}')
    interview = tmp_path / "data" / "questions" / "main.yml"
    interview.write_text("mandatory: True\ncode: |\n  people = objects_from_file('people.yml', name='people')\n"
                         "  plain = objects_from_file('plain.json', use_objects=True)\n"
                         "  result = [people[1].name.full(), people[0].instanceName,\n"
                         "            people[0].name.instanceName, plain['b']['c'],\n"
                         "            type(plain).__name__]\n---\nmandatory: True\nquestion: Done\n")
    s = sim.start(sim.load(str(interview)))
    assert s.get("result") == ["Alan Turing", "people[0]", "people[0].name", 3, "DADict"]


def test_objects_from_file_of_a_missing_file_names_it(sim):
    s = run(sim, "result = objects_from_file('nowhere.yml')")
    with pytest.raises(bgkernel.InterviewError, match="nowhere.yml not found"):
        s.screen  # noqa: B018


def test_selections_and_redact(sim):
    s = run(sim, """
fruit = DAList('fruit', object_type=Thing, auto_gather=False, gathered=True)
fruit.appendObject(name='apple')
fruit.appendObject(name='pear')
fruit.appendObject(name='plum')
result = [selections(fruit, exclude=fruit[2], default=[fruit[1]]),
          redact('Top secret'), redact('a[NEWLINE]b')]
""")
    assert s.get("result") == [
        [{"ZnJ1aXRbMF0": "apple", "default": False}, {"ZnJ1aXRbMV0": "pear", "default": True}],
        "[REDACTION_WORD Top][REDACTION_SPACE][REDACTION_WORD secret]",
        "[REDACTION_WORD a][NEWLINE][REDACTION_WORD b]"]


def _follow(session, link: str):
    """Run the action of a url_action()/url_ask() link, as clicking it would."""
    import base64
    payload = json.loads(base64.urlsafe_b64decode(link.split("?action=", 1)[1]))
    return session.action(payload["action"], **payload["arguments"])


URL_ASK = """
mandatory: True
question: Summary
subquestion: ${ first } ${ second } = ${ total }
---
question: First?
fields:
  - First: first
    datatype: integer
---
question: Second?
fields:
  - Second: second
    datatype: integer
---
code: |
  total = first + second
---
event: show_link
code: |
  link = url_ask(['first', {'set': [{'second': 10}]}, {'recompute': ['total']}])
"""


def test_url_ask_asks_again_then_runs_its_commands_in_order(sim):
    s = start(sim, URL_ASK)
    s.answer(first=1)
    assert s.answer(second=2).subquestion == "1 2 = 3"
    s.action("show_link")
    link = s.get("link")
    assert "?action=" in link
    screen = _follow(s, link)
    assert screen.question == "First?"                 # asked again, though defined
    screen = s.answer(first=5)
    assert screen.subquestion == "5 10 = 15"           # total recomputed, second set to 10


def test_url_ask_refuses_generic_names(sim):
    s = run(sim, "result = url_ask(['x.name'])")
    with pytest.raises(bgkernel.InterviewError, match="generic object"):
        s.screen  # noqa: B018
