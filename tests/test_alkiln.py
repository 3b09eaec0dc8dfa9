"""``bgkernel export-alkiln``: a session's answers as an ALKiln story table, checked by
parsing the written .feature with the Gherkin parser."""
from __future__ import annotations

import subprocess
import sys

from gherkin.parser import Parser

import bgkernel

INTERVIEW = """\
metadata:
  title: Filing help
---
code: |
  the_task = background_action('bg_task', additional=amount)
---
mandatory: True
code: |
  if the_task.ready():
    final_screen
  else:
    waiting_screen
---
question: Tell me about the case.
fields:
  - Your name: user_name
  - Filed on: filing_date
    datatype: date
  - Amount: amount
    datatype: integer
  - Notes: notes
    datatype: area
---
question: Do you have a lawyer?
yesno: has_lawyer
---
question: Which court?
field: court
choices:
  - District | north: north
  - Superior: superior
---
event: bg_task
code: |
  background_response(action_argument('additional') * 2)
---
event: waiting_screen
question: Working.
reload: True
---
event: final_screen
id: all done
question: |
  % if has_lawyer:
  Thanks, ${ user_name } (${ court }).
  % endif
  Twice ${ amount } is ${ the_task.get() }.
"""


def _table(feature: str) -> tuple[dict, list[dict]]:
    doc = Parser().parse(feature)
    scenarios = [c["scenario"] for c in doc["feature"]["children"]]
    tables = []
    for scenario in scenarios:
        step = scenario["steps"][1]
        rows = [[c["value"] for c in r["cells"]] for r in step["dataTable"]["rows"]]
        assert rows[0] == ["var", "value", "trigger"]
        tables.append({"steps": [s["text"] for s in scenario["steps"]],
                       "rows": {r[0]: r[1] for r in rows[1:]}})
    return doc["feature"], tables


def test_export_alkiln_writes_each_answered_variable(tmp_path):
    path = tmp_path / "filing.yml"
    path.write_text(INTERVIEW)
    store = tmp_path / "store.sqlite"
    with bgkernel.Simulator(store=str(store), backend="threading",
                            config={"worker start delay": 0.0}) as sim:
        s = sim.start(sim.load(str(path)))
        s.answer(user_name="Ada | Lovelace", filing_date="2026-03-04", amount="21",
                 notes="line one\nline two")
        s.wait(30)
        assert s.refresh().question == "Do you have a lawyer?"
        s.press("Yes")
        assert s.answer(court="north").question.strip().endswith("Twice 21 is 42.")
        session_id = s.id
    out = tmp_path / "story.feature"
    done = subprocess.run([sys.executable, "-m", "bgkernel", "export-alkiln", str(store),
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    feature, tables = _table(out.read_text())
    assert feature["name"] == "Filing help"
    table, = tables
    assert table["steps"] == ['I start the interview at "filing.yml"',
                              'I get to the question id "all done" with this data:']
    assert table["rows"] == {"user_name": "Ada | Lovelace", "filing_date": "03/04/2026",
                             "amount": "21", "notes": "line one\nline two",
                             "has_lawyer": "True", "court": "north"}
    # one session by id, printed
    one = subprocess.run([sys.executable, "-m", "bgkernel", "export-alkiln", session_id,
                          "--store", str(store)], capture_output=True, text=True, timeout=120)
    assert one.returncode == 0, one.stderr
    assert _table(one.stdout)[1] == tables


def test_a_final_screen_without_id_is_named_and_explained(tmp_path):
    store = tmp_path / "store.sqlite"
    with bgkernel.Simulator(store=str(store), backend="threading") as sim:
        s = sim.start(sim.load("question: Name?\nfields:\n  - Name: who\n---\nmandatory: True\n"
                               "question: Hi ${ who }\n"))
        s.answer(who="Bo")
    done = subprocess.run([sys.executable, "-m", "bgkernel", "export-alkiln", str(store)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "has no id: add `id: Question_2` to its block" in done.stdout
    assert _table(done.stdout)[1][0]["rows"] == {"who": "Bo"}
