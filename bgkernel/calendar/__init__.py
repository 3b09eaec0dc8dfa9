"""The two clocks: real wall time (scaled by ``timescale``) and the simulated calendar that
interview code sees through freezegun (``clock``), and when docassemble's scheduled runs
fire (``schedule``).  Pure time: no sessions, no interviews.

May import: ``bgkernel.errors`` (and the floors below it, which it does not need).
"""
