"""Field datatypes, choices, defaults and validation, over tests/interviews/fields_datatypes.yml.

Answers are given both as Python values and as the raw strings a browser posts; an
invalid answer comes back as ``Screen.errors`` and leaves the session as it was.
"""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import start

INTERVIEW = "fields_datatypes.yml"

RAW = dict(name="Ann", age="42", height="1.7", savings="1,250.50", birthday="1990-05-17",
           appointment="2026-03-01T09:30", wake_time="07:15", email_address=" ann@example.com ",
           subscribe="True", skip_reminders="False", has_car="True", plate="ABC 123", pet="dog",
           home_country="FR", city="Lyon", hobbies=["chess", "reading"], nickname="Cap",
           lucky="8", secret_word="x")

PYTHON = dict(name="Bob", age=42, height=1.7, savings=1250.5, birthday=dt.date(1990, 5, 17),
              appointment=dt.datetime(2026, 3, 1, 9, 30), wake_time=dt.time(7, 15),
              email_address="bob@example.com", subscribe=True, skip_reminders=True,
              has_car=False, pet="cat", home_country="US", city="Paris", hobbies=None,
              nickname="B", lucky=8)


def test_every_datatype_on_the_screen(sim):
    screen = start(sim, INTERVIEW).screen
    shape = {f.variable: (f.datatype, f.input_type, f.required) for f in screen.fields}
    assert shape == {
        "name": ("text", None, True), "biography": ("text", "area", False),
        "age": ("integer", None, True), "height": ("number", None, True),
        "savings": ("currency", None, True), "birthday": ("date", None, True),
        "appointment": ("datetime", None, True), "wake_time": ("time", None, True),
        "email_address": ("email", None, True), "subscribe": ("yesno", None, False),
        "skip_reminders": ("noyes", None, False), "has_car": ("yesnoradio", None, True),
        "plate": ("text", None, False), "pet": ("text", "radio", True),
        "home_country": ("text", "dropdown", True), "city": ("text", "combobox", True),
        "hobbies": ("checkboxes", None, True), "nickname": ("text", None, True),
        "lucky": ("integer", None, True), "secret_word": ("text", "password", False),
    }


def test_min_max_hint_default_and_js_enable_if(sim):
    screen = start(sim, INTERVIEW).screen
    assert (screen.field("age").minimum, screen.field("age").maximum) == (0, 130)
    assert (screen.field("height").minimum, screen.field("height").maximum) == (0.5, 2.5)
    assert str(screen.field("birthday").maximum) == "2030-01-01"
    nickname = screen.field("nickname")
    assert nickname.default == "Captain" and nickname.value == "Captain"   # a Mako default
    assert nickname.hint == "What friends call you"
    assert screen.field("lucky").default == 7                  # an int default makes an integer
    assert screen.field("plate").js_enable_if == "val('has_car')"


def test_choices_lists_and_code(sim):
    screen = start(sim, INTERVIEW).screen
    assert [tuple(o) for o in screen.field("pet").choices] == [("cat", "Cat"), ("dog", "Dog")]
    assert [tuple(o) for o in screen.field("home_country").choices] == [
        ("CA", "Canada"), ("FR", "France"), ("US", "United States")]
    assert [tuple(o) for o in screen.field("city").choices] == [("Paris", "Paris"), ("Toronto", "Toronto")]


def test_raw_strings_are_converted(sim):
    s = start(sim, INTERVIEW)
    screen = s.answer(RAW)
    assert screen.errors == {} and screen.question == "Favourites"
    values = {k: s.get(k) for k in RAW}
    assert values["age"] == 42 and type(values["age"]) is int
    assert values["height"] == 1.7 and values["savings"] == 1250.5
    assert values["birthday"].date() == dt.date(1990, 5, 17)
    assert values["birthday"].tzinfo is not None             # dates are zone-aware DADateTimes
    assert (values["appointment"].hour, values["appointment"].minute) == (9, 30)
    assert values["wake_time"] == dt.time(7, 15)
    assert values["email_address"] == "ann@example.com"
    assert values["subscribe"] is True and values["skip_reminders"] is False
    assert values["has_car"] is True and values["plate"] == "ABC 123"
    assert values["pet"] == "dog" and values["home_country"] == "FR"
    assert values["city"] == "Lyon"                          # a combobox takes new values
    assert dict(values["hobbies"].items()) == {"chess": True, "hiking": False, "reading": True}
    assert values["hobbies"].gathered is True
    assert values["lucky"] == 8 and values["secret_word"] == "x"
    assert s.get("biography") == ""                          # not required, not given


def test_python_values_are_accepted(sim):
    s = start(sim, INTERVIEW)
    screen = s.answer(PYTHON)
    assert screen.errors == {} and screen.question == "Favourites"
    assert s.get("age") == 42 and s.get("savings") == 1250.5
    assert s.get("birthday").strftime("%Y-%m-%d") == "1990-05-17"
    assert s.get("wake_time") == dt.time(7, 15)
    assert s.get("has_car") is False
    assert s.get("skip_reminders") is True
    # None for checkboxes is "None of the above": every box unchecked
    assert dict(s.get("hobbies").items()) == {"chess": False, "hiking": False, "reading": False}
    assert (s.get("plate"), s.get("secret_word"), s.get("biography")) == ("", "", "")


def test_a_default_is_used_when_the_field_is_left_out(sim):
    s = start(sim, INTERVIEW)
    values = dict(PYTHON)
    del values["nickname"], values["lucky"]
    s.answer(values)
    assert s.get("nickname") == "Captain" and s.get("lucky") == 7


BAD = [
    ("name", "", "This field is required."),
    ("age", "abc", "Please enter a whole number."),
    ("age", "4.5", "Please enter a whole number."),
    ("age", "200", "You need to enter a number that is at most 130."),
    ("age", -1, "You need to enter a number that is at least 0."),
    ("height", "tall", "You need to enter a number."),
    ("height", 3, "You need to enter a number that is at most 2.5."),
    ("savings", "-5", "You need to enter a number that is at least 0."),
    ("birthday", "not a date", "You need to enter a valid date."),
    ("birthday", "2031-02-01", "You need to enter a date on or before Jan 1, 2030."),
    ("appointment", "soon", "You need to enter a valid date and time."),
    ("wake_time", "25:99", "You need to enter a valid time."),
    ("email_address", "nobody", "You need to enter a complete e-mail address."),
    ("has_car", "maybe", "Please enter a valid value."),
    ("has_car", None, "You need to select one."),
    ("pet", "bird", "Please enter a valid value."),
    ("home_country", "DE", "Please enter a valid value."),
    ("hobbies", ["golf"], "Please enter a valid value."),
    ("hobbies", [], "Check at least one option, or check \u201cNone of the above\u201d"),
    ("lucky", True, "You need to enter a number."),
]


@pytest.mark.parametrize("variable,value,message", BAD, ids=[f"{v}={x!r}" for v, x, _ in BAD])
def test_invalid_input_gives_errors_and_changes_nothing(sim, variable, value, message):
    s = start(sim, INTERVIEW)
    before = s.screen
    steps = sim.store.step_count(s.id)
    screen = s.answer({**RAW, variable: value})
    assert screen.errors == {variable: message}
    assert screen.question == before.question and screen.kind == "question"
    # nothing of the submission was kept, not even the valid fields
    assert s.get("name") is None and s.get(variable) is None
    assert sim.store.step_count(s.id) == steps
    assert s.refresh().question == before.question and s.screen.errors == {}
    # and the session goes on once the answer is right
    assert s.answer(RAW).question == "Favourites"


def test_several_errors_at_once(sim):
    s = start(sim, INTERVIEW)
    screen = s.answer({**RAW, "age": "old", "email_address": "x@"})
    assert set(screen.errors) == {"age", "email_address"}


def test_an_unknown_variable_is_refused_at_once(sim):
    import bgkernel
    s = start(sim, INTERVIEW)
    with pytest.raises(bgkernel.SessionError, match="not asked on this screen"):
        s.answer({**RAW, "shoe_size": 9})
    assert s.answer(RAW).question == "Favourites"


# --- the second screen: choice formats --------------------------------------------------------

def _favourites(sim):
    s = start(sim, INTERVIEW)
    return s, s.answer(RAW)


def test_a_dict_of_choices_in_fields_is_sorted_by_value(sim):
    _, screen = _favourites(sim)
    assert [tuple(o) for o in screen.field("colour").choices] == [("1", "Red"), ("2", "Blue"), ("3", "Green")]


def test_label_value_choices_with_a_default(sim):
    _, screen = _favourites(sim)
    size = screen.field("size")
    assert [tuple(o) for o in size.choices] == [("S", "Small"), ("L", "Large")]
    assert size.default == "L" and size.value == "L"


def test_code_choices_as_lists_with_a_default(sim):
    _, screen = _favourites(sim)
    shape = screen.field("shape")
    assert [tuple(o) for o in shape.choices] == [("sq", "Square"), ("ci", "Circle")]
    assert shape.default == "ci"


def test_choices_code_dict_key(sim):
    _, screen = _favourites(sim)
    assert [tuple(o) for o in screen.field("topping").choices] == [("Cheese", "Cheese"), ("Olives", "Olives")]


def test_code_dict_is_sorted_by_label(sim):
    _, screen = _favourites(sim)
    assert [o.label for o in screen.field("sides").choices] == ["French fries", "Green salad", "Soup"]


def test_exclude_removes_choices(sim):
    _, screen = _favourites(sim)
    assert [o.value for o in screen.field("drink").choices] == ["Water", "Juice"]


def test_choice_values_are_stored(sim):
    s, _ = _favourites(sim)
    screen = s.answer(colour="2", shape="sq", topping="Olives", sides=["soup", "fries"], drink="Juice")
    assert screen.question == "Thank you, Ann"
    assert (s.get("colour"), s.get("size"), s.get("shape"), s.get("topping"), s.get("drink")) == \
        ("2", "L", "sq", "Olives", "Juice")
    assert dict(s.get("sides").items()) == {"fries": True, "salad": False, "soup": True}


def test_an_excluded_choice_is_refused(sim):
    s, _ = _favourites(sim)
    screen = s.answer(colour="2", shape="sq", topping="Olives", sides=None, drink="Tea")
    assert screen.errors == {"drink": "Please enter a valid value."}
    assert s.get("colour") is None


def test_after_back_the_fields_show_the_answers_given(sim):
    s, _ = _favourites(sim)
    screen = s.back()
    assert screen.question == "Tell us about yourself"
    assert s.get("age") is None                     # the answer was rolled back ...
    assert screen.field("age").value == 42          # ... but the form shows it again
    assert screen.field("pet").value == "dog"


def test_question_level_choices_keep_their_order(sim):
    screen = start(sim, "fields_choice_order.yml").screen
    fld = screen.field("animal")
    assert fld.input_type == "radio"
    assert [tuple(o) for o in fld.choices] == [("z", "Zebra"), ("a", "Aardvark"), ("m", "Moose")]


def test_question_level_code_choices(sim):
    s = start(sim, "fields_choice_order.yml")
    screen = s.answer(animal="m")
    assert s.get("animal") == "m"
    assert screen.question == "Which number?"
    assert [(b.label, b.value) for b in screen.buttons] == [("Two", 2), ("One", 1)]
    screen = s.press("One")
    assert s.get("number") == 1
    assert screen.field("flavour").input_type == "dropdown"
    s.answer(flavour="Vanilla")
    assert s.get("flavour") == "Vanilla"


def test_a_dropdown_question_refuses_a_value_not_offered(sim):
    s = start(sim, "fields_choice_order.yml")
    s.answer(animal="m")
    s.press("One")
    screen = s.answer(flavour="Mint")
    assert screen.errors == {"flavour": "Please enter a valid value."}
    assert s.get("flavour") is None


def test_required_may_be_an_expression_and_validate_a_function(sim):
    s = start(sim, "fields_validation.yml")
    screen = s.screen
    assert screen.field("middle_name").required is False
    screen = s.answer(first_name="ann", middle_name="", code_word="nope")
    assert screen.errors == {"code_word": "The code word starts with 'x'."}
    assert s.get("first_name") is None
    screen = s.answer(first_name="ann", middle_name="", code_word="xylophone")
    assert screen.question == "Two numbers"
    assert s.get("code_word") == "xylophone"


def test_validation_code_failure_keeps_nothing(sim):
    s = start(sim, "fields_validation.yml")
    s.answer(first_name="ann", middle_name="", code_word="xylo")
    screen = s.answer(low=5, high=3)
    assert screen.errors == {"high": "The high number must be above the low one."}
    assert s.get("low") is None and s.get("high") is None
    screen = s.answer(low=3, high=5)
    assert screen.errors == {} and s.get("high") == 5
    assert screen.question == "Thanks, ann"


def test_optional_fields_left_out_get_docassemble_fallbacks(sim):
    s = start(sim, "fields_optional.yml")
    assert [f.required for f in s.screen.fields] == [False] * 8
    assert s.answer({}).question == "Done"
    assert s.variables == {"opt_text": "", "opt_integer": 0, "opt_number": 0.0, "opt_currency": 0.0,
                           "opt_date": "", "opt_yesno": False, "opt_noyes": True,
                           "opt_yesnoradio": None, "optional_done": True, "url_args": {}}


def test_empty_strings_for_optional_numbers_are_zero(sim):
    s = start(sim, "fields_optional.yml")
    s.answer(opt_integer="", opt_number="", opt_currency="", opt_date="")
    assert (s.get("opt_integer"), s.get("opt_number"), s.get("opt_currency"), s.get("opt_date")) == \
        (0, 0.0, 0.0, "")


def test_yes_no_boxes_from_browser_strings(sim):
    s = start(sim, "fields_optional.yml")
    s.answer(opt_yesno="True", opt_noyes="False", opt_yesnoradio="False")
    assert (s.get("opt_yesno"), s.get("opt_noyes"), s.get("opt_yesnoradio")) == (True, False, False)


def test_checkboxes_answered_with_a_dict_of_booleans(sim):
    s, _ = _favourites(sim)
    s.answer(colour="1", shape="sq", topping="Cheese", sides={"salad": True, "soup": False},
             drink="Water")
    assert dict(s.get("sides").items()) == {"fries": False, "salad": True, "soup": False}


def test_checkboxes_custom_none_of_the_above_label(sim):
    s, _ = _favourites(sim)
    screen = s.answer(colour="1", shape="sq", topping="Cheese", sides=["No sides"], drink="Water")
    assert screen.errors == {}
    assert dict(s.get("sides").items()) == {"fries": False, "salad": False, "soup": False}


EMPTY_CHOICES = """
code: |
  options = [] if empty else ["Door 1", "Door 2"]
---
question: Pick a door
field: door
choices:
  - code: options
---
question: Which doors?
fields:
  - Doors: doors
    datatype: checkboxes
    code: options
  - Villains: villains
    datatype: object_checkboxes
    choices: []
---
question: Which door, with a name?
fields:
  - Name: name
  - Door: named_door
    datatype: radio
    code: options
---
question: Empty?
yesno: empty
---
mandatory: True
question: |
  door ${ door }, doors ${ doors.gathered } ${ len(doors) }, villains ${ villains.gathered }
  ${ len(villains) }, ${ name } ${ named_door }
"""


@pytest.mark.parametrize("empty", [True, False])
def test_a_question_with_nothing_to_choose_from_is_not_asked(sim, empty):
    """docassemble skips a question whose every field offers choices and none has any:
    a single choice becomes None, checkboxes an empty gathered DADict (DAList for objects).
    A question that also asks something else is asked."""
    s = start(sim, EMPTY_CHOICES)
    screen = s.answer(empty=empty)
    if not empty:
        assert screen.question == "Pick a door"
        assert s.answer(door="Door 2").question == "Which doors?"
        screen = s.answer(doors=["Door 1"])
    assert screen.question == "Which door, with a name?"          # asked: it also asks a name
    assert [f.variable for f in screen.fields] == ["name", "named_door"]
    assert [len(f.choices) for f in screen.fields[1:]] == [0 if empty else 2]
    if empty:
        assert s.get("door") is None
        assert type(s.get("doors")).__name__ == "DADict" and s.get("doors").gathered
        assert type(s.get("villains")).__name__ == "DAList" and s.get("villains").gathered
        assert len(s.get("doors")) == len(s.get("villains")) == 0
        # the radio with nothing to choose is None, whatever is sent for it (a hidden None)
        screen = s.answer(name="Ann", named_door="Door 1")
        assert screen.question == "door None, doors True 0, villains True\n0, Ann None"
    else:
        screen = s.answer(name="Ann", named_door="Door 1")
        assert screen.question == "door Door 2, doors True 2, villains True\n0, Ann Door 1"


OBJECT_CHOICES = """
objects:
  - hero: Individual
  - rival: Individual
---
code: |
  hero.name.first = "Harry"
  rival.name.first = "Tom"
---
question: Who is the villain?
fields:
  - The villain: villain
    datatype: object
    default: rival
    choices:
      - hero
      - rival
  - Why: why
    show if:
      variable: villain
      is: hero
  - Sure?: sure
    datatype: yesno
  - Certainty: certainty
    datatype: integer
    show if: sure
  - Doubts: doubts
    hide if: sure
---
mandatory: True
question: ${ villain } (${ why if defined('why') else "no reason" })
"""


def test_listed_object_choices_are_the_objects_named(sim):
    """An object field's listed choices are names of objects: the object is the value and
    its text the label; the answer may name it."""
    s = start(sim, OBJECT_CHOICES)
    field = s.screen.fields[0]
    assert [o.label for o in field.choices] == ["Harry", "Tom"]
    assert field.default == "rival"
    screen = s.answer(villain="rival", sure=False, doubts="some")
    assert screen.question == "Tom (no reason)"
    assert s.get("villain").instanceName == "rival"


LABELER = """
objects:
  - billing: Address.using(nickname='Your billing address')
  - other: Address.using(nickname='A different address')
---
question: Ship to?
fields:
  - no label: shipping
    datatype: object_radio
    choices:
      - billing
      - other
    object labeler: |
      lambda y: y.nickname
    help generator: |
      lambda y: "Help for " + y.nickname
  - Also: also
    datatype: object_checkboxes
    code: |
      [billing, other]
    object labeler: |
      lambda y: y.nickname.upper()
---
mandatory: True
question: ${ shipping.nickname } ${ len(also) }
"""


def test_object_labeler_and_help_generator_label_objects_without_asking(sim):
    """The labels come from ``object labeler``, so an address nobody typed is not asked."""
    s = start(sim, LABELER)
    fields = s.screen.fields
    assert [o.label for o in fields[0].choices] == ["Your billing address", "A different address"]
    assert [o.help for o in fields[0].choices] == ["Help for Your billing address",
                                                   "Help for A different address"]
    assert [o.label for o in fields[1].choices] == ["YOUR BILLING ADDRESS", "A DIFFERENT ADDRESS"]
    screen = s.answer(shipping="A different address", also=["YOUR BILLING ADDRESS"])
    assert screen.question == "A different address 1"


def test_fields_the_browser_hides_are_neither_required_nor_set(sim):
    """`show if` on another field's value (`variable`/`is`, or a yes/no field's name) and
    `hide if` are decided in the browser: a hidden field is not submitted."""
    s = start(sim, OBJECT_CHOICES)
    screen = s.answer(villain="hero", sure=True)              # why, certainty shown: required
    assert set(screen.errors) == {"why", "certainty"}
    screen = s.answer(villain="hero", why="jealous", sure=True, certainty=3, doubts="ignored")
    assert screen.question == "Harry (jealous)"
    assert s.get("certainty") == 3 and s.get("doubts") is None    # hidden: not written


OTHER_AND_SETS = """
objects:
  - apple: DAObject
  - pear: DAObject
  - liked: DASet
  - mine: DASet
---
mandatory: True
code: |
  apple.name = "apples"
  pear.name = "pears"
  mine.add(apple)
  mine.gathered = True
---
question: Make?
fields:
  - Make: car_make
    choices:
      - Honda
      - Other
  - Other make: car_make
    show if:
      variable: car_make
      is: Other
---
question: Liked?
yesno: liked.there_are_any
---
question: Pick one
fields:
  - Fruit: liked.new_item
    datatype: object
    choices:
      - apple
      - pear
---
question: Another?
yesno: liked.there_is_another
---
mandatory: True
question: |
  ${ car_make }: ${ liked } (${ liked.intersection(mine) }) ${ apple in liked }
"""


def test_an_other_box_and_chosen_objects_are_the_live_ones(sim):
    """A value no choice offers goes to the choice's "Other" box; a chosen object is the
    object itself in the answers (a set does not take it twice)."""
    s = start(sim, OTHER_AND_SETS)
    assert s.answer(car_make="Saab").question == "Liked?"
    s.answer(**{"liked.there_are_any": True})
    s.answer(**{"liked.new_item": "apples"})
    s.answer(**{"liked.there_is_another": True})
    s.answer(**{"liked.new_item": "apples"})
    s.answer(**{"liked.there_is_another": True})
    s.answer(**{"liked.new_item": "pears"})
    screen = s.answer(**{"liked.there_is_another": False})
    assert screen.question == "Saab: apples and pears (apples) True"


def test_object_checkboxes_take_a_dict_of_checked_choices(sim):
    s = start(sim, OBJECT_CHOICES.replace("datatype: object\n", "datatype: object_checkboxes\n")
              .replace("    default: rival\n", "").replace("${ villain }", "${ villain }!"))
    screen = s.answer(villain={"Harry": True, "Tom": False}, sure=False, doubts="d")
    assert screen.question.startswith("Harry!")



EXCLUDE_OBJECTS = """
objects:
  - parent: Individual
  - parent.child: DAList.using(object_type=Individual, auto_gather=False, gathered=True)
  - others: DAList.using(object_type=Individual, auto_gather=False, gathered=True)
---
mandatory: True
code: |
  parent.child, others                      # made first: the code runs again after a seek
  if not defined("started"):
    parent.name.first = "Pat"
    others.appendObject()
    others[0].name.first = "Oli"
    parent.child.appendObject()            # a child nobody has named yet
    started = True
  parent.child[0].name.first
  done
---
question: Who is the first child?
fields:
  - Somebody already mentioned: parent.child[0]
    datatype: object
    code: |
      MENTIONED + [parent] + parent.child.elements
    exclude:
      - parent
      - parent.child
  - First name: parent.child[0].name.first
---
question: Done ${ parent.child[0].name.first }
event: done
"""


@pytest.mark.parametrize("mentioned", ["others.elements", "[]"])
def test_excluded_objects_are_left_out_by_identity_without_reading_their_text(sim, mentioned):
    """``exclude`` takes a list's items (DAList included, not gathered) and leaves the objects
    out as objects: the unnamed child's text is never read, so nothing is asked for it."""
    s = start(sim, EXCLUDE_OBJECTS.replace("MENTIONED", mentioned))
    field = s.screen.fields[0]
    assert [o.label for o in field.choices] == (["Oli"] if mentioned != "[]" else [])
    # an object field with nothing to choose is not sent: the child keeps its own name
    if mentioned == "[]":
        screen = s.answer(**{"parent.child[0].name.first": "Kim"})
        assert screen.question == "Done Kim"
