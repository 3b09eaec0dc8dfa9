"""The layers (DESIGN.md "Layers", STYLE habit 2): bgkernel/ is plain Python; widgets/ sits on it.

* importing bgkernel (and running a headless simulation) imports no IPython, ipywidgets or pandas;
* no module under bgkernel/ imports the widgets layer, IPython or ipywidgets;
* the widgets folder ships as ``bgkernel.widgets``, never as a top-level ``widgets``.
"""
from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CORE = ROOT / "bgkernel"
WIDGETS = ROOT / "widgets"


def _run(code: str, cwd: pathlib.Path) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _loaded(code: str) -> list[str]:
    probe = code + "\nimport sys, json\n" + (
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('IPython', 'ipywidgets', 'ipykernel', 'pandas', 'widgets', 'matplotlib', 'traitlets',"
        " 'anywidget')"
        " or m.startswith('bgkernel.widgets'))))")
    return json.loads(_run(probe, ROOT.parent).strip().splitlines()[-1])


def test_importing_bgkernel_imports_no_jupyter_and_no_pandas():
    assert _loaded("import bgkernel, bgkernel.simulator, bgkernel.runtime.session, bgkernel.runtime.checkin") == []


def test_a_headless_session_imports_no_jupyter():
    loaded = _loaded(
        "import bgkernel\n"
        "with bgkernel.Simulator(backend='threading') as sim:\n"
        "    s = sim.start(sim.load('mandatory: True\\nquestion: Hi\\n'))\n"
        "    assert s.screen.question == 'Hi'\n")
    assert not [m for m in loaded if m.split(".")[0] in ("IPython", "ipywidgets", "ipykernel")]
    assert not [m for m in loaded if m.startswith("bgkernel.widgets") or m == "widgets"]


def _imports(path: pathlib.Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:                      # relative: resolve against the bgkernel package
                names = ([f"bgkernel.{node.module}"] if node.module
                         else [f"bgkernel.{a.name}" for a in node.names])
                found.extend((node.lineno, n) for n in names)
            elif node.module:
                found.append((node.lineno, node.module))
    return found


def test_no_core_module_imports_the_jupyter_layer():
    bad = []
    for path in sorted(CORE.rglob("*.py")):
        if path.name == "__init__.py" and path.parent == CORE:
            allowed = {"bgkernel.widgets.magics"}   # the lazy %load_ext delegation, in functions
        else:
            allowed = set()
        for line, name in _imports(path):
            top = name.split(".")[0]
            hits = top in ("IPython", "ipywidgets", "ipykernel", "comm", "traitlets", "widgets",
                           "anywidget") \
                or name == "bgkernel.widgets" or name.startswith("bgkernel.widgets.")
            if hits and name not in allowed:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert bad == []


def test_the_load_ext_delegation_is_lazy():
    tree = ast.parse((CORE / "__init__.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all("widgets" not in (getattr(n, "module", None) or "") for n in top_level)
    assert _loaded("import bgkernel; bgkernel.load_ipython_extension") == []


def test_the_widgets_layer_imports_bgkernel_absolutely():
    for path in sorted(WIDGETS.rglob("*.py")):
        for line, name in _imports(path):
            assert not (name == "widgets" or name.startswith("widgets.")), \
                f"{path.name}:{line} imports {name}: use bgkernel.widgets or a relative import"


def test_pyproject_ships_widgets_as_a_subpackage():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    tools = config["tool"]["setuptools"]
    assert "bgkernel.widgets" in tools["packages"] and "widgets" not in tools["packages"]
    assert tools["package-dir"]["bgkernel.widgets"] == "widgets"
    assert "" not in tools.get("package-dir", {})
    # the text box's ES module (widgets/textbox.js) ships beside its Python
    assert "*.js" in tools["package-data"]["bgkernel.widgets"] and (WIDGETS / "textbox.js").exists()


def test_bgkernel_widgets_imports_and_no_top_level_widgets(tmp_path):
    out = _run("import bgkernel.widgets as w, pathlib; print(pathlib.Path(w.__file__).parent.name)",
               tmp_path)
    assert out.strip() == "widgets"
    done = subprocess.run([sys.executable, "-c", "import widgets"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "No module named 'widgets'" in done.stderr


@pytest.mark.parametrize("name", ["InterviewApp", "show", "timeline_view", "load_ipython_extension"])
def test_the_widgets_api(name):
    import bgkernel.widgets
    assert callable(getattr(bgkernel.widgets, name))


# --- the floors (README "How it is built"; pyproject.toml [tool.importlinter]) ---------------

def test_the_import_contracts_hold():
    lint = pathlib.Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _graph(folder: pathlib.Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same folder it imports (at any depth of the code)."""
    graph: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        rel = path.relative_to(folder).with_suffix("")
        name = ".".join((package, *rel.parts)).removesuffix(".__init__")
        targets = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                targets.add(mod)
                targets.update(f"{mod}.{a.name}" for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets.add(node.module)
                targets.update(f"{node.module}.{a.name}" for a in node.names)
        graph[name] = targets
    return {m: {t for t in ts if t in graph and t != m} for m, ts in graph.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_widgets_layer_has_no_import_circle():
    graph = _graph(WIDGETS, "bgkernel.widgets")
    graph.pop("bgkernel.widgets", None)          # the package's own names, gathered from below
    graph = {m: ts - {"bgkernel.widgets"} for m, ts in graph.items()}
    assert _cycle(graph) == []


def test_no_circle_between_bgkernels_floors():
    modules = _graph(CORE, "bgkernel")
    def floor(module: str) -> str:
        return ".".join(module.split(".")[:2])
    floors: dict[str, set[str]] = {}
    for module, targets in modules.items():
        floors.setdefault(floor(module), set()).update(floor(t) for t in targets)
    floors = {f: ts - {f, "bgkernel"} for f, ts in floors.items() if f != "bgkernel"}
    floors = {f: {t for t in ts if t in floors} for f, ts in floors.items()}
    assert _cycle(floors) == []


def test_imports_inside_functions_are_few_and_deliberate():
    """Only where a reader can see why: the Jupyter layer on %load_ext, the heavy date library."""
    inside = []
    for folder, package in ((CORE, "bgkernel"), (WIDGETS, "bgkernel.widgets")):
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for func in ast.walk(tree):
                if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(func):
                    if isinstance(node, ast.ImportFrom) and (
                            node.level or (node.module or "").startswith("bgkernel")):
                        inside.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(inside) <= 20, inside


def test_every_public_name_resolves():
    import bgkernel
    for name in bgkernel.__all__:
        assert getattr(bgkernel, name) is not None, name


def test_pyproject_ships_every_subpackage():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(("bgkernel", *p.parent.relative_to(CORE).parts)).rstrip(".")
             for p in CORE.rglob("__init__.py")} | {"bgkernel.widgets"}
    assert found == shipped
