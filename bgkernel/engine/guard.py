"""Interview code runs under a :class:`Guard`: an undefined name becomes a search for it
(:class:`Seek`), any other failure an error located in the interview's YAML."""
from __future__ import annotations

import traceback
from typing import Any

from ..errors import InterviewError, Signal, missing_name
from ..language.blocks import Block
from ..language.interview import Interview
from .evaluating import source_line
from .outcome import InterviewRuntimeError, Seek

__all__ = ["Guard", "runtime_error"]


def runtime_error(interview: Interview, seeking: list, err: BaseException,
              block: Block | None) -> InterviewRuntimeError:
    """``err`` as an error that names the interview's file and line (and the names sought)."""
    tb = err.__traceback__
    trace = "".join(traceback.format_tb(tb))
    file, line, text = _locate(interview, tb, block)
    message = f"{type(err).__name__}: {err}"
    if text:
        trace += f"\nIn line: {text}"
    return InterviewRuntimeError(message, file, line, type(err).__name__, str(err), trace,
                                 tuple(reversed(seeking)))

def _locate(interview: Interview, tb, block: Block | None) -> tuple[str | None, int | None, str]:
    files = set(interview.files)
    found = (None, None, "")
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in files:
            found = (code.co_filename, tb.tb_lineno, source_line(interview, code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    if found[0] is None and block is not None:
        found = (block.file, block.line, "")
    return found


class Guard:
    """Turn undefined names into seeks and other failures into located errors."""

    __slots__ = ("evaluation", "block")

    def __init__(self, evaluation: Any, block: Block | None):
        self.evaluation = evaluation
        self.block = block

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, (Signal, Seek, InterviewError)):
            return False
        name = missing_name(exc)
        if name is not None:
            if self.block is not None:
                self.evaluation.where = self.block
            raise Seek(name) from None
        if type(exc).__name__ in ("UndefinedError",):
            raise Seek(str(exc)) from None
        if isinstance(exc, Exception):
            raise self.evaluation._runtime_error(exc, self.block) from exc
        return False
