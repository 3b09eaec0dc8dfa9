"""docassemble's evaluation loop: ``assemble`` and the search for undefined names.

One :class:`Evaluation` runs the interview once against a namespace (the answers):
``initial`` blocks on every pass, ``mandatory`` blocks in order, and for every
undefined name the block that defines it (later blocks first) — running code, or
stopping at a question.  The undefined-name loop lives here and only here.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

from ..errors import (CircularityError, DAAttributeError, DAIndexError, ForcedNameError,
                      InterviewError, MissingVariableError, ReRunSignal, Signal, missing_name)
from ..language.assignments import variants
from ..language.blocks import (AttachmentBlock, Block, CodeBlock, DataBlock, ObjectsBlock,
                               QuestionBlock, TemplateBlock)
from ..language.expressions import run_expression, run_statement
from ..language.interview import Interview
from ..library.catalog import process_action
from ..library.catchall import DACatchAll
from ..library.context import RunContext
from ..library.functions import assign, run_stack_commands
from ..library.namespace import install as install_library
from ..library.navigation import install
from ..library.objects import new_local
from ..library.saving import ITERATOR_NAMES, LOCALS
from .asking import build_question, without_choices
from .defining import assign_unchosen, define_direct
from .evaluating import import_modules, is_initial, literal, names_for, substitute
from .guard import Guard, runtime_error
from .outcome import (NO_ENDPOINT, Asked, InterviewRuntimeError, NoEndpointError, Result, Seek,
                      Stop, signal_result)

__all__ = ["Evaluation", "ITERATORS"]

ITERATORS = ITERATOR_NAMES
CONTINUE = object()


class Evaluation:
    """One run of the interview logic (docassemble's ``assemble``)."""

    def __init__(self, interview: Interview, namespace: dict, ctx: RunContext):
        self.interview = interview
        self.ns = namespace
        self.ctx = ctx
        self.internal = namespace.setdefault("_internal", {})
        self.loop_limit = int(interview.features.get("loop limit", 500))
        self.recursion_limit = min(int(interview.features.get("recursion limit", 60)), 120)
        self.depth = 0
        self.forgive: set[str] = set()
        self.prepared = False
        self.where: Block | None = None          # the block that last needed a missing name
        self.history: list[str] = []             # names sought, for circularity reports
        self.tried: dict[str, set[int]] = {}     # blocks not to try again for a name

    # --- the namespace --------------------------------------------------------------

    def prepare(self) -> None:
        if self.prepared:
            return
        self.prepared = True
        ns = self.ns
        install_library(ns, suppress=bool(self.interview.metadata.get("suppress loading util")))
        internal = self.internal
        internal["tracker"] = internal.get("tracker", 0) + 1
        internal.setdefault("answered", set())
        internal.setdefault("answers", {})
        internal.setdefault("event_stack", [])
        for local in LOCALS:
            if local not in ns:
                found = internal.get(local)
                if found is None:
                    found = internal[local] = new_local(local)
                ns[local] = found
        if self.interview.uses_nav:
            install(self.interview, ns)
        import_modules(self.interview, ns)     # a module that fails: CodeError at its block
        for name in self.interview.undefined_each_pass:
            self.undefine(name)

    def defined(self, name: str) -> bool:
        try:
            run_expression(name, self.ns)
            return True
        except (NameError, AttributeError, IndexError, KeyError):
            return False
        except Exception:  # noqa: BLE001 -- any other failure: it is not usable yet
            return False

    def undefine(self, name: str) -> None:
        try:
            run_statement(f"del {name}", self.ns)
        except (NameError, AttributeError, IndexError, KeyError):
            pass

    def set_iterators(self, iterators: dict[str, str]) -> None:
        for key, expr in iterators.items():
            self.ns[key] = run_expression(expr, self.ns) if key == "x" else literal(expr, self.ns)

    # --- assemble ---------------------------------------------------------------------

    def assemble(self) -> Result:
        self.prepare()
        pending_action = self.ctx.action is not None
        forced: ForcedNameError | None = None
        for _ in range(self.loop_limit):
            try:
                if forced is not None:
                    signal, forced = forced, None
                    outcome = self._forced(signal)
                else:
                    outcome = self._step(pending_action)
            except ForcedNameError as signal:
                pending_action = False
                forced = signal
                continue
            except ReRunSignal:               # re_run_logic(): the logic again, from the top
                pending_action = False
                continue
            except Signal as signal:
                return signal_result(signal)
            if isinstance(outcome, Result):
                return outcome
        involved = list(dict.fromkeys(self.history[-20:]))
        raise CircularityError("There appears to be a circularity.  Variables involved: "
                               + ", ".join(involved), *self._where(), chain=tuple(involved))

    def _step(self, pending_action: bool) -> Any:
        """One pass over the blocks; returns what seeking the first missing name gave."""
        try:
            self._pass(pending_action)
            raise NoEndpointError(NO_ENDPOINT, self.interview.name)
        except Seek as seek:
            return self.askfor(seek.args[0])
        except (Signal, InterviewError):
            raise
        except (NameError, DAAttributeError, DAIndexError) as err:
            name = missing_name(err)
            if name is None:
                raise self._runtime_error(err, None) from err
            return self.askfor(name)
        except Exception as err:  # noqa: BLE001 -- interview code failed; locate it
            if type(err).__name__ == "UndefinedError":
                return self.askfor(missing_name(err) or str(err))
            raise self._runtime_error(err, None) from err

    def _pass(self, pending_action: bool) -> None:
        ns = self.ns
        if pending_action and not self.interview.calls_process_action:
            process_action()
        elif not self.interview.calls_process_action and self.internal["event_stack"] and not self.ctx.checkin:
            run_stack_commands(self.internal)
            if self.internal["event_stack"]:
                raise ForcedNameError(self.internal["event_stack"][0])
        gather = self.internal.get("gather")
        while gather:                         # force_gather(): sought until defined
            if not self.defined(gather[0]):
                raise Seek(gather[0])
            gather.pop(0)
        answered = self.internal["answered"]
        for block in self.interview.blocks:
            if isinstance(block, CodeBlock) and is_initial(block, ns):
                self._run_code(block, None)
                continue
            if block.name in answered or not block.mandatory:
                continue
            if block.mandatory is not True and not block.mandatory.run(ns):
                continue
            if isinstance(block, CodeBlock):
                self._run_code(block, None)
                answered.add(block.name)
            elif isinstance(block, ObjectsBlock):
                for spec in block.objects:
                    if not self.defined(spec.variable):
                        self._make_object(spec)
                answered.add(block.name)
            elif isinstance(block, QuestionBlock):
                follow = self._follow_choice(block, {})
                if follow is CONTINUE:
                    answered.add(block.name)
                    continue
                if isinstance(follow, Result):
                    raise Stop(follow)
                if block.command == "continue":
                    answered.add(block.name)
                    continue
                asked = self.ask(block, {})
                if asked is CONTINUE:         # not asked: nothing to choose from
                    continue
                raise Stop(asked)
            elif isinstance(block, (AttachmentBlock, DataBlock)):
                for name in block.defines:
                    self._define_direct(block, name, {})
                answered.add(block.name)
            elif isinstance(block, TemplateBlock):
                self._define_direct(block, block.variable, {})
                answered.add(block.name)

    def _forced(self, signal: ForcedNameError) -> Any:
        names = signal.names
        name = names[0] if names else ""
        if name == "_da_force_ask":            # url_ask(): its steps go on the event stack
            steps = list(self.ctx.arguments.get("variables") or [])
            self.internal["event_stack"][0:0] = steps
            return CONTINUE
        if name.startswith("_da_"):
            return CONTINUE
        return self.askfor(name, forced=True)

    # --- seeking ------------------------------------------------------------------------

    def candidates(self, name: str) -> list[tuple[Block, dict[str, str]]]:
        found: list[tuple[Block, dict[str, str]]] = []
        for variant, x_expr, iterators in variants(name):
            if x_expr is None:
                for block in self._in_language(self.interview.blocks_for(variant)):
                    found.append((block, dict(iterators)))
                continue
            if not self.interview.generic_index:
                continue
            try:
                x_value = run_expression(x_expr, self.ns)
            except Exception:  # noqa: BLE001 -- generic blocks never create the parent
                continue
            classes = [c.__name__ for c in type(x_value).__mro__]
            for block in self._in_language(self.interview.generic_blocks_for(classes, variant)):
                found.append((block, {"x": x_expr, **iterators}))
        return found

    def _in_language(self, blocks: list[Block]) -> list[Block]:
        """The blocks of the current language (``set_language``; English by default) first,
        then those of any language (``*``); others are left out (ENGINE §3.3)."""
        if not self.interview.has_languages:
            return blocks
        current = self.ctx.extra.get("language") or str(self.ctx.config.get("language") or "en")
        return ([b for b in blocks if b.language == current]
                + [b for b in blocks if b.language == "*"])

    def askfor(self, name: str, forced: bool = False) -> Any:
        """Define ``name`` (run code, create objects) or return the Result that asks it."""
        seeking = self.ctx.seeking
        if len(seeking) >= self.recursion_limit:
            raise CircularityError(
                "There appears to be an infinite loop.  Variables in stack are "
                + ", ".join(seeking), *self._where(), chain=tuple(seeking))
        seeking.append(name)
        self.history.append(name)
        if len(self.history) > 50:
            del self.history[:25]
        try:
            return self._askfor(name, forced)
        finally:
            seeking.pop()

    def _askfor(self, name: str, forced: bool) -> Any:
        tried = self.tried.setdefault(name, set())
        mine: set[int] = set()      # blocks this call marked; unmarked when it returns
        try:
            return self._candidates_loop(name, forced, tried, mine)
        finally:
            tried.difference_update(mine)

    def _candidates_loop(self, name: str, forced: bool, tried: set[int], mine: set[int]) -> Any:
        skipped = False
        restart = True
        while restart:
            restart = False
            for block, iterators in self.candidates(name):
                key = id(block)
                if key in tried:
                    skipped = True
                    continue
                tried.add(key)
                mine.add(key)
                try:
                    outcome = self._try(block, name, iterators, forced)
                except Seek as seek:
                    other = seek.args[0]
                    if other == name:
                        continue            # the block reads the variable it defines
                    # defined already (the block set it before it stopped): run it again
                    partial = self.defined(name)
                    sub = self.askfor(other)
                    if isinstance(sub, Result):
                        return sub
                    if not forced and not partial and self.defined(name):
                        return CONTINUE
                    tried.discard(key)
                    restart = True
                    break
                if outcome is _NEXT:
                    continue
                return outcome
        if forced or name in self.forgive or name == self.ctx.extra.get("forgive"):
            self._pop_event(name)
            return CONTINUE
        if skipped:
            chain = (*self.ctx.seeking,)
            raise CircularityError(
                f"Infinite loop: {name} already looked for, where stack is " + ", ".join(chain),
                *self._where(), chain=chain)
        if self.interview.features.get("use catchall") is True and not name.endswith(".value"):
            self._assign(name, DACatchAll(name))
            self._pop_event(name)
            return CONTINUE
        where = self._where()
        raise MissingVariableError(
            f"Interview has an error.  There was a reference to a variable '{name}' that could not "
            "be looked up in the question file (for language 'en') or in any of the files "
            "incorporated by reference into the question file.", where[0], where[1], variable=name)

    def _try(self, block: Block, name: str, iterators: dict[str, str], forced: bool) -> Any:
        with self._guard(block):
            self.set_iterators(iterators)
            for condition in block.conditions:
                if not condition.run(self.ns):
                    return _NEXT
        if isinstance(block, CodeBlock):
            return self._seek_by_code(block, name, iterators, forced)
        if isinstance(block, QuestionBlock):
            follow = self._follow_choice(block, iterators)
            if follow is CONTINUE:
                return CONTINUE if self.defined(name) else _NEXT
            if isinstance(follow, Result):
                return follow
            if block.command == "continue":
                return _NEXT
            asked = self.ask(block, iterators)
            if asked is CONTINUE:
                return CONTINUE if self.defined(name) else _NEXT
            return asked
        if isinstance(block, TemplateBlock) and block.target is not None:
            with self._guard(block):
                content = block.content.render(self.ns) if block.content else ""
            return Result("template", content=content.rstrip(), target=block.target)
        if isinstance(block, ObjectsBlock):
            spec = next((s for s in block.objects if s.variable in names_for(name, iterators)), None)
            if spec is None:
                return _NEXT
            self._make_object(spec, iterators)
            return CONTINUE
        if isinstance(block, (TemplateBlock, DataBlock, AttachmentBlock)):
            self._define_direct(block, name, iterators)
            return CONTINUE if self.defined(name) else _NEXT
        return _NEXT

    def _seek_by_code(self, block: CodeBlock, name: str, iterators: dict[str, str], forced: bool) -> Any:
        saved = _MISSING
        if not block.events and self.defined(name):
            saved = run_expression(name, self.ns)
            self.undefine(name)
        if block.events:
            self._pop_event(name)        # before the code runs, as docassemble does
        self._run_code(block, iterators)
        if block.events:
            return CONTINUE
        try:
            run_expression(name, self.ns)
            self._pop_event(name)
            return CONTINUE
        except (NameError, DAAttributeError, DAIndexError) as err:
            other = missing_name(err)
            if other and other != name and not name.startswith(other):
                raise Seek(other) from None
        except (AttributeError, IndexError, KeyError):
            pass
        if saved is not _MISSING:
            self._assign(name, saved)
        return _NEXT

    # --- running blocks -------------------------------------------------------------------

    def _run_code(self, block: CodeBlock, iterators: dict[str, str] | None) -> None:
        with self._guard(block):
            if iterators:
                self.set_iterators(iterators)
            self._setup(block)
            block.code.run(self.ns)
            for expr in block.need_post:
                expr.run(self.ns)

    def _setup(self, block: Block) -> None:
        for name in block.undefine:
            self.undefine(name)
        if isinstance(block.reconsider, tuple):
            for name in block.reconsider:
                if name not in self.ctx.reconsidered:
                    self.ctx.reconsidered.add(name)
                    self.undefine(name)
                    run_expression(name, self.ns)
        for expr in block.need_pre:
            expr.run(self.ns)

    def _make_object(self, spec: Any, iterators: dict[str, str] | None = None) -> None:
        with self._guard(None):
            if iterators:
                self.set_iterators(iterators)
            factory = spec.expression.run(self.ns)
            variable = spec.variable
            instance_name = substitute(variable, iterators or {}, self.ns)
            if "." in variable and not variable.endswith("]"):
                parent, attr = variable.rsplit(".", 1)
                parent_obj = run_expression(parent, self.ns)
                parent_obj.initializeAttribute(attr, factory)
            else:
                self._assign(variable, factory(instance_name))

    def _define_direct(self, block: Block, name: str, iterators: dict[str, str]) -> None:
        """A template, data, table or attachment block's variable (:mod:`bgkernel.engine.defining`)."""
        with self._guard(block):
            self.set_iterators(iterators)
            define_direct(self, block, iterators)

    def _assign(self, name: str, value: Any) -> None:
        assign(self.ns, name, value)

    def _follow_choice(self, block: QuestionBlock, iterators: dict[str, str]) -> Any:
        """A no-field buttons question already answered: run the embedded block."""
        index = self.internal["answers"].get(block.name)
        if index is None or block.variable or not isinstance(block.choices, tuple):
            return None
        if index >= len(block.choices):
            return None
        embedded = block.choices[index].embedded
        if isinstance(embedded, CodeBlock):
            self._run_code(embedded, iterators)
            return CONTINUE
        if isinstance(embedded, QuestionBlock):
            return self.ask(embedded, iterators)     # a question behind the button
        return None

    def ask(self, block: QuestionBlock, iterators: dict[str, str]) -> Result:
        """The screen for a question.  A name its text needs is sought by the caller: the
        pass starts again (a mandatory question) or the candidates are tried again."""
        with self._guard(block):
            self.set_iterators(iterators)
            self._setup(block)
            screen = build_question(self, block, iterators)
            empty = without_choices(self, screen, block, iterators)
            if empty is not None:         # nothing to choose from: not asked (ENGINE §5.3)
                for variable, datatype in empty:
                    assign_unchosen(self, variable, datatype)
                self.internal["answered"].add(block.name)
                return CONTINUE
            for expr in block.need_post:
                expr.run(self.ns)
            self._check_role(block)
            nav = self.ns.get("nav")
            if block.section is not None and hasattr(nav, "set_section"):
                nav.set_section(block.section.render(self.ns).strip())
                screen = replace(screen, section=nav.get_section(display=True))
            elif hasattr(nav, "get_section") and nav.get_section() is not None:
                screen = replace(screen, section=nav.get_section(display=True))
        return Result("question", asked=Asked(block, dict(iterators)), payload=screen)

    def _check_role(self, block: QuestionBlock) -> None:
        if "role" not in self.ns or "role_event" in block.defines:
            return
        needed = block.role or self.interview.default_role
        if needed and self.ns["role"] not in needed:
            self.ns["role_needed"] = list(needed)
            raise Seek("role_event")

    # --- errors -------------------------------------------------------------------------

    def _pop_event(self, name: str) -> None:
        """Take ``name`` off the head of the event stack (docassemble's pop_event_stack)."""
        stack = self.internal.get("event_stack")
        if stack and stack[0] == name:
            stack.pop(0)

    def _where(self) -> tuple[str, int | None]:
        """File and line to blame: the block that needed the name, else the interview."""
        if self.where is not None:
            return self.where.file, self.where.line
        return (self.interview.path or self.interview.name), None

    def _guard(self, block: Block | None) -> Guard:
        return Guard(self, block)

    def _runtime_error(self, err: BaseException, block: Block | None) -> InterviewRuntimeError:
        return runtime_error(self.interview, self.ctx.seeking, err, block)




_NEXT = object()
_MISSING = object()


sys.setrecursionlimit(max(sys.getrecursionlimit(), 4000))
