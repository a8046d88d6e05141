"""Credentials go only to the origin the caller chose — whatever a document, a redirect, a
bookmark file or a shared session tries."""

from __future__ import annotations

import json

import pytest
import requests

import hyperkm
from hyperkm.demo import running

from .conftest import documents, respond

TOKEN = "s3cret-token"
CREDENTIAL_NAMES = ("authorization", "cookie", "x-api-key", "x-tenant-key")


def leaked(server) -> list[tuple[str, str]]:
    """Every credential-looking header the server received."""
    return [(name, value) for r in server.requests for name, value in r.headers.items()
            if name in CREDENTIAL_NAMES or TOKEN in value or "hunter2" in value]


@pytest.fixture
def evil(raw_server):
    return raw_server(documents({"/x": {"stolen": True}, "/": {"stolen": True}}))


# -- 1. one parser: hrefs that parsers read differently are refused --------------------------

def disagreeing_hrefs(api_port: int, evil_port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{evil_port}\\@127.0.0.1:{api_port}/x",  # the review's example
        f"http://127.0.0.1:{evil_port}\\.127.0.0.1:{api_port}/x",
        f"http://user@127.0.0.1:{evil_port}/x",                   # userinfo
        f"http://127.0.0.1:{api_port}@127.0.0.1:{evil_port}/x",
        f"http://127.0.0.1:{evil_port}/x\r\nX-Injected: 1",         # control characters
        f"http://127.0.0.1:{evil_port}\t/x",
    ]


@pytest.mark.parametrize("index", range(6))
def test_links_that_parsers_disagree_on_are_refused_before_any_request(raw_server, evil,
                                                                          index):
    api = raw_server(documents({}))
    href = disagreeing_hrefs(api.port, evil.port)[index]
    api.handler = documents({"/core": {"links": [{"rel": "go", "href": href}]}})
    root = hyperkm.connect(api.url + "/core", token=TOKEN)
    with pytest.raises(hyperkm.DocumentError) as info:
        _ = root.follow("go").data
    assert repr(href)[1:20] in str(info.value) or href[:20] in str(info.value)
    assert evil.requests == []
    assert [r.target for r in api.requests] == ["/core"]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_location_parsers_disagree_on_is_refused(raw_server, evil, status):
    api = raw_server(documents({}))
    location = f"http://127.0.0.1:{evil.port}\\@127.0.0.1:{api.port}/x"
    api.handler = lambda req, conn, srv: respond(conn, status, {}, {"Location": location})
    with pytest.raises(hyperkm.DocumentError) as info:
        _ = hyperkm.connect(api.url + "/core", token=TOKEN).data
    assert "Location" in str(info.value)
    assert evil.requests == []


@pytest.mark.parametrize("status", [201, 202])
def test_a_write_location_parsers_disagree_on_is_refused(raw_server, evil, status):
    api = raw_server(documents({}))
    location = f"http://user@127.0.0.1:{evil.port}/x"
    api.handler = lambda req, conn, srv: respond(conn, status, {}, {"Location": location})
    with pytest.raises(hyperkm.DocumentError) as info:
        # refused as the answer arrives (nothing to follow, nothing to poll as a job)
        hyperkm.connect(api.url + "/core", token=TOKEN).post({"a": 1})
    assert "Location" in str(info.value) and str(status) in str(info.value)
    assert evil.requests == []


def test_the_root_itself_must_be_unambiguous():
    with pytest.raises(hyperkm.ConfigurationError):
        hyperkm.connect("http://127.0.0.1:1\\@127.0.0.1:2/core", token=TOKEN)
    with pytest.raises(hyperkm.ConfigurationError):
        hyperkm.connect("http://me:pw@127.0.0.1:2/core")


def test_the_cli_refuses_such_a_url(raw_server, evil):
    from hyperkm.cli import main

    api = raw_server(documents({}))
    href = f"http://127.0.0.1:{evil.port}\\@127.0.0.1:{api.port}/x"
    api.handler = documents({"/core": {"links": [{"rel": "go", "href": href}]}})
    assert main(["get", api.url + "/core", "go", "--token", TOKEN]) == 7
    assert evil.requests == []


# -- 2. credentials in every form stay on the root's origin -----------------------------------

def credentialed_session() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = "Basic hunter2"
    session.headers["X-Api-Key"] = "hunter2-key"
    session.auth = ("me", "hunter2")
    session.cookies.set("sid", "hunter2-cookie")  # no domain: requests sends it anywhere
    return session


@pytest.mark.parametrize("how", ["link", "redirect"])
def test_no_credential_of_any_kind_reaches_another_origin(raw_server, evil, how):
    api = raw_server(documents({}))
    other = f"http://127.0.0.1:{evil.port}/x"
    if how == "link":
        api.handler = documents({"/core": {"links": [{"rel": "away", "href": other}]}})
    else:
        api.handler = documents({
            "/core": {"links": [{"rel": "away", "href": "/jump"}]},
            "/jump": lambda req, conn, srv: respond(conn, 302, {}, {"Location": other})})
    root = hyperkm.connect(api.url + "/core", token=TOKEN, session=credentialed_session(),
                           headers={"X-Tenant-Key": "hunter2-tenant"},
                           credential_headers=["X-Tenant-Key"])
    assert root.follow("away").data == {"stolen": True}
    assert len(evil.requests) == 1
    assert leaked(evil) == []
    # ... while the root's own origin received them all
    sent = api.requests[0].headers
    assert sent["authorization"] == f"Bearer {TOKEN}"
    assert sent["x-api-key"] == "hunter2-key" and sent["x-tenant-key"] == "hunter2-tenant"
    assert "sid=hunter2-cookie" in sent["cookie"]


def test_credentials_given_without_a_token_are_scoped_too(raw_server, evil):
    api = raw_server(documents({
        "/core": {"links": [{"rel": "away", "href": f"http://127.0.0.1:{evil.port}/x"}]}}))
    session = credentialed_session()
    root = hyperkm.connect(api.url + "/core", session=session)
    _ = root.follow("away").data
    assert leaked(evil) == []
    assert api.requests[0].headers["authorization"].startswith("Basic")


# -- 3. a bookmark file never chooses where the token goes --------------------------------------

def tampered_bookmark(evil_url: str) -> str:
    return json.dumps({"format": "hyperkm-bookmark/1", "root": evil_url + "/core",
                       "url": evil_url + "/x", "start": None, "member_key": "id",
                       "trail": [{"rel": "accounts"}]})


def test_a_tampered_bookmark_gets_no_token(evil, monkeypatch):
    mark = tampered_bookmark(evil.url)
    with pytest.raises(hyperkm.ConfigurationError, match="root="):
        hyperkm.open(mark, token=TOKEN)
    monkeypatch.setenv("HYPERKM_TOKEN", TOKEN)
    with pytest.raises(hyperkm.ConfigurationError, match="root="):
        hyperkm.open(mark)
    assert evil.requests == []


def test_a_bookmark_on_another_origin_than_the_callers_root_is_refused(raw_server, evil):
    api = raw_server(documents({"/core": {"links": []}}))
    mark = tampered_bookmark(evil.url)
    with pytest.raises(hyperkm.BookmarkError, match="never chooses"):
        hyperkm.Client(api.url + "/core", token=TOKEN).open(mark)
    # with root= the caller names the API: the foreign URL is never requested; the trail is
    # walked from the caller's root instead
    with pytest.raises(hyperkm.BookmarkError):
        hyperkm.open(mark, token=TOKEN, root=api.url + "/core")
    assert evil.requests == []
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in api.requests)


def test_a_bookmark_whose_trail_starts_elsewhere_is_refused(raw_server, evil):
    api = raw_server(documents({"/core": {"links": []}}))
    mark = json.loads(tampered_bookmark(api.url))
    mark["start"] = evil.url + "/x"
    with pytest.raises(hyperkm.BookmarkError):
        hyperkm.open(json.dumps(mark), token=TOKEN, root=api.url + "/core")
    assert evil.requests == []


# -- 4. one session shared by two clients keeps their caches apart ------------------------------

def test_a_shared_session_never_serves_one_tokens_body_to_another(tmp_path):
    with running() as demo:
        session = requests.Session()
        a = hyperkm.connect(demo.root_url, token="demo-token", session=session, cache=tmp_path)
        account_url = a.follow("accounts").items()[0].url
        private = hyperkm.Client(demo.root_url, token="demo-token", session=session,
                                 cache=tmp_path).resource(account_url)
        assert private.data["name"] == "My SaaS Account"
        before = demo.stats.requests
        other = hyperkm.Client(demo.root_url, token="demo-token-other", session=session,
                               cache=tmp_path).resource(account_url)
        with pytest.raises(hyperkm.NotFound):
            _ = other.data  # asked the server, which hides A's account from B
        assert demo.stats.requests == before + 1
        # and the first client still has its own namespace (nothing was re-mounted under it)
        assert a.client.resource(account_url).data["name"] == "My SaaS Account"
        assert session.adapters["http://"].__class__ is requests.adapters.HTTPAdapter


def test_credential_headers_get_a_cache_namespace_of_their_own(tmp_path):
    with running() as demo:
        url = demo.root_url
        first = hyperkm.Client(url, headers={"Authorization": "Bearer demo-token"},
                               cache=tmp_path)
        account_url = first.root.follow("accounts").items()[0].url
        assert first.resource(account_url).data["name"] == "My SaaS Account"
        before = demo.stats.requests
        second = hyperkm.Client(url, headers={"Authorization": "Bearer demo-token-other"},
                                cache=tmp_path)
        with pytest.raises(hyperkm.NotFound):
            _ = second.resource(account_url).data
        assert demo.stats.requests == before + 1
        anonymous = hyperkm.Client(url, cache=tmp_path)
        with pytest.raises(hyperkm.Unauthorized):
            _ = anonymous.resource(account_url).data


def test_netrc_credentials_stay_on_the_roots_origin(raw_server, evil, tmp_path, monkeypatch):
    # ~/.netrc names a host, not a port: requests would use it for every port of 127.0.0.1
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login me password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    api = raw_server(documents({
        "/core": {"links": [{"rel": "away", "href": f"http://127.0.0.1:{evil.port}/x"}]}}))
    assert hyperkm.connect(api.url + "/core").follow("away").data == {"stolen": True}
    assert api.requests[0].headers["authorization"].startswith("Basic")  # netrc is in play
    assert leaked(evil) == []


def test_a_client_certificate_is_not_presented_to_another_origin(raw_server, evil, tmp_path):
    certificate = tmp_path / "client.pem"
    certificate.write_text("not used over plain HTTP")
    api = raw_server(documents({
        "/core": {"links": [{"rel": "away", "href": f"http://127.0.0.1:{evil.port}/x"}]}}))
    presented = {}

    class Recording(requests.adapters.HTTPAdapter):  # the caller's own adapter
        def send(self, request, **kwargs):
            presented[request.url.split("/")[2]] = kwargs.get("cert")
            return super().send(request, **kwargs)

    session = requests.Session()
    session.cert = str(certificate)
    session.mount("http://", Recording())
    _ = hyperkm.connect(api.url + "/core", session=session).follow("away").data
    assert presented[f"127.0.0.1:{api.port}"] == str(certificate)
    assert presented[f"127.0.0.1:{evil.port}"] is None


def test_reserved_expansion_cannot_climb_the_path():
    link = hyperkm.Link.create("file", "https://api.example/files/{+path}", templated=True)
    for value in ("../admin", "a/../../b", "%2e%2e/x", "./x"):
        with pytest.raises(hyperkm.TemplateError):
            link.expand(path=value)
    assert link.expand(path="a/b.txt") == "https://api.example/files/a/b.txt"


def test_token_dash_reads_the_token_from_a_pipe_not_the_command_line(raw_server):
    import os
    import subprocess
    import sys

    server = raw_server(lambda req, conn, srv: respond(conn, 200, {"links": [], "data": {}}))
    env = {k: v for k, v in os.environ.items() if k != "HYPERKM_TOKEN"}
    run = subprocess.run([sys.executable, "-m", "hyperkm", "get", server.url + "/core",
                          "--token", "-"], input="piped-token\n", capture_output=True,
                         text=True, timeout=60, env=env)
    assert run.returncode == 0, run.stderr
    assert server.requests[0].headers["authorization"] == "Bearer piped-token"
    shown = subprocess.run([sys.executable, "-m", "hyperkm", "get", "--help"],
                           capture_output=True, text=True, timeout=60, env=env).stdout
    assert "/proc" in shown and "HYPERKM_TOKEN" in shown
