"""What interview code sees: docassemble's functions (``functions``, ``background``, ``logic``,
``encoding``, ``text``, ``phone``), ``DAObject`` and its collections, people, files, dates,
words and grammar, URLs, countries, DAStore and DAGlobal, e-mail objects, ``DAWeb``, other
sessions and users (``server``), ``BackgroundAction``, the names that need a server's
service (``unavailable``), the ``docassemble.base.util`` aliases (``compat``), the
``catalog`` of every name, and how a namespace gets them (``namespace``).  Helpers find
their run through the one ContextVar of ``context``; what they need of the floors above
(tasks, mail, DAStore, the session lock) they ask of ``ctx.services``, an object with the
``context.Services`` interface installed by the simulator.

May import: ``bgkernel.language``, ``bgkernel.errors``.
"""
