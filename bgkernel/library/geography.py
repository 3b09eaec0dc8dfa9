"""Countries and their subdivisions from pycountry, as docassemble offers them (F 534-921).

pycountry is imported on first use (its data takes a while to load), and every answer is
cached; callers get fresh containers, so changing one never changes the cache.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..errors import DAError
from .context import current_or_none

# The names interviews see (bgkernel.library.catalog puts ``__all__`` in their namespace).
__all__ = ["countries_list", "states_list", "country_name", "state_name",
           "subdivision_type", "get_country", "iso_country"]

_CODE_TAIL = re.compile(r"-([A-Z0-9]+)$")


def get_country() -> str:
    """The interview's ``country`` config, else ``'US'`` (docassemble's ``get_country()``)."""
    ctx = current_or_none()
    if ctx is not None and ctx.config.get("country"):
        return str(ctx.config["country"])
    return "US"


@lru_cache(maxsize=1)
def _countries() -> tuple[tuple[str, str], ...]:
    import pycountry
    pairs = [(country.alpha_2, country.name) for country in pycountry.countries]
    return tuple(sorted(pairs, key=lambda pair: pair[1]))


@lru_cache(maxsize=None)
def _subdivisions(country_code: str) -> tuple[tuple[str, str, bool], ...]:
    """(code without the country prefix, name, is top level) for each subdivision."""
    import pycountry
    found = pycountry.subdivisions.get(country_code=country_code) or []
    out = []
    for subdivision in found:
        match = _CODE_TAIL.search(subdivision.code)
        if match:
            out.append((match.group(1), subdivision.name, subdivision.parent_code is None))
    return tuple(out)


def countries_list() -> list[dict[str, str]]:
    """Every country as a one-entry ``{code: name}`` dict, sorted by name."""
    return [{code: name} for code, name in _countries()]


def states_list(country_code: str | None = None, abbreviate: bool = False) -> dict[str, str]:
    """Top-level subdivisions of the country, code → name, sorted by name.

    The code drops the country prefix ('NY', not 'US-NY'). For the US this includes DC
    and the outlying areas (PR, GU, ...). A country without subdivisions gives ``{}``.
    """
    top = [(code, name) for code, name, is_top in _subdivisions(country_code or get_country())
           if is_top]
    top.sort(key=lambda pair: pair[1])
    return {code: code if abbreviate else name for code, name in top}


def country_name(country_code: str) -> str:
    """The country's name for its ISO alpha-2 code; LookupError if unknown."""
    for code, name in _countries():
        if code == country_code:
            return name
    raise LookupError(f"unknown country code {country_code!r}")


def state_name(state_code: str, country_code: str | None = None) -> str:
    """The subdivision's name ('NY' → 'New York'); the code itself when not found."""
    for code, name, _top in _subdivisions(country_code or get_country()):
        if code == state_code:
            return name
    return state_code


def subdivision_type(country_code: str) -> str | None:
    """The most common top-level subdivision type ('State', 'Province', 'Region/Department')."""
    counts: dict[str, int] = {}
    for kind in _subdivision_types(country_code):
        counts[kind] = counts.get(kind, 0) + 1
    ranked = sorted(counts, key=lambda kind: counts[kind], reverse=True)
    if len(ranked) > 1 and counts[ranked[1]] > 0.5 * counts[ranked[0]]:
        return ranked[0] + "/" + ranked[1]
    return ranked[0] if ranked else None


@lru_cache(maxsize=None)
def _subdivision_types(country_code: str) -> tuple[str, ...]:
    import pycountry
    found = pycountry.subdivisions.get(country_code=country_code) or []
    return tuple(s.type for s in found if s.parent_code is None)


_ISO_PARTS = ("alpha_2", "alpha_3", "name", "numeric", "official_name")


def iso_country(country: str, part: str = "alpha_2") -> str:
    """ISO 3166-1 data of a country named or coded loosely (pycountry's fuzzy search):
    ``alpha_2`` (default), ``alpha_3``, ``name``, ``numeric`` or ``official_name``."""
    import pycountry  # noqa: PLC0415 -- its data loads slowly: on first use, as above

    try:
        found = pycountry.countries.search_fuzzy(str(country))
    except LookupError:
        found = []
    if not found:
        raise DAError(f"Invalid country: {country}")
    if part not in _ISO_PARTS:
        raise DAError("iso_country: unknown part")
    return getattr(found[0], part, None) or ""
