"""A session's life: one person's run of an interview step by step (``session``), saved in the
embedded SQLite store (``store``) under docassemble's lock rule (``locks``), with the
check-ins a browser makes (``checkin``); the server's users (``users``) and other sessions
as interview code reaches them (``other_sessions``); the simulator's settings and their
checks (``config``), which simulators are alive on a store (``owners``) and the store's
connections, whose SQLite errors are StoreErrors (``sqlite``).  What a session needs of
the simulator around it is the ``host.Host`` interface, so nothing here imports the
simulator.

May import: ``bgkernel.calendar``, ``bgkernel.engine``, ``bgkernel.library``,
``bgkernel.language``, ``bgkernel.errors``.
"""
