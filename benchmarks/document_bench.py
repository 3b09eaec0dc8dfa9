"""Seconds to assemble a one-page document (issue 13's figures).  Prints; asserts nothing.

For each case, "cold" is the first document of a fresh Python process (imports, pandoc's
and LibreOffice's start-up included) and "warm" the median of the next ones in the same
process.  The seconds are the timeline's ``document`` rows (assembly only).

* Markdown -> PDF (WeasyPrint), Markdown -> DOCX (pandoc), Markdown -> RTF (pandoc)
* DOCX template -> DOCX (docxtpl), DOCX template -> PDF (docxtpl + LibreOffice)
* PDF template -> PDF (pypdf)

    python benchmarks/document_bench.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

MARKDOWN = """[BOLDCENTER] Notice

Dear ${ who },

This letter is about the matter we discussed. It has a table:

Item | Count
-----|------
apples | 3

Yours truly.
"""

CASES = {
    "Markdown -> PDF": ("content", "pdf"), "Markdown -> DOCX": ("content", "docx"),
    "Markdown -> RTF": ("content", "rtf"), "DOCX template -> DOCX": ("docx", "docx"),
    "DOCX template -> PDF": ("docx", "pdf"), "PDF template -> PDF": ("pdf", "pdf"),
}


def interview(folder: str, source: str, fmt: str) -> str:
    from forms import docx_template, fillable_pdf
    lines = ["mandatory: True", "question: Done", "attachment:", "  name: Letter",
             "  filename: letter", f"  valid formats: [{fmt}]"]
    if source == "content":
        lines += ["  content: |"] + ["    " + line for line in MARKDOWN.splitlines()]
    elif source == "docx":
        docx_template(os.path.join(folder, "letter.docx"),
                      ["Notice", "Dear {{ who }},", "{%p for i in items %}", "Item {{ i }}",
                       "{%p endfor %}", "Yours truly."])
        lines += ["  docx template file: letter.docx"]
    else:
        fillable_pdf(os.path.join(folder, "form.pdf"))
        lines += ["  pdf template file: form.pdf", "  fields:", "    name: ${ who }",
                  "    agree: 'True'", "    color: Blue"]
    lines += ["---", "code: |", "  who = 'Ann Lee'", "  items = [1, 2, 3]"]
    path = os.path.join(folder, f"{source}-{fmt}.yml")
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return path


def measure(case: str, repeat: int) -> list[float]:
    """Seconds of ``repeat`` assemblies, in one process, in order."""
    import bgkernel
    source, fmt = CASES[case]
    with tempfile.TemporaryDirectory() as folder:
        path = interview(folder, source, fmt)
        with bgkernel.Simulator(store=os.path.join(folder, "s.sqlite"), backend="threading") as sim:
            loaded = sim.load(path)
            for _ in range(repeat):
                sim.start(loaded)
            rows = sim.timeline.query("kind == 'document'")
            return [float(x) for x in rows["duration"]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--case", help=argparse.SUPPRESS)       # one process's measurements
    args = parser.parse_args()
    if args.case:
        print(json.dumps(measure(args.case, args.repeat)))
        return
    print(f"{'case':24} {'cold s':>8} {'warm s':>8}")
    for case in CASES:
        run = subprocess.run([sys.executable, __file__, "--case", case, "--repeat",
                              str(args.repeat + 1)], capture_output=True, text=True, check=True)
        seconds = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"{case:24} {seconds[0]:8.3f} {statistics.median(seconds[1:]):8.3f}")


if __name__ == "__main__":
    main()
