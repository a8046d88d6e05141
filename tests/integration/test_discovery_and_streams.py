"""Starting from an origin's API catalog (RFC 9727), and walking an ActivityStreams collection
that lists no items itself (Mastodon's outboxes), over real HTTP."""

from __future__ import annotations

import json

import pytest

import hyperkm
from tests.support import ScriptedServer

LINKSET = {"Content-Type": "application/linkset+json"}
AS2 = {"Content-Type": "application/activity+json; charset=utf-8"}


def catalog_server():
    catalog = {"linkset": [
        {"anchor": "/.well-known/api-catalog",
         "item": [{"href": "/books/v1"}, {"href": "/people/v2"}]},
        {"anchor": "/books/v1",
         "service-desc": [{"href": "/books/v1/openapi.json", "type": "application/json"}]},
    ]}
    return ScriptedServer({
        "/.well-known/api-catalog": (200, LINKSET, catalog),
        "/books/v1": (200, {"Content-Type": "application/hal+json"},
                      {"_links": {"self": {"href": "/books/v1"}}, "title": "Books"}),
        "/people/v2": (200, {"Content-Type": "application/hal+json"},
                       {"_links": {"self": {"href": "/people/v2"}}, "title": "People"}),
    })


def test_connect_to_an_origin_through_its_api_catalog():
    with catalog_server() as api:
        catalog = hyperkm.connect(api.url, catalog=True, token="t0k")
        assert catalog.url == api.url + "/.well-known/api-catalog"
        assert catalog.document.format == "linkset"
        assert [r.data["title"] for r in catalog.items()] == ["Books", "People"]
        desc = catalog.links["service-desc"]
        assert desc.anchor == api.url + "/books/v1" and desc.href.endswith("/openapi.json")
        books = catalog.follow("item")
        assert books.data["title"] == "Books"
        # the token went only where it was given for: the catalog's origin
        assert all(r.headers.get("Authorization") == "Bearer t0k" for r in api.requests)
        # and the catalog was asked for as a linkset
        assert "application/linkset+json" in api.requests[0].headers["Accept"]


def outbox_server(pages=3, per_page=2):
    base = "/users/ann/outbox"
    routes = {base: (200, AS2, {
        "@context": "https://www.w3.org/ns/activitystreams", "id": base,
        "type": "OrderedCollection", "totalItems": pages * per_page,
        "first": base + "?page=1", "last": f"{base}?page={pages}"})}
    for n in range(1, pages + 1):
        items = [{"id": f"/users/ann/statuses/{n}{i}/activity", "type": "Create",
                  "actor": "/users/ann",
                  "object": {"id": f"/users/ann/statuses/{n}{i}", "type": "Note",
                             "content": f"note {n}.{i}"}} for i in range(per_page)]
        page = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{base}?page={n}",
                "type": "OrderedCollectionPage", "partOf": base, "orderedItems": items}
        if n < pages:
            page["next"] = f"{base}?page={n + 1}"
        if n > 1:
            page["prev"] = f"{base}?page={n - 1}"
        routes[f"{base}?page={n}"] = (200, AS2, json.dumps(page))
    return ScriptedServer(routes)


def test_an_outbox_walks_from_its_first_page():
    with outbox_server() as api:
        outbox = hyperkm.connect(api.url + "/users/ann/outbox")
        items = outbox.items()
        assert len(items) == 6  # the collection's totalItems, without walking
        notes = [m.data["object"]["content"] for m in items]
        assert notes == [f"note {n}.{i}" for n in (1, 2, 3) for i in (0, 1)]
        first = next(iter(items))
        assert first.links["object"].href == api.url + "/users/ann/statuses/10"
        assert first.follow("actor").url == api.url + "/users/ann"
        paths = [r.full_path.rstrip("?") for r in api.requests]
        assert paths[:4] == ["/users/ann/outbox", "/users/ann/outbox?page=1",
                             "/users/ann/outbox?page=2", "/users/ann/outbox?page=3"]


def test_an_outbox_in_parallel_gives_the_same_members():
    with outbox_server(pages=4) as api:
        outbox = hyperkm.connect(api.url + "/users/ann/outbox")
        sequential = [m.url for m in outbox.items()]
        parallel = [m.url for m in outbox.items(concurrency=4)]
        assert parallel == sequential and len(sequential) == 8


def test_the_shell_says_what_each_catalog_link_is_about():
    from hyperkm.cli.shell import ShellState, execute

    with catalog_server() as api:
        out = execute(ShellState(hyperkm.connect(api.url, catalog=True)), "links")
    header = out.splitlines()[0].split()
    assert header[-1] == "about"
    row = next(line for line in out.splitlines() if line.startswith("service-desc"))
    assert row.rstrip().endswith(api.url + "/books/v1")


@pytest.mark.threads  # the client is used from several threads
def test_the_explorer_says_what_each_catalog_link_is_about():
    import requests

    from hyperkm.explore import ExplorerServer

    with catalog_server() as api:
        with ExplorerServer(hyperkm.connect(api.url, catalog=True)) as explorer:
            page = requests.get(explorer.url, timeout=5).text
    assert "<th>about</th>" in page
    assert f'<td class="about"><code>{api.url}/books/v1</code></td>' in page
