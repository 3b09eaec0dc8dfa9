"""``objects_from_file``: objects described in a YAML or JSON file of the interview's
``sources`` (docassemble's ``data/sources`` folder), built as ``use objects`` builds them.

Its name joins the interview library in :mod:`bgkernel.library.namespace` and the
``docassemble.base.util`` view, not in the catalog: it looks classes up in the catalog.
"""
from __future__ import annotations

import inspect
import json
import os
from typing import Any

import yaml

from ..errors import DAError
from ..language.packages import package_file, split_reference
from .collections_list import DAList
from .context import current
from .data_objects import name_tree, objects_from_data, objects_from_structure, ungather
from .files import DAFile, DAFileCollection, DAFileList

__all__ = ["objects_from_file", "LATE_NAMES"]


def _source(file_ref: Any) -> str:
    """The path of a sources file: absolute, next to the interview, or in the ``data/sources``
    folder beside the interview's ``data/questions``."""
    found = package_file(str(file_ref), "sources")
    if found is not None:
        return found
    ref = split_reference(str(file_ref))[1]
    if os.path.isabs(ref):
        return ref if os.path.isfile(ref) else ""
    interview = current().interview
    here = os.path.dirname(os.path.abspath(interview.path)) if getattr(interview, "path", None) \
        else os.getcwd()
    candidates = [os.path.join(here, ref), os.path.join(here, "data", "sources", ref)]
    if os.path.basename(here) == "questions":
        candidates.insert(0, os.path.join(os.path.dirname(here), "sources", ref))
    return next((c for c in candidates if os.path.isfile(c)), "")


def objects_from_file(file_ref: Any, recursive: bool = True, gathered: bool = True,
                      name: str | None = None, use_objects: bool = False,
                      package: str | None = None) -> Any:
    """The objects of every document of the file (one object when it holds one)."""
    if isinstance(file_ref, DAFileCollection):
        file_ref = file_ref._first_file()
    if isinstance(file_ref, DAFileList):
        file_ref = file_ref.elements[0] if file_ref.elements else None
    if file_ref is None:
        raise DAError("objects_from_file: no file referenced")
    path = file_ref.path() if isinstance(file_ref, DAFile) else _source(file_ref)
    if not path:
        raise DAError(f"objects_from_file: file reference {file_ref} not found")
    if name is None:                  # `x = objects_from_file(...)`: named after x
        caller = inspect.currentframe().f_back
        names = caller.f_code.co_names if caller is not None else ()
        name = names[1] if len(names) == 2 else "objects"
    with open(path, encoding="utf-8") as handle:
        if path.endswith(".json"):
            documents = [json.load(handle)]
        else:
            documents = [d for d in yaml.safe_load_all(handle) if d is not None]
    build = objects_from_structure if use_objects else objects_from_data
    found: list = []
    singular = True
    for document in documents:
        made = build(document, name) if recursive or not isinstance(document, list) else document
        if isinstance(made, (DAList, list)) and not isinstance(document, dict):
            singular = False
            found.extend(made.elements if isinstance(made, DAList) else made)
        else:
            found.append(made)
    result: Any = found[0] if singular and len(found) == 1 else DAList(name, elements=found)
    name_tree(result, name)
    if not gathered:
        ungather(result)
    return result


LATE_NAMES = {"objects_from_file": objects_from_file}
