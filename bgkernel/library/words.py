"""English words for interview text: numbers, plurals, articles, verbs, possessives, phrases.

The names of docassemble's language functions (``ordinal``, ``quantity_noun``,
``indefinite_article``, ``verb_past`` ...), for English only and without the pattern or
num2words libraries: a small inflector with tables of the irregular words, which covers
the words interviews use.  ``language=`` keywords are accepted and ignored.

``__all__`` holds the names ``docassemble.base.util`` exports.  Possessives, pronouns and the
short phrase helpers (``his``, ``do_you``, ``does_a_b`` ...) are in :mod:`bgkernel.library.grammar`.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from .context import current_or_none

__all__ = [
    "ordinal", "ordinal_number", "nice_number", "quantity_noun", "noun_plural", "noun_singular",
    "indefinite_article", "verb_past", "verb_present",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def ensure_definition(*values: Any) -> None:
    """Raise the NameError an undefined template name carries, so the engine seeks it.

    A template's undefined name arrives here as a stand-in object (``${ ordinal(i) }``
    with ``i`` not yet defined); docassemble's language functions refuse it first thing.
    """
    for value in values:
        if type(value).__name__ == "Undefined":
            str(value)


#: ``update_language_function(language, name, function)``: name -> {language: function};
#: ``'*'`` stands for every language.  The language functions below consult it first.
LANGUAGE_FUNCTIONS: dict[str, dict[str, Callable[..., Any]]] = {}


def update_language_function(lang: str, name: str, func: Callable[..., Any]) -> None:
    """Use ``func`` for the language function ``name`` in language ``lang`` (or ``'*'``)."""
    LANGUAGE_FUNCTIONS.setdefault(name, {})[lang] = func


def _override(name: str, language: Any) -> Callable[..., Any] | None:
    table = LANGUAGE_FUNCTIONS.get(name)
    if not table:
        return None
    if not language:
        ctx = current_or_none()
        language = ctx.user.language if ctx is not None else "en"
    return table.get(str(language)) or table.get("*")


def _defined(func: _F) -> _F:
    @functools.wraps(func)
    def checked(*pargs: Any, **kwargs: Any) -> Any:
        ensure_definition(*pargs, *kwargs.values())
        override = _override(func.__name__, kwargs.get("language"))
        if override is not None:
            return override(*pargs, **kwargs)
        return func(*pargs, **kwargs)
    return checked  # type: ignore[return-value]

def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if len(text) > 1 else text


# --- numbers ------------------------------------------------------------------------------

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                  "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def _cardinal(n: int) -> str:
    """``121`` → ``one hundred and twenty-one`` (British 'and', as num2words writes it)."""
    if n < 0:
        return "minus " + _cardinal(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, rest = divmod(n, 10)
        return _TENS[tens] + ("-" + _ONES[rest] if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + (" and " + _cardinal(rest) if rest else "")
    for size, name in _SCALES:
        if n >= size:
            high, rest = divmod(n, size)
            tail = ("" if not rest else (" and " if rest < 100 else ", ") + _cardinal(rest))
            return f"{_cardinal(high)} {name}{tail}"
    raise AssertionError(n)


def _ordinal_word(n: int) -> str:
    text = _cardinal(n)
    head, sep, last = text.rpartition("-" if "-" in text.split(" ")[-1] else " ")
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def _ordinal_digits(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@_defined
def ordinal_number(number: Any, use_word: bool | None = None, capitalize: bool = False,
                   **kwargs: Any) -> str:
    """``8`` → ``eighth``; from 11 on, digits (``23rd``) unless ``use_word``."""
    try:
        n = int(float(number))
    except (TypeError, ValueError):
        n = 0
    words = use_word if use_word is not None else n < 11
    text = _ordinal_word(n) if words else _ordinal_digits(n)
    return _cap(text) if capitalize else text


@_defined
def ordinal(index: Any, **kwargs: Any) -> str:
    """The ordinal of a zero-based index: ``ordinal(0)`` is ``first``."""
    return ordinal_number(int(float(index)) + 1, **kwargs)


@_defined
def nice_number(number: Any, capitalize: bool = False, use_word: bool | None = None,
                **kwargs: Any) -> str:
    """Whole numbers 0 to 10 as words; otherwise digits with thousands separators."""
    if isinstance(number, str):
        try:
            number = float(number)
        except ValueError:
            return number
    value = float(number)
    whole = value.is_integer()
    if use_word or (whole and 0 <= value < 11 and use_word is not False):
        text = _cardinal(int(value)) if whole else str(number)
        return _cap(text) if capitalize else text
    if whole:
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0")


@_defined
def quantity_noun(number: Any, noun: str, as_integer: bool = True, capitalize: bool = False,
                  **kwargs: Any) -> str:
    """``quantity_noun(2, 'apple')`` → ``two apples``."""
    if as_integer:
        number = int(round(number))
    text = nice_number(number) + " " + noun_plural(noun, number)
    return _cap(text) if capitalize else text


# --- nouns --------------------------------------------------------------------------------

def _pairs(text: str) -> dict[str, str]:
    return dict(pair.split(":") for pair in text.split())


_IRREGULAR_PLURALS = _pairs(
    "child:children person:people man:men woman:women mouse:mice louse:lice goose:geese "
    "foot:feet tooth:teeth ox:oxen die:dice leaf:leaves loaf:loaves knife:knives life:lives "
    "wife:wives half:halves wolf:wolves calf:calves shelf:shelves thief:thieves elf:elves "
    "self:selves sheaf:sheaves scarf:scarves potato:potatoes tomato:tomatoes hero:heroes "
    "echo:echoes veto:vetoes torpedo:torpedoes embargo:embargoes cactus:cacti fungus:fungi "
    "nucleus:nuclei radius:radii alumnus:alumni syllabus:syllabi stimulus:stimuli "
    "analysis:analyses basis:bases crisis:crises thesis:theses diagnosis:diagnoses axis:axes "
    "oasis:oases criterion:criteria phenomenon:phenomena datum:data medium:media "
    "appendix:appendices matrix:matrices vertex:vertices quiz:quizzes bus:buses gas:gases "
    "lens:lenses bonus:bonuses virus:viruses census:censuses campus:campuses status:statuses "
    "octopus:octopuses plus:pluses atlas:atlases canvas:canvases alias:aliases")
_SINGULARS = {plural: singular for singular, plural in _IRREGULAR_PLURALS.items()}
_UNCOUNTABLE = frozenset(
    "sheep fish deer moose series species aircraft information rice money equipment news "
    "furniture advice luggage bison salmon trout swine offspring music homework knowledge "
    "software hardware evidence research feedback traffic cattle police".split())


def _keep_case(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _plural_word(word: str) -> str:
    lower = word.lower()
    if not lower or lower in _UNCOUNTABLE or not lower[-1].isalpha():
        return word
    if lower in _IRREGULAR_PLURALS:
        return _keep_case(word, _IRREGULAR_PLURALS[lower])
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return word + ("ES" if word.isupper() else "es")
    if lower.endswith("y") and lower[-2:-1] not in tuple("aeiou"):
        return word[:-1] + ("IES" if word.isupper() else "ies")
    return word + ("S" if word.isupper() else "s")


def _singular_word(word: str) -> str:
    lower = word.lower()
    if lower in _UNCOUNTABLE or lower in _IRREGULAR_PLURALS:
        return word
    if lower in _SINGULARS:
        return _keep_case(word, _SINGULARS[lower])
    if lower.endswith("ies"):
        return word[:-3] + ("y" if len(lower) > 4 else "ie")
    if lower.endswith(("sses", "ches", "shes", "xes", "zzes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _last_word(phrase: str, change: Callable[[str], str]) -> str:
    head, sep, last = str(phrase).rpartition(" ")
    return head + sep + change(last)


def _count(target: Any) -> Any:
    """A number, or the length of a collection; otherwise 2 if truthy, else 1."""
    if isinstance(target, (int, float)):
        return target
    if isinstance(target, (list, dict, set, tuple)) or hasattr(target, "elements"):
        return len(target)
    return 2 if target else 1


@_defined
def noun_plural(noun: Any, *pargs: Any, noun_is_singular: bool = False, capitalize: bool = False,
                **kwargs: Any) -> str:
    """``noun_plural('fish')`` → ``fish``; with a count of 1 the noun as given."""
    noun = str(noun) if noun_is_singular else noun_singular(noun)
    if pargs and _count(pargs[0]) == 1:
        return noun
    text = _last_word(noun, _plural_word)
    return _cap(text) if capitalize else text


@_defined
def noun_singular(noun: Any, *pargs: Any, capitalize: bool = False, **kwargs: Any) -> str:
    """``noun_singular('apples')`` → ``apple``; with a count other than 1, unchanged."""
    if pargs and _count(pargs[0]) != 1:
        return str(noun)
    text = _last_word(str(noun), _singular_word)
    return _cap(text) if capitalize else text


_A_BEFORE = ("uni", "use", "usu", "uti", "ura", "ure", "uro", "eu", "ewe", "one", "once",
             "ufo", "uk", "ute", "ubiq")
_AN_BEFORE = ("hour", "honest", "honor", "honour", "heir", "herb")
_LETTERS_WITH_VOWEL_SOUND = set("aefhilmnorsx")


def _article(phrase: str) -> str:
    first = re.split(r"[\s\-]", phrase.strip(), maxsplit=1)[0]
    lower = first.lower()
    if not lower:
        return "a"
    if first.isdigit():
        return "an" if first[0] == "8" or first in ("11", "18") or (
            first.startswith(("11", "18")) and len(first) % 3 == 2) else "a"
    if first.isupper() and len(first) <= 5 and not re.search(r"[AEIOU][^AEIOU]", first[1:] or ""):
        return "an" if lower[0] in _LETTERS_WITH_VOWEL_SOUND else "a"
    if lower.startswith(_AN_BEFORE):
        return "an"
    if lower.startswith(_A_BEFORE):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


@_defined
def indefinite_article(noun: Any, capitalize: bool = False, **kwargs: Any) -> str:
    """``indefinite_article('apple')`` → ``an apple``."""
    text = _article(str(noun)) + " " + str(noun)
    return _cap(text) if capitalize else text


# --- verbs --------------------------------------------------------------------------------

_IRREGULAR_PAST = _pairs(
    "have:had do:did go:went eat:ate see:saw say:said make:made take:took get:got give:gave "
    "come:came know:knew think:thought find:found tell:told become:became leave:left "
    "feel:felt bring:brought begin:began keep:kept hold:held write:wrote stand:stood "
    "hear:heard let:let mean:meant set:set meet:met run:ran pay:paid sit:sat speak:spoke "
    "lie:lay lead:led read:read grow:grew lose:lost fall:fell send:sent build:built "
    "understand:understood draw:drew break:broke spend:spent cut:cut rise:rose drive:drove "
    "buy:bought wear:wore choose:chose seek:sought throw:threw catch:caught deal:dealt win:won "
    "forget:forgot sell:sold fight:fought teach:taught put:put hit:hit hurt:hurt shut:shut "
    "cost:cost sleep:slept swim:swam sing:sang drink:drank ride:rode fly:flew steal:stole "
    "wake:woke bite:bit hide:hid feed:fed shoot:shot sweep:swept bend:bent lend:lent light:lit "
    "slide:slid spin:spun stick:stuck strike:struck swing:swung tear:tore freeze:froze "
    "forgive:forgave bleed:bled blow:blew dig:dug hang:hung ring:rang shake:shook shine:shone "
    "sink:sank spring:sprang swear:swore weep:wept bet:bet quit:quit spread:spread "
    "understand:understood withdraw:withdrew arise:arose awake:awoke bear:bore beat:beat "
    "bind:bound forbid:forbade flee:fled grind:ground kneel:knelt lay:laid mislead:misled "
    "overcome:overcame prove:proved ride:rode shrink:shrank sow:sowed split:split "
    "stink:stank strive:strove tread:trod undo:undid upset:upset wind:wound write:wrote")
_PRESENT_3SG = {"be": "is", "have": "has", "do": "does", "go": "goes"}
_LEMMAS = {**{past: base for base, past in _IRREGULAR_PAST.items()
              if past != base and past not in _IRREGULAR_PAST},
           **{form: base for base, form in _PRESENT_3SG.items()},
           "am": "be", "are": "be", "was": "be", "were": "be", "been": "be", "being": "be"}


def _lemma(verb: str) -> str:
    return _LEMMAS.get(verb.lower(), verb)


def _third_person(verb: str) -> str:
    if verb in _PRESENT_3SG:
        return _PRESENT_3SG[verb]
    if verb.endswith(("s", "x", "z", "ch", "sh", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in tuple("aeiou"):
        return verb[:-1] + "ies"
    return verb + "s"


def _regular_past(verb: str) -> str:
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in tuple("aeiou"):
        return verb[:-1] + "ied"
    if (re.search(r"[^aeiou][aeiou][^aeiouwxy]$", verb)
            and len(re.findall(r"[aeiouy]+", verb)) == 1):
        return verb + verb[-1] + "ed"
    return verb + "ed"


def _person_and_number(tense: str) -> tuple[str, bool]:
    """``'3sg'`` → ``('3', False)``; ``'2pl'``/``'ppl'``/``'pl'`` → plural."""
    person = tense[:1] if tense[:1] in "123" else "3"
    return person, "pl" in tense


def _conjugate(verb: Any, tense: str, past: bool) -> str:
    head, *rest = str(verb).split(" ", 1)
    base = _lemma(head)
    person, plural = _person_and_number(tense)
    if base.lower() == "be":
        if past:
            form = "were" if plural or person == "2" else "was"
        else:
            form = "are" if plural or person == "2" else ("am" if person == "1" else "is")
    elif past:
        form = _IRREGULAR_PAST.get(base.lower()) or _regular_past(base)
    elif person == "3" and not plural:
        form = _third_person(base)
    else:
        form = base
    return " ".join([form, *rest])


@_defined
def verb_present(verb: Any, tense: str = "3sg", capitalize: bool = False, **kwargs: Any) -> str:
    """``verb_present('be')`` → ``is``; tenses as docassemble's: 1sg, 2sg, 3sg, pl, 3pl ..."""
    text = _conjugate(verb, str(tense), past=False)
    return _cap(text) if capitalize else text


@_defined
def verb_past(verb: Any, tense: str = "3sgp", capitalize: bool = False, **kwargs: Any) -> str:
    """``verb_past('eat')`` → ``ate``; tenses 1sgp, 2sgp, 3sgp, ppl, 3ppl ..."""
    text = _conjugate(verb, str(tense), past=True)
    return _cap(text) if capitalize else text
