"""The interview as text becomes plain data: YAML split into blocks with their file and line
(``source``), each block read into a frozen dataclass (``reader``, ``reading``, ``questions``,
``blocks``), Mako text and Python code compiled once with errors pointing into the YAML
(``templates``), docassemble markup to HTML (``markup``), which names a piece of code
assigns (``assignments``), datatype names (``datatype_names``), where a docassemble
package's files are (``packages``), and the whole ``interview`` with its index of which
blocks define which names.

May import: ``bgkernel.errors`` only. Nothing here runs interview code.
"""
