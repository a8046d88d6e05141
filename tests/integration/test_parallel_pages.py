"""items(concurrency=N): pages fetched N at a time when their URLs are provably derivable."""

from __future__ import annotations

import threading

import pytest

import hyperkm
from hyperkm.cli import main
from hyperkm.demo import running
from hyperkm.demo.render import FORMATS

from ..support import ScriptedServer
from .test_traversal import ident

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
    return [ident(m) for m in items]


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
        # derived from the next href's query, and verified: the trace says it fanned out
        assert len(notes) == 1 and "4 at a time" in notes[0], notes


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


def test_no_total_but_a_last_link_fans_out_from_it():
    # Bare arrays paged by Link headers (GitHub's way): no total anywhere, but rel="last"
    # names the last page — the number of pages, once the derivation is proved to reach it.
    with running(format="array", events=120) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        events = root.follow("products").items()[0].follow("events")
        notes = []
        root.client.on_note.append(notes.append)
        assert ids(events.items(concurrency=4)) == ids(events.items())
        assert len(ids(events.items(concurrency=4))) == 120
        assert notes and "fetching 6 pages 4 at a time" in notes[0]


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


def _offset_pages(total: int, real: int, served_to: int) -> dict:
    """Pages of 3 at ?offset=N&limit=3 stating ``total``; ``real`` members exist; pages are
    served up to offset ``served_to``, each with a `next` link (past the end: empty pages)."""
    routes = {}
    for offset in range(0, served_to + 1, 3):
        data = [{"n": n} for n in range(offset, min(offset + 3, real))]
        links = [{"rel": "self", "href": f"/items?offset={offset}&limit=3"},
                 {"rel": "next", "href": f"/items?offset={offset + 3}&limit=3"}]
        if offset + 3 > served_to:
            links.pop()
        routes[f"/items?offset={offset}&limit=3"] = (200, JSON, {
            "links": links, "pagination": {"total": total, "offset": offset, "limit": 3},
            "data": data})
    return routes


@pytest.mark.parametrize("total", [10**9, 10])
def test_a_total_that_says_too_many_stops_at_the_first_empty_page(total):
    # 9 real members, empty pages after them (with `next` links) up to offset 30; a page
    # beyond that would be a 404. The sequential walk stops at the first empty page; so must
    # the parallel one, whatever the server claims.
    with ScriptedServer(_offset_pages(total, 9, 30)) as server:
        root = hyperkm.connect(server.url + "/items?offset=0&limit=3")
        assert [m.data["n"] for m in root.items(concurrency=4)] == list(range(9))
        # the first page, a window of 4, the ones submitted while the pages with members
        # were consumed; nothing near offset 30
        assert len(server.requests) <= 7
        assert all(r.args["offset"] in {"0", "3", "6", "9", "12", "15", "18"}
                   for r in server.requests)


@pytest.mark.parametrize("total", [6, 3])
def test_a_total_that_says_too_few_loses_no_members(total):
    # 12 real members; the server's total says fewer, its `next` links go on to the end.
    with ScriptedServer(_offset_pages(total, 12, 9)) as server:
        root = hyperkm.connect(server.url + "/items?offset=0&limit=3")
        assert [m.data["n"] for m in root.items(concurrency=3)] == list(range(12))
        assert [m.data["n"] for m in root.items()] == list(range(12))


def test_max_pages_still_caps_a_parallel_walk():
    with ScriptedServer(_offset_pages(12, 12, 9)) as server:
        root = hyperkm.connect(server.url + "/items?offset=0&limit=3")
        assert [m.data["n"] for m in root.items(concurrency=3, max_pages=2)] == list(range(6))
        assert [m.data["n"] for m in root.items(concurrency=3, max_pages=1)] == list(range(3))


def test_odata_skip_and_top_pages_are_derived():
    # OData's standard paging ($top/$skip in @odata.nextLink) with @odata.count
    routes = {}
    for k in range(4):
        page = {"@odata.context": "/$metadata#People", "@odata.count": 20,
                "value": [{"@odata.id": f"/People({k * 5 + i})", "n": k * 5 + i}
                          for i in range(5)]}
        if k < 3:
            page["@odata.nextLink"] = f"/People?$top=5&$skip={(k + 1) * 5}"
        routes["/People" if k == 0 else f"/People?$top=5&$skip={k * 5}"] = (
            200, {"Content-Type": "application/json;odata.metadata=minimal"}, page)
    with ScriptedServer(routes) as server:
        people = hyperkm.connect(server.url + "/People")
        notes: list[str] = []
        people.client.on_note.append(notes.append)
        assert [m.data["n"] for m in people.items(concurrency=4)] == list(range(20))
        assert any("4 pages 4 at a time" in n for n in notes), notes


def test_api_platform_page_numbers_are_derived():
    # API Platform's Hydra collections: view.next "/books?page=N", totalItems
    routes = {}
    for k in range(1, 5):
        view = {"@id": f"/books?page={k}", "first": "/books?page=1", "last": "/books?page=4"}
        if k < 4:
            view["next"] = f"/books?page={k + 1}"
        page = {"@context": "/contexts/Book", "@id": "/books", "@type": "Collection",
                "totalItems": 12, "view": view,
                "member": [{"@id": f"/books/{(k - 1) * 3 + i}", "n": (k - 1) * 3 + i}
                           for i in range(3)]}
        routes["/books" if k == 1 else f"/books?page={k}"] = (
            200, {"Content-Type": "application/ld+json"}, page)
    with ScriptedServer(routes) as server:
        books = hyperkm.connect(server.url + "/books")
        notes: list[str] = []
        books.client.on_note.append(notes.append)
        assert [m.data["n"] for m in books.items(concurrency=4)] == list(range(12))
        assert len(books.items()) == 12
        assert any("4 pages 4 at a time" in n for n in notes), notes
