"""Bad input gets a bgkernel error that says what and where, never a raw one from SQLite,
zoneinfo or the import system (first cases of the faults issue)."""
from __future__ import annotations

import pytest

import bgkernel


def test_a_store_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(bgkernel.SessionError, match="is not a bgkernel store"):
        bgkernel.Simulator(store=str(path), backend="threading")
    assert path.read_text().startswith("these are my notes")      # left as it was


@pytest.mark.parametrize("zone", ["Mars/Olympus", 5, ""])
def test_a_time_zone_that_does_not_exist(zone):
    with pytest.raises(bgkernel.ConfigError, match="'timezone' must be an IANA time zone"):
        bgkernel.Simulator(backend="threading", config={"timezone": zone})


def test_a_module_that_does_not_exist_is_named_at_its_block(sim):
    interview = sim.load("metadata:\n  title: T\n---\nmodules:\n  - .helpers\n"
                         "  - no_such_module_anywhere\n---\nmandatory: True\nquestion: Hi\n")
    s = sim.start(interview)
    err = s.last_error
    assert isinstance(err, bgkernel.InterviewError) and err.line == 4
    assert "cannot import the module '.helpers'" in str(err)
