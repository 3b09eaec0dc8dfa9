"""Shared fixtures: a fast simulator, the project's interviews, docassemble's demos."""
from __future__ import annotations

import os
import pathlib

import pytest

import bgkernel

HERE = pathlib.Path(__file__).resolve().parent
INTERVIEWS = HERE / "interviews"
# ../shared beside the checkout (BGKERNEL_SHARED names it when the checkout is elsewhere)
SHARED = pathlib.Path(os.environ.get("BGKERNEL_SHARED") or HERE.parents[1] / "shared")
CONFORMANCE = SHARED / "conformance" / "docassemble-examples"


def demo_path(name: str) -> pathlib.Path:
    """One of docassemble's demo interviews; the test is skipped when shared/ is absent."""
    path = CONFORMANCE / name
    if not path.is_file():
        pytest.skip(f"{path} is not here (../shared/conformance is absent)")
    return path


@pytest.fixture
def sim(tmp_path):
    """A simulator on a fresh store, with no worker start delay and threads."""
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="threading",
                            config={"worker start delay": 0.0}) as simulator:
        yield simulator


@pytest.fixture
def loky_sim(tmp_path):
    """A simulator on joblib's process pool (real worker processes)."""
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="loky", workers=2,
                            config={"worker start delay": 0.0}) as simulator:
        yield simulator


def start(sim, source: str, user=None):
    """A session of an interview given as YAML text, a file in tests/interviews, or a demo."""
    if "\n" not in source and not source.endswith((".yml", ".yaml")):
        raise ValueError(source)
    if "\n" not in source and not pathlib.Path(source).is_absolute():
        local = INTERVIEWS / source
        source = str(local if local.is_file() else demo_path(source))
    return sim.start(sim.load(source), user=user)
