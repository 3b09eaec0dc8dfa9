"""docassemble markup → HTML (ENGINE §6.2), document rendering and text extraction."""
from __future__ import annotations

import random
import threading
import time

import pytest

from bgkernel.language import markup
from bgkernel.language.markup import document_html, document_text, target_span, to_html, to_text


def test_plain_text_is_one_paragraph():
    assert to_html("What is your name?") == "<p>What is your name?</p>"
    assert to_html("What is your name?", trim=True) == "What is your name?"


def test_html_in_text_is_not_escaped():
    assert to_html("Say <b>hi</b>", trim=True) == "Say <b>hi</b>"


@pytest.mark.parametrize("name, span", [
    ("status", '<span class="datargetstatus"></span>'),
    ("my-target 2", '<span class="datargetmytarget2"></span>'),
    ("a_b.c", '<span class="datargeta_bc"></span>'),
])
def test_target_span_keeps_only_word_characters(name, span):
    assert target_span(name) == span
    assert to_html(f"Result: [TARGET {name}]", trim=True) == "Result: " + span


def test_line_and_paragraph_tags():
    assert to_html("one[BR]two", trim=True) == "one<br />two"
    assert to_html("one [NEWLINE] two", trim=True) == "one <br />two"
    assert to_html("one[NEWPAR]two", trim=True) == "one<br /><br />two"
    assert to_html("a [ENDASH] b [EMDASH] c[NBSP]d", trim=True) == \
        "a &ndash; b &mdash; c&nbsp;d"
    assert to_html("x[TAB]y", trim=True) == 'x<span class="datab"></span>y'
    blank = to_html("Sign: [BLANK]", trim=True)
    assert blank.count("&nbsp;") == 12 and "underline" in blank
    assert to_html("[BLANKFILL]", trim=True).count("&nbsp;") == 30
    assert to_html("[CHECKBOX] yes", trim=True).count("&nbsp;") == 4


def test_document_only_tags_leave_no_text_on_screen():
    html = to_html("[CENTER] Title\n\n[PAGEBREAK]\n\n[INDENTBY 1in] Indented [SKIPLINE]")
    assert "[" not in html
    assert '<p class="dacenter">Title</p>' in html
    assert 'style="padding-left:72px;"' in html
    assert to_html("[BOLDCENTER] Big") == '<p class="dacenter dabold">Big</p>'
    assert to_html("[FLUSHRIGHT] r") == '<p class="daflushright">r</p>'


def test_trim_joins_paragraphs_and_leaves_other_blocks():
    assert to_html("First\n\nSecond", trim=True) == "First Second"
    assert to_html("First\n\nSecond") == "<p>First</p>\n<p>Second</p>"
    assert to_html("- a\n- b", trim=True).startswith("<ul>")


def test_smarty_quotes_and_dashes():
    assert to_html('He said "hi" -- and left...', trim=True) == \
        "He said &ldquo;hi&rdquo; &ndash; and left&hellip;"
    assert to_html("It's Bob's", trim=True) == "It&rsquo;s Bob&rsquo;s"


def test_tables_get_bootstrap_classes():
    html = to_html("Fruit | Price\n------|------\nApple | 1\n")
    assert html.startswith('<div class="table-responsive"><table class="table table-striped">')
    assert html.endswith("</table></div>")
    assert "<td>Apple</td>" in html


def test_raw_html_tables_are_left_alone():
    html = to_html("<table><tr><td>x</td></tr></table>")
    assert html == "<table><tr><td>x</td></tr></table>"


def test_leading_bar_lines_are_line_breaks_not_tables():
    # docassemble turns "| text" lines into text<br> before Markdown sees them
    assert to_html("| one\n| two", trim=True) == "one<br>\ntwo<br>"


def test_blockquote_class_and_emphasis():
    assert to_html("> quoted *text*") == \
        '<blockquote class="blockquote">\n<p>quoted <em>text</em></p>\n</blockquote>'


def test_links_are_rewritten_like_docassemble():
    html = to_html("[site](https://example.com) [go](?action=next&x=1)", trim=True)
    assert '<a target="_blank" href="https://example.com">site</a>' in html
    assert '<a data-embaction="next" href="?action=next&amp;x=1">go</a>' in html


def test_attr_list_and_footnotes_are_on():
    assert to_html("Hello *there*{: .big }") == '<p>Hello <em class="big">there</em></p>'
    assert 'class="footnote"' in to_html("Claim[^1]\n\n[^1]: Source")


def test_two_columns():
    html = to_html("[BEGIN_TWOCOL]Left *a*[BREAK]Right[END_TWOCOL]")
    assert html.count("<td") == 2 and "<em>a</em>" in html and "table-responsive" not in html


def test_fast_path_matches_markdown_on_random_text():
    alphabet = list("abXé1 ,.?!;:()%$/@'\"") + ["  ", '"a', 'a"', "it's", ' "', '" ', "..."]
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
        if markup._plain(text) is not None:
            assert to_html(text) == markup._screen_html(text), text
            assert to_html(text, trim=True) == markup._trimmed(markup._screen_html(text))


def test_short_text_is_fast():
    to_html("warm up")
    start = time.perf_counter()
    for i in range(2000):
        to_html("What is your name?")
    assert (time.perf_counter() - start) / 2000 < 0.0002


def test_one_markdown_instance_per_thread():
    seen = {}

    def work(key):
        seen[key] = (markup._markdown(), to_html(f"Thread *{key}*", trim=True))

    threads = [threading.Thread(target=work, args=(k,)) for k in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["a"][0] is not seen["b"][0]
    assert seen["a"][1] == "Thread <em>a</em>" and seen["b"][1] == "Thread <em>b</em>"


def test_footnotes_do_not_leak_between_conversions():
    to_html("One[^1] *x*\n\n[^1]: first")
    assert "footnote" not in to_html("Two *y*")


def test_to_text_joins_text_runs_like_beautifulsoup():
    html = "<html><body><p>Hello &amp; bye</p>\n<p>World</p><!-- c --><script>x()</script></body></html>"
    assert to_text(html) == "Hello & bye\n\n\nWorld"
    assert to_text("plain") == "plain"
    assert to_text("<p>a</p><p>b</p>", separator=" ") == "a b"


def test_document_html_styles_layout_and_drops_targets():
    html = document_html("[BOLDCENTER] Agreement\n\nSee [TARGET x]below.[PAGEBREAK]\n\nEnd")
    assert '<p style="text-align: center; font-weight: bold">Agreement</p>' in html
    assert "datarget" not in html and "[" not in html
    assert "break-after: page" in html


def test_document_text_is_readable():
    text = document_text(
        "[CENTER] Title\n\nHello *there*[BR]next line\n\n- a\n- b\n\n1. c\n2. d\n\n"
        "Fruit | Price\n------|------\nApple | 1\n")
    assert text == ("Title\n\nHello there\nnext line\n\n- a\n- b\n\n1. c\n2. d\n\n"
                    "Fruit | Price\nApple | 1")
