"""Every tutorial notebook runs top to bottom in a real kernel, headless (nbclient).

No browser sends events: the notebooks drive their screens with the method twins
(research/ecosystem.md §4.2).  Slow: each starts a kernel and real worker processes.
"""
from __future__ import annotations

import pathlib

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_there_are_tutorials():
    names = [p.name for p in NOTEBOOKS]
    for wanted in ("01-background-actions.ipynb", "02-check-in.ipynb", "03-scheduled-tasks.ipynb"):
        assert wanted in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_without_errors(path: pathlib.Path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
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
