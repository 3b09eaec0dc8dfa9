"""The names every interview sees (docassemble's ``from docassemble.base.util import *``)."""
from __future__ import annotations

import json
import re
from itertools import chain
from typing import Any

from ..errors import DAError, DAValidationError
from ..language.templates import Text
from . import (background, breadcrumbs, catchall, collections_dict, collections_list,
               collections_set, dastore, dates, documents, encoding, finance, functions, geography,
               global_objects, lazytemplate, logic, objects, people, performed, phone,
               relationships, roles, selections, server, text, unavailable, urls, web, words)
from .background_action import BackgroundAction
from .context import current
from .custom_types import CustomDataType
from .email_objects import DAEmail, DAEmailRecipient, DAEmailRecipientList
from .files import DAFile, DAFileCollection, DAFileList, DAStaticFile, path_and_mimetype
from .lazytemplate import DALazyTemplate

__all__ = ["names", "process_action", "STDLIB_NAMES"]

# Standard-library names docassemble.base.util re-exports (interviews use ``json.dumps``).
STDLIB_NAMES: dict[str, Any] = {"json": json, "re": re, "chain": chain}

process_action = functions.process_action

_NAMES: dict[str, Any] | None = None
_IDS: set[int] = set()


def names() -> dict[str, Any]:
    """Build the library once: functions, objects, dates, geography."""
    global _NAMES
    if _NAMES is not None:
        return _NAMES
    table: dict[str, Any] = dict(STDLIB_NAMES)
    for module in (objects, collections_list, collections_dict, collections_set, people,
                   lazytemplate, finance, catchall, dastore, dates, geography, words, text, urls,
                   phone, encoding, logic, server, global_objects, roles, unavailable, web,
                   selections, relationships, breadcrumbs, performed, background, documents,
                   functions):                                            # the last one wins
        for name in getattr(module, "__all__", ()):
            table[name] = getattr(module, name)
    table["DAError"] = DAError
    table["DAValidationError"] = DAValidationError
    table["BackgroundAction"] = BackgroundAction
    table["CustomDataType"] = CustomDataType
    table.update(DAFile=DAFile, DAFileList=DAFileList, DAFileCollection=DAFileCollection,
                 DAStaticFile=DAStaticFile, path_and_mimetype=path_and_mimetype)
    table.update(DAEmail=DAEmail, DAEmailRecipient=DAEmailRecipient,
                 DAEmailRecipientList=DAEmailRecipientList)
    DALazyTemplate.renderer = _render_template
    _NAMES = table
    _IDS.update(id(v) for v in table.values())
    return table


def _render_template(source: str, extra: dict, template: Any = None) -> str:
    """Render a template block's text against the running interview's answers."""
    ns = current().namespace or {}
    if extra:
        ns = {**ns, **extra}
    return Text(source).render(ns)
