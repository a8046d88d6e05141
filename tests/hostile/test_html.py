"""The HTML reader is linear in the page: pages built to make a parser rescan, walk its
stack or nest without end are read (or refused) in bounded time and memory.

Each page is parsed in a subprocess with a time limit, so a regression fails instead of
hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

import hyperkm
from hyperkm import _deadline
from hyperkm.formats.html import HtmlFormat

from .conftest import respond

MB = 1024 * 1024

PAGES = {
    "a-repeated": "'<a' * 2_000_000",
    "end-tag-opener-repeated": "'</' * 2_000_000",
    "pi-repeated": "'<?' * 2_000_000",
    "unmatched-end-tags": "'</div>' * 700_000",
    "nested-divs": "'<div>' * 700_000",
    "nested-microdata": "'<div itemscope itemprop=\"x\" itemid=\"/i\">' * 100_000",
    "text-under-properties": "'<span itemprop=\"p\">' * 250 + '<b>x</b>' * 400_000",
    "huge-property-text": "'<span itemprop=\"p\">' * 250 + 'x' * 4_000_000",
    "many-links": "'<a rel=\"item\" href=\"/e/1\">e</a>' * 120_000",
    "many-attributes": "'<a ' + ' '.join(f'a{i}=\"1\"' for i in range(200_000)) + '>'",
    "unclosed-attribute": "'<a href=\"' + 'x' * 4_000_000",
    "many-forms": "'<form><input name=a pattern=\"(a|a)*$\">' * 100_000",
}

PROBE = textwrap.dedent("""
    import json, resource, sys, time
    from hyperkm import DocumentError
    from hyperkm.formats.html import HtmlFormat
    page = eval(sys.argv[1])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        doc = HtmlFormat().parse_text(page, "http://127.0.0.1/p")
        outcome = f"read {len(doc.links)} links"
    except DocumentError as exc:
        outcome = "refused: " + str(exc)[:60]
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
    print(json.dumps([len(page), time.perf_counter() - started, grown, outcome]))
""")


@pytest.mark.parametrize("expression", list(PAGES.values()), ids=list(PAGES))
def test_hostile_pages_are_read_in_linear_time(expression):
    run = subprocess.run([sys.executable, "-c", PROBE, expression], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    size, seconds, grown_mb, outcome = json.loads(run.stdout)
    assert size >= 200_000
    assert seconds < 3.0, (seconds, outcome)  # ~0.1 s here; a quadratic reader takes minutes
    assert grown_mb < 40 * size / MB + 64, (grown_mb, outcome)


def test_a_page_nested_too_deep_is_a_document_error():
    with pytest.raises(hyperkm.DocumentError, match="nested"):
        HtmlFormat().parse_text("<div>" * 5000 + '<a rel="x" href="/x">x</a>', "http://h/")


def test_ordinary_nesting_is_read():
    page = "<div>" * 200 + '<a rel="next" href="/p2">next</a>' + "</div>" * 200
    doc = HtmlFormat().parse_text(page, "http://h/p1")
    assert doc.links["next"].href == "http://h/p2"


def test_an_element_with_too_many_attributes_is_a_document_error():
    page = "<a " + " ".join(f'a{i}="1"' for i in range(5000)) + ' rel="x" href="/x">'
    with pytest.raises(hyperkm.DocumentError, match="attributes"):
        HtmlFormat().parse_text(page, "http://h/")


def test_nested_properties_over_a_huge_text_keep_a_bounded_value():
    page = ("<div itemscope itemid='/a'>" + "<span itemprop='p'>" * 100 + "x" * 1_000_000
            + "</span>" * 100 + "</div>")
    doc = HtmlFormat().parse_text(page, "http://h/")
    value = doc.items[0].data["p"]
    assert 0 < len(value) <= 64 * 1024


def test_parsing_counts_against_the_deadline():
    page = '<a rel="item" href="/e">e</a>' * 50_000
    with _deadline.running(0.001):
        time.sleep(0.01)
        with pytest.raises(hyperkm.Timeout, match="deadline"):
            HtmlFormat().parse_text(page, "http://h/")


def test_a_hostile_page_over_http_is_bounded_by_the_deadline(raw_server):
    page = "<a" * 1_000_000
    server = raw_server(lambda req, conn, srv: respond(conn, 200, page,
                                                       content_type="text/html"))
    root = hyperkm.connect(server.url + "/core", deadline=5)
    started = time.monotonic()
    assert root.links.all("item") == []
    assert time.monotonic() - started < 5
