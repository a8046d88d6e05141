"""The emulator is served to learners and used as a test double: it must be a trustworthy
server under careless or hostile clients."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests

import hyperkm
from hyperkm.demo import running
from hyperkm.demo.app import MAX_BODY_BYTES


def product_url(demo) -> str:
    root = hyperkm.connect(demo.root_url, token=demo.token)
    return root.follow("products").items()[0].url


def test_conditional_writes_are_atomic():
    with running() as demo:
        url = product_url(demo)
        auth = {"Authorization": f"Bearer {demo.token}"}
        for round_ in range(5):
            etag = requests.get(url, headers=auth, timeout=5).headers["ETag"]
            barrier = threading.Barrier(20)
            statuses: list[int] = []

            def patch(i: int, etag: str = etag, round_: int = round_,
                      barrier: threading.Barrier = barrier, statuses: list[int] = statuses
                      ) -> None:
                barrier.wait()
                statuses.append(requests.patch(
                    url, json={"description": f"writer {round_}.{i}"}, timeout=10,
                    headers={**auth, "If-Match": etag}).status_code)

            threads = [threading.Thread(target=patch, args=(i,)) for i in range(20)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(statuses) == [200] + [412] * 19, statuses


@pytest.mark.parametrize("chunked", [False, True])
def test_request_bodies_over_the_limit_get_413(chunked):
    with running() as demo:
        url = product_url(demo)
        body = json.dumps({"description": "x" * (MAX_BODY_BYTES + 10)}).encode()
        data = iter([body[i:i + 65536] for i in range(0, len(body), 65536)]) if chunked else body
        response = requests.patch(url, data=data, timeout=10, headers={
            "Authorization": f"Bearer {demo.token}", "Content-Type": "application/json"})
        assert response.status_code == 413
        check = requests.get(url, headers={"Authorization": f"Bearer {demo.token}"}, timeout=5)
        assert len(check.json().get("description") or "") < MAX_BODY_BYTES


def test_deeply_nested_request_bodies_get_400():
    with running() as demo:
        url = product_url(demo)
        response = requests.patch(url, data="[" * 100_000 + "]" * 100_000, timeout=10, headers={
            "Authorization": f"Bearer {demo.token}", "Content-Type": "application/json"})
        assert response.status_code == 400


def test_a_client_that_never_finishes_its_body_is_cut_off():
    with running(client_timeout=0.5) as demo:
        with socket.create_connection((demo.host, demo.port), timeout=10) as sock:
            sock.sendall(b"PATCH /core HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                         b"Content-Type: application/json\r\n\r\n{\"a\"")
            started = time.monotonic()
            while sock.recv(65536):  # whatever the server says, it then closes
                pass
            assert time.monotonic() - started < 5


def test_a_silent_connection_is_closed():
    with running(client_timeout=0.5) as demo:
        with socket.create_connection((demo.host, demo.port), timeout=10) as sock:
            started = time.monotonic()
            assert sock.recv(1) == b""
            assert time.monotonic() - started < 5


@pytest.mark.parametrize("host", ["evil.example", "evil.example:1", "[::1]:9"])
def test_links_never_reflect_the_host_header(host):
    with running() as demo:
        response = requests.get(demo.root_url, timeout=5, headers={
            "Host": host, "Authorization": f"Bearer {demo.token}"})
        assert response.status_code == 200
        text = response.text + response.headers.get("Link", "")
        assert "evil" not in text and "::1" not in text
        assert demo.base_url in text


def test_moved_urls_never_reflect_the_host_header():
    with running() as demo:
        old = demo.root_url
        demo.switch_layout("alt", mode="301")
        response = requests.get(old, timeout=5, allow_redirects=False,
                                headers={"Host": "evil.example"})
        assert response.status_code == 301
        assert response.headers["Location"].startswith(demo.base_url)
