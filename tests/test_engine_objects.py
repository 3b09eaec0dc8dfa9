"""Objects in interviews: DAObject, DAList and DADict gathering, DAFile, DAFileCollection.

tests/interviews/objects_gathering.yml gathers a list of people with
``there_are_any``/``there_is_another`` and a dict of pets by ``new_item_name``; the
screens follow docassemble 1.10's, question by question.
"""
from __future__ import annotations

import pytest

from conftest import start

INTERVIEW = "objects_gathering.yml"


def _household(sim):
    s = start(sim, INTERVIEW)
    s.answer({"household.address": "1 Main St"})
    return s


def test_a_generic_object_question_asks_for_an_attribute(sim):
    s = start(sim, INTERVIEW)
    screen = s.screen
    assert screen.question == "Where does the household live?"
    assert screen.variables == ["household.address"]
    assert screen.field("household.address").generic == "x.address"
    assert screen.iterators == {"x": "household"}
    s.answer({"x.address": "2 Side St"})                     # the generic name works too
    assert s.get("household.address") == "2 Side St"
    assert type(s.get("household")).__name__ == "DAObject"


def test_list_gathering_asks_each_item_and_there_is_another(sim):
    s = _household(sim)
    asked = [s.screen.question]
    s.press("Yes")
    asked.append(s.screen.question)
    assert s.screen.variables == ["people[0].name.first", "people[0].name.last"]
    s.answer({"people[0].name.first": "Ann", "people[0].name.last": "Lee"})
    asked.append(s.screen.question)
    s.press("Yes")
    asked.append(s.screen.question)
    s.answer({"people[i].name.first": "Bob", "people[i].name.last": "Ray"})   # generic index name
    asked.append(s.screen.question)
    s.press("No")
    assert asked == [
        "Does anyone live there?",
        "What is the name of the first person?",
        "Is there anyone else besides Ann Lee?",
        "What is the name of the second person?",
        "Is there anyone else besides Ann Lee and Bob Ray?",
    ]
    people = s.get("people")
    assert type(people).__name__ == "DAList" and people.gathered is True
    assert [p.name.full() for p in people] == ["Ann Lee", "Bob Ray"]
    assert type(people[0]).__name__ == "Individual"
    assert people[1].instanceName == "people[1]"
    assert s.get("people.there_is_another") is False


def test_there_are_any_false_gives_an_empty_gathered_list(sim):
    s = _household(sim)
    s.press("No")
    assert s.screen.question == "Are there pets?"
    people = s.get("people")
    assert len(people) == 0 and people.gathered is True


def _through_people(sim):
    s = _household(sim)
    s.press("Yes")
    s.answer({"people[0].name.first": "Ann", "people[0].name.last": "Lee"})
    s.press("No")
    return s


def test_dict_gathering_by_new_item_name(sim):
    s = _through_people(sim)
    assert s.screen.question == "Are there pets?"
    s.press("Yes")
    assert s.screen.variables == ["pets.new_item_name"]
    screen = s.answer({"pets.new_item_name": "Rex"})
    assert screen.question == "What kind of animal is Rex?"
    assert screen.variables == ["pets['Rex'].species"]
    screen = s.answer({"pets['Rex'].species": "dog"})
    assert screen.question == "Any other pets besides Rex?"
    s.press("Yes")
    s.answer({"pets.new_item_name": "Tom"})
    s.answer({"pets[i].species": "cat"})
    screen = s.press("No")
    pets = s.get("pets")
    assert type(pets).__name__ == "DADict" and pets.gathered is True
    assert sorted(pets.keys()) == ["Rex", "Tom"]
    assert pets["Tom"].species == "cat" and type(pets["Tom"]).__name__ == "DAObject"
    assert screen.question == "one person at 1 Main St"
    assert screen.subquestion.splitlines() == [
        "People: Ann Lee.", "* Rex is a dog", "* Tom is a cat", "Note: household.txt"]


def test_dafile_written_by_interview_code(sim):
    s = _through_people(sim)
    s.press("No")
    note = s.get("note_file")
    assert type(note).__name__ == "DAFile"
    assert note.filename == "household.txt"
    with open(note.path(), encoding="utf-8") as handle:
        assert handle.read() == "Household at 1 Main St of 1\n"


def test_objects_survive_a_new_simulator(tmp_path):
    import bgkernel
    from conftest import INTERVIEWS
    store = str(tmp_path / "store.sqlite")
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        s = sim.start(sim.load(str(INTERVIEWS / INTERVIEW)))
        s.answer({"household.address": "1 Main St"})
        s.press("Yes")
        s.answer({"people[0].name.first": "Ann", "people[0].name.last": "Lee"})
        session_id = s.id
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        s = sim.session(session_id)
        assert s.refresh().question == "Is there anyone else besides Ann Lee?"
        assert s.get("people[0].name.first") == "Ann"
        s.press("No")
        assert s.screen.question == "Are there pets?"


def test_dafilecollection_from_an_attachment(sim):
    s = start(sim, "blocks_attachments.yml")
    s.answer(tenant="Ann Lee")
    receipt = s.get("receipt")
    assert type(receipt).__name__ == "DAFileCollection"
    for ext in ("pdf", "rtf", "html"):
        item = getattr(receipt, ext)
        assert type(item).__name__ == "DAFile"
        assert item.filename == f"receipt_ann lee.{ext}"
    with open(receipt.html.path(), encoding="utf-8") as handle:
        assert "<strong>Ann Lee</strong>" in handle.read()


def test_checkboxes_make_a_gathered_dadict(sim):
    s = start(sim, "fields_datatypes.yml")
    from test_engine_fields import RAW
    s.answer(RAW)
    hobbies = s.get("hobbies")
    assert type(hobbies).__name__ == "DADict"
    assert hobbies.gathered is True and hobbies.auto_gather is False
    assert [k for k, checked in hobbies.items() if checked] == ["chess", "reading"]


@pytest.mark.parametrize("expression,expected", [
    ("people.number_as_word()", "one"),
    ("people.as_noun('person')", "person"),
    ("comma_and_list(people)", "Ann Lee"),
])
def test_list_methods_in_text(sim, expression, expected):
    s = _through_people(sim)
    s.press("No")
    assert str(s.get(expression)) == expected


MIXED = """
objects:
  - places: DAList.using(there_are_any=True, ask_object_type=True)
  - recipients: DAEmailRecipientList.using(there_are_any=True)
  - things: DAList.using(object_type=Thing)
---
code: |
  things.clear()
  things.appendObject(name="apple pie")
  things.there_are_any = True
---
question: Is the ${ ordinal(places.current_index()) } place a city?
yesno: is_city
---
code: |
  places.new_object_type = City if is_city else Address
  undefine("is_city")
---
question: The ${ ordinal(i) } address
fields:
  - Address: places[i].address
  - City: places[i].city
---
question: The ${ ordinal(i) } city
fields:
  - City: places[i].city
  - State: places[i].state
---
question: Another place?
yesno: places.there_is_another
---
question: The ${ ordinal(i) } e-mail address
fields:
  - E-mail: recipients[i].address
    datatype: email
---
question: Another recipient?
yesno: recipients.there_is_another
---
question: Besides ${ things }, anything else?
yesno: things.there_is_another
---
mandatory: True
question: |
  ${ " ".join(type(place).__name__ for place in places) },
  ${ len(recipients) } (${ recipients[0].address }), ${ things }
"""


def test_ask_object_type_recipients_and_a_list_a_code_block_refills(sim):
    """`ask_object_type`: each new item's class is asked (`new_object_type`) while the item
    stands as None; a DAEmailRecipient asks for its address when shown; clear() keeps
    `there_are_any` for the code that refills the list."""
    s = start(sim, MIXED)
    assert s.screen.question == "Is the first place a city?"
    assert s.answer(is_city=True).question == "The first city"
    assert s.answer(**{"places[0].city": "Lyon", "places[0].state": "RA"}).question == "Another place?"
    assert s.answer(**{"places.there_is_another": True}).question == "Is the second place a city?"
    assert s.answer(is_city=False).question == "The second address"
    s.answer(**{"places[1].address": "1 Main St", "places[1].city": "Paris"})
    assert s.answer(**{"places.there_is_another": False}).question == "The first e-mail address"
    s.answer(**{"recipients[0].address": "a@example.com"})
    assert s.answer(**{"recipients.there_is_another": False}).question == \
        "Besides apple pie, anything else?"
    screen = s.answer(**{"things.there_is_another": False})
    assert screen.question == "City Address,\n1 (a@example.com), apple pie"


def test_an_answer_to_an_attribute_makes_the_object_an_objects_block_defines(sim):
    """docassemble makes ``thing`` (from a non-mandatory ``objects`` block) before it sets the
    answer to ``thing.name``; so does bgkernel (found in a real package's interview)."""
    s = sim.start(sim.load("objects:\n  - thing: DAObject\n  - pets: DAList.using(object_type=Thing)\n"
                           "---\nmandatory: True\nquestion: Name?\nfields:\n  - Name: thing.name\n"
                           "  - Pet: pets[0].name.text\n---\nmandatory: True\n"
                           "question: Done ${ thing.name } ${ pets[0] }\n"))
    screen = s.answer({"thing.name": "Rex", "pets[0].name.text": "Tom"})
    assert screen.question == "Done Rex Tom"
    assert type(s.get("thing")).__name__ == "DAObject"
