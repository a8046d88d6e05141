"""One deadline per request holds however the response arrives.

A body trickled one byte at a time resets every socket timeout, so only the deadline's
watchdog stops it. http.client detaches the socket from the connection when a response will
close it (``Connection: close``, HTTP/1.0, a close-delimited body): each of those ways, and
chunked bodies, TLS, a redirect hop, a retry, a streamed download and a job's poll, must end
at the deadline with a ``Timeout`` (or ``JobTimeout``), never be read to the end.
"""

from __future__ import annotations

import ssl
import time

import pytest

import hyperkm

from .conftest import respond

DEADLINE = 1.5
LIMIT = DEADLINE + 2.0  # the watchdog's cut, plus a loaded machine's slack


def trickled(head: bytes, byte: bytes = b" ", chunked: bool = False):
    def handle(request, conn, server):
        try:
            conn.sendall(head)
            for _ in range(600):  # a minute of body at 0.1 s a byte
                conn.sendall(b"1\r\n%s\r\n" % byte if chunked else byte)
                time.sleep(0.1)
        except OSError:
            pass
    return handle


JSON = b"Content-Type: application/json\r\n"
WAYS = {
    "keep-alive": b"HTTP/1.1 200 OK\r\n" + JSON + b"Content-Length: 1000\r\n\r\n",
    "connection-close": b"HTTP/1.1 200 OK\r\n" + JSON
                        + b"Content-Length: 1000\r\nConnection: close\r\n\r\n",
    "close-delimited": b"HTTP/1.1 200 OK\r\n" + JSON + b"Connection: close\r\n\r\n",
    "http-1.0": b"HTTP/1.0 200 OK\r\n" + JSON + b"Content-Length: 1000\r\n\r\n",
    "http-1.0-no-length": b"HTTP/1.0 200 OK\r\n" + JSON + b"\r\n",
}


def _timed(call):
    started = time.monotonic()
    with pytest.raises(hyperkm.HyperkmError) as info:
        call()
    return time.monotonic() - started, info.value


@pytest.mark.parametrize("way", list(WAYS))
def test_a_trickled_body_ends_at_the_deadline(raw_server, way):
    server = raw_server(trickled(WAYS[way]))
    root = hyperkm.connect(server.url + "/core", deadline=DEADLINE, timeout=(1, 1), retries=0)
    elapsed, error = _timed(lambda: root.data)
    assert isinstance(error, hyperkm.Timeout), error
    assert elapsed < LIMIT, elapsed
    assert "deadline" in str(error)


def test_a_trickled_chunked_body_ends_at_the_deadline(raw_server):
    head = (b"HTTP/1.1 200 OK\r\n" + JSON
            + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    server = raw_server(trickled(head, chunked=True))
    root = hyperkm.connect(server.url + "/core", deadline=DEADLINE, timeout=(1, 1), retries=0)
    elapsed, error = _timed(lambda: root.data)
    assert isinstance(error, hyperkm.Timeout) and elapsed < LIMIT, (error, elapsed)


@pytest.fixture(scope="module")
def ca():
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


@pytest.mark.parametrize("way", ["keep-alive", "connection-close", "http-1.0-no-length"])
def test_a_trickled_body_over_tls_ends_at_the_deadline(raw_server, ca, tmp_path, way):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    server = raw_server(trickled(WAYS[way]), tls=context)
    root = hyperkm.connect(server.url + "/core", deadline=DEADLINE, timeout=(1, 1), retries=0,
                           verify=str(bundle))
    elapsed, error = _timed(lambda: root.data)
    assert isinstance(error, hyperkm.Timeout) and elapsed < LIMIT, (error, elapsed)


def test_a_redirect_hop_to_a_trickle_is_within_the_same_deadline(raw_server):
    slow = trickled(WAYS["connection-close"])

    def handle(request, conn, server):
        if request.target == "/core":
            respond(conn, 302, b"", {"Location": "/elsewhere"})
        else:
            slow(request, conn, server)

    root = hyperkm.connect(raw_server(handle).url + "/core", deadline=DEADLINE,
                           timeout=(1, 1), retries=0)
    elapsed, error = _timed(lambda: root.data)
    assert isinstance(error, hyperkm.Timeout) and elapsed < LIMIT, (error, elapsed)


def test_a_retry_that_trickles_is_within_the_same_deadline(raw_server):
    slow = trickled(WAYS["http-1.0"])
    seen = []

    def handle(request, conn, server):
        seen.append(request.target)
        if len(seen) == 1:
            respond(conn, 503, {"message": "busy"}, {"Retry-After": "0"})
        else:
            slow(request, conn, server)

    root = hyperkm.connect(raw_server(handle).url + "/core", deadline=DEADLINE,
                           timeout=(1, 1), retries=3)
    elapsed, error = _timed(lambda: root.data)
    assert len(seen) >= 2, "the 503 was not retried"
    assert isinstance(error, hyperkm.Timeout) and elapsed < LIMIT, (error, elapsed)


@pytest.mark.parametrize("way", ["keep-alive", "close-delimited", "http-1.0"])
def test_a_streamed_download_ends_at_the_deadline_and_leaves_no_file(raw_server, tmp_path, way):
    server = raw_server(trickled(WAYS[way], byte=b"x"))
    root = hyperkm.connect(server.url + "/core", deadline=DEADLINE, timeout=(1, 1), retries=0)
    target = tmp_path / "export.csv"
    elapsed, error = _timed(lambda: root.download(target))
    assert isinstance(error, hyperkm.Timeout) and elapsed < LIMIT, (error, elapsed)
    assert "download" in str(error)
    assert list(tmp_path.iterdir()) == []  # the partial file hyperkm made is gone


def test_a_download_can_be_given_its_own_deadline(raw_server, tmp_path):
    server = raw_server(trickled(WAYS["close-delimited"], byte=b"x"))
    root = hyperkm.connect(server.url + "/core", deadline=30, timeout=(1, 1), retries=0)
    elapsed, error = _timed(lambda: root.download(tmp_path / "f", deadline=1.0))
    assert isinstance(error, hyperkm.Timeout) and elapsed < 1.0 + 2.0, (error, elapsed)


def test_a_job_poll_that_trickles_ends_within_the_wait(raw_server):
    slow = trickled(WAYS["connection-close"])

    def handle(request, conn, server):
        if request.method == "POST":
            respond(conn, 202, {"status": "running"}, {"Location": "/status"})
        else:
            slow(request, conn, server)

    root = hyperkm.connect(raw_server(handle).url + "/core", deadline=60, timeout=(1, 1),
                           retries=0)
    job = root.post({"go": True})
    elapsed, error = _timed(lambda: job.wait(timeout=DEADLINE, interval=0.1))
    assert isinstance(error, hyperkm.JobTimeout), error
    assert elapsed < LIMIT, elapsed
