"""Pronouns, possessives and questions: docassemble's phrase functions and objects' methods.

First the functions: ``possessify``, ``salutation`` and, in :data:`PHRASES`, the short
helpers (``his``, ``do_you``, ``does_a_b`` ...) that ``docassemble.base.functions`` and
``docassemble.base.legal`` export (``docassemble.base.util`` does not).  Then the mixins of
:mod:`bgkernel.library.objects`: ``DAObject(ObjectWords)``, the collections' ``GroupWords``,
``Person(PersonWords)`` and ``Individual(IndividualWords)``, so that
``fruit.does_verb('is')``, ``hero.object_possessive('name')`` or ``user.pronoun_subjective()``
read as in docassemble.

The grammatical person of an object is its *point of view*: ``'2'`` ("you") for the
interview's ``user`` object, else ``'3'``; ``person='1'`` (``'1p'``, ``'2p'``) as a keyword
or a ``_point_of_view`` attribute overrides it.  This module knows nothing of the objects'
classes: it asks them for ``instanceName``, ``object_name()``, ``number()``, ``gender``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .context import current
from .words import (_cap, _defined, _pairs, indefinite_article, noun_plural, noun_singular,
                    quantity_noun, verb_past, verb_present)

__all__ = ["ObjectWords", "GroupWords", "PersonWords", "IndividualWords", "PHRASES",
           "possessify", "possessify_long", "salutation"]


# --- people ----------------------------------------------------------------------------------

@_defined
def salutation(person: Any, with_name: bool = False, with_name_and_punctuation: bool = False,
               **kwargs: Any) -> str:
    """``Ms.``, ``Mr.``, ``Dr.`` or ``Judge`` for an Individual; optionally with the last name."""
    suffix = getattr(getattr(person, "name", None), "suffix", None)
    gendered = False
    if getattr(person, "salutation_to_use", None) is not None:
        title = person.salutation_to_use
    elif getattr(person, "is_doctor", False) or suffix in ("MD", "PhD"):
        title = "Dr."
    elif getattr(person, "is_judge", False) or suffix == "J":
        title = "Judge"
    else:
        gendered = True
        title = "Ms." if person.gender == "female" else "Mr."
    if not (with_name or with_name_and_punctuation):
        return title
    if gendered and person.gender not in ("male", "female"):
        text = person.name.full()
    else:
        text = f"{title} {person.name.last}"
    if with_name_and_punctuation:
        text += "," if getattr(person, "is_friendly", False) else ":"
    return text


@_defined
def possessify(owner: Any, target: Any, plural: bool = False, capitalize: bool = False,
               **kwargs: Any) -> str:
    """``possessify('the judge', 'order')`` → ``the judge's order``."""
    owner_text = _cap(str(owner)) if capitalize else str(owner)
    return owner_text + ("' " if plural else "'s ") + str(target)


@_defined
def possessify_long(owner: Any, target: Any, capitalize: bool = False, **kwargs: Any) -> str:
    """``possessify_long('agent', 'name')`` → ``the name of the agent``."""
    text = f"the {target} of the {owner}"
    return _cap(text) if capitalize else text


# --- short phrases (docassemble.base.functions / .legal only) --------------------------------

def _fixed(text: str) -> Callable[..., str]:
    def phrase(*pargs: Any, capitalize: bool = False, **kwargs: Any) -> str:
        return _cap(text) if capitalize else text
    return phrase


def _prefix(prefix: str) -> Callable[..., str]:
    def phrase(word: Any, capitalize: bool = False, **kwargs: Any) -> str:
        return (_cap(prefix) if capitalize else prefix) + str(word)
    return phrase


def _two(prefix: str) -> Callable[..., str]:
    def phrase(first: Any, second: Any, capitalize: bool = False, **kwargs: Any) -> str:
        return (_cap(prefix) if capitalize else prefix) + f"{first} {second}"
    return phrase


def _middle(middle: str) -> Callable[..., str]:
    def phrase(first: Any, second: Any, capitalize: bool = False, **kwargs: Any) -> str:
        return (_cap(str(first)) if capitalize else str(first)) + middle + str(second)
    return phrase


def a_preposition_b(first: Any, second: Any, capitalize: bool = False, **kwargs: Any) -> str:
    preposition = getattr(first, "preposition", None) or "in the"
    return (_cap(str(first)) if capitalize else str(first)) + f" {preposition} {second}"


PHRASES: dict[str, Callable[..., str]] = {
    **{name: _fixed(text) for name, text in _pairs(
        "i_subjective:I he_subjective:he she_subjective:she genderless_subjective:they "
        "myself:myself itself:itself herself:herself himself:himself themselves:themselves "
        "genderless_self:themself yourself:yourself yourselves:yourselves ourselves:ourselves "
        "you_subjective:you you_subjective_plural:you we_subjective:we they_subjective:they "
        "it_subjective:it it_objective:it them_objective:them genderless_objective:them "
        "me_objective:me him_objective:him her_objective:her our_objective:our "
        "you_objective:you you_objective_plural:you us_objective:us").items()},
    "are_we": _fixed("are we"), "are_you": _fixed("are you"),
    "are_you_plural": _fixed("are you"), "am_i": _fixed("am I"),
    **{name: _prefix(text.replace("_", " ") + " ") for name, text in _pairs(
        "her:her his:his are_word:are is_word:is their:their my_possessive:my "
        "our_possessive:our of_the:of_the your:your your_plural:your some:some its:its "
        "the:the these:these this:this in_the:in_the do_i:do_I do_we:do_we do_you:do_you "
        "do_you_plural:do_you did_i:did_I did_we:did_we did_you:did_you "
        "did_you_plural:did_you was_i:was_I were_we:were_we were_you:were_you "
        "were_you_plural:were_you have_i:have_I have_we:have_we have_you:have_you "
        "have_you_plural:have_you").items()},
    **{name: _two(name.split("_")[0] + " ") for name in (
        "does_a_b", "do_a_b", "did_a_b", "did_a_b_plural", "was_a_b", "were_a_b",
        "were_a_b_plural", "has_a_b", "have_a_b")},
    "a_in_the_b": _middle(" in the "), "a_preposition_b": a_preposition_b,
    "possessify": possessify, "possessify_long": possessify_long, "salutation": salutation,
}


# --- the objects' methods ------------------------------------------------------------------

# Words by grammatical person: possessive, objective, subjective, reflexive, "be", "was".
_FIRST_AND_SECOND = {
    "1": ("my", "me", "I", "myself", "am", "was"),
    "1p": ("our", "us", "we", "ourselves", "are", "were"),
    "2": ("your", "you", "you", "yourself", "are", "were"),
    "2p": ("your", "you", "you", "yourselves", "are", "were"),
}
_IT = ("its", "it", "it", "itself")
_THEY = ("their", "them", "they", "themselves")
_KIND = {"possessive": 0, "objective": 1, "subjective": 2, "reflexive": 3}


def _finish(text: str, kwargs: dict) -> str:
    return _cap(text) if kwargs.get("capitalize") else text


class ObjectWords:
    """Pronouns, possessives, verbs and questions about one thing."""

    if TYPE_CHECKING:   # what the objects provide
        instanceName: str

        def object_name(self, capitalize: bool = False) -> str: ...

    # -- who it is, grammatically --
    def get_point_of_view(self) -> str:
        pov = self.__dict__.get("_point_of_view")
        if pov is not None:
            return str(pov)
        ns = current().namespace or {}
        return "2" if ns.get("user") is self else "3"

    def is_user(self) -> bool:
        return (current().namespace or {}).get("user") is self

    def _person(self, kwargs: dict) -> str:
        return str(kwargs.pop("person", None) or self.get_point_of_view())

    def _plural(self) -> bool:
        return False

    def _third(self, kind: str) -> str:
        return _IT[_KIND[kind]]

    def _word(self, kind: str, kwargs: dict) -> str:
        person = self._person(kwargs)
        if person in _FIRST_AND_SECOND:
            return _FIRST_AND_SECOND[person][_KIND[kind]]
        return self._third(kind)

    # -- pronouns --
    def pronoun(self, **kwargs: Any) -> str:
        return _finish(self._word("objective", kwargs), kwargs)

    pronoun_objective = pronoun

    def pronoun_subjective(self, **kwargs: Any) -> str:
        if kwargs.pop("thirdperson", False):
            kwargs["person"] = "3"
        return _finish(self._word("subjective", kwargs), kwargs)

    def pronoun_possessive(self, target: Any, **kwargs: Any) -> str:
        if kwargs.pop("thirdperson", False):
            kwargs["person"] = "3"
        return _finish(f"{self._word('possessive', kwargs)} {target}", kwargs)

    def itself(self, **kwargs: Any) -> str:
        return _finish(self._word("reflexive", kwargs), kwargs)

    def pronoun_or_name(self, **kwargs: Any) -> str:
        first_or_second = self._person(dict(kwargs)) in _FIRST_AND_SECOND
        return _finish(self._word("objective", kwargs) if first_or_second else str(self), kwargs)

    def subjective_pronoun_or_name(self, **kwargs: Any) -> str:
        first_or_second = self._person(dict(kwargs)) in _FIRST_AND_SECOND
        return _finish(self._word("subjective", kwargs) if first_or_second else str(self), kwargs)

    def yourself_or_name(self, **kwargs: Any) -> str:
        first_or_second = self._person(dict(kwargs)) in _FIRST_AND_SECOND
        return _finish(self._word("reflexive", kwargs) if first_or_second else str(self), kwargs)

    # -- possessives --
    def possessive(self, target: Any, **kwargs: Any) -> str:
        """``the judge's order``; ``your order`` when the object is the user."""
        person = self._person(kwargs)
        if person in _FIRST_AND_SECOND:
            return _finish(f"{_FIRST_AND_SECOND[person][0]} {target}", kwargs)
        return possessify(self, target, plural=self._plural(), **kwargs)

    def object_possessive(self, target: Any, **kwargs: Any) -> str:
        """``the hero's name``, or for an attribute ``the name of the spouse in the client``."""
        if len(self.instanceName.split(".")) > 1:
            return possessify_long(self.object_name(), target)
        return possessify("the " + self.object_name(), target,
                          capitalize=kwargs.get("capitalize", False))

    # -- verbs and questions --
    def _tense(self, person: str, past: bool) -> str:
        if person in ("2p", "1p") or (self._plural() and person in ("2", "1")):
            number = "pl"
        else:
            number = "pl" if self._plural() else "sg"
        return person[:1] + number + ("p" if past else "")

    def does_verb(self, verb: Any, **kwargs: Any) -> str:
        """``is``/``are``, ``has``/``have`` ... agreeing with the object."""
        person = self._person(kwargs)
        past = kwargs.get("past") is True or kwargs.get("present") is False
        tense = self._tense(person, past)
        return verb_past(verb, tense) if past else verb_present(verb, tense)

    def did_verb(self, verb: Any, **kwargs: Any) -> str:
        return verb_past(verb, self._tense(self._person(kwargs), True))

    def _question(self, verb_word: str, rest: Any, kwargs: dict) -> str:
        person = self._person(kwargs)
        if person in _FIRST_AND_SECOND:
            subject = _FIRST_AND_SECOND[person][2]
            if verb_word == "does":
                verb_word = "do"
            elif verb_word == "has":
                verb_word = "have"
            elif verb_word == "was":
                verb_word = _FIRST_AND_SECOND[person][5]
        else:
            subject = str(self)
            if self._plural():
                verb_word = {"does": "do", "has": "have", "was": "were"}.get(verb_word, verb_word)
        return _finish(f"{verb_word} {subject} {rest}", kwargs)

    def do_question(self, verb: Any, **kwargs: Any) -> str:
        return self._question("does", verb, kwargs)

    def did_question(self, verb: Any, **kwargs: Any) -> str:
        return self._question("did", verb, kwargs)

    def were_question(self, target: Any, **kwargs: Any) -> str:
        return self._question("was", target, kwargs)

    def have_question(self, target: Any, **kwargs: Any) -> str:
        return self._question("has", target, kwargs)

    def is_are_you(self, **kwargs: Any) -> str:
        person = self._person(kwargs)
        if person in _FIRST_AND_SECOND:
            be, subject = _FIRST_AND_SECOND[person][4], _FIRST_AND_SECOND[person][2]
            return _finish(f"{be} {subject}", kwargs)
        return _finish(f"{'are' if self._plural() else 'is'} {self}", kwargs)


class GroupWords(ObjectWords):
    """A DAList, DADict or DASet: plural unless it holds exactly one item."""

    if TYPE_CHECKING:
        elements: Any

        def number(self) -> int: ...

    def _plural(self) -> bool:
        return self.number() != 1

    def _only(self) -> Any:
        return next(iter(self.elements.values() if isinstance(self.elements, dict)
                         else self.elements))

    def _third(self, kind: str) -> str:
        if self.number() == 1:
            only = self._only()
            if isinstance(only, ObjectWords):
                return only._third(kind)
            return _IT[_KIND[kind]]
        return _THEY[_KIND[kind]]

    def _noun(self) -> str:
        return self.instanceName.rsplit(".", 1)[-1].replace("_", " ")

    def as_noun(self, noun: Any = None, **kwargs: Any) -> str:
        """The collection's name (or ``noun``) in the singular or plural, as its size says."""
        noun = self._noun() if noun is None else str(noun)
        plural = (self.number() != 1 or kwargs.get("plural")) and not kwargs.get("singular")
        if plural:
            text = noun_plural(noun)
            if kwargs.get("article") and kwargs.get("some"):
                text = "some " + text
            elif kwargs.get("this"):
                text = "these " + text
        else:
            text = noun_singular(noun)
            if kwargs.get("article"):
                text = indefinite_article(text)
            elif kwargs.get("this"):
                text = "this " + text
        return _finish(text, kwargs)

    def as_singular_noun(self) -> str:
        return noun_singular(self.instanceName.rsplit(".", 1)[-1])

    def quantity_noun(self, *pargs: Any, **kwargs: Any) -> str:
        """``person.quantity_noun('individual')`` → ``three individuals``."""
        return quantity_noun(self.number(), *pargs, **kwargs)

    def possessive(self, target: Any, **kwargs: Any) -> str:
        return possessify(self.as_noun(), target, plural=self.number() > 1)


class PersonWords(ObjectWords):
    """A Person: ``object_possessive`` says ``your name`` for the user."""

    def object_possessive(self, target: Any, **kwargs: Any) -> str:
        person = self._person(kwargs)
        if person in _FIRST_AND_SECOND:
            return _finish(f"{_FIRST_AND_SECOND[person][0]} {target}", kwargs)
        return super().object_possessive(target, **kwargs)


class IndividualWords(PersonWords):
    """An Individual: he, she or they by ``gender``; salutations and name hints."""

    if TYPE_CHECKING:
        gender: str

    def _third(self, kind: str) -> str:
        gender = self.gender
        words = {"female": ("her", "her", "she", "herself"),
                 "other": ("their", "them", "they", "themself")}.get(
                     gender, ("his", "him", "he", "himself"))
        return words[_KIND[kind]]

    def salutation(self, **kwargs: Any) -> str:
        return salutation(self, **kwargs)

    def first_name_hint(self) -> str:
        """The logged-in user's first name, when this object is ``user``; else ''."""
        user = current().user
        return user.first_name if self.is_user() and user.logged_in else ""

    def last_name_hint(self) -> str:
        user = current().user
        return user.last_name if self.is_user() and user.logged_in else ""
