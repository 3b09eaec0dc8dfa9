"""The pitfalls bgkernel knows, by code: what each one means and how to fix it.

The same codes name what :func:`bgkernel.lint` finds in an interview's YAML (``BGK0xx``
and ``BGK1xx``) and what a run observes in fact (the ``diagnostic`` rows of the timeline,
:mod:`bgkernel.runtime.diagnostics`): a background action that can end without
``background_response()`` is ``BGK101`` in the linter's report and, when a task really
asks a question, ``BGK101`` on the timeline.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Rule", "RULES", "Finding", "ERROR", "WARNING", "INFO", "rule"]

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Rule:
    """One pitfall: its code, how bad it is, what it is (a sentence) and the fix."""

    code: str
    severity: str
    title: str
    fix: str


@dataclass(frozen=True)
class Finding:
    """One pitfall found at ``file``, ``line``: ``message`` says what, ``fix`` what to do."""

    code: str
    severity: str
    file: str
    line: int
    message: str
    fix: str = ""
    source: str = "bgkernel"          # or "dayamlchecker" for findings merged from it

    def as_dict(self) -> dict:
        return asdict(self)

    def explained(self) -> str:
        """The message and the fix, as one text."""
        if not self.fix:
            return self.message
        return f"{self.message.rstrip('.')}. Fix: {self.fix}"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity} {self.code} {self.explained()}"


_RULES = [
    Rule("BGK001", ERROR, "the interview does not load",
         "correct the YAML at this line; docassemble refuses it too"),
    Rule("BGK002", WARNING, "a key docassemble ignores",
         "rename the key (docassemble ignores keys it does not know, silently)"),
    Rule("BGK101", ERROR, "a background action can end without background_response()",
         "end every path of the action with background_response() or "
         "background_response_action(); a background task cannot ask questions"),
    Rule("BGK102", ERROR, "foreground code waits for a task whose action takes the session lock",
         "test task.ready() first and show a screen with reload while it is False; never "
         "call .wait(): the response or error action needs the lock the page holds, takes it "
         "over after 4 seconds, and the page's save then overwrites what it saved"),
    Rule("BGK103", WARNING, "a background action changes interview variables that are discarded",
         "pass the value to background_response_action('save_it', value=...) and assign it "
         "in that action; a background task's own changes are never saved"),
    Rule("BGK104", ERROR, "check-in code can ask for a refresh on every run",
         "call background_response('refresh') only when something changed (compare the "
         "browser's value with the saved one, or test action_argument('_changed'))"),
    Rule("BGK105", WARNING, "check-in code refreshes whenever the browser sends a value",
         "compare the value with the saved variable before refreshing: every refresh starts "
         "a new check-in that sends the same value again"),
    Rule("BGK106", WARNING, "slow work in code that holds the session lock",
         "move the slow work into a background action (background_action()); check-in code, "
         "response actions and scheduled code must finish in well under 4 seconds"),
    Rule("BGK107", ERROR, "a background task calls background_response() with two arguments",
         "give the notification kind as background_action()'s second argument and call "
         "background_response(value) with one argument; the two-argument form is for check-ins"),
    Rule("BGK108", ERROR, "dropdown choices for a 'fields' notification are not [value, label] pairs",
         "give choices as a list of [value, label] pairs: a background task's response is "
         "not normalized, so a bare list or a dict does not fill the dropdown"),
    Rule("BGK109", ERROR, "scheduled blocks in an interview that does not enable scheduled tasks",
         "set multi_user = True and allow_cron = True in a mandatory code block; otherwise "
         "the cron_* blocks never run"),
    Rule("BGK110", WARNING, "a scheduled block sends e-mail without a task guard",
         "send inside `if task_not_yet_performed('name'):` and pass task='name' to "
         "send_email(), or the e-mail goes out on every run"),
    Rule("BGK111", WARNING, "a scheduled block can end without response()",
         "end the block with response() (or response(null=True) when it changes nothing); "
         "otherwise the interview logic runs on as the cron user and the answers are saved"),
    Rule("BGK112", ERROR, "initial code can send the cron user away before process_action()",
         "put the initial block that calls process_action() first, or guard the screen with "
         "`not user_has_privilege('cron')`"),
    Rule("BGK113", ERROR, "incoming_email in an interview that is not multi_user",
         "set multi_user = True: the e-mail arrives when no user is there to decrypt the answers"),
    Rule("BGK114", ERROR, "incoming_email changes variables without background_response_action()",
         "call background_response_action('save_email', email=action_argument('email')) and "
         "assign the variable in that action"),
    Rule("BGK115", ERROR, "a [TARGET] name has characters other than letters, digits and _",
         "use only A-Z, a-z, 0-9 and _ in target names: the page never finds the area otherwise"),
    Rule("BGK116", ERROR, "a check-in fills a target that no screen checking in shows",
         "add [TARGET name] to the screens that check in with this action, or correct the name"),
    # observed at run time only
    Rule("BGK202", WARNING, "the session lock was taken over after the lock timeout",
         "keep code that holds the lock (pages, check-ins, response actions, scheduled runs) "
         "well under the 4-second lock timeout; the work of the slow holder can be overwritten"),
    Rule("BGK205", INFO, "a scheduled run saved answers it did not change",
         "end the scheduled code with response(null=True) when it changes nothing: every save "
         "refreshes the session's modification time, so it is never deleted as inactive"),
]

RULES: dict[str, Rule] = {r.code: r for r in _RULES}


def rule(code: str) -> Rule:
    return RULES[code]
