"""bgkernel.library.words, text and grammar: English words as docassemble's functions give them."""
from __future__ import annotations

import pytest

from bgkernel.library import grammar, text
from bgkernel.library.context import RunContext, running
from bgkernel.errors import missing_name
from bgkernel.library.collections_dict import DADict
from bgkernel.library.collections_list import DAList
from bgkernel.library.objects import DAObject
from bgkernel.library.people import Individual, Person
from bgkernel.language.templates import Undefined
from bgkernel.library.text import (add_separators, alpha, fix_punctuation, item_label,
                                   quote_paragraphs, roman, single_to_double_newlines,
                                   space_to_underscore, title_case, verbatim, yesno)
from bgkernel.library.words import (indefinite_article, nice_number, noun_plural, noun_singular,
                                    ordinal, ordinal_number, quantity_noun, verb_past, verb_present)


# --- numbers --------------------------------------------------------------------------------

@pytest.mark.parametrize("index, expected", [
    (0, "first"), (1, "second"), (2, "third"), (4, "fifth"), (7, "eighth"), (8, "ninth"),
    (9, "tenth"), (10, "11th"), (11, "12th"), (12, "13th"), (20, "21st"), (21, "22nd"),
    (22, "23rd"), (100, "101st"), (110, "111th"), ("3", "fourth")])
def test_ordinal_is_zero_based(index, expected):
    assert ordinal(index) == expected


def test_ordinal_number_words_on_request():
    assert ordinal_number(1) == "first" and ordinal_number(8, use_word=False) == "8th"
    assert ordinal_number(21, use_word=True) == "twenty-first"
    assert ordinal_number(112, use_word=True) == "one hundred and twelfth"
    assert ordinal_number(40, use_word=True) == "fortieth"
    assert ordinal(0, capitalize=True) == "First"


def test_nice_number_words_to_ten_then_grouped_digits():
    assert [nice_number(n) for n in (0, 4, 10, 11, 1234, 3.0)] == ["zero", "four", "ten", "11",
                                                                    "1,234", "three"]
    assert nice_number(2.5) == "2.5" and nice_number(2.25) == "2.25"
    assert nice_number(7, capitalize=True) == "Seven"
    assert nice_number(42, use_word=True) == "forty-two"


@pytest.mark.parametrize("args, expected", [
    ((2, "apple"), "two apples"), ((1, "apple"), "one apple"), ((4, "peach"), "four peaches"),
    ((3, "child"), "three children"), ((0, "fish"), "zero fish"), ((12, "city"), "12 cities"),
    ((2.4, "apple"), "two apples")])
def test_quantity_noun(args, expected):
    assert quantity_noun(*args) == expected


# --- nouns and articles -----------------------------------------------------------------------

@pytest.mark.parametrize("singular, plural", [
    ("apple", "apples"), ("peach", "peaches"), ("box", "boxes"), ("city", "cities"),
    ("day", "days"), ("person", "people"), ("child", "children"), ("leaf", "leaves"),
    ("potato", "potatoes"), ("photo", "photos"), ("sheep", "sheep"), ("bus", "buses"),
    ("analysis", "analyses"), ("glass", "glasses"), ("peach pie", "peach pies"),
    ("Fruit", "Fruits")])
def test_plural_and_singular_are_inverse(singular, plural):
    assert noun_plural(singular) == plural
    assert noun_singular(plural) == singular


def test_noun_counts():
    assert noun_plural("piece", 1) == "piece" and noun_plural("piece", 3) == "pieces"
    assert noun_plural("apples") == "apples"                 # already plural: kept
    assert noun_plural("piece", ["a", "b"]) == "pieces"       # a collection counts by length
    assert noun_singular("apples", 2) == "apples" and noun_singular("houses") == "house"


@pytest.mark.parametrize("noun, expected", [
    ("apple", "an apple"), ("squash", "a squash"), ("hour", "an hour"), ("unicorn", "a unicorn"),
    ("umbrella", "an umbrella"), ("FBI agent", "an FBI agent"), ("European", "a European"),
    ("8-ball", "an 8-ball"), ("person", "a person"), ("one-way ticket", "a one-way ticket")])
def test_indefinite_article(noun, expected):
    assert indefinite_article(noun) == expected


# --- verbs --------------------------------------------------------------------------------------

def test_verbs():
    assert [verb_past(v) for v in ("eat", "help", "stop", "try", "play", "visit", "be")] == [
        "ate", "helped", "stopped", "tried", "played", "visited", "was"]
    assert verb_past("be", "3ppl") == "were" and verb_past("give up") == "gave up"
    assert [verb_present(v) for v in ("be", "have", "go", "watch", "try", "play")] == [
        "is", "has", "goes", "watches", "tries", "plays"]
    assert verb_present("be", "1sg") == "am" and verb_present("be", "3pl") == "are"
    assert verb_present("ate", "3sg") == "eats" and verb_present("has", "2sg") == "have"


# --- text -----------------------------------------------------------------------------------------

def test_title_case_keeps_small_words_low():
    assert title_case("the politics of turtles") == "The Politics of Turtles"
    assert title_case("a tale of two cities: the sequel") == "A Tale of Two Cities: The Sequel"
    assert title_case("the iPhone of NASA") == "The iPhone of NASA"


def test_text_helpers():
    assert space_to_underscore("Cat in the Hat") == "Cat_in_the_Hat"
    assert single_to_double_newlines("a\nb\r\nc") == "a\n\nb\n\nc"
    assert quote_paragraphs("one\ntwo\n") == "> one\n> two"
    assert fix_punctuation("Hello") == "Hello." and fix_punctuation("Why?") == "Why?"
    assert add_separators(["apple", "banana", "cherry"]) == ["apple;", "banana; and", "cherry."]
    assert add_separators("only") == ["only."]
    assert verbatim("*bold* <b>") == "<span>&#42;bold&#42; &lt;b&gt;</span>"
    assert yesno(True) == "Yes" and yesno(0) == "No" and yesno(None) == ""
    assert text.period_list()[0] == [12, "Per Month"] and "Jr" in text.name_suffix()


def test_outline_labels():
    assert [alpha(0), alpha(25), alpha(26), roman(3), roman(8, "lower")] == ["A", "Z", "AA", "IV",
                                                                             "ix"]
    assert [item_label(0, level) for level in range(7)] == ["I.", "A.", "1.", "a)", "(1)", "(a)",
                                                            "i)"]


def test_phrases_of_docassemble_base_functions():
    assert grammar.PHRASES["does_a_b"]("Fred", "eat") == "does Fred eat"
    assert grammar.PHRASES["his"]("car", capitalize=True) == "His car"
    assert grammar.PHRASES["a_in_the_b"]("apple", "box") == "apple in the box"
    assert grammar.possessify("the judge", "order") == "the judge's order"
    assert grammar.possessify("the parents", "house", plural=True) == "the parents' house"


def test_undefined_template_names_are_sought_not_swallowed():
    with pytest.raises(NameError) as caught:
        quantity_noun(Undefined("num_apples"), "apple")
    assert missing_name(caught.value) == "num_apples"
    with pytest.raises(NameError):
        ordinal(Undefined("i"))


# --- the objects' English methods (bgkernel.library.grammar) --------------------------------------

@pytest.fixture
def ns():
    namespace: dict = {}
    with running(RunContext(namespace=namespace)):
        yield namespace


def test_individual_pronouns_follow_gender_and_the_user(ns):
    client = Individual("client")
    client.gender = "female"
    assert client.pronoun_subjective() == "she"
    assert client.pronoun_possessive("car") == "her car"
    assert client.itself() == "herself" and client.pronoun() == "her"
    ns["user"] = user = Individual("user")
    user.name.first = "Ada"
    assert user.pronoun_subjective(capitalize=True) == "You"
    assert user.possessive("car") == "your car"
    assert user.does_verb("is") == "are" and user.do_question("eat") == "do you eat"
    assert user.object_possessive("name") == "your name"
    assert client.does_verb("have") == "has" and client.did_verb("eat") == "ate"
    with pytest.raises(AttributeError) as caught:
        Individual("other").pronoun()
    assert missing_name(caught.value) == "other.gender"


def test_object_possessive_and_possessive(ns):
    hero = Individual("hero")
    assert hero.object_possessive("name") == "the hero's name"
    assert Person("case.judge").object_possessive("name") == "the name of the judge in the case"
    grantor = Individual("grantor")
    grantor.name.first, grantor.name.last = "Ann", "Lee"
    assert grantor.possessive("phone number") == "Ann Lee's phone number"


def test_collections_agree_in_number(ns):
    fruit = DADict("fruit", elements={"apple": 1, "pear": 2}, auto_gather=False)
    fruit.gathered = True
    assert fruit.does_verb("is") == "are" and fruit.pronoun() == "them"
    assert fruit.item("apple") == 1 and not fruit.item("kiwi")
    one = DAList("peach", elements=["p"], auto_gather=False)
    one.gathered = True
    assert one.does_verb("is") == "is" and one.as_noun() == "peach"
    people = DAList("person", elements=["a", "b", "c"], auto_gather=False)
    people.gathered = True
    assert people.quantity_noun("individual") == "three individuals"
    assert people.as_noun() == "people" and people.did_verb("be") == "were"


def test_salutation_and_age(ns):
    client = Individual("client")
    client.gender = "male"
    client.name.last = "Smith"
    assert grammar.salutation(client) == "Mr." and client.salutation(with_name=True) == "Mr. Smith"
    client.is_doctor = True
    assert client.salutation(with_name_and_punctuation=True) == "Dr. Smith:"
    client.birthdate = "2000-01-15"
    assert client.age_in_years(as_of="2030-01-14") == 29
    assert client.age_in_years(as_of="2030-01-15") == 30
    assert DAObject("thing").pronoun_subjective() == "it"
