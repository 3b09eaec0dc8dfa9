"""Property tests (Hypothesis): generated interviews, answers, check-in payloads and MIME
messages.  bgkernel either works or raises a bgkernel error, never anything else, and an
input it rejects changes nothing saved."""
from __future__ import annotations

import email.message
import warnings

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

import bgkernel

FAST = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def psim(tmp_path_factory):
    with bgkernel.Simulator(store=str(tmp_path_factory.mktemp("props") / "store.sqlite"),
                            backend="threading", config={"worker start delay": 0.0}) as sim:
        yield sim


def _quietly(fn, *args, **kwargs):
    """``fn(...)``, or None if it raised a bgkernel error; anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except bgkernel.BgkernelError:
            return None


# --- interviews -----------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "x.y", "items[0]", "the_task", "c"])
DATATYPES = st.sampled_from(["text", "number", "integer", "currency", "date", "yesno", "email",
                             "checkboxes", "radio", "area", "wibble", "file", "object", ""])
CODE = st.sampled_from(["a = 1", "b = a + 1", "c = 1 / 0", "x = undefined_name", "a = [1][5]",
                        "a = None.attr", "a = int('x')", "import nosuchmodule", "b = 'x' * 3",
                        "the_task = background_action('go')", "def (", "a = 'ok'"])
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["${ a }", "${ 1/0 }", "% if a:\nyes\n",
                                                        "${ undefined }", "[FILE nothing]"]))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), TEXT)
FIELD = st.fixed_dictionaries({}, optional={"datatype": DATATYPES, "required": st.booleans(),
                                            "choices": st.lists(SCALAR, max_size=3),
                                            "default": SCALAR}).flatmap(
    lambda extra: NAMES.map(lambda name: {"Label": name, **extra}))
DIRECTIVE = st.one_of(st.just({}), st.fixed_dictionaries({"fields": st.lists(FIELD, max_size=3)}),
                      st.fixed_dictionaries({"yesno": NAMES}), st.fixed_dictionaries({"field": NAMES}),
                      st.fixed_dictionaries({"field": NAMES, "buttons": st.lists(SCALAR, max_size=2)}))
QUESTION = st.tuples(st.fixed_dictionaries({"question": TEXT}, optional={
    "mandatory": st.booleans(), "subquestion": TEXT, "check in": st.just("ping"), "reload": SCALAR,
    "event": NAMES}), DIRECTIVE).map(lambda pair: {**pair[0], **pair[1]})
CODE_BLOCK = st.fixed_dictionaries({"code": CODE}, optional={"mandatory": st.booleans(),
                                                             "event": NAMES, "initial": st.booleans()})
ODD = st.dictionaries(st.sampled_from(["question", "code", "fields", "mandatory", "modules", "include",
                                       "objects", "template", "content", "event", "mandatroy",
                                       "attachment", "need", "sets", "only sets", "id"]),
                      SCALAR | st.lists(SCALAR, max_size=2), min_size=1, max_size=3)
BLOCK = st.one_of(QUESTION, QUESTION, CODE_BLOCK, CODE_BLOCK, ODD)
#: Most generated interviews end in a screen to show (where the engine has most to do).
LAST = st.sampled_from([[{"mandatory": True, "question": "The end ${ a }"}],
                        [{"mandatory": True, "question": "The end"}], []])


def _yaml(blocks: list) -> str:
    return "---\n".join(yaml.safe_dump(b, allow_unicode=True) for b in blocks)


@FAST
@given(st.lists(BLOCK, min_size=1, max_size=5), LAST)
def test_generated_interviews_work_or_raise_a_bgkernel_error(psim, blocks, last):
    interview = _quietly(psim.load, _yaml(blocks + last))
    if interview is None:
        return
    s = _quietly(psim.start, interview)
    if s is None:
        return
    screen = _quietly(lambda: s.screen)
    if screen is not None and screen.fields:
        _quietly(s.answer, **{f.variable: "1" for f in screen.fields if f.variable})
    _quietly(s.checkin)
    _quietly(s.refresh)
    s.wait(10)


@FAST
@given(st.text(max_size=200))
def test_any_text_as_an_interview_loads_or_raises_a_bgkernel_error(psim, text):
    _quietly(psim.load, text if "\n" in text else text + "\n")


# --- answers ---------------------------------------------------------------------------------

FORM = """
mandatory: True
question: Tell me
fields:
  - Text: t
  - Number: n
    datatype: number
  - Count: k
    datatype: integer
  - When: d
    datatype: date
  - Fruit: f
    choices: [apple, pear]
  - Agree: y
    datatype: yesno
---
mandatory: True
question: Thanks ${ t }
"""
VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=50),
                  st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                              st.integers(), max_size=2),
                  st.binary(max_size=20))
ANSWERS = st.dictionaries(st.sampled_from(["t", "n", "k", "d", "f", "y", "zz", "t.x", "__class__"]),
                          VALUE, max_size=6)


def _saved(sim, session_id):
    return sim.store.step_count(session_id), sim.store.latest(session_id)[1]


@FAST
@given(ANSWERS)
def test_generated_answers_are_taken_or_rejected_and_a_rejection_saves_nothing(psim, answers):
    s = psim.start(psim.load(FORM))
    before = _saved(psim, s.id)
    screen = _quietly(s.answer, **answers)
    if screen is None or screen.errors:
        assert _saved(psim, s.id) == before
    else:
        assert screen.question.startswith("Thanks")


# --- check-ins ----------------------------------------------------------------------------------

CHECKIN = """
mandatory: True
question: Type
fields:
  - Name: name
check in: peek
---
event: peek
code: |
  seen = action_argument('name')
  background_response({'target': 'x', 'content': str(seen)[:20]})
"""


@FAST
@given(st.dictionaries(st.text(max_size=10), VALUE, max_size=4), st.one_of(st.none(), st.text(max_size=10)),
       st.booleans())
def test_generated_check_in_payloads_work_or_raise_a_bgkernel_error(psim, fields, changed, initial):
    s = psim.start(psim.load(CHECKIN))
    before = _saved(psim, s.id)
    commands = _quietly(s.checkin, changed=changed, initial=initial, **{
        k: v for k, v in fields.items() if k.isidentifier() and k not in ("changed", "initial")})
    if commands is None:
        assert _saved(psim, s.id) == before
    else:
        assert isinstance(commands, list)
        assert psim.store.step_count(s.id) == before[0]       # a check-in adds no step


# --- MIME messages ------------------------------------------------------------------------------

MAILBOX = """
mandatory: True
code: |
  multi_user = True
  address = interview_email()
---
mandatory: True
question: ${ len(get_emails()[0].emails) if get_emails() else 0 } messages
---
event: incoming_email
code: |
  subject = action_argument('email').subject
"""
HEADER_VALUE = st.one_of(st.text(max_size=40), st.sampled_from(
    ["=?utf-8?b?!!?=", "<>", "a@@b", "multipart/mixed; boundary=", "text/plain; charset=nope"]))


@st.composite
def messages(draw, to: str):
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    msg = email.message.Message()
    for name in draw(st.lists(st.sampled_from(["Subject", "From", "Date", "Content-Type",
                                               "Content-Transfer-Encoding", "Cc", "Message-ID"]),
                              max_size=5)):
        value = draw(HEADER_VALUE)
        try:
            msg[name] = value
        except (ValueError, TypeError):
            pass
    msg["To"] = draw(st.sampled_from([to, "nobody@nowhere", "", to + ", junk"]))
    msg.set_payload(draw(st.text(max_size=200)))
    try:
        return msg.as_bytes()
    except (UnicodeEncodeError, ValueError, TypeError, LookupError):
        return msg.as_string().encode("utf-8", "backslashreplace")


@FAST
@given(st.data())
def test_generated_mime_messages_are_delivered_or_refused(psim, data):
    s = psim.start(psim.load(MAILBOX))
    raw = data.draw(messages(s.get("address")))
    stored = psim.store.connection().execute("SELECT count(*) FROM mail_messages").fetchone()[0]
    delivery = _quietly(psim.deliver_email, raw=raw)
    s.wait(10)
    after = psim.store.connection().execute("SELECT count(*) FROM mail_messages").fetchone()[0]
    if delivery is not None and delivery.accepted:
        assert delivery.session == s.id and after == stored + 1
    else:
        assert after == stored                      # a refused message is not kept
    assert _quietly(s.refresh) is not None
