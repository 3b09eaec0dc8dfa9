"""``python -m bgkernel``: run interviews headless, run scheduled tasks, export timelines.

    bgkernel run FILE --answer VAR=VALUE ... [--advance DAYS] [--json] [--store PATH] [--out DIR]
    bgkernel cron --type cron_daily --store PATH
    bgkernel timeline STORE [--out FILE.csv|.parquet]
    bgkernel demo
    bgkernel lint PATH... [--format text|json|github]
    bgkernel export-alkiln SESSION_OR_STORE [--store STORE] [--out FILE.feature]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import warnings
from typing import Any

from .analysis.alkiln import story_table
from .analysis.export import main_export
from .errors import BgkernelError, InterviewWarning
from .lint import FORMATS, exit_status, lint, render
from .simulator import Simulator

__all__ = ["main", "drive"]

EXAMPLES = os.path.join(os.path.dirname(__file__), "examples")


def _parse_value(text: str) -> Any:
    """``5`` stays the string "5" (as a browser sends it); JSON literals become values."""
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    return text


def drive(session: Any, answers: dict, presses: list[str], out: Any, as_json: bool,
          max_steps: int = 100, documents: str | None = None) -> Any:
    """Answer each screen from ``answers`` until nothing more can be answered; the
    documents of each screen are copied into the folder ``documents`` when given."""
    screen = session.screen
    for _ in range(max_steps):
        _print(screen, out, as_json)
        if documents:
            _save_documents(screen, documents, out if not as_json else None)
        if screen.kind == "wait" or (screen.kind == "question" and screen.reload and session.tasks):
            if session.sim.tasks.pending(session.id):
                session.wait(timeout=120)
                session.notifications()
                screen = session.refresh()
                continue
        if screen.kind != "question":
            break
        wanted = screen.variables
        if wanted and all(v in answers or _generic(screen, v) in answers for v in wanted):
            values = {v: answers.get(v, answers.get(_generic(screen, v))) for v in wanted}
            fields = {f.variable for f in screen.fields if f.variable}
            if fields:
                screen = session.answer({k: v for k, v in values.items() if k in fields})
            else:
                screen = session.answer(values)
            continue
        labels = [b.label for b in screen.buttons]
        pressed = next((p for p in presses if p in labels), None)
        if pressed is not None:
            presses.remove(pressed)
            screen = session.press(pressed)
            continue
        if session.sim.tasks.pending(session.id):
            session.wait(timeout=120)
            session.notifications()
            screen = session.refresh()
            continue
        break
    return screen


def _generic(screen: Any, variable: str) -> str:
    for fld in screen.fields:
        if fld.variable == variable and fld.generic:
            return fld.generic
    return variable


def _print(screen: Any, out: Any, as_json: bool) -> None:
    if as_json:
        out.write(json.dumps(screen.as_dict(), default=str) + "\n")
    else:
        out.write(screen.text() + "\n\n")


def _save_documents(screen: Any, folder: str, out: Any) -> None:
    """Copy a screen's documents (every format) into ``folder``."""
    os.makedirs(folder, exist_ok=True)
    for doc in screen.attachments:
        for ext, path in doc.files.items():
            target = os.path.join(folder, f"{doc.filename}.{ext}")
            shutil.copyfile(path, target)
            if out is not None:
                out.write(f"wrote {target}\n")


def _timeline_text(sim: Any) -> str:
    frame = sim.timeline
    if frame.empty:
        return "(no events)"
    frame = frame.copy()
    frame["at"] = frame["at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    frame["wall"] = frame["wall"].round(3)
    frame["detail"] = frame["detail"].astype(str).str.slice(0, 60)
    return frame[["at", "wall", "kind", "name", "detail"]].to_string(index=False)


def cmd_run(args: argparse.Namespace) -> int:
    answers = {}
    for item in args.answer or []:
        if "=" not in item:
            raise SystemExit(f"--answer takes VAR=VALUE, not {item!r}")
        key, value = item.split("=", 1)
        answers[key.strip()] = _parse_value(value)
    config = {"worker start delay": args.start_delay} if args.start_delay is not None else None
    with Simulator(store=args.store, start=args.start, config=config, timescale=args.timescale) as sim:
        session = sim.start(_load(sim, args.file))
        drive(session, answers, list(args.press or []), sys.stdout, args.json,
              documents=args.out)
        if args.advance:
            runs = sim.advance(days=args.advance)
            session.sim.tasks.wait_session(None, timeout=300)
            if not args.json:
                print(f"advanced {args.advance} day(s): {len(runs)} scheduled run(s); now {sim.now():%Y-%m-%d %H:%M %Z}")
                for mail in sim.outbox:
                    print(f"  e-mail to {', '.join(mail.to)}: {mail.subject}")
        if args.timeline and not args.json:
            print(_timeline_text(sim))
    return 0


def cmd_cron(args: argparse.Namespace) -> int:
    with Simulator(store=args.store) as sim:
        runs = sim.run_cron(args.type)
        sim.tasks.wait_session(None, timeout=300)
        for run in runs:
            print(json.dumps(run, default=str))
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    main_export(args.store, args.out)
    if args.out:
        print(f"wrote {args.out}")
    return 0


def _load(sim: Simulator, path: str) -> Any:
    """The interview, with what docassemble would ignore said on stderr as ``warning: ...``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InterviewWarning)
        interview = sim.load(path)
    for found in caught:
        print(f"warning: {found.message}", file=sys.stderr)
    return interview


def cmd_demo(args: argparse.Namespace) -> int:
    path = os.path.join(EXAMPLES, "reminder.yml")
    with Simulator(start="2026-01-05T09:00:00", config={"worker start delay": 1.0}) as sim:
        print(f"== {path}\n")
        session = sim.start(sim.load(path), user="ada@example.com")
        drive(session, {"filing_date": "2026-01-02", "email_address": "ada@example.com",
                        "amount": "150"}, [], sys.stdout, False)
        print("== advancing the calendar 30 days (hourly and daily scheduled runs)\n")
        runs = sim.advance(days=30)
        sim.tasks.wait_session(None, timeout=120)
        print(f"{len(runs)} scheduled runs; now {sim.now():%Y-%m-%d %H:%M %Z}")
        for mail in sim.outbox:
            print(f"e-mail sent {mail.at:%Y-%m-%d %H:%M} to {', '.join(mail.to)}: {mail.subject}")
        print()
        print(session.refresh().text())
        print("\n== timeline\n")
        frame = sim.timeline
        if len(frame) > 60:
            cron_runs = int((frame["kind"] == "cron").sum())
            print(_timeline_text(_Only(frame[frame["kind"] != "cron"])))
            print(f"(and {cron_runs} rows of scheduled runs, left out here)")
        else:
            print(_timeline_text(sim))
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    findings = lint(args.paths, dayamlchecker=False if args.no_dayamlchecker else None)
    print(render(findings, args.format))
    return exit_status(findings)


def cmd_export_alkiln(args: argparse.Namespace) -> int:
    """A store's sessions (or one of them) as an ALKiln story table."""
    if os.path.exists(args.target):
        store, wanted = args.target, args.session
    elif args.store:
        store, wanted = args.store, args.target
    else:
        raise SystemExit(f"{args.target!r} is not a store file; give a session id with --store STORE")
    with Simulator(store=store) as sim:
        ids = [wanted] if wanted else [s.id for s in sim.sessions]
        sessions = []
        for session_id in ids:
            session = sim.session(session_id)
            sessions.append((session.interview, dict(session.variables), session.timeline, session.id))
        if not sessions:
            raise SystemExit(f"no session in the store {store}")
        text = story_table(sessions)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {args.out}")
    else:
        print(text)
    return 0


class _Only:
    def __init__(self, frame: Any):
        self.timeline = frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bgkernel", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run an interview with scripted answers, printing each screen")
    run.add_argument("file")
    run.add_argument("--answer", "-a", action="append", metavar="VAR=VALUE")
    run.add_argument("--press", action="append", metavar="LABEL", help="press this button when shown")
    run.add_argument("--advance", type=float, metavar="DAYS", help="then advance the calendar")
    run.add_argument("--start", help="calendar start (ISO date/time)")
    run.add_argument("--store", help="SQLite store to use (default: a new temporary one)")
    run.add_argument("--json", action="store_true", help="one JSON object per screen")
    run.add_argument("--timeline", action="store_true", help="print the timeline at the end")
    run.add_argument("--timescale", type=float, default=1.0)
    run.add_argument("--out", metavar="DIR", help="write the documents of each screen here")
    run.add_argument("--start-delay", type=float, default=None, help="worker start delay (s)")
    run.set_defaults(func=cmd_run)
    cron = sub.add_parser("cron", help="one scheduled run over a store's sessions")
    cron.add_argument("--type", default="cron_daily")
    cron.add_argument("--store", required=True)
    cron.set_defaults(func=cmd_cron)
    timeline = sub.add_parser("timeline", help="export a store's timeline")
    timeline.add_argument("store")
    timeline.add_argument("--out", help="a .csv or .parquet file (default: print CSV)")
    timeline.set_defaults(func=cmd_timeline)
    demo = sub.add_parser("demo", help="a background task and a month of scheduled tasks")
    demo.set_defaults(func=cmd_demo)
    lint_cmd = sub.add_parser("lint", help="the background-code pitfalls of interviews (exit 1 on errors)")
    lint_cmd.add_argument("paths", nargs="+", metavar="PATH", help="interview files or folders")
    lint_cmd.add_argument("--format", choices=FORMATS, default="text")
    lint_cmd.add_argument("--no-dayamlchecker", action="store_true",
                          help="leave out DAYamlChecker's findings even when it is installed")
    lint_cmd.set_defaults(func=cmd_lint)
    alkiln = sub.add_parser("export-alkiln", help="a store's sessions as an ALKiln story table (.feature)")
    alkiln.add_argument("target", metavar="SESSION_OR_STORE")
    alkiln.add_argument("--store", help="the store, when SESSION_OR_STORE is a session id")
    alkiln.add_argument("--session", help="only this session of the store")
    alkiln.add_argument("--out", help="the .feature file to write (default: print it)")
    alkiln.set_defaults(func=cmd_export_alkiln)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BgkernelError as err:
        print(f"bgkernel: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
