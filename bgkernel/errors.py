"""bgkernel's exceptions: errors that point into the YAML, and control-flow signals.

Two branches with separate roots:

* ``BgkernelError`` — something is wrong. ``InterviewError`` and its subclasses
  carry the YAML ``file`` and ``line`` of the block at fault and name them in the
  message.
* ``Signal`` — interview code asking the engine to do something (show a screen,
  answer a background task, run a command).  Signals are not errors; the engine
  catches them by type.

Every exception here is picklable: background tasks send them across processes.
"""
from __future__ import annotations

import re

__all__ = [
    "BgkernelError", "InterviewError", "YAMLError", "BlockError", "TemplateError",
    "CodeError", "MissingVariableError", "CircularityError", "ConfigError",
    "SessionError", "StoreError", "TaskError", "TaskLostError", "QuestionError", "DAError", "DAValidationError",
    "DAAttributeError", "DAIndexError", "missing_name",
    "Signal", "CommandSignal", "ResponseSignal", "BackgroundResponseSignal",
    "BackgroundResponseActionSignal", "MessageSignal", "ForcedNameError", "ReRunSignal",
    "InterviewWarning",
]


class BgkernelError(Exception):
    """Root of bgkernel's errors."""


class InterviewWarning(UserWarning):
    """Something docassemble accepts but ignores (an unknown key): the interview still loads.

    ``file``, ``line`` and ``key`` say where; the message names them (and the likely key)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 key: str | None = None):
        super().__init__(message)
        self.message, self.file, self.line, self.key = message, file, line, key

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}: " if self.file and self.line else ""
        return where + self.message

    def __reduce__(self):
        return (type(self), (self.message, self.file, self.line, self.key))


class InterviewError(BgkernelError):
    """A problem in an interview, located at ``file`` and ``line`` of its YAML."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        super().__init__(message, file, line)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}, line {self.line}" if self.line is not None else str(self.file)

    def __reduce__(self):
        return (type(self), (self.message, self.file, self.line))


class YAMLError(InterviewError):
    """The YAML of a block cannot be read."""


class BlockError(InterviewError):
    """A block is malformed: no recognised key, wrong value types, conflicting keys."""


class TemplateError(InterviewError):
    """A Mako template has a syntax error or fails while rendering."""


class CodeError(InterviewError):
    """Python in a ``code`` block (or another expression) cannot compile or fails."""


class MissingVariableError(InterviewError):
    """A variable is referenced that no block can define."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 variable: str | None = None):
        super().__init__(message, file, line)
        self.variable = variable

    def __reduce__(self):
        return (type(self), (self.message, self.file, self.line, self.variable))


class CircularityError(InterviewError):
    """Seeking variables does not settle; ``chain`` lists the names involved."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 chain: tuple[str, ...] = ()):
        super().__init__(message, file, line)
        self.chain = tuple(chain)

    def __reduce__(self):
        return (type(self), (self.message, self.file, self.line, self.chain))


class ConfigError(BgkernelError):
    """A bad configuration value given to the Simulator."""


class SessionError(BgkernelError):
    """A session operation that cannot be done (unknown session, closed simulator...)."""


class StoreError(SessionError):
    """The store file cannot be opened, read or written (not a bgkernel store, another
    program's database, a read-only or missing folder, a full disk).  A write that fails
    this way is rolled back whole: the store stays as it was before the step."""


class TaskError(BgkernelError):
    """A background task could not be run or its outcome could not be read."""


class TaskLostError(TaskError):
    """A background task whose simulator stopped (a kernel that died or was restarted)
    while the task was queued or running: Celery's ``WorkerLostError`` for bgkernel.
    A task found so when its store is reopened is finished as failed with this
    ``error_type`` (or run again, with the ``task recovery: rerun`` setting)."""

    MESSAGE = "the simulator that ran this task stopped"


class DAError(Exception):
    """docassemble's generic error, raised by interview-callable functions."""


class DAValidationError(Exception):
    """Raised by ``validate`` functions or ``validation code``; ``field`` names the field."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field

    def __reduce__(self):
        return (type(self), (str(self), self.field))


class QuestionError(Exception):
    """A background task ended up asking a question (docassemble's error_type)."""


# --- undefined names ----------------------------------------------------------------

class DAAttributeError(AttributeError):
    """A missing attribute of an interview object; sought like an undefined name."""

    def __reduce__(self):
        return (type(self), self.args)


class DAIndexError(IndexError):
    """A missing item of a list or dict that is still gathering; sought by name."""

    def __reduce__(self):
        return (type(self), self.args)


_MISSING = re.compile(r"'(.*)' (?:is not defined|referenced before assignment|is undefined|where it is not)")


def missing_name(exc: BaseException) -> str | None:
    """The variable name an undefined-name exception asks for, or None."""
    if isinstance(exc, (NameError, DAAttributeError, DAIndexError)) or type(exc).__name__ == "UndefinedError":
        match = _MISSING.search(str(exc))
        if match:
            return match.group(1)
        name = getattr(exc, "name", None)
        if isinstance(exc, NameError) and name:
            return name
    return None


# --- control-flow signals -----------------------------------------------------------

class Signal(Exception):
    """Base of the control-flow signals interview code raises (not errors)."""

    def __reduce__(self):
        return (type(self), self.args, self.__dict__)


class ForcedNameError(Signal):
    """Ask for ``names`` even if they are defined (``force_ask``, actions)."""

    def __init__(self, *names: str, forget_prior: bool = False):
        super().__init__(*names)
        self.names = list(names)
        self.forget_prior = forget_prior


class ReRunSignal(Signal):
    """``re_run_logic()`` (and ``force_gather()``): start the interview logic over, from the top."""


class CommandSignal(Signal):
    """``command(...)``: exit, leave, restart, refresh, wait, logout, new_session..."""

    def __init__(self, command: str, url: str | None = None, sleep: float | None = None,
                 question_text: str | None = None, subquestion_text: str | None = None):
        super().__init__(command)
        self.command = command
        self.url = url
        self.sleep = sleep
        self.question_text = question_text
        self.subquestion_text = subquestion_text


class ResponseSignal(Signal):
    """``response(...)``: raw content instead of a screen; ``null=True`` saves nothing in cron."""

    def __init__(self, content=None, null: bool = False, content_type: str = "text/plain",
                 binary=None, sleep: float | None = None, all_variables: bool = False):
        super().__init__(content)
        self.content = content
        self.null = null
        self.content_type = content_type
        self.binary = binary
        self.sleep = sleep
        self.all_variables = all_variables


class BackgroundResponseSignal(Signal):
    """``background_response(...)``: the payload of SEMANTICS §2.1."""

    def __init__(self, payload=None, sleep: float | None = None):
        super().__init__(payload)
        self.payload = payload
        self.sleep = sleep


class BackgroundResponseActionSignal(Signal):
    """``background_response_action(name, **kwargs)``."""

    def __init__(self, action: str | None, arguments: dict | None = None):
        super().__init__(action, arguments)
        self.action = action
        self.arguments = dict(arguments or {})


class MessageSignal(Signal):
    """``message(...)``: show a one-off screen with exit/restart/leave buttons."""

    def __init__(self, question: str, subquestion: str = "", show_exit: bool = True,
                 show_leave: bool = False, show_restart: bool = True, url: str | None = None,
                 buttons=None, reload=None):
        super().__init__(question)
        self.question = question
        self.subquestion = subquestion
        self.show_exit = show_exit
        self.show_leave = show_leave
        self.show_restart = show_restart
        self.url = url
        self.buttons = buttons
        self.reload = reload
