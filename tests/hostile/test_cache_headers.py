"""Caching headers no server should send: the cache may decline to keep an answer, but it must
never turn one into an exception (cachecontrol asserts that Date parses)."""

from __future__ import annotations

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
