"""The pytest plugin, run through pytester in a separate process (so its ``pytest11`` entry
point is what loads it): a passing and a failing interview test, the failure message,
pandas rows, the calendar, and lint errors turned into failures."""
from __future__ import annotations

pytest_plugins = ["pytester"]

INTERVIEW = """\
code: |
  the_task = background_action('bg_task', additional=value_to_add)
---
mandatory: True
code: |
  if the_task.ready():
    final_screen
  else:
    waiting_screen
---
question: How much shall I add to 553?
fields:
  - Number: value_to_add
    datatype: integer
---
event: bg_task
code: |
  background_response(553 + action_argument('additional'))
---
event: waiting_screen
question: Hang tight.
reload: True
---
event: final_screen
id: final screen
question: The answer is ${ the_task.get() }.
"""

REMINDER = """\
mandatory: True
code: |
  allow_cron = True
  multi_user = True
---
question: What is your e-mail address?
fields:
  - E-mail: email_address
    datatype: email
---
mandatory: True
question: We will remind ${ email_address }.
---
event: cron_daily
code: |
  if task_not_yet_performed('reminder'):
    send_email(to=email_address, subject='Reminder', body='Hi', task='reminder')
  response()
"""

BROKEN = INTERVIEW.replace("  background_response(553 + action_argument('additional'))",
                           "  log('no response')")

TESTS = '''
from bgkernel.pytest_plugin import advance, assert_screen, assert_timeline
import pandas as pd
import pytest


def test_the_answer(simulator):
    session = simulator.run("interview.yml", {"value_to_add": 5})
    assert_screen(session, question="The answer is 558.")
    assert_timeline(session, "task_queued", "task_finished")


def test_a_wrong_expectation(simulator):
    session = simulator.run("interview.yml", {"value_to_add": 5})
    assert_screen(session, question="The answer is 559.")


@pytest.mark.bgkernel(timescale=0.05, start="2026-01-05T09:00:00")
def test_rows_of_a_frame_and_the_calendar(simulator):
    frame = pd.DataFrame({"email_address": ["ada@example.com", "bo@example.com"]})
    sessions = [simulator.run("reminder.yml", row) for _, row in frame.iterrows()]
    for session in sessions:
        assert_screen(session, contains="We will remind")
    advance(simulator, days=3)
    assert sorted(m.to[0] for m in simulator.outbox) == ["ada@example.com", "bo@example.com"]
    assert simulator.timescale == 0.05
'''

LINTED = '''
import pytest


def test_loads_a_broken_interview(simulator):
    simulator.run("broken.yml", {"value_to_add": 5})


@pytest.mark.bgkernel_lint
def test_marked(simulator):
    simulator.run("broken.yml", {"value_to_add": 5})
'''


def _files(pytester):
    pytester.makefile(".yml", interview=INTERVIEW, reminder=REMINDER, broken=BROKEN)


def test_a_passing_and_a_failing_interview_test(pytester):
    _files(pytester)
    pytester.makepyfile(test_interview=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*test_a_wrong_expectation*",
        "*expected the question 'The answer is 559.', got 'The answer is 558.'*",
        "*the screen:*",
        "*The answer is 558.*",
        "*the last timeline rows:*",
        "*task_finished*bg_task*",
    ])
    assert "Traceback" not in result.stdout.str()      # a readable failure, not a trace


def test_lint_errors_become_failures(pytester):
    _files(pytester)
    pytester.makepyfile(test_linted=LINTED)
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    plain.assert_outcomes(passed=1, failed=1)          # only the marked test fails
    plain.stdout.fnmatch_lines(["*test_marked*", "*bgkernel lint errors in the interview under test:*",
                                "*broken.yml:18: error BGK101 the background action 'bg_task' can end*"])
    linted = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--bgkernel-lint")
    linted.assert_outcomes(failed=2)


def test_the_timescale_option(pytester):
    pytester.makepyfile(test_scale="""
def test_scale(simulator):
    assert simulator.timescale == 0.3
""")
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--bgkernel-timescale", "0.3") \
        .assert_outcomes(passed=1)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(failed=1)
