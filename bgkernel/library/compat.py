"""``import docassemble.base.util`` without docassemble: its modules as views of bgkernel's library.

Interviews write ``modules: - docassemble.base.legal``, ``imports: - docassemble.base.util``
or ``from docassemble.base.util import Individual`` in code.  :func:`install` (called by
:func:`bgkernel.library.namespace.install`) appends an import finder to the *end* of
``sys.meta_path``: when the real docassemble is installed, the ordinary finders find it
first and this one is never asked.  Otherwise it serves

* ``docassemble`` and ``docassemble.base``: empty packages;
* ``docassemble.base.util`` and ``docassemble.base.core``: the library's names (what every
  interview sees);
* ``docassemble.base.functions``: those, plus the short phrase helpers of
  :mod:`bgkernel.library.grammar` (``his``, ``do_you``, ``does_a_b`` ...);
* ``docassemble.base.legal``: those, plus the legal objects below (``PartyList``, ``Court``,
  ``Case``, ``Document``);
* ``docassemble.base.mermaid``: its ``mmdc()``, which needs the Mermaid command line and so
  raises DAError when called;
* ``us`` and ``us.states`` (a PyPI package docassemble depends on; interviews write
  ``imports: - us`` for ``us.states.mapping('abbr', 'name')``): the states, the District of
  Columbia and the five inhabited territories, from pycountry, sorted by name.

Every name is the library's own object, so ``docassemble.base.util.Individual is
Individual`` and pickles keep naming bgkernel's classes.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..language.packages import checkout_of, namespace_dirs
from . import catalog as library, grammar, words
from .catalog import STDLIB_NAMES
from .collections_list import DAList
from .functions import comma_and_list
from .module_extras import FUNCTIONS_EXTRAS, SMALL_MODULES, UTIL_EXTRAS
from .object_files import LATE_NAMES
from .objects import DAObject
from .people import Individual
from .urls import mmdc

__all__ = ["install", "uninstall", "STDLIB_NAMES", "PartyList", "Court", "Case", "Document",
           "LegalFiling"]



# --- the objects of docassemble.base.legal ------------------------------------------------------

class PartyList(DAList):
    """A list of the parties to a case; its items are Individuals."""

    def init(self, *pargs, **kwargs) -> None:
        kwargs.setdefault("object_type", Individual)
        super().init(*pargs, **kwargs)


class Court(DAObject):
    """A court: ``name`` and a ``jurisdiction`` list."""

    def init(self, *pargs, **kwargs) -> None:
        kwargs.setdefault("jurisdiction", [])
        super().init(*pargs, **kwargs)

    def in_the_court(self, **kwargs) -> str:
        return "In the " + str(self.name)

    def __str__(self) -> str:
        return str(self.name)


class Case(DAObject):
    """A court case with a ``court`` and the ``plaintiff`` and ``defendant`` party lists."""

    def init(self, *pargs, **kwargs) -> None:
        self.initializeAttribute("court", Court)
        self.initializeAttribute("plaintiff", PartyList)
        self.initializeAttribute("defendant", PartyList)
        self.firstParty = self.plaintiff
        self.secondParty = self.defendant
        self.is_solo_action = False
        self.action_type = "plaintiff defendant"
        super().init(*pargs, **kwargs)

    def parties(self) -> list:
        """Every party of every party list (gathering each list)."""
        found: list = []
        for name, val in list(self.__dict__.items()):
            if isinstance(val, PartyList) and name not in ("firstParty", "secondParty"):
                found.extend(p for p in val if not any(p is q for q in found))
        return found

    def all_known_people(self) -> list:
        """Every identified party and, under each, their children's line (nothing gathered)."""
        found: list = []

        def add(person: Any) -> None:
            if any(person is known for known in found) or not person.identified():
                return
            found.append(person)
            children = getattr(person, "child", None)
            for child in getattr(children, "elements", None) or ():
                add(child)

        for name, val in list(self.__dict__.items()):
            if isinstance(val, PartyList) and name not in ("firstParty", "secondParty"):
                for party in val.elements:
                    add(party)
        return found

    def case_id_in_caption(self, **kwargs) -> str:
        return "Case No. " + str(self.case_id)

    def __str__(self) -> str:
        return str(self.case_id)


class Document(DAObject):
    """A document with a ``title``."""

    def __str__(self) -> str:
        return str(self.title)


class LegalFiling(Document):
    """A document filed in a ``case``; ``caption()`` is its case caption (docassemble markup)."""

    def caption(self) -> str:
        case = self.case
        case.firstParty.gather()
        if not case.is_solo_action:
            case.secondParty.gather()
        out = "[BOLDCENTER] " + case.court.in_the_court(legalfiling=self, case=case) + "\n\n"
        out += "[BEGIN_CAPTION]"
        if case.action_type == "in re":
            out += "In re "
        out += comma_and_list(case.firstParty.elements, comma_string=",[NEWLINE]",
                              before_and=" ", after_and="[NEWLINE]") + ",[NEWLINE]"
        if case.action_type != "in re":
            out += "[TAB][TAB]" + case.firstParty.as_noun().capitalize() + "[NEWLINE] "
        if not case.is_solo_action:
            out += "[SKIPLINE][TAB]v. [NEWLINE][SKIPLINE] "
            out += comma_and_list(case.secondParty.elements, comma_string=",[NEWLINE]",
                                  before_and=" ", after_and="[NEWLINE]") + ",[NEWLINE]"
            out += "[TAB][TAB]" + case.secondParty.as_noun().capitalize()
        out += "[VERTICAL_LINE]" + case.case_id_in_caption(legalfiling=self) + "[END_CAPTION]\n\n"
        if self.title is not None:
            out += "[BOLDCENTER] " + str(self.title).upper() + "\n"
        return out


# --- the modules --------------------------------------------------------------------------------

_PACKAGES = ("docassemble", "docassemble.base", "us")
_MODULES = ("docassemble.base.util", "docassemble.base.core", "docassemble.base.functions",
            "docassemble.base.legal", "docassemble.base.mermaid", "us.states", *SMALL_MODULES)
_LEGAL = {"PartyList": PartyList, "Court": Court, "Case": Case, "Document": Document,
          "LegalFiling": LegalFiling}


def _names(fullname: str) -> dict[str, Any]:
    names = dict(library.names())
    if fullname == "docassemble.base.util":
        names.update(LATE_NAMES, us=importlib.import_module("us"))
    if fullname in ("docassemble.base.functions", "docassemble.base.legal"):
        names.update(grammar.PHRASES)
    if fullname == "docassemble.base.functions":
        names["update_language_function"] = words.update_language_function
        names.update(FUNCTIONS_EXTRAS)
    if fullname == "docassemble.base.legal":
        names.update(_LEGAL)
    return names


class _DocassemblePath(list):
    """The ``docassemble`` alias package's path: every ``docassemble`` folder on ``sys.path``,
    read afresh at each import, as a namespace package's path is."""

    def _dirs(self) -> list[str]:
        return namespace_dirs("docassemble")

    def __iter__(self):
        return iter(self._dirs())

    def __len__(self) -> int:
        return len(self._dirs())

    def __getitem__(self, index):
        return self._dirs()[index]

    def __contains__(self, item) -> bool:
        return item in self._dirs()


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the docassemble modules above; the last finder on ``sys.meta_path``."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):
        folder = checkout_of(fullname)
        if folder is not None:           # docassemble.X used from its own folder
            return importlib.util.spec_from_file_location(
                fullname, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])
        if fullname not in _PACKAGES and fullname not in _MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=fullname in _PACKAGES)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        module.__dict__["__bgkernel_alias__"] = True
        if module.__name__ == "docassemble":
            # installed docassemble packages (docassemble.X) import as usual beside the aliases
            module.__path__ = _DocassemblePath()
        if module.__name__ == "us.states":
            _fill_us_states(module)
        elif module.__name__ == "us":
            module.__dict__["__getattr__"] = _us_attribute     # us.states loads on first use
        elif module.__name__ == "docassemble.base.mermaid":
            module.__dict__.update(mmdc=mmdc, __all__=["mmdc"])
        elif module.__name__ in SMALL_MODULES:
            module.__dict__.update(SMALL_MODULES[module.__name__])
        elif module.__name__ in _MODULES:
            names = _names(module.__name__)
            module.__dict__.update(names)
            module.__dict__["__all__"] = sorted(names)     # what ``import *`` gives
            if module.__name__ == "docassemble.base.util":
                module.__dict__.update(UTIL_EXTRAS)        # importable by name only


@dataclass(frozen=True)
class State:
    """A state or territory as the ``us`` package describes one (the fields interviews use)."""

    abbr: str
    name: str
    is_territory: bool

    def __str__(self) -> str:
        return self.name


def _us_attribute(name: str) -> Any:
    if name == "states":
        return importlib.import_module("us.states")
    raise AttributeError(f"module 'us' has no attribute {name!r}")


def _fill_us_states(module: ModuleType) -> None:
    import pycountry
    found = []
    for sub in pycountry.subdivisions.get(country_code="US") or []:
        abbr = sub.code.split("-")[1]
        if abbr != "UM":    # the minor outlying islands have no residents
            found.append(State(abbr, sub.name.removesuffix(", U.S."), sub.type == "Outlying area"))
    found.sort(key=lambda state: state.name)

    def lookup(value: str, field: str | None = None) -> State | None:
        for state in found:
            if str(value).lower() in (state.abbr.lower(), state.name.lower()):
                return state
        return None

    def mapping(from_field: str, to_field: str, states: Any = None) -> dict:
        return {getattr(s, from_field): getattr(s, to_field) for s in states or found}

    module.__dict__.update(
        State=State, STATES_AND_TERRITORIES=found, lookup=lookup, mapping=mapping,
        STATES=[s for s in found if not s.is_territory and s.abbr != "DC"],
        TERRITORIES=[s for s in found if s.is_territory], **{s.abbr: s for s in found})


_FINDER = _Finder()


def install() -> None:
    """Make the docassemble modules importable (once; a real docassemble still wins)."""
    if not any(f is _FINDER for f in sys.meta_path):
        sys.meta_path.append(_FINDER)


def uninstall() -> None:
    """Remove the finder and forget the alias modules it made (for tests)."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n, m in sys.modules.items()
                 if getattr(m, "__bgkernel_alias__", False)]:
        del sys.modules[name]
