"""The linter: each rule against its own interview in tests/lint (the finding expected at
the line marked ``# expect: CODE``, and nothing else), docassemble's demos free of false
errors, the command line's three formats and exit status, DAYamlChecker merged in."""
from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import types

import pytest
from conftest import CONFORMANCE

import bgkernel
from bgkernel.lint import RULES, dayaml, lint, render

CORPUS = pathlib.Path(__file__).resolve().parent / "lint"
FILES = sorted(CORPUS.glob("*.yml"))
EXPECT = re.compile(r"#\s*expect:\s*(BGK\d+)")


def expected(path: pathlib.Path) -> set[tuple[str, int]]:
    return {(m.group(1), number) for number, line in enumerate(path.read_text().splitlines(), 1)
            for m in EXPECT.finditer(line)}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_corpus_interview_has_exactly_its_findings(path):
    found = {(f.code, f.line) for f in lint(path, dayamlchecker=False)}
    assert found == expected(path), "\n".join(str(f) for f in lint(path, dayamlchecker=False))


def test_every_static_rule_has_an_interview_in_the_corpus():
    covered = {code for path in FILES for code, _ in expected(path)}
    static = {code for code in RULES if code.startswith(("BGK0", "BGK1"))}
    assert static <= covered, f"rules without a corpus interview: {sorted(static - covered)}"


def test_findings_say_what_and_how_to_fix():
    finding, = [f for f in lint(CORPUS / "bgk104_refresh_every_run.yml", dayamlchecker=False)]
    assert finding.severity == "error" and finding.file.endswith("bgk104_refresh_every_run.yml")
    assert "refresh" in finding.message and finding.fix.startswith("call background_response('refresh') only")


def test_did_you_mean_for_an_ignored_key():
    finding, = lint("mandatory: True\nquestion: Hi\nsubquestoin: there\n", dayamlchecker=False)
    assert finding.code == "BGK002" and finding.line == 3
    assert "did you mean 'subquestion'" in finding.message


def test_the_public_name_and_text_input():
    findings = bgkernel.lint("event: bg\ncode: |\n  x = 1\n---\nmandatory: True\ncode: |\n"
                             "  t = background_action('bg')\n  done\n", dayamlchecker=False)
    assert [(f.code, f.line) for f in findings] == [("BGK101", 3), ("BGK103", 3)]


def _demos():
    if not CONFORMANCE.is_dir():
        pytest.skip("../shared/conformance is absent")
    return sorted(CONFORMANCE.glob("*.yml"))


def test_docassemble_demos_have_no_false_errors():
    demos = _demos()
    assert len(demos) == 23
    findings = lint(CONFORMANCE, dayamlchecker=False)
    assert [str(f) for f in findings if f.severity == "error"] == []


def test_a_demo_made_wrong_is_caught(tmp_path):
    """The check above can fail: the refresh demo without its guard is an error."""
    demo = next(p for p in _demos() if p.name == "ajax-refresh.yml")
    text = demo.read_text().replace(
        "  if action_argument('number_of_things') and number_of_things != int(action_argument('number_of_things')):\n",
        "  if True:\n")
    broken = tmp_path / "ajax-refresh.yml"
    broken.write_text(text)
    assert [f.code for f in lint(broken, dayamlchecker=False)] == ["BGK104"]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "bgkernel", "lint", "--no-dayamlchecker", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_text_json_github_and_exit_status():
    bad = str(CORPUS / "bgk101_background_no_response.yml")
    text = _cli(bad)
    assert text.returncode == 1
    assert f"{bad}:23: error BGK101" in text.stdout and "1 finding(s), 1 error(s)" in text.stdout
    data = json.loads(_cli("--format", "json", bad).stdout)
    assert data == [{"code": "BGK101", "severity": "error", "file": bad, "line": 23,
                     "message": data[0]["message"], "fix": RULES["BGK101"].fix, "source": "bgkernel"}]
    github = _cli("--format", "github", bad).stdout.strip()
    assert github.startswith(f"::error file={bad},line=23,title=BGK101::the background action 'bg_task'")
    warning_only = _cli(str(CORPUS / "bgk105_refresh_browser_guard.yml"))
    assert warning_only.returncode == 0 and "warning BGK105" in warning_only.stdout


def test_cli_lints_a_folder():
    result = _cli(str(CORPUS))
    assert result.returncode == 1
    for path in FILES:
        assert path.name in result.stdout


def test_github_annotations_escape_newlines_and_commas():
    finding = bgkernel.lint("question: Hi\ncode: x\n", dayamlchecker=False)[0]
    line = render([finding], "github")
    assert "\n" not in line and line.startswith("::error file=<interview>,line=")


def test_dayamlchecker_findings_are_merged(monkeypatch):
    """Where DAYamlChecker is installed its results join the report, under its own codes
    (here a stand-in with its library interface: find_errors_from_string)."""
    calls = []

    class Result:
        def __init__(self, line):
            self.code, self.severity, self.line_number = "EG122", "error", line
            self.err_str, self.file_name = "Python syntax error: invalid syntax", None

    def find_errors_from_string(text, input_file=None):
        calls.append(input_file)
        return [Result(2)]

    package = types.ModuleType("dayamlchecker")
    module = types.ModuleType("dayamlchecker.yaml_structure")
    module.find_errors_from_string = find_errors_from_string
    monkeypatch.setitem(sys.modules, "dayamlchecker", package)
    monkeypatch.setitem(sys.modules, "dayamlchecker.yaml_structure", module)
    path = CORPUS / "bgk104_refresh_every_run.yml"
    found = lint(path)
    assert calls == [str(path)]
    assert [(f.code, f.line, f.source) for f in found] == [("EG122", 2, "dayamlchecker"),
                                                          ("BGK104", 11, "bgkernel")]
    assert [f.code for f in lint(path, dayamlchecker=False)] == ["BGK104"]


def test_dayamlchecker_required_but_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(dayaml, "_checker", lambda: None)
    with pytest.raises(bgkernel.ConfigError, match="pip install 'bgkernel\\[lint\\]'"):
        lint(CORPUS / "bgk104_refresh_every_run.yml", dayamlchecker=True)


def test_the_real_dayamlchecker_when_installed():
    """With DAYamlChecker installed (Python 3.12+: pip install 'bgkernel[lint]') its own
    findings join ours; skipped where it is not."""
    pytest.importorskip("dayamlchecker.yaml_structure")
    found = lint(CORPUS / "bgk002_ignored_key.yml")
    theirs = [f for f in found if f.source == "dayamlchecker"]
    assert any(f.code == "EG301" and "subquestoin" in f.message for f in theirs)
    assert ("BGK002", 4) in {(f.code, f.line) for f in found}
