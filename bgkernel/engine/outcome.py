"""How one evaluation ends: a :class:`Result` (a question asked, a signal such as
``background_response()`` or ``command()``), or an error that names the interview's line."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import (BackgroundResponseActionSignal, BackgroundResponseSignal, CodeError,
                      CommandSignal, InterviewError, MessageSignal, ResponseSignal, Signal)
from ..language.blocks import QuestionBlock

__all__ = ["Result", "Asked", "NoEndpointError", "InterviewRuntimeError", "NO_ENDPOINT", "Seek",
           "Stop", "signal_result"]

NO_ENDPOINT = ("Docassemble has finished executing all code blocks marked as initial or mandatory, "
               "and finished asking all questions marked as mandatory (if any).  It is a best "
               "practice to end your interview with a question that says goodbye.")


class NoEndpointError(InterviewError):
    """Every mandatory block is done and nothing is left to show."""


class InterviewRuntimeError(CodeError):
    """Interview code raised; ``error_type``/``error_message``/``error_trace`` describe it."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 error_type: str = "", error_message: str = "", error_trace: str = "",
                 variables: tuple = ()):
        super().__init__(message, file, line)
        self.error_type = error_type
        self.error_message = error_message
        self.error_trace = error_trace
        self.variables = tuple(variables)

    def __reduce__(self):
        return (type(self), (self.message, self.file, self.line, self.error_type,
                             self.error_message, self.error_trace, self.variables))


@dataclass
class Asked:
    """The evaluation stopped at a question block (with its x / i context)."""

    block: QuestionBlock
    iterators: dict[str, str] = field(default_factory=dict)   # 'x' -> expression, 'i' -> literal


@dataclass
class Result:
    """How one evaluation ended."""

    kind: str                       # question, backgroundresponse, backgroundresponseaction,
    #                                 command, response, message, template
    asked: Asked | None = None
    signal: Signal | None = None
    payload: Any = None
    content: str | None = None      # template content (target templates)
    target: str | None = None


class Seek(Exception):
    """Internal: a name must be found first (carries the name)."""


class Stop(Signal):
    """Internal: a mandatory question is to be shown."""

    def __init__(self, result: Result):
        super().__init__()
        self.result = result


def signal_result(signal: Signal) -> Result:
    if isinstance(signal, Stop):
        return signal.result
    if isinstance(signal, BackgroundResponseSignal):
        return Result("backgroundresponse", signal=signal, payload=signal.payload)
    if isinstance(signal, BackgroundResponseActionSignal):
        return Result("backgroundresponseaction", signal=signal)
    if isinstance(signal, CommandSignal):
        return Result("command", signal=signal)
    if isinstance(signal, ResponseSignal):
        return Result("response", signal=signal)
    if isinstance(signal, MessageSignal):
        return Result("message", signal=signal)
    raise TypeError(f"unexpected signal {signal!r}")
