"""countries_list(), states_list() and friends from pycountry (ENGINE §5.6)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bgkernel.library.context import RunContext, running
from bgkernel.library.geography import (countries_list, country_name, state_name, states_list,
                                        subdivision_type)


def test_countries_list_is_single_entry_dicts_sorted_by_name():
    countries = countries_list()
    assert all(len(entry) == 1 for entry in countries)
    names = [next(iter(entry.values())) for entry in countries]
    assert names == sorted(names)
    assert {"US": "United States"} in countries
    assert len(countries) > 240


def test_states_list_us_keys_without_prefix():
    states = states_list()
    assert states["NY"] == "New York"
    assert "US-NY" not in states
    assert "DC" in states and "PR" in states          # district and outlying areas too
    assert list(states.values()) == sorted(states.values())
    assert len(states) == 57


def test_states_list_other_country_and_empty():
    provinces = states_list("CA")
    assert provinces["ON"] == "Ontario"
    assert states_list("VA") == {} and not states_list("VA")
    assert states_list("US", abbreviate=True)["NY"] == "NY"


def test_results_are_fresh_copies():
    states_list("US")["NY"] = "changed"
    countries_list()[0].clear()
    assert states_list("US")["NY"] == "New York"
    assert len(countries_list()[0]) == 1


def test_default_country_from_config():
    with running(RunContext(config={"country": "CA"})):
        assert "ON" in states_list()
        assert state_name("QC") == "Quebec"


def test_names_from_codes():
    assert country_name("US") == "United States"
    assert country_name("DE") == "Germany"
    assert state_name("NY") == "New York"
    assert state_name("ON", "CA") == "Ontario"
    assert state_name("ZZ") == "ZZ"
    with pytest.raises(LookupError):
        country_name("ZZ")


def test_subdivision_type():
    assert subdivision_type("US") == "State"
    assert subdivision_type("VA") is None


def test_import_does_not_load_pycountry():
    code = "import bgkernel.library.geography, sys; print('pycountry' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
