"""Every tutorial notebook runs top to bottom in a real kernel, headless (nbclient).

No browser sends events: the notebooks drive their screens with the method twins
(research/ecosystem.md §4.2).  Each ends with a "Check" section whose code asserts the
behaviour the notebook taught and prints ``checked`` when every assertion held.  Slow:
each starts a kernel and real worker processes (the notebooks run docassemble's timers
ten times faster).
"""
from __future__ import annotations

import pathlib
import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

#: One tutorial per section of the seed (background-code.md), in its order.
SECTIONS = ("01-background-actions", "02-response-and-error-actions", "03-timing-and-the-lock",
            "04-notifying-the-user", "05-documents-in-the-background", "06-check-ins",
            "07-scheduled-tasks", "08-email-to-the-interview", "09-cohorts-for-analysts")


def test_one_numbered_tutorial_per_section_of_the_seed():
    assert [p.stem for p in NOTEBOOKS] == list(SECTIONS)
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert re.search(r"timescale=0\.1", code), f"{path.name}: timers not lowered"
        # usable as a Voila app: nothing closes the simulator or the app behind the page
        assert not re.search(r"\.close\(\)", code), f"{path.name} closes something"
        heads = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
        first = nb.cells[0].source
        assert heads[0].startswith("# ") and ("**The docassemble rule.**" in first
                                               or "**The question.**" in first), path.name
        assert "## Check" in heads, f"{path.name} has no closing check"


def test_binder_opens_the_first_tutorial():
    root = NOTEBOOKS[0].parents[1]
    readme = (root / "README.md").read_text()
    badge = re.search(r"\(https://mybinder\.org/v2/gh/[^/]+/[^/]+/HEAD\?urlpath=lab/tree/([^)]+)\)", readme)
    assert badge and (root / badge.group(1)) == NOTEBOOKS[0]
    requirements = (root / "binder" / "requirements.txt").read_text().split()
    assert "." in requirements and any(r.startswith("voila") for r in requirements)
    assert (root / "binder" / "runtime.txt").read_text().strip().startswith("python-3.1")
    assert "set -euo pipefail" in (root / "binder" / "postBuild").read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_without_errors_and_its_check_holds(path: pathlib.Path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     store_widget_state=True,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [(i, out.get("ename"), out.get("evalue")) for i, cell in enumerate(nb.cells)
              if cell.cell_type == "code" for out in cell.get("outputs", ())
              if out.get("output_type") == "error"]
    assert errors == []
    stderr = [out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
              for out in cell.get("outputs", ())
              if out.get("output_type") == "stream" and out.get("name") == "stderr"]
    assert not [s for s in stderr if "Traceback" in s or "Exception in thread" in s], stderr
    views = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", ())
             if "application/vnd.jupyter.widget-view+json" in out.get("data", {})]
    assert views, "the notebook shows no interview widgets"
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    assert state.get("state"), "no widget state was saved"
    # the closing check ran to its end (every assertion held)
    at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
              and c.source.startswith("## Check"))
    check = next(c for c in nb.cells[at + 1:] if c.cell_type == "code")
    printed = "".join(o.get("text", "") for o in check.get("outputs", ())
                      if o.get("output_type") == "stream")
    assert "assert" in check.source and printed.strip().endswith("checked")
