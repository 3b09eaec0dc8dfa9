"""Interview YAML split into blocks, each with its file and line.

docassemble splits a file on lines made only of ``---`` (not YAML multi-document
loading), drops a trailing ``...`` line, replaces tabs by two spaces and reads each
piece as YAML 1.2, where ``yes``/``no``/``on``/``off`` are strings.  PyYAML speaks YAML
1.1, so :class:`Loader` resolves booleans and numbers the YAML 1.2 way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from ..errors import YAMLError

__all__ = ["RawBlock", "Loader", "split_blocks", "load_yaml"]

_SEPARATOR = re.compile(r"^---\s*$")
_END = re.compile(r"^\.\.\.\s*$")


class Loader(yaml.SafeLoader):
    """A SafeLoader whose implicit scalars follow YAML 1.2's core schema."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _construct_int(loader: Loader, node: yaml.Node) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def _construct_bool(loader: Loader, node: yaml.Node) -> bool:
    return loader.construct_scalar(node).lower() == "true"


Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


@dataclass(frozen=True)
class RawBlock:
    """One ``---``-separated document: its data, where it starts, its source text."""

    data: object
    file: str
    line: int
    text: str


def load_yaml(text: str, file: str = "<string>", line: int = 1):
    """Parse one YAML document; errors name the file and the line in that file."""
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 -- Loader is a SafeLoader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = line + mark.line if mark is not None else line
        problem = getattr(err, "problem", None) or str(err)
        context = getattr(err, "context", None)
        detail = f"{context}, {problem}" if context else problem
        raise YAMLError(f"cannot read the YAML of this block: {detail}", file, where) from None


def split_blocks(text: str, file: str = "<string>") -> list[RawBlock]:
    """Every non-empty block of an interview file, in order, with its first line."""
    blocks: list[RawBlock] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start, chunk = 1, []

    def flush() -> None:
        piece = "\n".join(chunk)
        if piece.strip():
            first = start + next(i for i, ln in enumerate(chunk) if ln.strip())
            body = "\n".join(chunk[first - start:]).replace("\t", "  ")
            data = load_yaml(body, file, first)
            if data is not None:
                blocks.append(RawBlock(data, file, first, body))

    for number, line in enumerate(lines, start=1):
        if _SEPARATOR.match(line):
            flush()
            start, chunk = number + 1, []
        elif _END.match(line):
            continue
        else:
            chunk.append(line)
    flush()
    return blocks
