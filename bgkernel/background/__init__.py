"""Background actions: the task manager that queues, runs and answers them (``manager``),
the task object interview code holds (``task``), the tasks of a simulator that stopped
(``recovery``), the pool and its backends (``pool``,
``backends``, ``fork``, ``pool_worker``), and what runs in a worker process (``worker``).

May import: ``bgkernel.mail`` (a task may send e-mail), ``bgkernel.runtime`` and every floor
below them.
"""
