"""The emulator's and the explorer's server: request framing is strict, reads are bounded
in size and in time, and the explorer judges a request from its head before reading a body.

Each probe talks raw HTTP over a loopback socket, as a hostile client would.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

import hyperkm
from hyperkm.demo import running
from hyperkm.explore import ExplorerServer


def exchange(port: int, data: bytes, *, then: bytes = b"", pause: float = 0.0,
             timeout: float = 10.0) -> tuple[bytes, float]:
    """Send ``data`` (then keep sending ``then`` until the server answers or closes); return
    what the server said and how long it took to close."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        stop = threading.Event()

        def feed() -> None:
            try:
                while then and not stop.is_set():
                    sock.sendall(then)
                    if pause:
                        time.sleep(pause)
            except OSError:
                pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        stop.set()
    return answer, time.monotonic() - started


HEAD = b"PATCH /core HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


@pytest.mark.parametrize("framing", [
    b"Transfer-Encoding: chunked\r\n\r\n-1\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n0x10\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n1_0\r\n",
    b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
    b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"Content-Length: -1\r\n\r\n",
    b"Content-Length: +5\r\n\r\nhello",
    b"Content-Length: 1_0\r\n\r\n",
    b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
], ids=["chunk-minus-1", "chunk-plus", "chunk-0x", "chunk-underscore", "chunk-huge",
        "chunk-no-crlf", "te-gzip", "cl-minus", "cl-plus", "cl-underscore", "cl-twice",
        "cl-and-te"])
def test_malformed_framing_is_a_400_and_nothing_more_is_read(framing):
    with running() as demo:
        # after the bad framing the client goes on sending: the server must not read it all
        answer, elapsed = exchange(demo.port, HEAD + framing, then=b"x" * 65536, timeout=10)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
        assert elapsed < 5


def test_a_body_over_the_limit_is_refused_without_reading_it():
    with running() as demo:
        answer, elapsed = exchange(demo.port, HEAD + b"Content-Length: 67108864\r\n\r\n",
                                   then=b"x" * 65536)
        assert answer.startswith(b"HTTP/1.1 413") and elapsed < 5


def test_header_lines_trickled_are_cut_off_at_the_head_deadline():
    with running(head_seconds=1.0, client_timeout=5) as demo:
        _, elapsed = exchange(demo.port, b"GET /core HTTP/1.1\r\n",
                                   then=b"X-Slow: 1\r\n", pause=0.3)
        assert elapsed < 3.5, elapsed  # each line came well within the 5 s idle timeout


def test_a_trickled_body_is_cut_off_at_the_body_deadline():
    with running(body_seconds=1.0, client_timeout=5) as demo:
        _, elapsed = exchange(demo.port, HEAD + b"Content-Length: 1000\r\n\r\n",
                                   then=b" ", pause=0.2)
        assert elapsed < 3.5, elapsed


def test_too_many_header_lines_are_refused():
    with running() as demo:
        lines = b"".join(b"X-H%d: 1\r\n" % i for i in range(200))
        answer, _ = exchange(demo.port, b"GET /core HTTP/1.1\r\nHost: 127.0.0.1\r\n" + lines
                             + b"\r\n")
        assert answer.split(b" ", 2)[1] in (b"431", b"400"), answer[:80]


@pytest.fixture
def explorer():
    with running() as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        with ExplorerServer(root, secret="the-secret") as server:
            yield server


def test_the_explorer_refuses_a_post_without_its_secret_before_reading_the_body(explorer):
    head = (b"POST /do HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/x-www-form-urlencoded\r\nContent-Length: 67108864\r\n\r\n")
    answer, elapsed = exchange(explorer.port, head, then=b"s=the-secret&" + b"x" * 65536)
    assert answer.startswith(b"HTTP/1.1 403") and elapsed < 5


def test_the_explorer_refuses_a_large_form_before_reading_it(explorer):
    head = (b"POST /do?s=the-secret HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/x-www-form-urlencoded\r\nContent-Length: 67108864\r\n\r\n")
    answer, elapsed = exchange(explorer.port, head, then=b"x" * 65536)
    assert answer.startswith(b"HTTP/1.1 413") and elapsed < 5


def test_the_explorer_refuses_a_foreign_host_before_reading_the_body(explorer):
    head = (b"POST /do?s=the-secret HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 5000000"
            b"\r\n\r\n")
    answer, _ = exchange(explorer.port, head, then=b"x" * 65536)
    assert answer.startswith(b"HTTP/1.1 403")
