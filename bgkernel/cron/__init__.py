"""Scheduled tasks: one scheduled run over every eligible session and the calendar jumps that
fire them (``runs``), the same run split over every core (``parallel``, ``chunks``), and what
one session's run gives back (``outcome``).

May import: ``bgkernel.background``, ``bgkernel.mail``, ``bgkernel.runtime`` and every floor
below them; never ``bgkernel.analysis``.
"""
