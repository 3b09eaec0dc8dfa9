"""Money and households: financial lists of values, children, organizations and offices.

A ``FinancialList`` is a DADict of ``Value`` items (``exists``, ``value``) keyed by name;
a ``PeriodicFinancialList`` holds ``PeriodicValue`` items (``period`` times a year).
``Income`` and ``Expense`` are periodic, ``Asset`` is not.  A new item gathered by name
exists, and takes ``new_item_value`` (and ``new_item_period``) when the interview set it.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .collections_dict import DADict
from .collections_list import DAList
from .objects import _INTERNAL_FILES
from .people import Address, Individual, PeriodicValue, Person, Value

_INTERNAL_FILES.add(__file__)

__all__ = ["ChildList", "FinancialList", "PeriodicFinancialList", "Income", "Asset", "Expense",
           "OfficeList", "Organization"]


class ChildList(DAList):
    """A list of Individuals (a person's children)."""

    ChildClass = Individual

    def init(self, *pargs, **kwargs) -> None:
        kwargs.setdefault("object_type", self.ChildClass)
        super().init(*pargs, **kwargs)


class FinancialList(DADict):
    """Named amounts; ``total()`` adds those that exist, ``str()`` is the total."""

    ValueClass: Any = Value

    def init(self, *pargs, **kwargs) -> None:
        kwargs.setdefault("object_type", self.ValueClass)
        super().init(*pargs, **kwargs)

    def total(self) -> Decimal | int:
        self._trigger_gather()
        result: Decimal | int = 0
        for key in sorted(self.elements):
            if self[key].exists:
                result += Decimal(str(self[key].value))
        return result

    def existing_items(self) -> list:
        """The names of the items that exist, sorted."""
        self._trigger_gather()
        return [key for key in sorted(self.elements) if self[key].exists]

    def _new_item_init_callback(self) -> None:
        item = self.elements[self.new_item_name]
        item.exists = True
        if "new_item_value" in self.__dict__:
            item.value = self.new_item_value
            del self.new_item_value
        super()._new_item_init_callback()

    def __str__(self) -> str:
        return str(self.total())


class PeriodicFinancialList(FinancialList):
    """Named amounts paid ``period`` times a year; ``total(period_to_use)`` per that period."""

    ValueClass: Any = PeriodicValue

    def total(self, period_to_use: Any = 1) -> Decimal | int:
        self._trigger_gather()
        result: Decimal | int = 0
        if period_to_use == 0:
            return result
        for key in sorted(self.elements):
            item = self.elements[key]
            if item.exists:
                result += Decimal(str(item.value)) * Decimal(str(item.period))
        return result / Decimal(str(period_to_use))

    def _new_item_init_callback(self) -> None:
        if "new_item_period" in self.__dict__:
            self.elements[self.new_item_name].period = self.new_item_period
            del self.new_item_period
        super()._new_item_init_callback()


class Income(PeriodicFinancialList):
    """Income by source, periodic."""


class Asset(FinancialList):
    """Assets by name."""


class Expense(PeriodicFinancialList):
    """Expenses by name, periodic."""


class OfficeList(DAList):
    """A list of Addresses (an organization's offices)."""

    AddressClass = Address

    def init(self, *pargs, **kwargs) -> None:
        kwargs.setdefault("object_type", self.AddressClass)
        super().init(*pargs, **kwargs)


class Organization(Person):
    """An organization: ``office`` (an OfficeList), what it ``handles`` and where it ``serves``."""

    OfficeListClass = OfficeList

    def init(self, *pargs, **kwargs) -> None:
        offices = kwargs.pop("offices", None)
        if offices is not None:
            self.initializeAttribute("office", self.OfficeListClass)
            for office in offices if isinstance(offices, list) else []:
                if isinstance(office, dict):
                    self.office.appendObject(**office)
        super().init(*pargs, **kwargs)

    def will_handle(self, problem: Any = None, county: Any = None) -> bool:
        """Whether it handles ``problem`` and serves ``county`` (each when given)."""
        if problem and problem not in self.__dict__.get("handles", ()):
            return False
        return not (county and county not in self.__dict__.get("serves", ()))
