"""docassemble packages on ``sys.path``: where a ``package:path`` reference points.

A docassemble package (``docassemble.demo``) keeps its interviews in ``data/questions``, its
templates in ``data/templates``, its static files in ``data/static`` and its data files in
``data/sources``.  ``docassemble.demo:data/questions/x.yml`` names a file of the package;
``docassemble.demo:x.yml`` names one in the folder of its kind.  Packages are found on
``sys.path`` without importing them; a package whose interview was loaded from its own
folder is used from there when it is not installed (a package being written works as on
the author's server).
"""
from __future__ import annotations

import os
import sys

__all__ = ["package_dir", "package_file", "split_reference", "namespace_dirs", "package_of",
           "add_checkout", "checkout_of", "template_file"]

# packages whose interviews were loaded from their own folder: 'docassemble.X' -> folder
_CHECKOUTS: dict[str, str] = {}
# served by bgkernel itself: an interview read from docassemble's own examples keeps them
_PROVIDED = ("docassemble.base", "docassemble.webapp")


def add_checkout(interview_path: str) -> None:
    """An interview read from ``.../docassemble/X/data/questions/``: the package
    ``docassemble.X`` is found there (its modules and ``docassemble.X:...`` references)
    when it is not installed."""
    found = package_of(os.path.dirname(os.path.abspath(interview_path)))
    if found is None or found[0] in _PROVIDED or found[0] in _CHECKOUTS:
        return
    if _installed_dir(found[0]) is None:
        _CHECKOUTS[found[0]] = found[1]


def checkout_of(package: str) -> str | None:
    """The folder of a package known from an interview loaded from it, or None."""
    return _CHECKOUTS.get(package)


def split_reference(ref: str) -> tuple[str | None, str]:
    """``('docassemble.demo', 'data/questions/x.yml')`` for ``docassemble.demo:data/...``;
    ``(None, ref)`` for a plain path."""
    if ":" in ref and not os.path.isabs(ref) and not ref.startswith(("http:", "https:")):
        package, path = ref.split(":", 1)
        if package.replace(".", "").replace("_", "").isalnum():
            return package, path
    return None, ref


def package_dir(package: str) -> str | None:
    """The folder of an installed (or path-added, or checked-out) package, or None."""
    return _installed_dir(package) or _CHECKOUTS.get(package)


def _installed_dir(package: str) -> str | None:
    parts = package.split(".")
    for entry in sys.path:
        folder = os.path.join(entry or os.getcwd(), *parts)
        if os.path.isfile(os.path.join(folder, "__init__.py")) or (
                os.path.isdir(folder) and len(parts) > 1):
            return folder
    return None


def package_file(ref: str, kind: str = "questions") -> str | None:
    """The path a ``package:path`` reference names, if the package and the file exist."""
    package, path = split_reference(ref)
    if package is None:
        return None
    folder = package_dir(package)
    if folder is None:
        return None
    for candidate in (os.path.join(folder, path), os.path.join(folder, "data", kind, path)):
        if os.path.isfile(candidate):
            return candidate
    return None


def namespace_dirs(name: str = "docassemble") -> list[str]:
    """Every ``<entry>/docassemble`` folder on ``sys.path`` (a namespace package's path)."""
    found = []
    for entry in sys.path:
        folder = os.path.join(entry or os.getcwd(), name)
        if os.path.isdir(folder) and folder not in found:
            found.append(folder)
    return found


def package_of(folder: str) -> tuple[str, str] | None:
    """``('docassemble.X', '/.../docassemble/X')`` when ``folder`` is inside a docassemble
    package's ``data`` folder (where its interviews live), else None."""
    parts = os.path.abspath(folder).split(os.sep)
    if "data" not in parts:
        return None
    at = len(parts) - 1 - parts[::-1].index("data")
    if at < 2 or parts[at - 2] != "docassemble":
        return None
    root = os.sep.join(parts[:at])
    return f"docassemble.{parts[at - 1]}", root


def template_file(ref: str, interview_file: str | None, kind: str = "templates") -> str | None:
    """A template (or static) file as docassemble finds it: ``package:data/templates/x``
    (or ``package:x``), an absolute path, the ``data/<kind>`` folder of the package the
    interview is in (``.../data/questions/i.yml`` looks in ``.../data/templates``), or beside
    the interview file."""
    ref = str(ref).strip()
    if split_reference(ref)[0] is not None:
        return package_file(ref, kind)
    if os.path.isabs(ref):
        return ref if os.path.isfile(ref) else None
    candidates = []
    for place in dict.fromkeys([os.path.abspath(interview_file), os.path.realpath(interview_file)]
                               if interview_file else [os.path.join(os.getcwd(), "-")]):
        folder = os.path.dirname(place)
        found = package_of(folder)
        if found is not None:
            candidates.append(os.path.join(found[1], "data", kind, ref))
        candidates += [os.path.join(folder, ref), os.path.join(folder, "data", kind, ref)]
    return next((path for path in candidates if os.path.isfile(path)), None)
