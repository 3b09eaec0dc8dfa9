"""Helpers for the fault tests: a child process that holds a simulator and dies
(``os._exit``) at a chosen moment, as a Jupyter kernel dies."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: Put first in every child: ``die_at(cls, name, after=n)`` makes the n-th call of
#: ``cls.name`` (counting from 1) end the process with ``os._exit(0)``; ``before=True``
#: dies before the call, else after it returned (inside any transaction still open).
PRELUDE = '''
import os, sys
import bgkernel
from bgkernel.runtime.store import Store
from bgkernel.background.manager import TaskManager

def die_at(cls, name, nth=1, before=False):
    original = getattr(cls, name)
    calls = [0]
    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == nth and before:
            os._exit(0)
        out = original(*args, **kwargs)
        if calls[0] == nth:
            os._exit(0)
        return out
    setattr(cls, name, wrapper)
'''


def run_child(body: str, *args: str, env: dict | None = None, timeout: float = 120) -> int:
    """Run ``PRELUDE + body`` in a fresh Python; ``sys.argv[1:]`` are ``args``.  Returns
    the exit code (0 when it died by ``os._exit(0)``); a Python error in the child fails."""
    code = PRELUDE + textwrap.dedent(body) + "\nos._exit(3)   # not reached: it should have died\n"
    full_env = dict(os.environ, **(env or {}))
    # Output goes to a file, not a pipe: worker processes the child leaves behind would hold
    # a pipe open after the child is gone.
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=out, stderr=out,
                                 env=full_env, cwd=str(ROOT))
        try:
            code_ = child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise
        if code_ != 0:
            out.seek(0)
            raise AssertionError(f"child exited {code_}:\n{out.read()}")
    return code_
