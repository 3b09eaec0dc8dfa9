"""The open-task counts behind TaskManager.pending() and wait_session()."""
from __future__ import annotations

import threading
import time

from bgkernel.background.open_tasks import OpenTasks


def test_counts_are_per_session_and_in_total():
    tasks = OpenTasks(threading.RLock())
    tasks.opened("a"), tasks.opened("a"), tasks.opened("b")
    assert (tasks.count("a"), tasks.count("b"), tasks.count(), tasks.count("c")) == (2, 1, 3, 0)
    tasks.closed("a")
    assert (tasks.count("a"), tasks.count()) == (1, 2)


def test_a_session_waits_for_its_own_tasks_only():
    tasks = OpenTasks(threading.RLock())
    tasks.opened("a"), tasks.opened("b")
    done = []
    waiter = threading.Thread(target=lambda: done.append(tasks.wait("a", timeout=10)))
    waiter.start()
    time.sleep(0.05)
    assert not done                       # "a" still has a task
    tasks.closed("a")
    waiter.join(5)
    assert done == [True] and tasks.count("b") == 1      # "b" is still open
    assert tasks.wait("b", timeout=0.05) is False        # a timeout says so
    assert tasks.wait(None, timeout=0.05) is False       # every task: "b" is open
    tasks.closed("b")
    assert tasks.wait(None, timeout=1) is True
