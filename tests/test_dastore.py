"""DAStore: values that outlive a session, scoped by user, session, interview or globally,
from the foreground and from a background task in a worker process."""
from __future__ import annotations

from conftest import start

FRUIT = """
objects:
  - mine: DAStore
  - everyone: DAStore.using(base="global")
  - here: DAStore.using(base="session")
---
mandatory: True
code: |
  mine, here, everyone      # made first: the code runs again from the top after a seek
  if not mine.defined("fruit"):
    mine.set("fruit", fruit)
  here.set("visits", (here.get("visits") or 0) + 1)
  everyone.set("count", (everyone.get("count") or 0) + 1)
---
question: Favorite fruit?
fields:
  - Fruit: fruit
---
mandatory: True
question: |
  ${ mine.get("fruit") } ${ here.get("visits") } ${ everyone.get("count") } ${ mine.keys() }
"""


def test_a_user_store_outlives_the_session_and_a_global_one_is_shared(sim):
    interview = sim.load(FRUIT)
    first = sim.start(interview, user={"id": 7, "email": "ann@example.com"})
    assert first.screen.question == "Favorite fruit?"
    assert first.answer(fruit="apple").question == "apple 1 1 ['fruit']"
    again = sim.start(interview, user={"id": 7, "email": "ann@example.com"})
    assert again.screen.question == "apple 1 2 ['fruit']"      # hers, kept: not asked again
    other = sim.start(interview, user={"id": 8, "email": "bob@example.com"})
    assert other.answer(fruit="kiwi").question == "kiwi 1 3 ['fruit']"


def test_delete_and_a_background_task_in_a_worker(sim):
    s = start(sim, """
objects:
  - shelf: DAStore.using(base="interview")
---
mandatory: True
code: |
  shelf.set("book", "Emma")
  task = background_action("lend")
---
event: lend
code: |
  lent = shelf.get("book")
  shelf.delete("book")
  background_response(lent)
---
mandatory: True
question: ${ task.get() if task.ready() else "waiting" } ${ shelf.defined("book") }
""")
    s.screen
    s.wait()
    assert s.refresh().question == "Emma False"


RECORDS = """
mandatory: True
code: |
  if not defined('written'):
    written = [write_record('guests', {'name': name}) for name in ('Ann', 'Bob', 'Cy')]
    delete_record('guests', written[1])
---
mandatory: True
question: ${ written } ${ read_records('guests') } ${ read_records('nobody') }
"""


def test_records_are_numbered_per_key_and_shared_by_sessions(tmp_path):
    import bgkernel
    store = str(tmp_path / "store.sqlite")
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        first = sim.start(sim.load(RECORDS))
        assert first.screen.question == "[1, 2, 3] {1: {'name': 'Ann'}, 3: {'name': 'Cy'}} {}"
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        again = sim.start(sim.load(RECORDS))             # another session, the same store
        assert again.screen.question.startswith("[4, 5, 6] {1: {'name': 'Ann'}, 3: {'name': 'Cy'}, "
                                                "4: {'name': 'Ann'}, 6: {'name': 'Cy'}}")
