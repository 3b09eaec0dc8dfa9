"""docassemble's interview logic: the evaluation loop and the search for undefined names
(``evaluation``, ``guard``, ``outcome``), what blocks define without asking (``defining``,
``evaluating``, ``dependencies``), a question rendered as a ``Screen`` (``asking``,
``screen``, ``documents``), and a submission applied to the answers (``answers``,
``datatypes``, ``form_encoding``).  It works on a namespace and a run context it is
handed; it knows nothing of stores, locks, workers or clocks.

May import: ``bgkernel.library``, ``bgkernel.language``, ``bgkernel.errors``.
"""
