"""docassemble.base.util objects beyond the seed's: DAWeb against a real HTTP server on
127.0.0.1, DAGlobal shared across sessions, DATemplate, DAContext, Event, RoleChangeTracker,
and the names that need a server's service."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import bgkernel
from conftest import start


class _API(BaseHTTPRequestHandler):
    def _reply(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 -- http.server's name
        if self.path.startswith("/missing"):
            self._reply(404, b"not here", "text/plain")
        elif self.path.startswith("/plain"):
            self._reply(200, b"just text", "text/plain")
        else:
            self._reply(200, json.dumps({"path": self.path,
                                         "auth": self.headers.get("Authorization")}).encode())

    def do_POST(self):  # noqa: N802
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size)
        self._reply(201, json.dumps({"got": json.loads(body or b"null"),
                                     "type": self.headers.get("Content-Type")}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _API)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_daweb_calls_a_real_server(sim, api):
    s = start(sim, f"""
mandatory: True
code: |
  web = DAWeb('web', base_url='{api}', auth=dict(type='bearer', token='tok'))
  got = web.get('items', data={{'q': 'x'}})
  posted = web.post('items', data={{'a': 1}})
  text = web.get('plain')
  missing = web.get('missing', on_failure='status_code')
  nothing = web.get('missing')
  try:
    web.get('missing', on_failure='raise')
  except DAWebError as err:
    raised = (err.status_code, err.response_text)
  down = web.get('http://127.0.0.1:9/none', on_failure='unreachable')
  done_task = web.get('items', task='fetched')
  performed = task_performed('fetched')
---
mandatory: True
question: Done
""")
    assert s.screen.question == "Done", s.last_error
    assert s.get("got") == {"path": "/items?q=x", "auth": "Bearer tok"}
    assert s.get("posted") == {"got": {"a": 1}, "type": "application/json"}
    assert s.get("text") == "just text"
    assert s.get("missing") == 404 and s.get("nothing") is None
    assert s.get("raised") == (404, "not here")
    assert s.get("down") == "unreachable" and s.get("performed") is True


def test_daglobal_attributes_are_shared_by_the_users_sessions(sim):
    source = """
objects:
  - prefs: DAGlobal.using(base='user', key='prefs')
---
mandatory: True
code: |
  if not defined('prefs.colour'):
    prefs.colour = 'red'
  seen = prefs.colour
---
mandatory: True
question: ${ seen }
buttons:
  - Blue: blue
---
event: blue
code: |
  prefs.colour = 'blue'
"""
    first = start(sim, source, user="ada@example.com")
    assert first.screen.question == "red"
    first.action("blue")
    second = start(sim, source, user="ada@example.com")
    assert second.get("seen") == "blue"                   # set by the other session
    other_user = start(sim, source, user="bob@example.com")
    assert other_user.get("seen") == "red"                # another user: another base


def test_datemplate_dacontext_and_event(sim):
    s = start(sim, """
objects:
  - party: Event
---
mandatory: True
code: |
  note = DATemplate('note', subject='Hi', content='**Body**')
  name = DAContext('name', question='the user', document='the Petitioner')
  party.address.city = 'Boston'
  party.location.latitude = 42.36
  party.location.longitude = -71.06
  result = [note.subject, note.show(), str(name), name['document'], str(party),
            str(party.location), party.location.status()]
---
mandatory: True
question: Done
""")
    assert s.get("result") == ["Hi", "**Body**", "the user", "the Petitioner", "Boston",
                               "42.36, -71.06", False]


def test_role_change_tracker_mails_once_per_role(sim):
    s = start(sim, """
objects:
  - tracker: RoleChangeTracker
  - advocate: Individual
---
mandatory: True
code: |
  advocate.email = 'adv@example.com'
  note = DATemplate('note', subject='Your turn', content='Please continue.')
  first = tracker.send_email(['advocate'], advocate={'to': advocate, 'email': note})
  again = tracker.send_email(['advocate'], advocate={'to': advocate, 'email': note})
---
mandatory: True
question: Done
""")
    assert (s.get("first"), s.get("again")) == (True, False)
    assert [m.subject for m in sim.outbox] == ["Your turn"]


@pytest.mark.parametrize("code, words", [
    ("DARedis()", "a Redis server"),
    ("DACloudStorage()", "cloud storage"),
    ("DAGoogleAPI()", "Google's APIs"),
    ("DAOAuth('o')", "an OAuth2 provider"),
    ("SVMMachineLearner('x')", "machine-learning training database"),
    ("DA.Sessions", "the SQL database"),
    ("include_docx_template('a.docx')", "only be used inside a DOCX template"),
])
def test_names_that_need_a_service_say_which(sim, code, words):
    s = start(sim, f"mandatory: True\ncode: |\n  thing = {code}\n---\nmandatory: True\nquestion: No\n")
    with pytest.raises(bgkernel.InterviewError, match=words):
        s.screen  # noqa: B018


def test_relationship_tree(sim):
    s = start(sim, """
objects:
  - tree: RelationshipTree
---
mandatory: True
code: |
  ann = tree.new(name='Ann')
  bob = tree.new(name='Bob')
  cy = tree.new(name='Cy')
  first = tree.add_relationship_dir(parent=ann, child=cy, relationship_type='parent')
  again = tree.add_relationship_dir(parent=ann, child=cy, relationship_type='parent')
  tree.add_relationship_dir(parent=bob, child=cy, relationship_type='parent')
  tree.add_relationship_peer(ann, bob, relationship_type='spouse')
  result = [first is again, len(tree.relationships_dir),
            [r.parent.name for r in tree.query_dir(child=cy)],
            [r.relationship_type for r in tree.query_peer(involves=[ann, bob])],
            len(list(tree.query_dir(tree._and(involves=ann, relationship_type='parent')))),
            len(list(tree.query_dir(lambda r: r.parent is bob)))]
---
mandatory: True
question: Done
""")
    assert s.screen.question == "Done", s.last_error
    assert s.get("result") == [True, 2, ["Ann", "Bob"], ["spouse"], 1, 1]


def test_breadcrumbs_are_empty_without_labelled_actions(sim):
    s = start(sim, "mandatory: True\ncode: |\n  crumbs = DABreadCrumbs('crumbs')\n"
                   "  shown = crumbs.show()\n  trail = crumbs.get_crumbs()\n---\n"
                   "mandatory: True\nquestion: Done\n")
    assert (s.get("shown"), s.get("trail")) == ("", [])
