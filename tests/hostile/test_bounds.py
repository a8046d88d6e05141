"""Nothing a server sends may take unbounded memory, time or recursion."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time
import zlib

import pytest

import hyperkm
from hyperkm import _paging
from hyperkm.cli import main
from hyperkm.demo import running

from .conftest import documents, never_answer, respond

MB = 1024 * 1024


# -- 6. body size, before and after decompression -----------------------------------------------

def big_body(request, conn, server):
    respond(conn, 200, b'{"x": "' + b"a" * (3 * MB) + b'"}')


def test_a_body_over_the_limit_is_refused(raw_server):
    server = raw_server(big_body)
    root = hyperkm.connect(server.url + "/core", max_document_bytes=MB)
    with pytest.raises(hyperkm.DocumentTooLarge) as info:
        _ = root.data
    assert "1,048,576" in str(info.value) and "max_document_bytes" in str(info.value)
    assert isinstance(info.value, hyperkm.DocumentError) and info.value.limit == MB


def test_a_chunked_body_without_length_is_bounded_too(raw_server):
    def chunked(request, conn, server):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"a" * 65536
        for _ in range(64):
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.sendall(b"0\r\n\r\n")

    server = raw_server(chunked)
    with pytest.raises(hyperkm.DocumentTooLarge):
        _ = hyperkm.connect(server.url + "/core", max_document_bytes=MB).data


def test_a_body_that_never_ends_is_cut_off_at_the_limit(raw_server):
    # On every transport (the httpx ones read whole bodies): reading stops near the limit —
    # a DocumentTooLarge long before the deadline, not a Timeout after memory filled.
    def endless(request, conn, server):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"a" * 65536
        try:
            for _ in range(32 * 1024):  # 2 GiB at most: nobody reads that far
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass

    server = raw_server(endless)
    root = hyperkm.connect(server.url + "/core", max_document_bytes=MB, deadline=30, retries=0)
    with pytest.raises(hyperkm.DocumentTooLarge) as info:
        _ = root.data
    assert info.value.limit == MB and "max_document_bytes" in str(info.value)


def gzip_bomb(inflated: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    zeros = b"\0" * MB
    return b"".join([compressor.compress(zeros) for _ in range(inflated // MB)]
                    + [compressor.flush()])


BOMB_CLIENT = textwrap.dedent("""
    import resource, sys, hyperkm
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        _ = hyperkm.connect(sys.argv[1], max_document_bytes=int(sys.argv[2])).data
        outcome = "read"
    except hyperkm.DocumentTooLarge:
        outcome = "refused"
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
    print(outcome, grown)
""")


def test_a_gzip_bomb_is_cut_off_while_it_inflates(raw_server):
    bomb = gzip_bomb(512 * MB)  # about 500 KB on the wire
    server = raw_server(lambda req, conn, srv: respond(
        conn, 200, bomb, {"Content-Encoding": "gzip"}))
    out = subprocess.run([sys.executable, "-c", BOMB_CLIENT, server.url + "/core",
                          str(16 * MB)], capture_output=True, text=True, timeout=120)
    outcome, grown_mb = out.stdout.split()
    assert outcome == "refused", out.stderr
    assert int(grown_mb) < 100  # not the 512 MB it inflates to (nor 3 GB as it once did)


def test_download_to_a_file_streams_past_the_limit(raw_server, tmp_path):
    server = raw_server(big_body)
    root = hyperkm.connect(server.url + "/core", max_document_bytes=MB)
    written = root.download(tmp_path / "big.json")
    assert written == 3 * MB + 9 and (tmp_path / "big.json").stat().st_size == written
    assert not (tmp_path / "big.json.part").exists()


# -- 7. deep nesting is a DocumentError, everywhere --------------------------------------------

def deep_array(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_hal(depth: int) -> str:
    # Built as text: json.dumps itself cannot nest this deep.
    opening = '{"_links": {"self": {"href": "/x"}}, "_embedded": {"item": '
    return opening * depth + '{"_links": {}}' + "}}" * depth


@pytest.mark.parametrize("body", [deep_array(100_000), '{"a":' * 100_000 + "1" + "}" * 100_000,
                                  "deep_hal"])
def test_deeply_nested_documents_are_document_errors(raw_server, body):
    text = deep_hal(900) if body == "deep_hal" else body
    server = raw_server(lambda req, conn, srv: respond(conn, 200, text))
    with pytest.raises(hyperkm.DocumentError, match=r"nested too deeply|nest more than"):
        _ = hyperkm.connect(server.url + "/core").data


def test_deep_documents_in_the_cli_exit_7_without_a_traceback(raw_server, capsys):
    server = raw_server(lambda req, conn, srv: respond(conn, 200, deep_array(100_000)))
    assert main(["get", server.url + "/core"]) == 7
    err = capsys.readouterr().err
    assert "Traceback" not in err and "nested too deeply" in err


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deep_bookmarks_are_bookmark_errors(depth):
    with pytest.raises(hyperkm.BookmarkError):
        hyperkm.Bookmark.from_json('{"format": "hyperkm-bookmark/1", "trail": '
                                   + deep_array(depth) + "}")


def test_a_value_that_parses_but_is_too_deep_to_print_is_exit_7(raw_server, capsys):
    # ~900 levels: JSON decodes it, but pretty-printing recurses deeper than Python allows
    server = raw_server(lambda req, conn, srv: respond(conn, 200, {"a": json.loads(
        deep_array(900))}))
    code = main(["get", server.url + "/core"])
    assert code in (0, 7) and "Traceback" not in capsys.readouterr().err


# -- 8. pagination loops, however they are spelt ------------------------------------------------

def looping_pages(spelling: str):
    def page(request, conn, server):
        here = f"http://127.0.0.1:{server.port}/items"
        respond(conn, 200, {"links": [{"rel": "self", "href": here},
                                      {"rel": "next", "href": here + spelling}],
                            "data": [{"id": 1}], "pagination": {"total": 10}})
    return page


@pytest.mark.parametrize("spelling", ["", "#x", "?", "?#", "#", ":80".join(["", ""])])
def test_a_next_link_back_to_the_same_page_is_a_loop(raw_server, spelling):
    server = raw_server(looping_pages(spelling))
    items = hyperkm.connect(server.url + "/items").items()
    with pytest.raises(hyperkm.DocumentError, match="loops"):
        list(items)
    assert len(server.requests) <= 2


def test_a_loop_written_with_the_default_port_or_upper_case_host(raw_server):
    def page(request, conn, server):
        here = f"http://127.0.0.1:{server.port}/items"
        respond(conn, 200, {"links": [{"rel": "next", "href": here.replace(
            "http://", "HTTP://") + "?"}], "data": [{"id": 1}]})

    server = raw_server(page)
    with pytest.raises(hyperkm.DocumentError, match="loops"):
        list(hyperkm.connect(server.url + "/items").items())


def endless_pages(request, conn, server):
    number = int(request.target.rsplit("=", 1)[-1]) if "=" in request.target else 0
    respond(conn, 200, {"links": [{"rel": "next", "href": f"/items?page={number + 1}"}],
                        "data": [{"id": number}]})


def test_max_pages_caps_a_walk(raw_server):
    server = raw_server(endless_pages)
    ids = [m.data["id"] for m in hyperkm.connect(server.url + "/items").items(max_pages=5)]
    assert ids == [0, 1, 2, 3, 4]


def test_loop_detection_memory_is_bounded(raw_server, monkeypatch):
    monkeypatch.setattr(_paging, "RECENT_PAGES", 16)
    seen_sizes = []
    original = _paging.OrderedDict

    class Spy(original):
        def __setitem__(self, key, value):
            super().__setitem__(key, value)
            seen_sizes.append(len(self))

    monkeypatch.setattr(_paging, "OrderedDict", Spy)
    server = raw_server(endless_pages)
    pages = list(hyperkm.connect(server.url + "/items").pages(max_pages=200, prefetch=0))
    assert len(pages) == 200 and max(seen_sizes) <= 17


def test_the_cli_stops_a_loop_quickly(raw_server, capsys):
    server = raw_server(looping_pages("#x"))
    started = time.monotonic()
    assert main(["get", server.url + "/items", "--all"]) == 7
    assert time.monotonic() - started < 5
    assert "loops" in capsys.readouterr().err


# -- 9. one deadline per request ------------------------------------------------------------------

def trickle(headers_too: bool):
    def handle(request, conn, server):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        try:
            if headers_too:
                for byte in head:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.1)
            else:
                conn.sendall(head)
            for _ in range(1000):
                conn.sendall(b" ")
                time.sleep(0.1)
        except OSError:
            pass
    return handle


@pytest.mark.parametrize("handler", [never_answer, trickle(False), trickle(True)],
                         ids=["silent", "trickling-body", "trickling-headers"])
def test_no_request_outlives_its_deadline(raw_server, handler):
    server = raw_server(handler)
    root = hyperkm.connect(server.url + "/core", deadline=1.5, timeout=(1, 1), retries=3)
    started = time.monotonic()
    with pytest.raises(hyperkm.Timeout) as info:
        _ = root.data
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, elapsed
    assert "deadline" in str(info.value) or "timed out" in str(info.value)


@pytest.mark.parametrize("sent", [0, 10, 999])
def test_a_body_shorter_than_its_content_length_is_a_transport_error(raw_server, sent):
    # The body is read in one go when its length is declared: a connection closed early must
    # never be parsed as a (truncated) document.
    def handle(request, conn, server):
        body = b'{"links": [], "data": {"a": "' + b"x" * 2000 + b'"}}'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n" + body[:sent])
        conn.shutdown(socket.SHUT_RDWR)  # the server's reader still holds the socket open

    root = hyperkm.connect(raw_server(handle).url + "/core", retries=0)
    with pytest.raises(hyperkm.TransportError) as info:
        _ = root.data
    assert "/core" in str(info.value)


def test_retry_waits_stay_within_the_deadline(raw_server):
    server = raw_server(lambda req, conn, srv: respond(conn, 503, {"message": "busy"},
                                                       {"Retry-After": "30"}))
    root = hyperkm.connect(server.url + "/core", deadline=1.5, retries=5)
    started = time.monotonic()
    with pytest.raises((hyperkm.Timeout, hyperkm.ServerError)):
        _ = root.data
    assert time.monotonic() - started < 3.0


def test_the_default_deadline_is_documented_and_enforced():
    assert hyperkm.Client("http://127.0.0.1:1/").deadline == 60.0


# -- 10. an unparseable Retry-After is ignored ----------------------------------------------------

@pytest.mark.parametrize("value", ["soon", "-5", "1e9", "", "Thu, 99 Foo 2026", "99999999999999"])
def test_a_bad_retry_after_leaves_a_503_a_server_error(raw_server, value):
    server = raw_server(lambda req, conn, srv: respond(conn, 503, {"message": "busy"},
                                                       {"Retry-After": value}))
    root = hyperkm.connect(server.url + "/core", retries=1, retry_after_cap=0.2)
    with pytest.raises(hyperkm.ServerError) as info:
        _ = root.data
    assert info.value.status == 503
    assert len(server.requests) == 2  # retried once, as configured


def test_a_bad_retry_after_in_the_cli_is_exit_5(raw_server):
    server = raw_server(lambda req, conn, srv: respond(conn, 503, {"message": "busy"},
                                                       {"Retry-After": "soon"}))
    assert main(["get", server.url + "/core"]) == 5


# -- 11. empty and dot-segment template values --------------------------------------------------

@pytest.mark.parametrize("value", ["", ".", "..", "%2e%2e", " "])
def test_empty_or_dot_path_values_are_refused_before_any_request(value):
    with running() as demo:
        events = hyperkm.connect(demo.root_url, token=demo.token).follow("events")
        _ = events.links
        before = demo.stats.requests
        with pytest.raises(hyperkm.TemplateError, match="different resource"):
            events.follow("event", id=value).delete()
        assert demo.stats.requests == before


def test_the_cli_refuses_an_empty_variable():
    with running() as demo:
        before = demo.stats.requests
        code = main(["get", demo.root_url, "events", "event", "--var", "id=", "--token",
                     demo.token])
        assert code == 3
        assert demo.stats.requests - before == 2  # the root and events: never /events/


# -- 12. numbers and bytes that are not JSON ----------------------------------------------------

def test_an_absurd_total_is_a_document_error(raw_server):
    server = raw_server(documents({"/items": '{"links": [], "data": [{"id": 1}], '
                                             '"pagination": {"total": 1' + "0" * 30 + "}}"}))
    with pytest.raises(hyperkm.DocumentError, match="collection size"):
        _ = len(hyperkm.connect(server.url + "/items").items())


@pytest.mark.parametrize("body,match", [(b'{"name": "caf\xe9"}', "UTF-8"),
                                        (b'{"n": NaN}', "NaN"), (b'{"n": Infinity}', "Infinity"),
                                        (b'{"n": -Infinity}', "Infinity")])
def test_bytes_and_constants_that_are_not_json(raw_server, body, match):
    server = raw_server(lambda req, conn, srv: respond(conn, 200, body))
    with pytest.raises(hyperkm.DocumentError, match=match):
        _ = hyperkm.connect(server.url + "/core").data
