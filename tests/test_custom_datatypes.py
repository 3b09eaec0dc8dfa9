"""Custom datatypes (``class X(CustomDataType): name = 'x'`` in a module) and the names
packages import one by one from docassemble's modules."""
from __future__ import annotations

import textwrap

import pytest

MODULE = '''
import re
from docassemble.base.util import CustomDataType, DAValidationError


class Phone(CustomDataType):
    name = 'usphone'
    parameters = ['alMin']

    @classmethod
    def validate(cls, item, variable_name, data):
        if len(re.sub(r'\\D', '', item)) < int(data.get('alMin', 10)):
            raise DAValidationError("That is not a phone number.")
        return True

    @classmethod
    def transform(cls, item):
        return re.sub(r'\\D', '', item)


class Even(CustomDataType):
    name = 'even'
    skip_if_empty = False

    @classmethod
    def validate(cls, item):
        return item.isdigit() and int(item) % 2 == 0

    @classmethod
    def transform(cls, item):
        return int(item)

    @classmethod
    def empty(cls):
        return -1


class EvenToo(Even):
    name = 'even_too'
'''

INTERVIEW = """
modules:
  - .phonetypes
---
question: Numbers?
fields:
  - Your phone: phone
    datatype: usphone
    alMin: 7
  - Another phone: other_phone
    datatype: usphone
    required: False
  - An even number: even
    datatype: even
  - Another: even_too
    datatype: even_too
    required: False
---
mandatory: True
question: ${ phone } ${ defined('other_phone') } ${ even + 1 } ${ even_too }
"""


@pytest.fixture
def interview(tmp_path):
    (tmp_path / "phonetypes.py").write_text(MODULE)
    path = tmp_path / "numbers.yml"
    path.write_text(INTERVIEW)
    return str(path)


def test_a_custom_datatype_validates_and_transforms(sim, interview):
    s = sim.start(sim.load(interview))
    fields = {f.variable: f for f in s.screen.fields}
    assert fields["phone"].datatype == "usphone" and fields["phone"].parameters == (("alMin", 7),)
    screen = s.answer(phone="12-34", even="3")
    assert screen.errors == {"phone": "That is not a phone number.",
                             "even": "You need to enter a valid value."}
    # a subclass inherits skip_if_empty=False and empty(); the field's own key reaches validate
    assert s.answer(phone="(555) 123-4567", even="4").question == "5551234567 False 5 -1"


def test_a_custom_datatypes_own_key_is_not_a_second_label(sim, interview):
    """Without the custom datatype's parameters, two labels would be a syntax error."""
    import bgkernel
    with pytest.raises(bgkernel.InterviewError, match="overwrites previous label"):
        sim.load("question: Q\nfields:\n  - One: one\n    datatype: text\n    Two: two\n")
    assert sim.load(INTERVIEW) is not None


def test_names_packages_import_one_by_one(sim):
    s = sim.start(sim.load(textwrap.dedent("""
        mandatory: True
        code: |
          from docassemble.base.util import DADateTime, object_name_convert, CustomDataType
          from docassemble.base.functions import safe_json, get_current_info
          from docassemble.base.logger import logmessage
          from docassemble.base.config import daconfig
          from docassemble.base.generate_key import random_string
          logmessage("hello")
          facts = [object_name_convert('jobs[0]'), object_name_convert('home_address'),
                   len(random_string(12)), daconfig.get('note'), sorted(safe_json({'a': [1]})),
                   get_current_info()['session'] is not None, chat_partners_available().help,
                   url_args, get_locale('frac_digits'), greeting.subject_as_html(),
                   greeting.content_as_html(trim=True)]
        ---
        template: greeting
        subject: Hello *there*
        content: Hi **you**
        ---
        mandatory: True
        question: ${ facts }
        """)), )
    assert s.screen.question == ("['first jobs', 'home address', 12, None, ['a'], True, 0, {}, 2, "
                                 "'<p>Hello <em>there</em></p>', 'Hi <strong>you</strong>']")
