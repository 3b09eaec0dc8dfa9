"""``BackgroundAction``: docassemble's object that runs a task and waits for it with
``command('wait')``, re-asking each refresh until the task is ready (seed: "Background
processes")."""
from __future__ import annotations

from typing import Any

from ..errors import DAError
from .background import background_action
from .context import current_or_none
from .functions import command, set_save_status
from .objects import DAObject

__all__ = ["BackgroundAction"]


class BackgroundAction(DAObject):
    """docassemble's BackgroundAction: run a task, wait with ``command('wait')`` until ready."""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        self._running = False
        self.refresh_seconds = 4
        super().init(*pargs, **kwargs)

    def run(self, action: str, **kwargs: Any) -> Any:
        ctx = current_or_none()
        if ctx is not None and ctx.in_worker:
            raise DAError("You cannot run a BackgroundAction inside of a background action")
        if not self._running:
            self.bg_action = background_action(action, **kwargs)
            self._running = True
            self.initial_wait()
        if not self.bg_action.ready():
            self.wait()
        result = self.bg_action.result()
        failed = self.bg_action.failed()
        del self.bg_action
        self._running = False
        return self.on_failure(result) if failed else self.process_response(result)

    def initial_wait(self) -> None:
        command("wait", sleep=self.refresh_seconds)

    def wait(self) -> None:
        set_save_status("ignore")
        command("wait", sleep=self.refresh_seconds)

    def process_response(self, result: Any) -> Any:
        return result.value

    def on_failure(self, result: Any) -> Any:
        return result.value

    def running(self) -> bool:
        return self._running

    def ready(self) -> bool | None:
        return self.bg_action.ready() if self._running else None
