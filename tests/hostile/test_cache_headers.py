"""Caching headers no server should send: the cache may decline to keep an answer, but it must
never turn one into an exception (cachecontrol asserts that Date parses)."""

from __future__ import annotations

import json
import logging

import pytest

import hyperkm
from hyperkm import MemoryCache

from .conftest import respond

BODY = {"links": [{"rel": "self", "href": "/core"}], "data": {"name": "root"}}
GOOD_DATE = "Thu, 26 Nov 2026 10:00:00 GMT"

BAD_HEADERS = {
    "date-garbage": {"Date": "garbage", "ETag": '"1"'},
    "date-empty": {"Date": "", "ETag": '"1"'},
    "date-out-of-range": {"Date": "Thu, 99 Foo 99999 99:99:99 GMT", "ETag": '"1"'},
    "date-with-last-modified": {"Date": "garbage", "Last-Modified": GOOD_DATE},
    "expires-garbage": {"Date": GOOD_DATE, "Expires": "garbage", "ETag": '"1"'},
    "expires-huge": {"Date": GOOD_DATE, "Expires": "Thu, 01 Jan 99999 00:00:00 GMT"},
    "max-age-garbage": {"Date": GOOD_DATE, "Cache-Control": "max-age=abc, private"},
    "max-age-huge": {"Date": "garbage", "Cache-Control": "max-age=" + "9" * 40},
    "max-age-negative": {"Date": "garbage", "Cache-Control": "max-age=-5"},
    "vary-garbage": {"Date": GOOD_DATE, "ETag": '"1"', "Vary": ",,, \x7f"},
    "etag-empty": {"Date": "garbage", "ETag": ""},
}


def _server(raw_server, first: dict[str, str], revalidated: dict[str, str] | None = None):
    def handle(request, conn, server):
        if "if-none-match" in request.headers and revalidated is not None:
            head = "\r\n".join(f"{k}: {v}" for k, v in revalidated.items())
            conn.sendall(f"HTTP/1.1 304 Not Modified\r\n{head}\r\n\r\n".encode("latin-1"))
            return
        respond(conn, 200, BODY, first)

    return raw_server(handle)


@pytest.mark.parametrize("cache", ["memory", "directory"])
@pytest.mark.parametrize("name", list(BAD_HEADERS))
def test_malformed_caching_headers_never_break_a_request(raw_server, name, cache, tmp_path):
    server = _server(raw_server, BAD_HEADERS[name])
    spec = MemoryCache() if cache == "memory" else str(tmp_path / "c")
    for _ in range(3):  # a first fetch, a revalidation, another client on the same cache
        root = hyperkm.connect(server.url + "/core", cache=spec, retries=0)
        assert root.data == {"name": "root"}
        assert root.refresh().data == {"name": "root"}


@pytest.mark.parametrize("bad", ["garbage", "", "Thu, 99 Foo 99999 99:99:99 GMT"])
def test_a_304_with_a_malformed_date_still_serves_the_copy(raw_server, bad, caplog):
    server = _server(raw_server, {"Date": GOOD_DATE, "ETag": '"1"',
                                  "Cache-Control": "private, max-age=0, must-revalidate"},
                     revalidated={"Date": bad, "ETag": '"1"'})
    cache = MemoryCache()
    with caplog.at_level(logging.WARNING, logger="hyperkm"):
        for _ in range(3):
            root = hyperkm.connect(server.url + "/core", cache=cache, retries=0)
            outcomes: list[str] = []
            root.client.on_exchange.append(lambda e, seen=outcomes: seen.append(e.outcome))
            assert root.data == {"name": "root"}
            assert root.refresh().data == {"name": "root"}
    assert outcomes == ["revalidated", "revalidated"]  # the copy served after each 304
    # every request after the first was a conditional one answered by the server's 304
    assert len(server.requests) == 6
    assert sum("if-none-match" in r.headers for r in server.requests) == 5


def _repeated_links_server(raw_server, cache_control: str, revalidated_link: bool = False):
    """Two ``Link`` header fields (RFC 9110 §5.3 lets a list header repeat), and a 304 that may
    carry one ``Link`` field of its own."""
    body = json.dumps({"data": {"name": "page"}}).encode()

    def handle(request, conn, server):
        if "if-none-match" in request.headers:
            extra = "Link: </core/p3>; rel=\"last\"\r\n" if revalidated_link else ""
            conn.sendall(f"HTTP/1.1 304 Not Modified\r\nETag: \"1\"\r\n{extra}\r\n"
                         .encode("latin-1"))
            return
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nETag: \"1\"\r\nCache-Control: {cache_control}\r\n"
                "Link: </core/p2>; rel=\"next\"\r\nLink: </core/p0>; rel=\"prev\"\r\n\r\n")
        conn.sendall(head.encode("latin-1") + body)

    return raw_server(handle)


@pytest.mark.parametrize("cache", ["memory", "directory"])
@pytest.mark.parametrize("cache_control", ["private, no-cache", "max-age=60"])
def test_a_header_field_that_repeats_survives_the_cache(raw_server, cache, cache_control,
                                                        tmp_path):
    # cachecontrol keeps a response's headers as a dict built from every (name, value) pair:
    # the last Link field replaced the first, and a page served from the cache (fresh, or
    # after a 304) lost its next link.
    server = _repeated_links_server(raw_server, cache_control)
    spec = MemoryCache() if cache == "memory" else str(tmp_path / "c")
    for _ in range(3):  # a first fetch, then copies from the cache (304s or fresh hits)
        root = hyperkm.connect(server.url + "/core", cache=spec, retries=0)
        assert {"next", "prev"} <= set(root.links.rels), root.links.rels
        assert {"next", "prev"} <= set(root.refresh().links.rels)


@pytest.mark.parametrize("cache", ["memory", "directory"])
def test_a_304_that_names_a_repeated_header_replaces_all_its_fields(raw_server, cache,
                                                                    tmp_path):
    # RFC 9111 §4.3.4: the stored response takes the header fields the 304 carries — every
    # field of that name is replaced, none of the others is lost.
    server = _repeated_links_server(raw_server, "private, no-cache", revalidated_link=True)
    spec = MemoryCache() if cache == "memory" else str(tmp_path / "c")
    root = hyperkm.connect(server.url + "/core", cache=spec, retries=0)
    assert {"next", "prev"} <= set(root.links.rels)
    again = root.refresh()
    assert "last" in set(again.links.rels)
    assert not {"next", "prev"} & set(again.links.rels)
