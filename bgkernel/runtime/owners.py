"""Which simulators are alive on a store: a boot token per simulator, held as a file lock.

A simulator that opens a store takes a fresh boot token and holds an exclusive
``flock`` on ``<store>.owners/<token>.lock`` for as long as it runs.  The operating
system drops the lock when the process ends, however it ends (``os._exit``, SIGKILL, a
kernel restart), so another simulator can tell a live owner from a dead one without
trusting process ids, which are reused.  Tasks in the store name the token of the
simulator that queued them (:mod:`bgkernel.background.recovery` takes over those of dead
owners).  Where ``fcntl`` is missing, an owner is alive while its process id is.
"""
from __future__ import annotations

import os
import uuid

try:
    import fcntl
except ImportError:  # pragma: no cover -- not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

__all__ = ["Ownership"]


class Ownership:
    """This process's claim on a store, and the test for other claims."""

    def __init__(self, store_path: str):
        self.folder = store_path + ".owners"
        self.token = uuid.uuid4().hex
        self.pid = os.getpid()
        self._handle = None
        try:
            os.makedirs(self.folder, exist_ok=True)
            handle = open(self._path(self.token), "w")  # noqa: SIM115 -- held until release()
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            handle.write(str(self.pid))
            handle.flush()
            self._handle = handle
        except OSError:
            self._handle = None        # a read-only folder: the store refuses writes anyway

    def _path(self, token: str) -> str:
        return os.path.join(self.folder, f"{token}.lock")

    def alive(self, token: str | None, pid: int | None = None) -> bool:
        """Whether the simulator with this boot token still runs (this one does)."""
        if token is None:
            return False
        if token == self.token:
            return True
        path = self._path(token)
        if fcntl is None:
            return pid is not None and _pid_alive(pid)
        try:
            handle = open(path, "a")  # noqa: SIM115
        except OSError:
            return False               # no lock file here: not a simulator on this machine
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()
        try:
            os.remove(path)            # a dead owner's file: tidy up
        except OSError:
            pass
        return False

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        handle.close()
        try:
            os.remove(self._path(self.token))
        except OSError:
            pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
