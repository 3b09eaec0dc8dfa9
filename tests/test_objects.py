"""Tests for bgkernel.library.objects and bgkernel.library.files, driven by a tiny fake engine loop."""
from __future__ import annotations

import os
import pickle
import shutil

import pytest

from bgkernel.library import objects
from bgkernel.library.context import RunContext, current, running
from bgkernel.errors import DAAttributeError, DAIndexError, missing_name
from bgkernel.library.files import file_path
from bgkernel.library import (collections_dict, collections_list, collections_set, files,
                              lazytemplate, people)
from bgkernel.library.collections_dict import DADict, DAOrderedDict
from bgkernel.library.collections_list import DAList
from bgkernel.library.collections_set import DASet
from bgkernel.library.files import DAFile, DAFileCollection, DAFileList
from bgkernel.library.lazytemplate import DALazyTemplate
from bgkernel.library.objects import DAEmpty, DAObject, get_gathering_mode, reset_gathering_mode
from bgkernel.library.people import Address, Individual, Thing

# The object classes interview code sees (objects and the modules built on it).
OBJECT_NAMES = {name: getattr(module, name)
                for module in (objects, collections_list, collections_dict, collections_set,
                               people, lazytemplate) for name in module.__all__}
OBJECT_NAMES.update((name, getattr(files, name))
                    for name in ("DAFile", "DAFileList", "DAFileCollection", "DAStaticFile"))


class Seq:
    """Successive answers to the same variable."""

    def __init__(self, *values):
        self.values = list(values)


class Code:
    """An answer given as code (a question that sets several variables at once)."""

    def __init__(self, source: str):
        self.source = source


class FakeEngine:
    """Exec code; on an undefined name, record it, answer it, and run again from the top."""

    def __init__(self, answers: dict, namespace: dict | None = None):
        self.answers = answers
        self.ns = namespace if namespace is not None else {}
        self.ns.update(OBJECT_NAMES)
        self.asked: list[str] = []

    def run(self, code: str, limit: int = 60) -> dict:
        for _ in range(limit):
            try:
                exec(code, self.ns)
                return self.ns
            except (NameError, AttributeError, IndexError) as exc:
                name = missing_name(exc)
                if name is None:
                    raise
                self.asked.append(name)
                self.answer(name)
        raise AssertionError(f"no end after {limit} passes: {self.asked}")

    def answer(self, name: str) -> None:
        """Ask ``name`` as the engine does: with it on ``ctx.seeking`` meanwhile."""
        seeking = current().seeking
        seeking.append(name)
        try:
            self._give(name)
        finally:
            seeking.pop()

    def _give(self, name: str) -> None:
        value = self.answers[name]
        if isinstance(value, Seq):
            value = value.values.pop(0)
        if isinstance(value, Code):
            exec(value.source, self.ns)
        else:
            exec(f"{name} = {value!r}", self.ns)


@pytest.fixture(autouse=True)
def fresh_context(tmp_path):
    with running(RunContext(files_dir=str(tmp_path / "files"))) as ctx:
        yield ctx


# --- DAList gathering -----------------------------------------------------------------

def test_gathering_two_people_asks_exactly_the_protocol():
    engine = FakeEngine({
        "people.there_are_any": True,
        "people[0].name.first": "Alice",
        "people[1].name.first": "Bob",
        "people.there_is_another": Seq(True, False),
    })
    engine.run("people = DAList.using(object_type=Individual)('people')")
    ns = engine.run("people.gather()\nsummary = str(people)")
    assert engine.asked == [
        "people.there_are_any", "people[0].name.first", "people.there_is_another",
        "people[1].name.first", "people.there_is_another",
    ]
    people = ns["people"]
    assert people.gathered is True
    assert people.there_is_another is False
    assert ns["summary"] == "Alice and Bob"
    assert [p.instanceName for p in people] == ["people[0]", "people[1]"]


def test_iteration_triggers_gathering_and_rerunning_is_idempotent():
    engine = FakeEngine({
        "people.there_are_any": True,
        "people[0]": "Ann", "people[1]": "Ben", "people[2]": "Cy",
        "people.there_is_another": Seq(True, True, False),
    })
    engine.run("people = DAList('people')")
    ns = engine.run("names = [p.upper() for p in people]")
    assert engine.asked == ["people.there_are_any", "people[0]", "people.there_is_another",
                            "people[1]", "people.there_is_another", "people[2]",
                            "people.there_is_another"]
    assert ns["names"] == ["ANN", "BEN", "CY"]
    assert str(ns["people"]) == "Ann, Ben, and Cy"
    engine.run("names = [p for p in people]")      # gathered: asks nothing more
    assert len(engine.asked) == 7


def test_no_items_when_there_are_none():
    engine = FakeEngine({"people.there_are_any": False})
    engine.run("people = DAList('people', object_type=Individual)")
    ns = engine.run("n = len(people)")
    assert engine.asked == ["people.there_are_any"]
    assert ns["n"] == 0 and ns["people"].gathered


def test_ask_number_uses_target_number():
    engine = FakeEngine({"kids.target_number": 2, "kids[0].name.first": "A", "kids[1].name.first": "B"})
    engine.run("kids = DAList('kids', object_type=Individual, ask_number=True)")
    ns = engine.run("kids.gather()")
    assert engine.asked == ["kids.target_number", "kids[0].name.first", "kids[1].name.first"]
    assert ns["kids"].number() == 2


def test_complete_attribute_and_minimum():
    engine = FakeEngine({"xs[0].complete": True, "xs[1].complete": True, "xs.there_is_another": False})
    engine.run("xs = DAList('xs', object_type=DAObject, complete_attribute='complete', minimum_number=2)")
    engine.run("xs.gather()")
    assert engine.asked == ["xs[0].complete", "xs[1].complete", "xs.there_is_another"]


def test_gathering_mode_lasts_while_its_question_is_sought(fresh_context):
    people = DAList("people", object_type=Individual)
    people.there_are_any = True
    people.appendObject().name.first = "Alice"
    with pytest.raises(DAAttributeError, match="people.there_is_another"):
        people.gather()
    fresh_context.seeking.append("people.there_is_another")   # the engine asks it ...
    assert get_gathering_mode("people")
    assert str(people) == "Alice" and len(people) == 1        # ... its text shows the list
    fresh_context.seeking.pop()                                # the next pass gathers again
    with pytest.raises(DAAttributeError, match="people.there_is_another"):
        str(people)
    fresh_context.seeking.append("people.there_is_another")
    reset_gathering_mode()
    assert not get_gathering_mode("people")


def test_gathering_mode_ends_with_the_gathering():
    xs = DAList("xs", there_are_any=False)
    assert xs.gather() and not get_gathering_mode("xs")
    with pytest.raises(ZeroDivisionError):
        DAList("ys", there_are_any=True, complete_attribute="x", object_type=_Broken).gather()
    assert not get_gathering_mode("ys")


class _Broken(DAObject):
    @property
    def x(self):
        return 1 / 0


def test_gathering_with_code_answers_in_one_pass():
    """A code block answering during the pass must not leave the list half-gathered."""
    engine = FakeEngine({
        "people.there_are_any": True,
        "people[0]": "a", "people[1]": "b",
        "people.there_is_another": Seq(True, False),
    })
    engine.run("people = DAList('people')")
    ns = engine.run("n = len(people)")
    assert ns["n"] == 2


def test_index_errors_while_gathering_and_after():
    xs = DAList("xs")
    with pytest.raises(DAIndexError) as caught:
        xs[3]
    assert missing_name(caught.value) == "xs[3]"
    typed = DAList("typed", object_type=DAObject)
    assert typed[2].instanceName == "typed[2]" and len(typed.elements) == 3
    done = DAList("done", elements=["a"])
    with pytest.raises(IndexError) as caught:
        done[5]
    assert not isinstance(caught.value, DAIndexError) and missing_name(caught.value) is None


def test_auto_gather_off_asks_gathered():
    xs = DAList("xs", auto_gather=False)
    with pytest.raises(DAAttributeError, match="'xs.gathered'"):
        len(xs)
    xs.gathered = True
    assert len(xs) == 0


def test_list_api():
    xs = DAList("xs", elements=["b", "a", "c"])
    assert xs.gathered and xs.number() == 3 and xs.number_as_word() == "three"
    assert xs.first() == "b" and xs.last() == "c" and str(xs.item(7)) == ""
    assert xs.sort().elements == ["a", "b", "c"] and xs.index("b") == 1
    assert "a" in xs and list(reversed(xs)) == ["c", "b", "a"] and repr(xs) == "['a', 'b', 'c']"
    assert xs.pop() == "c" and xs.elements == ["a", "b"]
    xs.remove("a")
    xs.extend(["d"])
    assert xs.elements == ["b", "d"] and xs == ["b", "d"]
    assert xs.union(["z"]).elements == {"b", "d", "z"}
    xs.clear()                       # as docassemble's: only the items go
    assert xs.elements == [] and xs.there_are_any is True
    ys = DAList("ys", elements=["only"])
    ys.pop()                         # taking the last item out says there are none
    assert ys.there_are_any is False
    xs.reset_gathered()
    assert not hasattr(xs, "gathered") and xs.number_gathered() == 0


def test_list_renames_objects_on_append_and_removal():
    people = DAList("people", elements=[DAObject("a"), DAObject("b")])
    assert [p.instanceName for p in people] == ["a", "b"]          # real names are kept
    objs = [DAObject(), DAObject()]                                  # random names
    group = DAList("group")
    group.append(*objs)
    assert [o.instanceName for o in objs] == ["group[0]", "group[1]"]
    group.appendObject(Individual)
    group.pop(0)
    assert [o.instanceName for o in group.elements] == ["group[0]", "group[1]"]
    assert group.elements[1].name.instanceName == "group[1].name"


def test_complete_elements_asks_nothing():
    people = DAList("people", object_type=Individual)
    people.appendObject().name.first = "Al"
    people.appendObject()
    assert [str(p) for p in people.complete_elements()] == ["Al"]


def test_str_is_comma_and_list():
    assert str(DAList("a", elements=[])) == "" and str(DAList("b", elements=["x"])) == "x"
    assert str(DAList("c", elements=["x", "y"])) == "x and y"
    assert DAList("d", elements=[1, 2, 3]).comma_and_list() == "1, 2, and 3"


# --- DADict and DASet -----------------------------------------------------------------

def test_dict_gathering_plain_values():
    engine = FakeEngine({
        "d.there_are_any": True,
        "d.new_item_name": Seq("b", "a"),
        "d['b']": 2, "d['a']": 1,
        "d.there_is_another": Seq(True, False),
    })
    engine.run("d = DADict('d')")
    ns = engine.run("d.gather()")
    assert engine.asked == ["d.there_are_any", "d.new_item_name", "d['b']", "d.there_is_another",
                            "d.new_item_name", "d['a']", "d.there_is_another"]
    d = ns["d"]
    assert d.gathered and d.keys() == ["a", "b"] and list(d.values()) == [2, 1]
    assert str(d) == "a and b" and len(d) == 2 and "a" in d and d.get("zz", 0) == 0


def test_dict_gathering_with_new_item_value():
    engine = FakeEngine({
        "d.there_are_any": True,
        "d.new_item_name": Code("d.new_item_name = 'x'\nd.new_item_value = 10"),
        "d.there_is_another": False,
    })
    engine.run("d = DADict('d')")
    ns = engine.run("d.gather()")
    assert engine.asked == ["d.there_are_any", "d.new_item_name", "d.there_is_another"]
    assert dict(ns["d"].items()) == {"x": 10}


def test_dict_gathering_objects():
    engine = FakeEngine({
        "pets.there_are_any": True, "pets.new_item_name": "rex",
        "pets['rex'].name.first": "Rex", "pets.there_is_another": False,
    })
    engine.run("pets = DADict('pets', object_type=Individual)")
    ns = engine.run("out = [str(p) for p in pets.values()]")
    assert engine.asked == ["pets.there_are_any", "pets.new_item_name", "pets['rex'].name.first",
                            "pets.there_is_another"]
    assert ns["out"] == ["Rex"] and ns["pets"]["rex"].instanceName == "pets['rex']"


def test_dict_missing_key_and_bool_helpers():
    d = DADict("d")
    with pytest.raises(DAIndexError) as caught:
        d["k"]
    assert missing_name(caught.value) == "d['k']"
    flags = DADict("flags", elements={"b": True, "a": False, "c": True})
    assert flags.true_values().elements == ["b", "c"] and flags.false_values().elements == ["a"]
    assert flags.any_true() and not flags.all_true() and not flags.all_false()
    assert flags.all_true("b", "c") and not flags.all_true("b", exclusive=True)
    del flags["a"]
    assert flags.all_true()
    ordered = DAOrderedDict("o", elements={"z": 1, "a": 2})
    assert ordered.keys() == ["z", "a"]


def test_set_gathering():
    engine = FakeEngine({"s.there_are_any": True, "s.new_item": Seq("x", "y"),
                         "s.there_is_another": Seq(True, False)})
    engine.run("s = DASet('s')")
    ns = engine.run("out = str(s)")
    assert engine.asked == ["s.there_are_any", "s.new_item", "s.there_is_another", "s.new_item",
                            "s.there_is_another"]
    assert ns["out"] == "x and y" and len(ns["s"]) == 2
    ns["s"].remove("x")
    assert list(ns["s"]) == ["y"]


# --- DAObject -------------------------------------------------------------------------

def test_instance_name_guessing():
    ns = FakeEngine({}).run(
        "person = DAObject()\n"
        "client = Individual()\n"
        "client.spouse = Individual()\n"
        "people = DAList.using(object_type=Individual)()\n"
        "people[0] = DAObject()\n"
        "d = DADict()\n"
        "key = 'k'\n"
        "d[key] = DAObject()\n"
        "a = b = DAObject()\n"
        "def make():\n    local = DAObject()\n    return local\n"
        "made = make()\n"
        "hidden = [DAObject()]\n")
    assert ns["person"].instanceName == "person"
    assert ns["client"].instanceName == "client" and ns["client"].name.instanceName == "client.name"
    assert ns["client"].spouse.instanceName == "client.spouse"
    assert ns["people"].instanceName == "people" and ns["people"].object_type is Individual
    assert ns["people"][0].instanceName == "people[0]"
    assert ns["d"]["k"].instanceName == "d['k']"
    assert ns["a"].instanceName == "a" and ns["made"].instanceName == "local"
    assert not ns["hidden"][0].has_nonrandom_instance_name
    assert DAObject("given").instanceName == "given"


def test_random_named_object_is_renamed_when_assigned():
    orphan = [DAObject()][0]
    orphan.initializeAttribute("child", DAObject)
    client = DAObject("client")
    client.helper = orphan
    assert orphan.instanceName == "client.helper" and orphan.child.instanceName == "client.helper.child"


def test_missing_attributes_are_sought():
    thing = DAObject("thing")
    with pytest.raises(DAAttributeError) as caught:
        thing.color
    assert missing_name(caught.value) == "thing.color"
    assert not hasattr(thing, "color") and getattr(thing, "color", 1) == 1
    with pytest.raises(AttributeError) as caught:
        thing.__deepcopy_me__
    assert not isinstance(caught.value, DAAttributeError)


def test_class_properties_are_not_intercepted():
    class Sized(DAObject):
        @property
        def area(self):
            return self.width * 2

    box = Sized("box")
    with pytest.raises(DAAttributeError, match="'box.width'"):
        box.area
    box.width = 3
    assert box.area == 6


def test_init_hook_and_attributes():
    class Case(DAObject):
        def init(self, *pargs, **kwargs):
            self.initializeAttribute("court", DAObject)
            super().init(*pargs, **kwargs)

    case = Case("case", number=5)
    assert case.number == 5 and case.court.instanceName == "case.court" and case.attrList == ["court"]
    first = case.court
    assert case.initializeAttribute("court", DAObject) is first
    assert case.reInitializeAttribute("court", DAObject) is not first
    assert case.attr_name("x") == "case.x"
    case.delattr("number", "nothing")
    assert not hasattr(case, "number")


def test_str_and_object_name():
    assert str(DAObject("thing")) == "thing"
    assert DAObject("people[0].home_address").object_name() == "home address in the first people"
    person = Individual("person")
    with pytest.raises(DAAttributeError, match="'person.name.first'"):
        str(person)
    person.name.first, person.name.middle, person.name.last = "Ada", "King", "Lovelace"
    assert str(person) == "Ada K. Lovelace" and person.name.full(middle="full") == "Ada King Lovelace"
    assert Individual("p", name="Acme Co").name.full() == "Acme Co"
    table = Thing("table", name="Oak table")
    assert str(table) == "Oak table"
    home = Address("home", address="1 Main St", city="Boston", state="MA", zip="02110")
    assert str(home) == "1 Main St, Boston, MA 02110"


def test_using_bundle():
    bundle = DAList.using(object_type=Individual, there_are_any=True)
    people = bundle("people")
    assert people.there_are_any is True and people.object_type is Individual
    assert bundle.object_type is DAList and bundle.using(auto_gather=False)("x").auto_gather is False
    people.initializeAttribute("helpers", DAList.using(object_type=DAObject))
    assert people.helpers.object_type is DAObject and people.helpers.instanceName == "people.helpers"


def test_daempty():
    blank = DAEmpty()
    assert str(blank) == "" and not blank and len(blank) == 0 and list(blank) == []
    assert str(blank.a.b()[3]) == "" and blank + 1 == 1 and "x" not in blank


# --- pickling -------------------------------------------------------------------------

def test_everything_pickles():
    people = DAList("people", object_type=Individual, there_are_any=True)
    people.appendObject().name.first = "Ann"
    people.there_is_another = False
    people.gather()
    pets = DADict("pets", elements={"rex": DAObject("pets['rex']")})
    tags = DASet("tags", elements={"a", "b"})
    bundle = DAList.using(object_type=Individual)
    payload = {"people": people, "pets": pets, "tags": tags, "blank": DAEmpty(), "bundle": bundle,
               "home": Address("home"), "table": Thing("table", name="t"),
               "ordered": DAOrderedDict("ordered", elements={"b": 1, "a": 2})}
    back = pickle.loads(pickle.dumps(payload))
    assert back["people"].instanceName == "people" and back["people"][0].instanceName == "people[0]"
    assert str(back["people"]) == "Ann" and back["people"].gathered
    assert back["pets"]["rex"].instanceName == "pets['rex']" and str(back["tags"]) == "a and b"
    assert str(back["blank"]) == "" and back["bundle"]("x").object_type is Individual
    assert back["ordered"].keys() == ["b", "a"] and str(back["table"]) == "t"
    with pytest.raises(DAAttributeError, match="'home.city'"):
        back["home"].city


# --- DALazyTemplate -------------------------------------------------------------------

def test_lazy_template_callables_and_hook(monkeypatch):
    monkeypatch.setattr(DALazyTemplate, "renderer", None)   # the engine installs one when it runs
    calls = []
    template = DALazyTemplate("letter", render_subject=lambda: "Hi", render_content=lambda: "Body  \n")
    assert template.subject == "Hi" and str(template) == "Body"
    template.source_content = "Dear ${ name }"
    back = pickle.loads(pickle.dumps(template))
    assert back.instanceName == "letter" and "_render_content" not in back.__dict__
    assert str(back) == "Dear ${ name }"                 # no renderer: the source as it is

    def renderer(source, extra, template):
        calls.append((source, extra, template.instanceName))
        return source.replace("${ name }", extra.get("name", "Ada"))

    monkeypatch.setattr(DALazyTemplate, "renderer", renderer)
    assert str(back) == "Dear Ada" and back.show(name="Bo") == "Dear Bo" and back.subject == ""
    assert calls == [("Dear ${ name }", {}, "letter"), ("Dear ${ name }", {"name": "Bo"}, "letter")]


def test_lazy_template_content_only_has_empty_subject():
    assert DALazyTemplate("note", render_content=lambda: "x").subject == ""


def test_lazy_template_without_source_is_sought():
    with pytest.raises(NameError) as caught:
        str(DALazyTemplate("letter"))
    assert missing_name(caught.value) == "letter"


# --- files ----------------------------------------------------------------------------

def test_dafile_write_slurp_and_pickle(fresh_context, tmp_path):
    doc = DAFile("doc")
    doc.initialize(filename="notes.txt")
    assert doc.ok and doc.extension == "txt" and doc.mimetype == "text/plain"
    assert doc.path().startswith(fresh_context.files_dir)
    doc.write("line one\nline two\n")
    assert doc.slurp() == "line one\nline two\n" and doc.readlines()[1] == "line two\n"
    assert doc.size_in_bytes() == 18 and doc.exists() and doc.url_for().startswith("file://")
    assert str(doc) == "line one\nline two\n"
    back = pickle.loads(pickle.dumps(doc))
    assert back.instanceName == "doc" and back.slurp() == "line one\nline two\n"

    other = DAFile("other")
    other.initialize(extension="pdf")
    assert other.number != doc.number and other.filename == "file.pdf"
    assert str(other) == f"[FILE {other.number}, None, None]" and other.num_pages() == 1
    other.copy_into(doc)
    assert other.slurp() == b"line one\nline two\n"


def test_dafile_found_after_its_folder_moves(tmp_path):
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    with running(RunContext(files_dir=str(old_dir))):
        doc = DAFile("doc")
        doc.write("kept")                    # write() initializes a fresh file
        data = pickle.dumps(doc)
    shutil.move(str(old_dir), str(new_dir))
    with running(RunContext(files_dir=str(new_dir))):
        back = pickle.loads(data)
        assert back.slurp() == "kept" and back.path().startswith(str(new_dir))
        assert file_path(back.number) == back.path()


def test_uninitialized_file_asks_initialized():
    with pytest.raises(DAAttributeError, match="'f.initialized'"):
        DAFile("f").path()


def test_file_list_and_collection():
    uploads = DAFileList("uploads")
    first = uploads.appendObject()
    first.initialize(filename="a.md")
    first.write("# A")
    assert uploads[0].instanceName == "uploads[0]" and uploads.slurp() == "# A"
    assert str(uploads) == "# A" and uploads.path() == first.path()
    uploads.gathered = True
    assert len(uploads) == 1

    attachment = DAFileCollection("attachment")
    assert str(attachment) == "None" and attachment._extension_list()[0] == "pdf"
    attachment.md = DAFile("attachment.md").initialize(filename="letter.md")
    attachment.md.write("Hello")
    attachment.docx = DAFile("attachment.docx").initialize(filename="letter.docx")
    assert str(attachment) == f"[FILE {attachment.docx.number}, None, None]"
    attachment.info["formats"] = ["md", "html"]
    assert str(attachment) == "Hello" and attachment.path() == attachment.md.path()
    back = pickle.loads(pickle.dumps({"u": uploads, "a": attachment}))
    assert back["a"].md.slurp() == "Hello" and back["u"][0].slurp() == "# A"
    assert os.path.exists(back["a"].docx.path())
