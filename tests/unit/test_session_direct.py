"""hyperkm's Session sends simple requests by a direct road: it must prepare exactly what
requests' own road prepares, and fall back to it whenever anything needs merging."""

from __future__ import annotations

import pytest
import requests
from requests.adapters import HTTPAdapter

from hyperkm._http import Session
from hyperkm._urls import as_written, normalised


class Recording(HTTPAdapter):
    """Records what reaches the adapter and answers 200 without a network."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[requests.PreparedRequest] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.seen.append(request)
        self.sent_with = {"stream": stream, "timeout": timeout, "verify": verify, "cert": cert,
                          "proxies": proxies}
        response = requests.Response()
        response.status_code = 200
        response.headers = requests.structures.CaseInsensitiveDict({"Content-Length": "0"})
        response.url = request.url
        response.request = request
        response._content = b""
        return response


def prepared_by(session_class, call):
    session = session_class()
    adapter = Recording()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    call(session)
    (request,) = adapter.seen
    return request, adapter.sent_with


def _no_auth(request):
    return request


CASES = {
    "plain GET": lambda s: s.request("GET", "http://127.0.0.1:9/a?b=1", headers={
        "Accept": "application/json"}, auth=_no_auth, allow_redirects=False, stream=True,
        timeout=(1, 2)),
    "a header set to None drops the session's": lambda s: s.request(
        "get", "http://127.0.0.1:9/", headers={"User-Agent": None, "X-A": "1"},
        auth=_no_auth, allow_redirects=False),
    "case-insensitive override": lambda s: s.request(
        "GET", "http://127.0.0.1:9/", headers={"accept": "text/html"}, auth=_no_auth,
        allow_redirects=False),
    "non-ASCII path, spaces, upper-case host": lambda s: s.request(
        "GET", "HTTP://LOCALHOST:9/é/a b?q=x y#frag", auth=_no_auth, allow_redirects=False),
    "dot segments and an empty path": lambda s: s.request(
        "GET", "http://127.0.0.1:9", auth=_no_auth, allow_redirects=False),
    "POST bytes": lambda s: s.request(
        "POST", "https://127.0.0.1:9/w", data=b'{"a": 1}', headers={
            "Content-Type": "application/json"}, auth=_no_auth, allow_redirects=False),
    "DELETE without a body": lambda s: s.request(
        "DELETE", "http://127.0.0.1:9/x/../y", auth=_no_auth, allow_redirects=False),
    "an auth callable that adds a header": lambda s: s.request(
        "GET", "http://127.0.0.1:9/", allow_redirects=False,
        auth=lambda r: (r.headers.__setitem__("Authorization", "Bearer t"), r)[1]),
    "basic auth tuple": lambda s: s.request(
        "GET", "http://127.0.0.1:9/", auth=("u", "p"), allow_redirects=False),
    "no auth at all (netrc consulted)": lambda s: s.request(
        "GET", "http://netrc.example:9/", allow_redirects=False),
}


INPUTS = {"non-ASCII path, spaces, upper-case host": "HTTP://LOCALHOST:9/é/a b?q=x y#frag",
          "dot segments and an empty path": "http://127.0.0.1:9",
          "DELETE without a body": "http://127.0.0.1:9/x/../y",
          "POST bytes": "https://127.0.0.1:9/w", "plain GET": "http://127.0.0.1:9/a?b=1",
          "no auth at all (netrc consulted)": "http://netrc.example:9/"}


def theirs_input(name: str) -> str:
    return INPUTS.get(name, "http://127.0.0.1:9/")


@pytest.mark.parametrize("name", list(CASES))
def test_the_direct_road_prepares_what_requests_prepares(name, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine netrc.example login alice password s3cret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    direct = []
    original = Session._send_direct
    monkeypatch.setattr(Session, "_send_direct",
                        lambda self, *a: direct.append(a) or original(self, *a))
    call = CASES[name]
    theirs, their_settings = prepared_by(requests.Session, call)
    ours, our_settings = prepared_by(Session, call)
    assert len(direct) == 1  # the comparison is with the direct road, not requests' own
    assert ours.method == theirs.method
    # The URL goes out as written (requests re-quotes it); otherwise the same request.
    assert ours.url == as_written(theirs_input(name)) and normalised(ours.url) == normalised(
        theirs.url)
    assert dict(ours.headers) == dict(theirs.headers)
    assert ours.body == theirs.body
    assert our_settings == their_settings
    if name.startswith("no auth"):
        assert ours.headers["Authorization"].startswith("Basic ")  # the netrc entry was used


def test_anything_that_needs_merging_takes_requests_road(monkeypatch):
    calls = []
    monkeypatch.setattr(Session, "_send_direct", lambda *a, **k: calls.append(a))
    session = Session()
    session.mount("http://", Recording())
    url = "http://127.0.0.1:9/"
    session.request("GET", url, auth=_no_auth)  # follows redirects: requests' road
    session.request("GET", url, params={"a": 1}, auth=_no_auth, allow_redirects=False)
    session.request("POST", url, json={"a": 1}, auth=_no_auth, allow_redirects=False)
    session.request("GET", url, cookies={"a": "1"}, auth=_no_auth, allow_redirects=False)
    session.request("GET", url, hooks={"response": [lambda r, **k: r]}, auth=_no_auth,
                    allow_redirects=False)
    session.cookies.set("c", "1")
    session.request("GET", url, auth=_no_auth, allow_redirects=False)
    session.cookies.clear()
    session.auth = ("u", "p")
    session.request("GET", url, allow_redirects=False)
    assert calls == []
    session.auth = None
    session.request("GET", url, auth=_no_auth, allow_redirects=False)
    assert len(calls) == 1
