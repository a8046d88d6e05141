"""items(concurrency=N): pages fetched N at a time when their URLs are provably derivable."""

from __future__ import annotations

import threading

import pytest

import hyperkm
from hyperkm.cli import main
from hyperkm.demo import running
from hyperkm.demo.render import FORMATS

from ..support import ScriptedServer

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def raw_pages_server():
    """Three pages of three, linked by opaque cursors (no offset/page parameter to derive)."""
    cursors = ["", "?cursor=q7Zx", "?cursor=Lm3a"]
    routes = {}
    for number, cursor in enumerate(cursors):
        links = [{"rel": "self", "href": f"/items{cursor}"}]
        if number + 1 < len(cursors):
            links.append({"rel": "next", "href": f"/items{cursors[number + 1]}"})
        routes[f"/items{cursor}"] = (200, JSON, {
            "links": links, "pagination": {"total": 9},
            "data": [{"n": number * 3 + i} for i in range(3)]})
    with ScriptedServer(routes) as server:
        yield server.url + "/items"


def ids(items) -> list:
    return [m.data["id"] for m in items]


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in ("array", "html")])
def test_same_members_in_the_same_order(fmt):
    with running(format=fmt, events=450, page_size=50) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        events = root.follow("accounts").items()[0].follow("products").items()[0].follow(
            "events")
        sequential = ids(events.items())
        notes = []
        root.client.on_note.append(notes.append)
        parallel = ids(root.client.resource(events.url).items(concurrency=4))
        assert parallel == sequential and len(parallel) == 450
        assert notes == []  # derived from the next href's query, and verified


def test_derived_from_the_template_of_the_link():
    with running(events=300) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        events = root.follow("events", limit=40)  # {?limit,offset} in the root's template
        assert ids(events.items(concurrency=5)) == ids(events.items())


def test_concurrency_really_overlaps_requests():
    with running(events=400, page_size=50, latency_ms=30) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        events = root.follow("products").items()[0].follow("events")
        _ = events.document
        in_flight, peak = [0], [0]
        lock = threading.Lock()
        original = demo.app.__class__.__call__

        def counting(app, environ, start_response):
            with lock:
                in_flight[0] += 1
                peak[0] = max(peak[0], in_flight[0])
            try:
                return original(app, environ, start_response)
            finally:
                with lock:
                    in_flight[0] -= 1

        demo.app.__class__.__call__ = counting
        try:
            assert len(ids(root.client.resource(events.url).items(concurrency=4))) == 400
        finally:
            demo.app.__class__.__call__ = original
        assert 2 <= peak[0] <= 4


def test_no_total_falls_back_to_next_and_says_so():
    with running(format="array", events=120) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        events = root.follow("products").items()[0].follow("events")
        notes = []
        root.client.on_note.append(notes.append)
        assert len(ids(events.items(concurrency=4))) == 120
        assert notes and "one by one" in notes[0] and "no total" in notes[0]


def test_an_underivable_next_link_falls_back(raw_pages_server):
    # page URLs that follow no offset/page pattern: opaque cursors
    notes = []
    root = hyperkm.connect(raw_pages_server)
    root.client.on_note.append(notes.append)
    assert [m.data["n"] for m in root.items(concurrency=3)] == list(range(9))
    assert notes and "one by one" in notes[0]


def test_errors_arrive_in_order():
    with running(events=300, page_size=50) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token, retries=0)
        events = root.follow("products").items()[0].follow("events")
        _ = events.document
        demo.app.fail_next(10)
        seen = []
        with pytest.raises(hyperkm.ServerError):
            for member in root.client.resource(events.url).items(concurrency=3):
                seen.append(member)
        assert len(seen) % 50 == 0  # whole pages before the failing one, nothing after


def test_cli_get_all_concurrency(capsys):
    with running(events=200, page_size=25) as demo:
        assert main(["get", demo.root_url, "--token", demo.token, "products", "--all",
                     "--format", "json"]) == 0
        capsys.readouterr()
        code = main(["get", demo.root_url, "--token", demo.token, "events", "--all",
                     "--concurrency", "4", "--format", "json"])
        out = capsys.readouterr().out.splitlines()
        assert code == 0 and len(out) == 212
