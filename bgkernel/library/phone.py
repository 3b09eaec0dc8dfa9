"""Phone numbers, as docassemble handles them: parsed and formatted with the ``phonenumbers``
library, in the interview's country (``get_country()``, default US) unless one is given;
a ``whatsapp:`` prefix is understood."""
from __future__ import annotations

import re
from typing import Any

import phonenumbers

from .geography import get_country
from .words import ensure_definition

__all__ = ["phone_number_in_e164", "phone_number_formatted", "phone_number_is_valid",
           "phone_number_part"]

_WHATSAPP = re.compile(r"^whatsapp:(.*)")


def _parsed(number: Any, country: str | None) -> tuple[Any, bool]:
    """(the parsed number or None, whether it came with ``whatsapp:``)."""
    whatsapp = False
    if isinstance(number, str):
        match = _WHATSAPP.match(number)
        if match:
            number, whatsapp = match.group(1), True
    try:
        return phonenumbers.parse(number, country or get_country() or "US"), whatsapp
    except Exception:  # noqa: BLE001 -- not a number (docassemble: None / False / '')
        return None, whatsapp


def phone_number_in_e164(number: Any, country: str | None = None) -> str | None:
    """``+15551234567``; a ``whatsapp:`` number stays one; None when it does not parse."""
    ensure_definition(number, country)
    parsed, whatsapp = _parsed(number, country)
    if parsed is None:
        return None
    text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return "whatsapp:" + text if whatsapp else text


def phone_number_formatted(number: Any, country: str | None = None) -> str | None:
    """The national format, ``(555) 123-4567``; None when it does not parse."""
    ensure_definition(number, country)
    if type(number).__name__ == "DAEmpty":
        return str(number)
    parsed, _ = _parsed(number, country)
    if parsed is None:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_number_is_valid(number: Any, country: str | None = None) -> bool:
    ensure_definition(number, country)
    parsed, _ = _parsed(number, country)
    return bool(parsed is not None and phonenumbers.is_possible_number(parsed)
                and phonenumbers.is_valid_number(parsed))


def phone_number_part(number: Any, part: int, country: str | None = None) -> str:
    """The ``part``-th group of digits of the national format (``''`` past the last)."""
    ensure_definition(number, part, country)
    parsed, _ = _parsed(number, country)
    if parsed is None:
        return ""
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    groups = [g for g in re.split(r"[^0-9]+", national) if g]
    return groups[part] if part < len(groups) else ""
