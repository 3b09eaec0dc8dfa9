"""People and things: names, individuals, addresses, values, links."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from .dates import as_datetime, current_datetime
from .grammar import IndividualWords, PersonWords
from .objects import _INTERNAL_FILES, DAObject

__all__ = ["Name", "IndividualName", "Person", "Individual", "Address", "City", "Thing", "Value",
           "PeriodicValue", "DALink", "LatitudeLongitude", "Event"]

_INTERNAL_FILES.add(__file__)


# --- people and things ----------------------------------------------------------------

class Name(DAObject):
    """A name given as one ``text``."""

    def full(self, **kwargs) -> str:
        return str(self.text)

    familiar = firstlast = lastfirst = full

    def defined(self) -> bool:
        return hasattr(self, "text")

    def __str__(self) -> str:
        return str(self.full())


class IndividualName(Name):
    """first, middle, last, suffix; ``full()`` asks ``first``."""

    def init(self, *pargs, **kwargs) -> None:
        self.uses_parts = kwargs.pop("uses_parts", True)
        super().init(*pargs, **kwargs)

    def defined(self) -> bool:
        return hasattr(self, "first") if self.uses_parts else super().defined()

    def _part(self, name: str) -> str:
        return str(getattr(self, name, "") or "").strip()

    def middle_initial(self, with_period: bool = True) -> str:
        middle = self._part("middle")
        return (middle[0] + ("." if with_period else "")) if middle else ""

    def full(self, middle: str | bool = "initial", use_suffix: bool = True) -> str:
        if not self.uses_parts:
            return super().full()
        names = [str(self.first).strip()]
        if middle == "initial":
            names.append(self.middle_initial())
        elif middle:
            names.append(self._part("middle"))
        names.append(self._part("last"))
        if use_suffix:
            names.append(self._part("suffix"))
        return " ".join(name for name in names if name)

    def familiar(self) -> str:
        return str(self.first) if self.uses_parts else self.full()

    def firstlast(self) -> str:
        return f"{self.first} {self.last}" if self.uses_parts else self.full()

    def lastfirst(self) -> str:
        """``Vader, Darth`` (with the suffix after the last name, the middle initial last)."""
        if not self.uses_parts:
            return super().full()
        text = str(self.last)
        if self._part("suffix"):
            text += " " + self._part("suffix")
        text += ", " + str(self.first)
        initial = self.middle_initial()
        return text + (" " + initial if initial else "")

class Address(DAObject):
    """A postal address: address, unit, city, state, zip.  ``str()`` is one line."""

    def on_one_line(self, include_unit: bool = True) -> str:
        if self.__dict__.get("city_only"):
            text = str(self.city)
        else:
            text = str(self.address)
            unit = getattr(self, "unit", "")
            if include_unit and unit:
                text += f", {unit}"
            text += f", {self.city}"
        if getattr(self, "state", ""):
            text += f", {self.state}"
        if getattr(self, "zip", ""):
            text += f" {self.zip}"
        return text

    def formatted_unit(self, **kwargs) -> str:
        """``Unit 3`` for a bare unit number; ``Suite 3`` and the like as written."""
        unit = self.__dict__.get("unit")
        if unit in (None, ""):
            return ""
        if re.search(r"\b(apartment|apt|building|bldg|floor|fl|office|ofc|room|rm|suite|ste|unit|"
                     r"lot|space|spc|trailer|trlr|penthouse|ph)\b", str(unit), re.IGNORECASE):
            return str(unit)
        return f"Unit {unit}"

    def line_one(self, **kwargs) -> str:
        if self.__dict__.get("city_only"):
            return ""
        unit = self.formatted_unit()
        return str(self.address) + (f", {unit}" if unit else "")

    def line_two(self, **kwargs) -> str:
        text = str(self.city)
        if self.__dict__.get("state"):
            text += f", {self.state}"
        if self.__dict__.get("zip"):
            text += f" {self.zip}"
        return text

    def block(self, **kwargs) -> str:
        """The address on lines joined by docassemble's `` [NEWLINE] `` markup."""
        if self.__dict__.get("city_only"):
            return self.line_two()
        unit = self.formatted_unit()
        lines = [str(self.address)] + ([unit] if unit else []) + [self.line_two()]
        return " [NEWLINE] ".join(lines)

    def geocode(self, address: Any = None, reset: bool = False) -> bool:
        """No geocoding service in bgkernel: marks the address tried and returns False."""
        self.geolocated = True
        self.geolocate_success = False
        return False

    geolocate = geocode

    def normalize(self, long_format: bool = False) -> bool:
        return self.geocode()

    def was_geocoded(self) -> bool:
        return bool(self.__dict__.get("geolocated"))

    def was_geocoded_successfully(self) -> bool:
        return bool(self.__dict__.get("geolocate_success"))

    def __str__(self) -> str:
        return self.on_one_line()


class City(Address):
    """An address of which only the city (state, zip) is known: ``city_only`` is True."""

    def init(self, *pargs, **kwargs) -> None:
        self.city_only = True
        super().init(*pargs, **kwargs)


class Person(PersonWords, DAObject):
    """Someone or something with a ``name`` (a Name) and an ``address``."""

    NameClass: ClassVar[type] = Name
    AddressClass: ClassVar[type] = Address

    def init(self, *pargs, **kwargs) -> None:
        name = kwargs.pop("name", None)
        if "name" not in self.__dict__:
            self.initializeAttribute("name", self.NameClass)
        if isinstance(name, str):
            self.name.uses_parts = False
            self.name.text = name
        elif name is not None:
            self.name = name
        if "address" not in kwargs:
            self.initializeAttribute("address", self.AddressClass)
        super().init(*pargs, **kwargs)

    def identified(self) -> bool:
        return hasattr(self.name, "text") or hasattr(self.name, "first")

    def address_block(self, **kwargs) -> str:
        return f"[FLUSHLEFT] {self.name.full()} [NEWLINE] {self.address.block(**kwargs)}"


class Individual(IndividualWords, Person):
    """A person whose name has parts; ``str(person)`` asks ``person.name.first``."""

    NameClass: ClassVar[type] = IndividualName

    def familiar(self) -> str:
        return self.name.familiar()

    def age_in_years(self, decimals: bool = False, as_of: Any = None) -> int | float:
        """Whole years since ``birthdate`` (or the ``age`` attribute, if set)."""
        if "age" in self.__dict__:
            return float(self.age) if decimals else int(self.age)
        from dateutil.relativedelta import relativedelta
        now = current_datetime() if as_of is None else as_datetime(as_of)
        born = as_datetime(self.birthdate)
        delta = relativedelta(now.replace(tzinfo=None), born.replace(tzinfo=None))
        if not decimals:
            return int(delta.years)
        return delta.years + delta.months / 12.0 + delta.days / 365.0 + delta.hours / 8760.0

class Thing(DAObject):
    """An object with a Name; ``Thing(name='table')`` sets ``name.text``."""

    def init(self, *pargs, **kwargs) -> None:
        self.initializeAttribute("name", Name)
        super().init(*pargs, **kwargs)

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "name" and isinstance(value, str):
            self.name.text = value
        else:
            super().__setattr__(key, value)

    def __str__(self) -> str:
        return str(self.name.full())


class Value(DAObject):
    """An amount that may not exist: ``exists`` (asked first), then ``value``."""

    def amount(self) -> Decimal:
        return Decimal(str(self.value)) if self.exists else Decimal(0)

    def __str__(self) -> str:
        return str(self.amount())

    def __float__(self) -> float:
        return float(self.amount())

    def __int__(self) -> int:
        return int(self.amount())

    def __eq__(self, other) -> bool:
        return float(self) == float(other)

    def __lt__(self, other) -> bool:
        return float(self) < float(other)

    __hash__ = DAObject.__hash__


class PeriodicValue(Value):
    """An amount paid ``period`` times a year; ``amount()`` is per year (or per ``period_to_use``)."""

    def amount(self, period_to_use: Any = 1) -> Decimal:
        if not self.exists:
            return Decimal(0)
        return Decimal(str(self.value)) * Decimal(str(self.period)) / Decimal(str(period_to_use))


class DALink(DAObject):
    """A hyperlink: ``url`` and ``anchor_text``, shown as a Markdown link."""

    def show(self) -> str:
        return f"[{self.anchor_text}]({self.url})"

    def __str__(self) -> str:
        return self.show()


class LatitudeLongitude(DAObject):
    """A place as latitude and longitude (docassemble fills it from the browser's location,
    which a headless simulator does not have: set ``latitude``/``longitude`` yourself)."""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        self.gathered = False
        self.known = False
        super().init(*pargs, **kwargs)

    def status(self) -> bool:
        """Whether the location is still to be asked of the browser."""
        if self.gathered:
            return False
        if hasattr(self, "latitude") and hasattr(self, "longitude"):
            self.known = self.gathered = True
            return False
        return True

    def __str__(self) -> str:
        if hasattr(self, "latitude") and hasattr(self, "longitude"):
            return f"{self.latitude}, {self.longitude}"
        if hasattr(self, "error"):
            return str(self.error)
        return "Unknown"


class Event(DAObject):
    """Something that happens somewhere: an ``address`` (a City) and a ``location``."""

    CityClass: ClassVar[type] = City
    LatitudeLongitudeClass: ClassVar[type] = LatitudeLongitude

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        if "address" not in kwargs:
            self.initializeAttribute("address", self.CityClass)
        if "location" not in kwargs:
            self.initializeAttribute("location", self.LatitudeLongitudeClass)
        super().init(*pargs, **kwargs)

    def __str__(self) -> str:
        return str(self.address)
