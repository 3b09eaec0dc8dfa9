"""The notebook front end in a real browser: JupyterLab and Voila, driven by Playwright.

Debian's chromium (``/usr/bin/chromium``; ``.ci/run`` installs it) with pip's playwright,
against servers this test starts on 127.0.0.1 (research/ecosystem.md §4.3, §4.4).  What a
new user would do: type into the widgets, click, keep the cursor in a field, and watch.
Screenshots land in the test's temporary folder.  Skipped only when chromium is absent.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
pytestmark = [
    pytest.mark.slow, pytest.mark.timeout(600, method="thread"),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"),
]

REPO = pathlib.Path(__file__).resolve().parents[1]
#: ../shared beside the repository (BGKERNEL_SHARED names another place for it)
SHARED = pathlib.Path(os.environ.get("BGKERNEL_SHARED") or REPO.parent / "shared")
CONFORMANCE = SHARED / "conformance" / "docassemble-examples"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-quic", "--disable-dev-shm-usage"]
#: docassemble's timers at 0.3: the 10 s reload takes 3 s, the 6 s check-in 1.8 s.
TIMESCALE = 0.3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(base: pathlib.Path) -> dict[str, str]:
    """Test-local Jupyter folders; the data folders of this Python (and of the one a venv
    is made from) so the widgets' front end is found either way."""
    env = dict(os.environ)
    for name in ("config", "runtime", "data", "ipython"):
        (base / name).mkdir(parents=True, exist_ok=True)
    labconfig = base / "config" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    paths = [str(pathlib.Path(p) / "share" / "jupyter") for p in dict.fromkeys((sys.prefix, sys.base_prefix))]
    env.update(JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               JUPYTER_DATA_DIR=str(base / "data"), IPYTHONDIR=str(base / "ipython"),
               JUPYTER_PATH=os.pathsep.join(paths + [env.get("JUPYTER_PATH", "")]).strip(os.pathsep),
               PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).strip(os.pathsep))
    return env


@contextlib.contextmanager
def _server(cmd: list[str], url: str, env: dict, log: pathlib.Path, timeout: float = 120):
    """Start a server, wait until ``url`` answers, stop it afterwards."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=env.get("BGK_CWD"), start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"{cmd[2]} exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as reply:
                    if reply.status == 200:
                        break
            except urllib.error.HTTPError:
                break                           # it answers (Voila has no /api/status)
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{cmd[2]} did not answer in {timeout} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextlib.contextmanager
def _voila(notebook: pathlib.Path, tmp_path: pathlib.Path):
    """Voila serving ``notebook`` (run in its folder) on 127.0.0.1; yields the app's URL."""
    port, token = _free_port(), secrets.token_hex(16)
    env = _environment(tmp_path / "jupyter")
    env["BGK_CWD"] = str(notebook.parent)
    cmd = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", f"--token={token}"]
    base = f"http://127.0.0.1:{port}"
    with _server(cmd, f"{base}/api/status?token={token}", env, tmp_path / "voila.log"):
        yield f"{base}/?token={token}"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _notebook(path: pathlib.Path, cells: list[str]) -> None:
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def _run_all(page, cells: int) -> None:
    """Run every cell; JupyterLab may drop the first execute request, so check and retry."""
    page.wait_for_function(
        "() => { const k = window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel;"
        " return k && k.connectionStatus === 'connected' && k.status === 'idle'; }", timeout=120_000)
    for _attempt in range(4):
        if page.locator(".jp-Dialog").count():
            page.keyboard.press("Escape")       # a kernel dialog: keep the running kernel
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-InputPrompt')]"
                ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))", timeout=6_000)
            break
        except Exception:  # noqa: BLE001 -- the request was dropped: run again
            continue
    else:
        raise AssertionError("JupyterLab never ran the notebook")
    page.wait_for_function(
        f"() => [...document.querySelectorAll('.jp-InputPrompt')]"
        f".filter(p => /\\[\\d+\\]/.test(p.textContent)).length >= {cells}", timeout=120_000)
    if page.locator(".jp-Dialog").count():
        page.keyboard.press("Escape")


def _kernel(page, code: str) -> str:
    """Run ``code`` in the notebook's kernel (not as a cell); its printed output."""
    return page.evaluate(
        """async (code) => {
             const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
             const future = kernel.requestExecute({code, store_history: false});
             let out = '';
             future.onIOPub = (msg) => {
               if (msg.header.msg_type === 'stream') out += msg.content.text;
               if (msg.header.msg_type === 'error') out += msg.content.ename + ': ' + msg.content.evalue;
             };
             await future.done;
             return out;
           }""", code)


def _no_errors(page) -> None:
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    text = " ".join(errors.all_inner_texts()) if errors.count() else ""
    assert "Traceback" not in text and "Error" not in text, text
    assert page.locator(".bgk-problem").count() == 0


def test_jupyterlab_background_result_checkin_and_two_views(browser, tmp_path):
    pytest.importorskip("jupyterlab")
    adder = CONFORMANCE / "background_action.yml"
    food = CONFORMANCE / "target-code.yml"
    if not adder.exists() or not food.exists():
        pytest.skip("the conformance interviews are not beside the repository")
    root = tmp_path / "lab"
    root.mkdir()
    _notebook(root / "live.ipynb", [
        "import bgkernel, bgkernel.widgets as bw\n"
        f"sim = bgkernel.Simulator(timescale={TIMESCALE}, config={{'worker start delay': 0.2}})\n"
        f"adder = sim.start(sim.load({str(adder)!r}))\n"
        "app = bw.show(adder)",
        "same = bw.show(adder)            # the README's second view: the same live app\n"
        "assert same is app",
        "other = bw.InterviewApp(adder, chrome=False)   # another app: it follows the session\n"
        "other",
        "# docassemble's own timers for this one: the periodic check-in every 6 s\n"
        "food_sim = bgkernel.Simulator(backend='threading')\n"
        f"food = food_sim.start(food_sim.load({str(food)!r}))\n"
        "food_app = bw.show(food, chrome=False)",
    ])
    port, token = _free_port(), secrets.token_hex(16)
    env = _environment(tmp_path / "jupyter")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
           f"--port={port}", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--expose-app-in-browser"]
    base = f"http://127.0.0.1:{port}"
    with _server(cmd, f"{base}/api/status?token={token}", env, tmp_path / "lab.log"):
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        page.set_default_timeout(60_000)
        page.goto(f"{base}/lab/tree/live.ipynb?reset&token={token}")
        _run_all(page, 4)
        views = page.locator(".bgk-app", has_text="How much shall I add to 553?")
        views.first.wait_for()
        assert views.count() == 3                     # three views, one session
        page.screenshot(path=str(tmp_path / "lab-1-question.png"))

        number = page.locator(".widget-text input").first
        number.click()
        number.fill("5")
        page.locator(".jupyter-widgets button:has-text('Continue')").first.click()
        page.locator(".bgk-app", has_text="Hang tight.").first.wait_for()
        page.screenshot(path=str(tmp_path / "lab-2-waiting.png"))
        # the reload timer, nothing clicked: every view reaches the result by itself
        page.wait_for_function(
            "() => [...document.querySelectorAll('.bgk-app')]"
            ".filter(v => v.innerText.includes('The answer is 558.')).length === 3", timeout=60_000)
        assert page.locator(".bgk-app", has_text="Hang tight.").count() == 0
        page.screenshot(path=str(tmp_path / "lab-3-result.png"))

        # check in while typing: the cursor stays in the field, the target fills
        field = page.locator(".widget-text input").last
        field.click()
        page.keyboard.type("pizza", delay=40)
        page.locator(":text('What? You like PIZZA?')").wait_for(timeout=30_000)
        focused = field.evaluate("el => document.activeElement === el")
        page.screenshot(path=str(tmp_path / "lab-4-checkin.png"))
        assert focused, "the field lost the cursor"

        # leaving the field checks in at once: Tab, or a click elsewhere on the page (blur)
        page.keyboard.press("Tab")          # left with "pizza": a change check-in, which
        assert not field.evaluate("el => document.activeElement === el")  # restarts the 6 s
        field.fill("soup")                  # type again ...
        started = time.monotonic()
        page.locator(".bgk-app h3", has_text="What is your favorite food?").click()  # ... leave
        page.locator(":text('What? You like SOUP?')").wait_for(timeout=30_000)
        shown_after = time.monotonic() - started
        page.screenshot(path=str(tmp_path / "lab-5-left.png"))
        rows = json.loads(_kernel(page, "import json\nprint(json.dumps(list("
                                        "food.timeline.query(\"kind == 'checkin'\")['detail'])))"))
        print(f"SOUP shown {shown_after:.2f} s after the click elsewhere; check-ins: {rows}")
        pizza = next(i for i, d in enumerate(rows) if "favorite_food='pizza'" in d)
        soup = next(i for i, d in enumerate(rows) if "favorite_food='soup'" in d)
        assert "_changed" not in rows[pizza]            # typing: the periodic check-in carried it
        # the text reached the server first by leaving the field, not by a periodic check-in,
        # and no periodic check-in came between leaving with "pizza" and leaving with "soup"
        assert "_changed='favorite_food'" in rows[soup], rows[soup]
        assert "_changed='favorite_food'" in rows[soup - 1] and "'pizza'" in rows[soup - 1]
        _no_errors(page)
        page.close()


def test_voila_runs_a_tutorial_as_an_app(browser, tmp_path):
    pytest.importorskip("voila")
    notebook = REPO / "notebooks" / "01-background-actions.ipynb"
    with _voila(notebook, tmp_path) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        page.set_default_timeout(120_000)
        page.goto(url)
        apps = page.locator(".bgk-app")
        page.wait_for_function("() => [...document.querySelectorAll('.bgk-app')]"
                               ".some(a => a.innerText.includes('What shall I spell backwards?'))",
                               timeout=240_000)
        page.screenshot(path=str(tmp_path / "voila-1-loaded.png"))
        try_it = apps.last                          # the "try it yourself" app, the user's view
        number = try_it.locator(".widget-text input").first
        number.click()
        number.fill("stressed")
        try_it.locator("button:has-text('Continue')").first.click()
        try_it.locator(".widget-html", has_text="stressed backwards is desserts.").wait_for(
            timeout=60_000)                         # the reload timer brought it
        page.screenshot(path=str(tmp_path / "voila-2-clicked.png"))
        text = page.inner_text("body")
        assert "Traceback" not in text and "SessionError" not in text and "is closed" not in text
        assert page.locator(".bgk-problem").count() == 0
        page.close()


def test_voila_leaving_a_field_checks_in_at_once(browser, tmp_path):
    """Tab out of a text box in a Voila app: the check-in runs then, not at the periodic one."""
    pytest.importorskip("voila")
    food = CONFORMANCE / "target-code.yml"
    if not food.exists():
        pytest.skip("the conformance interviews are not beside the repository")
    root = tmp_path / "app"
    root.mkdir()
    _notebook(root / "food.ipynb", [
        "import bgkernel, bgkernel.widgets as bw\n"
        "# the periodic check-in a minute away: only leaving the field can bring the reply soon\n"
        "sim = bgkernel.Simulator(backend='threading', config={'checkin interval': 60000})\n"
        f"food = sim.start(sim.load({str(food)!r}))\n"
        "app = bw.show(food)",
    ])
    with _voila(root / "food.ipynb", tmp_path) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.set_default_timeout(120_000)
        page.goto(url)
        field = page.locator(".bgk-app .widget-text input").first
        field.wait_for(timeout=240_000)
        loaded = time.monotonic()
        assert "every 60 s" in page.inner_text(".bgk-app")     # the status line
        field.click()
        page.keyboard.type("tea", delay=40)
        page.wait_for_timeout(1500)          # typed and sent, the cursor still in the field
        assert "You like TEA" not in page.inner_text("body")   # no check-in per keystroke
        page.keyboard.press("Tab")           # leave the field
        page.locator(":text('What? You like TEA?')").wait_for(timeout=30_000)
        assert not field.evaluate("el => document.activeElement === el")
        field.fill("coffee")
        field.press("Enter")                 # Enter: a change too, and the cursor stays
        page.locator(":text('What? You like COFFEE?')").wait_for(timeout=30_000)
        assert field.evaluate("el => document.activeElement === el")
        assert time.monotonic() - loaded < 60   # before the first periodic check-in was due
        page.screenshot(path=str(tmp_path / "voila-3-left.png"))
        text = page.inner_text("body")
        assert "Traceback" not in text and page.locator(".bgk-problem").count() == 0
        page.close()
