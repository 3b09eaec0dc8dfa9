"""The diagnostics panel of the widget app: beside the screen, filled from the timeline's
``diagnostic`` rows as the app refreshes its status."""
from __future__ import annotations

import ipywidgets as W

import bgkernel
from conftest import INTERVIEWS
from bgkernel.widgets import InterviewApp

ASKS = str(INTERVIEWS / "task_that_asks.yml")   # a background action that asks


def test_the_panel_shows_a_task_that_asked_a_question(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading",
                            config={"worker start delay": 0.0}) as sim:
        app = InterviewApp(sim.start(sim.load(ASKS)), live=False)
        try:
            beside = [c for c in app.root.children if isinstance(c, W.HBox)
                      and app.screen_box in c.children]
            assert beside and app.diagnostics.box in beside[0].children
            app.wait(30)
            assert [code for code, _ in app.diagnostics.rows] == ["BGK101"]
            assert app.diagnostics.box.layout.display is None
            html = app.diagnostics.box.value
            assert "BGK101" in html and "ended by asking a question" in html
            assert "Fix: end every path of the action with background_response()" in html
        finally:
            app.close()


def test_the_panel_stays_hidden_when_nothing_went_wrong(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading") as sim:
        app = InterviewApp(sim.start(sim.load("mandatory: True\nquestion: Hi\n")), live=False)
        try:
            app.update_status()
            assert app.diagnostics.rows == () and app.diagnostics.box.layout.display == "none"
        finally:
            app.close()
