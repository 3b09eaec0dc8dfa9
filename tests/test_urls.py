"""bgkernel.library.urls: the web server's functions, as a headless simulator answers them."""
from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from bgkernel.library import urls
from bgkernel.library.context import RunContext, running
from bgkernel.errors import DAError
from bgkernel.language.templates import Undefined
from conftest import start


def _action_of(url: str) -> dict:
    token = parse_qs(urlsplit(url).query)["action"][0]
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


LINKS = """
metadata:
  title: Links
  tags: [apples, oranges]
---
mandatory: True
code: |
  session_tags().add('grapes')
  set_parts(title="Fruit rules", short="Fruit", subtitle="a fruit interview")
  menu_items = [action_menu_item('Review', 'review_answers', section=2)]
---
mandatory: True
question: Links
subquestion: |
  exit=${ url_of('exit') }
  login=${ url_of('login') }
  here=${ interview_url() }
  local=${ interview_url(local=True) }
  fresh=${ interview_url(new_session=1) }
  act=${ interview_url_action('review_answers', n=3) }
  tags=${ ', '.join(sorted(session_tags())) }
  device=${ device() } ${ device().is_pc } ${ device(ip=True) }
field: seen
"""


def _lines(screen) -> dict:
    return dict(line.split("=", 1) for line in screen.subquestion.splitlines() if "=" in line)


def test_urls_and_session_state_in_a_running_interview(sim):
    session = start(sim, LINKS)
    found = _lines(session.screen)
    name = session.interview.name
    assert urlsplit(found["exit"]).path == "/exit"
    assert parse_qs(urlsplit(found["exit"]).query)["i"] == [name]
    assert found["login"] == "/user/sign-in"
    here = urlsplit(found["here"])
    assert (here.scheme, here.netloc, here.path) == ("http", "localhost", "/interview")
    assert parse_qs(here.query) == {"i": [name], "session": [session.id]}
    assert found["local"].startswith("/interview?")
    assert "session" not in parse_qs(urlsplit(found["fresh"]).query)
    assert _action_of(found["act"]) == {"action": "review_answers", "arguments": {"n": 3}}
    assert found["tags"] == "apples, grapes, oranges"
    assert found["device"] == "PC / Linux / Firefox 128.0 True 127.0.0.1"
    menu = session.get("menu_items")
    assert menu[0]["label"] == "Review"
    assert _action_of(menu[0]["url"]) == {"action": "review_answers", "arguments": {"section": 2}}
    internal = session.get("_internal")
    assert internal["page parts"] == {"title": "Fruit rules", "short title": "Fruit",
                                      "subtitle": "a fruit interview"}


def test_url_of_outside_pages():
    with running(RunContext(config={"url root": "https://example.org/da"})):
        assert urls.url_of("https://docassemble.org", a=1) == "https://docassemble.org?a=1"
        assert urls.url_of("mailto:a@b.org") == "mailto:a@b.org"
        assert urls.url_of("help") == "javascript:daShowHelpTab()"
        assert urls.url_of("root", _external=True) == "https://example.org/da/"
        assert urls.url_of("docassemble.base:data/static/hello.pdf") == \
            "/packagestatic/docassemble.base/hello.pdf"


def test_static_file_next_to_the_interview_is_a_file_uri(sim, tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "brochure.pdf").write_bytes(b"%PDF")
    yml = tmp_path / "links.yml"
    yml.write_text("mandatory: True\nquestion: ${ url_of('brochure.pdf') }\n")
    question = sim.start(sim.load(str(yml))).screen.question
    assert question.startswith("file://") and question.endswith("/static/brochure.pdf")


DISPATCH = """
mandatory: True
code: |
  dispatch('main_menu_selection')
  final_screen
---
question: Main menu
field: main_menu_selection
buttons:
  - Rocks: rocks_page
  - Continue: Null
---
question: Rocks screen
field: rocks_page
---
event: final_screen
question: Done
"""


def test_dispatch_runs_the_chosen_page_then_asks_again(sim):
    session = start(sim, DISPATCH)
    assert session.screen.question == "Main menu"
    assert session.press("Rocks").question == "Rocks screen"
    assert session.press("Continue").question == "Main menu"
    assert session.press("Continue").question == "Done"


def test_language_is_set_per_evaluation():
    with running(RunContext(config={"language": "fr"})):
        assert urls.get_language() == "fr"
        urls.set_language("es", dialect="mx")
        assert (urls.get_language(), urls.get_dialect()) == ("es", "mx")
    with running(RunContext()):
        assert urls.get_language() == "en"
        assert urls.language_from_browser() is None and urls.language_name("de") == "German"


def test_server_side_services():
    with running(RunContext()):
        assert not any(urls.server_capabilities().values())
        assert "sms" in urls.server_capabilities()
        assert urls.send_sms(to="+12025550100", body="hi") is False
        with pytest.raises(DAError, match=r"ocr_file\(\) is not available in bgkernel"):
            urls.ocr_file("scan.png")
        with pytest.raises(NameError):           # an undefined argument is sought first
            urls.overlay_pdf(Undefined("user_picture"))
        urls.set_live_help_status(availability=True, mode="help", partner_roles="advocate")
        assert urls._internal()["livehelp"] == {"availability": "available", "mode": "help",
                                                "partner_roles": ["advocate"]}


def test_unavailable_service_asks_for_its_argument_first(sim):
    session = start(sim, """
mandatory: True
question: Text
subquestion: ${ ocr_file(the_file) }
---
question: Please upload a file
fields:
  - File: the_file
""")
    assert session.screen.question == "Please upload a file"


def test_buttons_and_markup():
    html = urls.action_button_html("https://docassemble.org", color="primary", size="md",
                                   label="Visit", icon="pencil", new_window=True)
    assert html == ('<a target="_blank" href="https://docassemble.org" class="btn btn-primary '
                    'btn-darevisit"><i class="fa-solid fa-pencil"></i> Visit</a> ')
    assert urls.static_image("court.svg") == "[FILE court.svg]"
    assert urls.static_image("court.svg", width="2in") == "[FILE court.svg, 2in]"
    assert urls.qr_code("https://x.org") == "[QR https://x.org]"
    assert urls.qr_code("u", width="1in", alt_text="a link") == "[QR u, 1in, a link]"
