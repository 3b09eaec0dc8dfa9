"""bgkernel: docassemble interviews with background code, run in plain Python and Jupyter.

    import bgkernel
    with bgkernel.Simulator() as sim:
        session = sim.start(sim.load("interview.yml"))
        session.answer(value_to_add=5)
        session.wait()
        print(session.refresh().question)

Importing bgkernel imports no IPython, ipywidgets or pandas; ``%load_ext bgkernel``
loads the Jupyter layer (``bgkernel.widgets``) on demand.

The top floor holds the facade (``simulator``: a :class:`Simulator` holds the store, the
clocks, the pool and the sessions), what it installs for interview code (``services``),
the command line (``cli``) and the exception tree (``errors``, which every floor may
raise).  The floors below, each a subpackage that imports only the ones under it (the
``[tool.importlinter]`` contracts of pyproject.toml): ``cron`` and ``analysis``,
``background``, ``mail``, ``runtime``, ``calendar``, ``engine``, ``library``, ``language``.
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    # running interviews
    "Simulator", "Session", "Screen", "Interview",
    # background work
    "BackgroundTask", "BackgroundResult",
    # authoring aids
    "lint",
    # errors
    "BgkernelError", "InterviewError", "MissingVariableError", "CircularityError", "ConfigError",
    "SessionError", "StoreError", "TaskError", "TaskLostError",
    # Jupyter
    "load_ipython_extension", "unload_ipython_extension",
    "__version__",
]

_LAZY = {
    "Simulator": ("simulator", "Simulator"),
    "Session": ("runtime.session", "Session"),
    "Screen": ("engine.screen", "Screen"),
    "Interview": ("language.interview", "Interview"),
    "BackgroundTask": ("background.task", "BackgroundTask"),
    "BackgroundResult": ("background.task", "BackgroundResult"),
    "lint": ("lint", None),          # the package is callable: bgkernel.lint(paths)
    "BgkernelError": ("errors", "BgkernelError"),
    "InterviewError": ("errors", "InterviewError"),
    "MissingVariableError": ("errors", "MissingVariableError"),
    "CircularityError": ("errors", "CircularityError"),
    "ConfigError": ("errors", "ConfigError"),
    "SessionError": ("errors", "SessionError"),
    "TaskError": ("errors", "TaskError"),
    "StoreError": ("errors", "StoreError"),
    "TaskLostError": ("errors", "TaskLostError"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        value = importlib.import_module(f"{__name__}.{module}")
        value = getattr(value, attr) if attr else value
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bgkernel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext bgkernel``: register the magics of the Jupyter layer."""
    from .widgets.magics import load_ipython_extension as load
    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .widgets.magics import unload_ipython_extension as unload
    unload(ipython)
