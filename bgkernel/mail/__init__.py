"""E-mail in both directions: ``send_email()`` into the outbox and optionally over SMTP
(``outgoing``, ``outbox``, ``compose``), and mail to an interview (``inbox``, ``parse``,
``received``), by ``sim.deliver_email`` or the local SMTP receiver (``smtp``; aiosmtpd is
imported when a receiver starts).

May import: ``bgkernel.runtime`` and every floor below it.
"""
