"""An interview: its blocks in order, and an index of which blocks define which names."""
from __future__ import annotations

import functools
import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass, field

from ..errors import BlockError, InterviewError, InterviewWarning
from .blocks import Block, CodeBlock, QuestionBlock, SettingsBlock
from .packages import add_checkout, package_file, split_reference
from .reader import read_block
from .reading import SETTINGS
from .source import split_blocks
from .templates import Code

__all__ = ["Interview", "load_interview"]


@dataclass
class Interview:
    """A loaded interview (immutable after loading)."""

    name: str
    source: str
    path: str | None
    blocks: list[Block]
    metadata: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)
    modules: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    resets: list[str] = field(default_factory=list)
    default_role: tuple[str, ...] = ()
    sections: list = field(default_factory=list)      # the `sections` block, for `nav`
    on_change: dict = field(default_factory=dict)     # `on change`: variable -> Code
    calls_process_action: bool = False
    index: dict[str, list[Block]] = field(default_factory=dict)
    generic_index: dict[str, dict[str, list[Block]]] = field(default_factory=dict)
    by_id: dict[str, Block] = field(default_factory=dict)
    by_name: dict[str, Block] = field(default_factory=dict)
    digest: str = ""
    files: tuple[str, ...] = ()
    module_lines: dict = field(default_factory=dict)    # module -> (file, line) of its block
    warnings: tuple = ()                              # InterviewWarning: keys docassemble ignores

    @property
    def filenames(self) -> set[str]:
        """What a ``yaml_filename`` may call it: its name, its path, its file name."""
        names = {self.name}
        if self.path:
            names.update({self.path, os.path.basename(self.path)})
        return names

    @property
    def title(self) -> str:
        return str(self.metadata.get("title") or self.name)

    def defines(self, name: str) -> bool:
        return name in self.index

    @functools.cached_property
    def dependents(self) -> dict[str, list]:
        """``depends on``: each variable (as written) -> the blocks that depend on it."""
        found: dict[str, list] = defaultdict(list)
        for block in self.blocks:
            for name in block.depends_on:
                found[name].append(block)
        return dict(found)

    @functools.cached_property
    def has_languages(self) -> bool:
        """Whether any block says its ``language``."""
        return any(block.language != "*" for block in self.blocks)

    @functools.cached_property
    def uses_nav(self) -> bool:
        """Whether sessions need a ``nav``: the interview has sections or names ``nav``."""
        import re
        return bool(self.sections) or ("nav" in self.source
                                       and re.search(r"\bnav\b", self.source) is not None)

    @functools.cached_property
    def undefined_each_pass(self) -> tuple[str, ...]:
        """Names every assemble undefines first: ``reset`` ones, then those of blocks with
        ``reconsider: True``."""
        names = list(self.resets)
        for block in self.blocks:
            if block.reconsider is True:
                names.extend(block.defines)
        return tuple(names)

    def blocks_for(self, variant: str) -> list[Block]:
        """Blocks registered for ``variant``, the one defined last first."""
        return self.index.get(variant, [])

    def generic_blocks_for(self, class_names: list[str], variant: str) -> list[Block]:
        found: list[Block] = []
        for cls in class_names:
            found.extend(self.generic_index.get(cls, {}).get(variant, []))
        return found

    def checkin_interval(self, default: int) -> int:
        value = self.features.get("checkin interval")
        return int(value) if value is not None else default

    def __reduce__(self):
        return (load_interview, (self.source, self.path, self.name))


def load_interview(source: str, path: str | None = None, name: str | None = None) -> Interview:
    """Read interview YAML (``path`` is where it came from, for errors and includes)."""
    file_label = path or name or "<interview>"
    blocks: list[Block] = []
    counter = [0]
    seen_files: set[str] = set()
    files: list[str] = []

    def read(text: str, file: str, base_dir: str | None) -> None:
        files.append(file)
        for raw in split_blocks(text, file):
            data = raw.data
            if isinstance(data, dict) and any(str(k).lower() == "include" for k in data):
                includes = next(v for k, v in data.items() if str(k).lower() == "include")
                for item in includes if isinstance(includes, list) else [includes]:
                    inc_path = _resolve_include(str(item), base_dir, file, raw.line)
                    if inc_path in seen_files:
                        continue
                    seen_files.add(inc_path)
                    add_checkout(inc_path)
                    with open(inc_path, encoding="utf-8") as handle:
                        read(handle.read(), inc_path, os.path.dirname(inc_path))
                continue
            blocks.append(read_block(raw, len(blocks), counter, defs, warnings))

    defs: dict[str, list[str]] = {}         # `def` blocks so far, for `usedefs`
    warnings: list[InterviewWarning] = []   # what docassemble accepts and ignores
    if path:
        seen_files.add(os.path.abspath(path))
        add_checkout(path)
    read(source, file_label, os.path.dirname(os.path.abspath(path)) if path else None)
    interview = Interview(name=name or (os.path.basename(path) if path else "interview"),
                          source=source, path=path, blocks=blocks, files=tuple(files),
                          warnings=tuple(warnings))
    interview.digest = hashlib.sha1(source.encode("utf-8")).hexdigest()
    interview.calls_process_action = "process_action(" in source
    _index(interview)
    return interview


def _resolve_include(item: str, base_dir: str | None, file: str, line: int) -> str:
    """An ``include`` item: a file of an installed docassemble package (``docassemble.X:path``),
    next to the including file, or in the ``data/questions`` folder above it."""
    found = package_file(item, "questions")
    if found is not None:
        return os.path.abspath(found)
    package, item = split_reference(item)
    candidates = [os.path.join(base_dir, item)] if base_dir else []
    if base_dir:
        # docassemble also looks in its package's data/questions folder, the parent of
        # the examples folder its demo interviews live in
        candidates.append(os.path.join(os.path.dirname(base_dir), item))
    candidates.append(item)
    for candidate in candidates:
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    where = f"in the package {package} (is it installed?)" if package else "next to the interview"
    raise InterviewError(f"cannot include {item!r}: no such file {where}", file, line)


def _index(interview: Interview) -> None:
    index: dict[str, list[Block]] = defaultdict(list)
    generic: dict[str, dict[str, list[Block]]] = defaultdict(lambda: defaultdict(list))
    for block in interview.blocks:
        interview.by_name[block.name] = block
        for choice in getattr(block, "choices", None) if isinstance(getattr(block, "choices", None), tuple) else ():
            if choice.embedded is not None:
                interview.by_name[choice.embedded.name] = choice.embedded
        if block.id:
            interview.by_id[block.id] = block
        if isinstance(block, SettingsBlock):
            _setting(interview, block)
            continue
        if isinstance(block, CodeBlock) and block.default_role and not interview.default_role:
            interview.default_role = block.default_role
        for name in block.defines:
            if block.generic:
                generic[block.generic][name].append(block)
            else:
                index[name].append(block)
    # Later blocks win: the last defined is tried first, unless `order`/`supersedes` say.
    before = _precedence(interview)
    interview.index = {k: _ordered(list(reversed(v)), before) for k, v in index.items()}
    interview.generic_index = {c: {k: list(reversed(v)) for k, v in d.items()} for c, d in generic.items()}
    for block in interview.blocks:
        if isinstance(block, QuestionBlock) and block.checkin and block.checkin not in interview.index:
            pass  # an unmatched check-in action is ignored, as docassemble does
    # What every run reads of the interview, worked out here once, with the rest of the
    # reading, rather than by the first run of the first session.
    for name in ("dependents", "has_languages", "uses_nav", "undefined_each_pass"):
        getattr(interview, name)


def _precedence(interview: Interview) -> list[tuple[str, str]]:
    """(earlier id, later id) pairs from `supersedes:` keys and `order:` blocks."""
    pairs: list[tuple[str, str]] = []
    for block in interview.blocks:
        data = block.extra if isinstance(block, SettingsBlock) else {}
        if isinstance(block, SettingsBlock) and block.setting == "order":
            ids = [str(v).strip() for v in (block.value if isinstance(block.value, list) else [block.value])]
            pairs.extend(zip(ids, ids[1:]))
        superseded = getattr(block, "supersedes", ()) or data.get("supersedes")
        if block.id and superseded:
            for other in superseded if isinstance(superseded, (list, tuple)) else [superseded]:
                pairs.append((block.id, str(other).strip()))
    return pairs


def _ordered(blocks: list[Block], before: list[tuple[str, str]]) -> list[Block]:
    """Move each block that must come earlier to just before the block it precedes."""
    if not before or len(blocks) < 2:
        return blocks
    for _ in range(len(blocks)):
        moved = False
        for first, second in before:
            ids = [b.id for b in blocks]
            if first in ids and second in ids and ids.index(first) > ids.index(second):
                block = blocks.pop(ids.index(first))
                blocks.insert(ids.index(second), block)
                moved = True
        if not moved:
            break
    return blocks


def _setting(interview: Interview, block: SettingsBlock) -> None:
    """Every setting the block holds (``metadata`` and ``modules`` may share one block)."""
    keys = [k for k in SETTINGS if k in block.extra] if block.setting in SETTINGS else []
    for key in keys or [block.setting]:
        _apply_setting(interview, block, key, block.extra.get(key, block.value))


def _apply_setting(interview: Interview, block: SettingsBlock, setting: str, value) -> None:
    if setting == "on change":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise BlockError("'on change' must be a dictionary of variable names and code",
                             block.file, block.line)
        for name, code in value.items():
            interview.on_change[str(name).strip()] = Code(code, block.file, block.line + 1)
    elif setting == "sections":
        if not isinstance(value, list):
            raise BlockError("'sections' must be a list", block.file, block.line)
        interview.sections = value
    elif setting == "metadata":
        if not isinstance(value, dict):
            raise BlockError("'metadata' must be a dictionary", block.file, block.line)
        interview.metadata.update(value)
    elif setting == "features":
        if not isinstance(value, dict):
            raise BlockError("'features' must be a dictionary", block.file, block.line)
        interview.features.update(value)
        interval = value.get("checkin interval")
        if interval is not None and (not isinstance(interval, int) or (0 < interval < 1000)):
            raise BlockError("'checkin interval' must be a whole number of milliseconds, "
                             "0 or at least 1000", block.file, block.line)
    elif setting in ("modules", "imports", "reset"):
        items = value if isinstance(value, list) else [value]
        target = {"modules": interview.modules, "imports": interview.imports,
                  "reset": interview.resets}[setting]
        target.extend(str(v) for v in items)
        for item in items:                    # where each module is named, for errors
            interview.module_lines.setdefault(str(item), (block.file, block.line))
    elif setting == "default role":
        roles = value if isinstance(value, list) else [value]
        interview.default_role = tuple(str(r) for r in roles)
