"""Conversion and validation of answers, as docassemble's browser and server do them."""
from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
import timeit

import pytest

from bgkernel.engine import datatypes
from bgkernel.engine.datatypes import (ALL_OF_THE_ABOVE, NONE_OF_THE_ABOVE, FieldError,
                                       checkbox_value, convert, convert_checkboxes,
                                       default_required, normalize_datatype)
from bgkernel.engine.form_encoding import checkbox_form_items, form_encode, form_items


def error(*args, **kwargs) -> FieldError:
    with pytest.raises(FieldError) as info:
        convert(*args, **kwargs)
    return info.value


def message(*args, **kwargs) -> str:
    return error(*args, **kwargs).message


# --- names ------------------------------------------------------------------------------

@pytest.mark.parametrize("given, expected", [
    ((None, None), ("text", None)),
    (("text", None), ("text", None)),
    (("radio", None), ("text", "radio")),
    (("combobox", None), ("text", "combobox")),
    (("datalist", None), ("text", "datalist")),
    (("pulldown", None), ("text", "dropdown")),
    (("dropdown", None), ("text", "dropdown")),
    (("ajax", None), ("text", "ajax")),
    (("area", None), ("text", "area")),
    (("mlarea", None), ("ml", "area")),
    (("hidden", None), ("text", "hidden")),
    (("radio", "area"), ("text", "radio")),          # the alias wins over an input type
    (("integer", "pulldown"), ("integer", "dropdown")),
    (("integer", "radio"), ("integer", "radio")),
    (("yesno", None), ("yesno", None)),
    (("noyeswide", None), ("noyeswide", None)),
    (("yesnoradio", None), ("yesnoradio", None)),
    (("yesnomaybe", None), ("yesnomaybe", None)),
    (("checkboxes", None), ("checkboxes", None)),
    (("multiselect", None), ("multiselect", None)),
    (("email", None), ("email", None)),
    (("currency", None), ("currency", None)),
    (("date", None), ("date", None)),
    (("file", None), ("file", None)),
])
def test_normalize_datatype(given, expected):
    assert normalize_datatype(*given) == expected


@pytest.mark.parametrize("datatype, input_type, expected", [
    ("text", None, True), ("integer", None, True), ("yesno", None, False), ("noyes", None, False),
    ("yesnowide", None, False), ("noyeswide", None, False), ("yesnoradio", None, True),
    ("yesnomaybe", None, True), ("range", None, False), ("checkboxes", None, True),
    ("boolean", "yesno", False), ("boolean", "yesnoradio", True), ("date", None, True),
])
def test_default_required(datatype, input_type, expected):
    assert default_required(datatype, input_type) is expected


# --- text -------------------------------------------------------------------------------

def test_text_is_stripped_of_tags_backslashes_and_whitespace():
    assert convert("text", "  Hello  ") == "Hello"
    assert convert("text", "C:\\path\\file") == "C:pathfile"
    assert convert("text", "a < b & c") == "a < b & c"
    assert convert("text", "Tom &amp; Jerry") == "Tom & Jerry"
    assert convert("text", "<p>one</p><p>two</p>") == "one\ntwo"      # bs4 get_text('\n')
    assert convert("text", "x<script>alert(1)</script>y<!-- no -->z") == "x\ny\nz"
    assert convert("area", "line 1\nline 2") == "line 1\nline 2"
    assert convert("password", "<secret>") == ""                      # docassemble does this too


def test_text_whitespace_is_stripped_before_tags_are_removed():
    assert convert("text", " <b> bold </b> ") == " bold "


# What BeautifulSoup 4.15 (html.parser) get_text("\\n") gives, checked once by hand.
@pytest.mark.parametrize("html, text", [
    ("<b>Hi</b> there", "Hi\n there"),
    ("<a title='x>y'>link</a>", "link"),
    ("unclosed <b", "unclosed <b"),
    ("a<br>b<br/>c", "a\nb\nc"),
    ("x <!-- open", "x <!-- open"),
    ("<div>\n  <span>hi</span>\n</div>", "\n\nhi\n\n"),    # whitespace runs become "\n"; kept
    ("a<b>   </b>c", "a\n \nc"),
    ("<script>never closed", ""),
    ("<p>a &amp;&amp; b</p>", "a && b"),
    ("<!DOCTYPE html><html><body>Hi</body></html>", "Hi"),
    ("&copy 2024", "\u00a9 2024"),
    ("a<3", "a<3"),
])
def test_tags_removed_like_beautifulsoup(html, text):
    assert convert("text", html) == text


def test_python_values_become_text():
    assert convert("text", 42) == "42"


@pytest.mark.parametrize("datatype", ["text", "area", "email", "password", "mlarea"])
@pytest.mark.parametrize("empty", ["", None])
def test_required_text(datatype, empty):
    assert message(datatype, empty) == "This field is required."


def test_optional_empty_text_is_empty_string():
    assert convert("text", "", required=False) == ""
    assert convert("text", None, required=False) == ""
    assert convert("email", "", required=False) == ""


def test_whitespace_passes_the_browser_and_is_stored_empty():
    assert convert("text", "   ") == ""


def test_hidden_fields_are_never_required():
    assert convert("hidden", "") == ""


def test_minlength_maxlength():
    assert message("text", "abc", minlength=5) == "You must type at least 5 characters."
    assert message("text", "abcdef", maxlength=3) == "You cannot type more than 3 characters."
    assert convert("text", "abcde", minlength=5, maxlength=5) == "abcde"
    assert convert("text", "", minlength=5, required=False) == ""     # optional and empty: no check
    assert message("text", "\U0001F600", maxlength=1) == "You cannot type more than 1 characters."


def test_email():
    assert convert("email", " someone@example.com ") == "someone@example.com"
    for bad in ("someone", "someone@", "@example.com", "some one@example.com"):
        assert message("email", bad) == "You need to enter a complete e-mail address."
    assert convert("email", "a@localhost") == "a@localhost"           # the WHATWG rule allows it


def test_raw_datatype_keeps_the_string():
    assert convert("raw", " <b>x</b>\\ ") == " <b>x</b>\\ "


def test_custom_messages():
    assert message("text", "", messages={"required": "Say something."}) == "Say something."
    assert message("integer", "5", minimum=10, messages={"min": "At least %s!"}) == "At least 10!"
    assert message("date", "2020-01-01", minimum="2021-01-01",
                   messages={"min": "Too early."}) == "Too early."         # 'date min' falls back to 'min'


# --- numbers ------------------------------------------------------------------------------

def test_integer_raw_and_python():
    assert convert("integer", "5") == 5
    assert convert("integer", "-12") == -12
    assert convert("integer", "1,000") == 1000                         # the page removes commas
    assert convert("integer", "$(7)") == 7
    assert convert("integer", 5) == 5
    assert convert("integer", 5.0) == 5 and isinstance(convert("integer", 5.0), int)


@pytest.mark.parametrize("value", ["3.5", 3.5, "abc", "5.0"])
def test_integer_must_be_whole(value):
    assert message("integer", value) == "Please enter a whole number."


def test_integer_not_a_number():
    assert message("integer", "1e3") == "You need to enter a number."
    assert message("integer", "5-") == "Please enter a whole number."  # the step rule runs first
    assert message("number", "5-") == "You need to enter a number."
    assert message("integer", True) == "You need to enter a number."
    err = error("integer", [1])
    assert err.message == "You need to enter a valid number." and err.detail


def test_empty_numbers():
    assert message("integer", "") == "This field is required."
    assert message("number", None) == "This field is required."
    assert convert("integer", "", required=False) == 0
    assert convert("integer", None, required=False) == 0
    assert convert("number", "", required=False) == 0.0
    assert isinstance(convert("currency", "", required=False), float)
    assert convert("range", None) == 0.0                                # range is optional


def test_number_raw_and_python():
    assert convert("number", "3.25") == 3.25
    assert convert("float", ".5") == 0.5
    assert convert("number", "-2") == -2.0 and isinstance(convert("number", "-2"), float)
    assert convert("number", 7) == 7.0 and isinstance(convert("number", 7), float)
    assert message("number", "5.") == "You need to enter a number."
    assert message("number", "12 apples") == "You need to enter a number."
    assert message("number", "50%") == "You need to enter a number."
    assert message("number", float("nan")) == "You need to enter a number."


def test_currency_like_the_page():
    assert convert("currency", "$1,234.567") == 1234.57                # toFixed(2) on change
    assert convert("currency", "$1,234") == 1234.0
    assert message("currency", "abc") == "This field is required."     # the handler empties it


def test_number_min_max():
    assert message("number", "4", minimum=5) == "You need to enter a number that is at least 5."
    assert message("number", 11, maximum=10) == "You need to enter a number that is at most 10."
    assert message("integer", "0", minimum="1") == "You need to enter a number that is at least 1."
    assert message("number", 0.25, minimum=0.5) == "You need to enter a number that is at least 0.5."
    assert convert("number", "5", minimum=5, maximum=5) == 5.0
    assert convert("integer", "", minimum=5, required=False) == 0      # optional and empty: no check


def test_step():
    assert convert("number", "2.5", step=0.5) == 2.5
    assert message("number", "2.25", step=0.5) == "Please enter a multiple of 0.5."
    assert message("integer", "7", step=5) == "Please enter a multiple of 5."
    assert convert("integer", "10", step=5) == 10


# --- dates and times -----------------------------------------------------------------------

def _aware(value, *parts):
    assert isinstance(value, dt.datetime) and value.tzinfo is not None
    assert value.utcoffset() is not None
    assert (value.year, value.month, value.day, value.hour, value.minute, value.second)[:len(parts)] == parts
    assert str(value.tzinfo) == "America/New_York"


@pytest.mark.parametrize("value", ["2024-01-05", "01/05/2024", "January 5, 2024", dt.date(2024, 1, 5),
                                   dt.datetime(2024, 1, 5, 15, 45), " 2024-01-05 "])
def test_date_forms(value):
    _aware(convert("date", value), 2024, 1, 5, 0, 0, 0)


def test_date_is_a_dadatetime_when_dates_module_exists():
    try:
        from bgkernel.library.dates import DADateTime
    except ImportError:
        pytest.skip("bgkernel.library.dates is not there yet")
    assert isinstance(convert("date", "2024-01-05"), DADateTime)


def test_date_timezone():
    value = convert("date", "2024-07-04", timezone="Europe/Paris")
    assert str(value.tzinfo) == "Europe/Paris" and value.hour == 0


def test_aware_datetime_is_converted_to_the_zone():
    from zoneinfo import ZoneInfo
    utc = dt.datetime(2024, 1, 5, 15, 0, tzinfo=ZoneInfo("UTC"))
    _aware(convert("datetime", utc), 2024, 1, 5, 10, 0)


def test_bad_and_empty_dates():
    assert message("date", "not a date") == "You need to enter a valid date."
    assert message("date", "2024-02-30") == "You need to enter a valid date."
    assert message("datetime", "nonsense") == "You need to enter a valid date and time."
    assert message("time", "25:99") == "You need to enter a valid time."
    assert message("date", 20240105) == "You need to enter a valid date."
    assert message("date", "") == "This field is required."
    assert convert("date", "", required=False) == ""                  # what the server stores
    assert convert("time", None, required=False) == ""


def test_date_min_max_messages_use_the_medium_format():
    assert message("date", "2024-01-05", minimum="2024-02-01") == \
        "You need to enter a date on or after Feb 1, 2024."
    assert message("date", dt.date(2024, 3, 1), maximum=dt.date(2024, 2, 20)) == \
        "You need to enter a date on or before Feb 20, 2024."
    assert message("date", "2024-03-01", minimum="2024-02-01", maximum="2024-02-20") == \
        "You need to enter a date between Feb 1, 2024 and Feb 20, 2024."
    _aware(convert("date", "2024-02-01", minimum="2024-02-01", maximum="2024-02-20"), 2024, 2, 1)


def test_datetime():
    _aware(convert("datetime", "2024-01-05T10:30"), 2024, 1, 5, 10, 30)
    _aware(convert("datetime", "2024-01-05T10:30:15"), 2024, 1, 5, 10, 30, 15)
    _aware(convert("datetime-local", "2024-01-05 10:30"), 2024, 1, 5, 10, 30)
    _aware(convert("datetime", dt.datetime(2024, 1, 5, 10, 30)), 2024, 1, 5, 10, 30)
    assert message("datetime", "2024-01-05T10:30", maximum="2024-01-05T10:00") == \
        "You need to enter a date and time on or before 2024-01-05 10:00."
    assert message("datetime", "2024-01-05T09:00", minimum=dt.datetime(2024, 1, 5, 9, 30)) == \
        "You need to enter a date and time on or after 2024-01-05 09:30."


def test_time():
    assert convert("time", "15:30") == dt.time(15, 30)
    assert convert("time", "9:05") == dt.time(9, 5)
    assert convert("time", "3:30 PM") == dt.time(15, 30)
    assert convert("time", dt.time(8, 0)) == dt.time(8, 0)
    assert message("time", "15:30", minimum="16:00").startswith("You need to enter a time at or after 4:00")
    assert message("time", "15:30", maximum="15:00").startswith("You need to enter a time at or before 3:00")
    assert message("time", "15:30", minimum="8:00", maximum="9:00").startswith("You need to enter a time between")
    assert message("time", dt.date(2024, 1, 1)) == "You need to enter a valid time."


# --- yes/no ---------------------------------------------------------------------------------

def test_yesno_checkbox():
    assert convert("yesno", "True") is True
    assert convert("yesno", True) is True
    assert convert("yesno", None) is False                             # unchecked, optional by default
    assert convert("yesnowide", "") is False
    assert message("yesno", None, required=True) == "This field is required."
    assert message("yesno", False, required=True) == "This field is required."


def test_noyes_checkbox_posts_false_when_checked():
    assert convert("noyes", "False") is False                          # the checked box posts "False"
    assert convert("noyes", None) is True                              # unchecked: True
    assert convert("noyeswide", True) is True
    assert checkbox_value("noyes", True) is False and checkbox_value("noyes", False) is True
    assert checkbox_value("yesno", True) is True
    assert checkbox_value("boolean", True, "noyes") is False


def test_yesno_radio():
    assert convert("yesnoradio", "False") is False
    assert convert("noyesradio", "True") is True
    assert message("yesnoradio", "") == "You need to select one."
    assert message("noyesradio", None) == "You need to select one."
    assert convert("yesnoradio", None, required=False) is None
    assert convert("boolean", "True", input_type="yesnoradio") is True


def test_yesnomaybe():
    assert convert("yesnomaybe", "None") is None
    assert convert("yesnomaybe", None) is None                          # "I don't know"
    assert convert("noyesmaybe", "True") is True
    assert convert("threestate", False) is False
    assert message("yesnomaybe", "") == "This field is required."


def test_yesno_rejects_other_strings():
    err = error("yesno", "yes")
    assert err.message == "Please enter a valid value." and "yes" in err.detail
    assert error("yesnoradio", "None").kind == "valid value"
    assert error("yesno", 1).kind == "valid value"


# --- choices ----------------------------------------------------------------------------------

def test_radio_and_dropdown_choices():
    assert convert("radio", "b", choices=["a", "b"]) == "b"
    assert convert("dropdown", "b", choices=["a", "b"]) == "b"
    assert message("radio", "", choices=["a", "b"]) == "You need to select one."
    assert message("text", None, choices=["a", "b"], input_type="dropdown") == "You need to select one."
    assert message("text", None, choices=["a", "b"]) == "You need to select one."
    assert convert("radio", "", choices=["a", "b"], required=False) == ""
    err = error("radio", "c", choices=["a", "b"])
    assert err.message == "Please enter a valid value." and "'c'" in err.detail


def test_choices_compare_as_strings():
    assert convert("radio", 2, choices=["1", "2"]) == "2"
    assert convert(None, 2, choices=["1", "2"]) == "2"                 # no datatype: kept as the choice
    assert convert("integer", "2", choices=["1", "2"], input_type="radio") == 2
    assert convert("integer", 2, choices=[1, 2], input_type="dropdown") == 2
    assert convert(None, "True", choices=[True, False]) is True
    assert convert("boolean", "False", choices=[True, False], input_type="radio") is False


def test_combobox_and_datalist_take_new_values():
    assert convert("combobox", "zebra", choices=["apple"]) == "zebra"
    assert convert("datalist", "zebra", choices=["apple"]) == "zebra"
    assert message("combobox", "", choices=["apple"]) == "You need to select one or type in a new value."


def test_no_datatype_keeps_the_value():
    assert convert(None, " <b>x</b> ") == " <b>x</b> "
    assert convert(None, None, required=False) == ""


def test_objects_and_files():
    class Thing:
        def __init__(self, name):
            self.name = name

        def __str__(self):
            return self.name
    a, b = Thing("a"), Thing("b")
    assert convert("object", b, choices=[a, b]) is b
    assert convert("object_radio", "a", choices=[a, b]) is a
    assert message("object_radio", None, choices=[a, b]) == "You need to select one."
    assert convert("object", None, choices=[a, b], required=False) is None
    assert message("file", None) == "You must provide a file."
    assert convert("file", None, required=False) is None
    assert convert("files", ["x.pdf"]) == ["x.pdf"]


# --- checkboxes -------------------------------------------------------------------------------

CHOICES = ["apple", "banana", "cherry"]


def test_checkboxes_from_a_list():
    assert convert_checkboxes(["banana"], CHOICES) == {"apple": False, "banana": True, "cherry": False}
    assert list(convert_checkboxes({"cherry", "apple"}, CHOICES).values()) == [True, False, True]
    assert convert_checkboxes("banana", CHOICES)["banana"] is True


def test_checkboxes_from_a_dict():
    assert convert_checkboxes({"apple": True, "banana": "False", "cherry": "True"}, CHOICES) == \
        {"apple": True, "banana": False, "cherry": True}


def test_checkboxes_from_the_check_in_mapping():
    raw = {"fruit['apple']": "True", "fruit['cherry']": "True", "name": "Bob",
           "_initial": False, "_changed": "fruit['apple']"}
    assert convert_checkboxes(raw, CHOICES) == {"apple": True, "banana": False, "cherry": True}
    assert convert_checkboxes(raw, CHOICES, varname="fruit")["cherry"] is True
    assert convert_checkboxes(raw, CHOICES, varname="other", required=False) == dict.fromkeys(CHOICES, False)
    assert convert_checkboxes({'x["banana"]': "True"}, CHOICES)["banana"] is True
    assert convert_checkboxes({"x[B'YmFuYW5h']": "True"}, CHOICES)["banana"] is True   # real form key
    assert convert_checkboxes({"people[0].likes['apple']": "True"}, CHOICES,
                              varname="people[0].likes")["apple"] is True


def test_checkboxes_check_in_mapping_with_no_box_checked():
    raw = {"_initial": True, "_changed": None, "name": "Bob"}
    assert convert_checkboxes(raw, CHOICES, required=False) == dict.fromkeys(CHOICES, False)
    raw = {"_initial": True, "agree": "True"}                    # another field's value
    assert convert_checkboxes(raw, CHOICES, varname="fruit", required=False) == dict.fromkeys(CHOICES, False)


def test_checkboxes_with_non_string_values():
    assert convert_checkboxes({"n[1]": "True", "n[3]": "True"}, [1, 2, 3]) == {1: True, 2: False, 3: True}
    assert convert_checkboxes(["2"], [1, 2, 3]) == {1: False, 2: True, 3: False}
    assert convert_checkboxes([True], [True, False]) == {True: True, False: False}


def test_checkboxes_unknown_value():
    with pytest.raises(FieldError) as info:
        convert_checkboxes(["durian"], CHOICES)
    assert info.value.message == "Please enter a valid value." and "durian" in info.value.detail
    with pytest.raises(FieldError):
        convert_checkboxes({"fruit['durian']": "True"}, CHOICES)


def test_none_of_the_above():
    nota = "Check at least one option, or check \u201cNone of the above\u201d"
    with pytest.raises(FieldError, match=nota):
        convert_checkboxes([], CHOICES)
    with pytest.raises(FieldError, match=nota):
        convert_checkboxes({"fruit['apple']": "False"}, CHOICES)
    assert convert_checkboxes(None, CHOICES) == dict.fromkeys(CHOICES, False)
    assert convert_checkboxes([NONE_OF_THE_ABOVE], CHOICES) == dict.fromkeys(CHOICES, False)
    assert convert_checkboxes(["None of the above"], CHOICES) == dict.fromkeys(CHOICES, False)
    assert convert_checkboxes({"_ignore0": "True"}, CHOICES) == dict.fromkeys(CHOICES, False)
    assert convert_checkboxes([], CHOICES, required=False) == dict.fromkeys(CHOICES, False)
    assert convert_checkboxes([], CHOICES, none_of_the_above=False) == dict.fromkeys(CHOICES, False)
    with pytest.raises(FieldError, match="check \u201cNothing\u201d"):
        convert_checkboxes([], CHOICES, none_of_the_above="Nothing")
    assert convert_checkboxes(["Nothing"], CHOICES, none_of_the_above="Nothing")["apple"] is False


def test_all_of_the_above():
    assert convert_checkboxes([ALL_OF_THE_ABOVE], CHOICES) == dict.fromkeys(CHOICES, True)
    assert convert_checkboxes({"_ignore_aota0": "True"}, CHOICES) == dict.fromkeys(CHOICES, True)


def test_checkbox_counts():
    def msg(value, **kwargs):
        with pytest.raises(FieldError) as info:
            convert_checkboxes(value, CHOICES, **kwargs)
        return info.value.message
    assert msg(["apple"], minimum=2) == "Please select at least 2."
    assert msg([], minimum=1) == "Please select one."
    assert msg(None, minimum=1) == "Please select one."                 # no nota box when min > 0
    assert msg(CHOICES, maximum=2) == "Please select no more than 2."
    assert msg(["apple"], minimum=2, maximum=2) == "Please select exactly 2."
    assert convert_checkboxes(["apple", "cherry"], CHOICES, minimum=2, maximum=2)["cherry"] is True
    assert msg([], maximum=2) == "Check at least one option, or check \u201cNone of the above\u201d"
    assert convert_checkboxes([], CHOICES, minimum=0)["apple"] is False  # min 0 replaces the nota rule


def test_convert_delegates_checkbox_groups():
    assert convert("checkboxes", ["apple"], choices=CHOICES) == {"apple": True, "banana": False, "cherry": False}
    assert message("checkboxes", ["apple"], choices=CHOICES, minlength=2) == "Please select at least 2."
    assert convert("multiselect", [], choices=CHOICES) == dict.fromkeys(CHOICES, False)  # no nota box
    assert message("checkboxes", [], choices=CHOICES, none_of_the_above="Nothing").endswith("\u201cNothing\u201d")
    assert convert("object_checkboxes", ["banana", "apple"], choices=CHOICES) == ["apple", "banana"]


# --- what a browser sends ---------------------------------------------------------------------

def test_form_encode():
    assert form_encode("date", dt.date(2024, 1, 5)) == "2024-01-05"
    assert form_encode("date", dt.datetime(2024, 1, 5, 10, 0)) == "2024-01-05"
    assert form_encode("datetime", dt.datetime(2024, 1, 5, 10, 30)) == "2024-01-05T10:30"
    assert form_encode("datetime", dt.datetime(2024, 1, 5, 10, 30, 15)) == "2024-01-05T10:30:15"
    assert form_encode("time", dt.time(9, 5)) == "09:05"
    assert form_encode("integer", 5) == "5"
    assert form_encode("number", 5.0) == "5"
    assert form_encode("number", 2.5) == "2.5"
    assert form_encode("text", "hello") == "hello"
    assert form_encode("text", None) is None
    assert form_encode("yesno", True) == "True" and form_encode("yesno", False) is None
    assert form_encode("noyes", False) == "False" and form_encode("noyes", True) is None
    assert form_encode("yesnoradio", False) == "False"
    assert form_encode("yesnomaybe", None) == "None"
    with pytest.raises(ValueError):
        form_encode("checkboxes", ["a"])


@pytest.mark.parametrize("datatype, value", [
    ("datetime", dt.datetime(2024, 1, 5, 10, 30)), ("time", dt.time(7, 45)), ("integer", 12),
    ("number", 2.5), ("number", 1e-7), ("yesno", True), ("yesno", False), ("noyes", True), ("noyes", False),
    ("yesnoradio", False), ("yesnomaybe", None), ("text", "hi"), ("email", "a@b.co"),
])
def test_form_encode_round_trips(datatype, value):
    back = convert(datatype, form_encode(datatype, value))
    assert (back.replace(tzinfo=None) if isinstance(back, dt.datetime) else back) == value


def test_form_encode_round_trips_a_date():
    assert convert("date", form_encode("date", dt.date(2024, 1, 5))).date() == dt.date(2024, 1, 5)


def test_checkbox_form_items():
    assert checkbox_form_items("fruit", ["apple", "cherry"]) == {"fruit['apple']": "True", "fruit['cherry']": "True"}
    assert checkbox_form_items("n", [1, True]) == {"n[1]": "True", "n[True]": "True"}
    items = form_items("fruit", "checkboxes", {"apple": True, "banana": False})
    assert items == {"fruit['apple']": "True"}
    assert convert_checkboxes(items, CHOICES, varname="fruit")["apple"] is True
    assert form_items("age", "integer", 30) == {"age": "30"}
    assert form_items("agree", "yesno", False) == {}


# --- the error itself, and speed ------------------------------------------------------------

def test_field_error_is_a_picklable_value_error():
    err = error("integer", "2.5")
    assert isinstance(err, ValueError) and err.kind == "integer"
    again = pickle.loads(pickle.dumps(err))
    assert (again.message, again.kind, again.detail) == (err.message, err.kind, err.detail)
    assert str(again) == "Please enter a whole number."


def test_import_is_light():
    code = ("import sys; import bgkernel.engine.datatypes; "
            "print(sorted(m for m in ('dateutil', 'babel', 'html', 'zoneinfo', 'bgkernel.library.dates',"
            " 'bgkernel.runtime', 'bgkernel.simulator') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_convert_is_fast():
    convert("date", "2024-01-05")                                       # warm the lazy imports
    for args, kwargs in [(("text", "hello"), {}), (("integer", "42"), {"minimum": 0}),
                         (("date", "2024-01-05"), {}), (("yesno", "True"), {}),
                         (("radio", "b"), {"choices": ["a", "b", "c"]})]:
        per_call = min(timeit.repeat(lambda: convert(*args, **kwargs), number=200, repeat=3)) / 200
        assert per_call < 50e-6, (args, per_call)
    per_call = min(timeit.repeat(lambda: convert_checkboxes(["apple"], CHOICES), number=200, repeat=3)) / 200
    assert per_call < 50e-6


def test_all_exports_exist():
    for name in datatypes.__all__:
        assert hasattr(datatypes, name)
