"""A URL the server wrote goes out exactly as written (after RFC 3986 resolution), and URLs
are compared by equivalence: page URLs derived from a ``next`` link match it, however the
server spells its brackets."""

from __future__ import annotations

import json

import pytest

import hyperkm
from hyperkm._urls import as_written, normalised

from ..hostile.conftest import RawServer, respond

TOTAL, SIZE = 23, 5


def jsonapi_pages(spell: str):
    """A JSON:API collection paged by page[offset]/page[limit], its links spelt ``spell``
    ("raw": page[offset], "encoded": page%5Boffset%5D, "lower": page%5boffset%5d)."""
    def name(n: str) -> str:
        return {"raw": f"page[{n}]", "encoded": f"page%5B{n}%5D",
                "lower": f"page%5b{n}%5d"}[spell]

    def handle(request, conn, server):
        _, _, query = request.target.partition("?")
        offset = 0
        for piece in query.split("&"):
            key, _, value = piece.partition("=")
            if key.lower() in ("page[offset]", "page%5boffset%5d"):
                offset = int(value)
        members = [{"type": "articles", "id": str(i), "attributes": {"n": i},
                    "links": {"self": f"/articles/{i}"}}
                   for i in range(offset, min(offset + SIZE, TOTAL))]
        links = {"self": request.target}
        if offset + SIZE < TOTAL:
            links["next"] = f"/articles?{name('limit')}={SIZE}&{name('offset')}={offset + SIZE}"
        respond(conn, 200, json.dumps({"data": members, "links": links,
                                       "meta": {"pagination": {"count": TOTAL}}}),
                content_type="application/vnd.api+json")
    return handle


@pytest.mark.parametrize("spell", ["raw", "encoded", "lower"])
def test_page_urls_go_out_as_the_server_wrote_them(spell):
    server = RawServer(jsonapi_pages(spell))
    try:
        collection = hyperkm.connect(server.url + "/articles")
        assert [m.data["n"] for m in collection.items()] == list(range(TOTAL))
        sent = [r.target for r in server.requests[1:]]
        expected_name = {"raw": "page[offset]", "encoded": "page%5Boffset%5D",
                         "lower": "page%5boffset%5d"}[spell]
        assert sent and all(expected_name in target for target in sent), sent
    finally:
        server.close()


@pytest.mark.parametrize("spell", ["raw", "encoded", "lower"])
def test_offset_pages_in_brackets_are_fetched_in_parallel(spell):
    server = RawServer(jsonapi_pages(spell))
    try:
        collection = hyperkm.connect(server.url + "/articles")
        notes: list[str] = []
        collection.client.on_note.append(notes.append)
        assert len(collection.items()) == TOTAL  # meta.pagination.count
        seen = [m.data["n"] for m in collection.items(concurrency=4)]
        assert seen == list(range(TOTAL))
        assert any("4 at a time" in n for n in notes), notes  # it fanned out
        targets = [r.target for r in server.requests]
        # derived URLs kept the server's own spelling, byte for byte
        name = {"raw": "page[offset]", "encoded": "page%5Boffset%5D",
                "lower": "page%5boffset%5d"}[spell]
        assert all(name in t for t in targets[1:]), (targets, notes)
    finally:
        server.close()


@pytest.mark.parametrize(("written", "sent"), [
    ("http://h/a?page[offset]=2", "http://h/a?page[offset]=2"),
    ("http://h/a?x=%7E&y=%5b", "http://h/a?x=%7E&y=%5b"),
    ("http://h/a?sig=abc%2Fdef%3D%3D", "http://h/a?sig=abc%2Fdef%3D%3D"),
    ("http://h/é/a b?q=x y", "http://h/%C3%A9/a%20b?q=x%20y"),
    ("HTTP://H.Example/A/./b/../C", "http://h.example/A/C"),
    ("HTTP://H.Example?Sig=AbC", "http://h.example?Sig=AbC"),  # only the host is lowered
    ("http://h?q=/./x#F", "http://h?q=/./x#F"),
])
def test_as_written(written, sent):
    assert as_written(written) == sent
    assert as_written(sent) == sent  # idempotent: a URL sent is sent again the same


@pytest.mark.parametrize(("one", "other"), [
    ("http://h/a?page[offset]=2", "http://h/a?page%5Boffset%5D=2"),
    ("http://h/a?page%5boffset%5d=2", "http://h/a?page%5Boffset%5D=2"),
    ("http://h/%7Euser", "http://h/~user"),
    ("HTTP://H:80/a", "http://h/a"),
])
def test_equivalent_urls_compare_equal(one, other):
    assert normalised(one) == normalised(other)


@pytest.mark.parametrize(("one", "other"), [
    ("http://h/a?x=1%262", "http://h/a?x=1&2"),       # an encoded & is data, not a delimiter
    ("http://h/a?x=%3D", "http://h/a?x=="),
    ("http://h/a%2Fb", "http://h/a/b"),                # an encoded / is not a segment break
])
def test_delimiters_keep_their_meaning(one, other):
    assert normalised(one) != normalised(other)
