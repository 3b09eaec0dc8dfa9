"""The timeline and what analysts do with it: the recorder of every event (``timeline``, with
its stored blocks in ``event_blocks``), DataFrames in wall-clock order (``frames``), files
(``export``), charts (``charts``; matplotlib on use), cohorts of many sessions
(``cohort``) and load runs from many threads (``load``).  pandas is imported only when a frame is made.

May import: ``bgkernel.background``, ``bgkernel.mail``, ``bgkernel.runtime`` and every floor
below them; never ``bgkernel.cron``.
"""
