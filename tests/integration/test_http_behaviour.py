"""What the client does with real HTTP answers, good and bad."""

import socket
import ssl
import threading
import time

import pytest
import requests
from werkzeug.wrappers import Response

import hyperkm
from hyperkm.demo import running
from tests.support import JSON, ScriptedServer


def connect(server, path="/", **kw):
    return hyperkm.connect(server.url + path, **kw)


# -- errors carry status, URL and the server's own message ------------------------------------

@pytest.mark.parametrize("status,cls", [(400, hyperkm.BadRequest), (401, hyperkm.Unauthorized),
                                        (403, hyperkm.Forbidden), (404, hyperkm.NotFound),
                                        (422, hyperkm.UnprocessableEntity),
                                        (500, hyperkm.ServerError), (502, hyperkm.ServerError),
                                        (418, hyperkm.ClientError)])
@pytest.mark.parametrize("body", ["v2", "v1", "problem", "none", "html"])
def test_http_errors(status, cls, body):
    bodies = {
        "v2": (JSON, {"meta": {"status": status, "message": ":offset must be an integer",
                               "errors": ["invalid_parameter"]}, "links": []}),
        "v1": (JSON, {"message": "Invalid report_guid provided: report not found.",
                      "error": "Not Found", "status": status}),
        "problem": ({"Content-Type": "application/problem+json"},
                    {"type": "about:blank", "title": "Out of credit", "detail": "Balance is 30"}),
        "none": ({}, b""),
        "html": ({"Content-Type": "text/html"}, b"<h1>Error</h1>"),
    }
    headers, payload = bodies[body]
    with ScriptedServer({"/": (status, headers, payload)}) as server:
        with pytest.raises(cls) as info:
            _ = connect(server).data
    err = info.value
    assert err.status == status and err.url == server.url + "/"
    assert str(status) in str(err) and server.url in str(err)
    expected = {"v2": ":offset must be an integer (invalid_parameter)",
                "v1": "Invalid report_guid provided: report not found.",
                "problem": "Out of credit: Balance is 30", "none": None, "html": None}[body]
    assert err.server_message == expected
    if expected:
        assert expected in str(err)
    assert err.response is not None and err.response.status_code == status


def test_demo_401_without_token_says_how_to_fix(demo):
    with pytest.raises(hyperkm.Unauthorized) as info:
        _ = hyperkm.connect(demo.root_url).data
    assert "HYPERKM_TOKEN" in str(info.value)
    assert "Authentication required" in info.value.server_message


def test_token_from_environment(demo, monkeypatch):
    monkeypatch.setenv("HYPERKM_TOKEN", demo.token)
    assert hyperkm.connect(demo.root_url).data["name"] == "KISSmetrics API"


def test_wrong_token(demo):
    with pytest.raises(hyperkm.Unauthorized) as info:
        _ = hyperkm.connect(demo.root_url, token="nope").data
    assert "rejected the token" in str(info.value)


# -- malformed responses over the wire ------------------------------------------------------

@pytest.mark.parametrize("headers,body,expect", [
    ({"Content-Type": "text/csv"}, b"a,b\n1,2", "text/csv"),
    (JSON, b"", "empty body"),
    (JSON, b"12", "JSON int"),
    (JSON, b"{", "does not parse"),
    (JSON, b'{"links": [{"rel": "self"}]}', "'href' must be a non-empty string"),
])
def test_bad_bodies_are_document_errors(headers, body, expect):
    with ScriptedServer({"/": (200, headers, body)}) as server:
        with pytest.raises(hyperkm.DocumentError) as info:
            _ = connect(server).data
    assert expect in str(info.value)


def test_next_link_pointing_back_stops_with_a_clear_error():
    page1 = {"links": [{"rel": "next", "href": "/p2"}], "pagination": {}, "data": [{"id": 1}]}
    page2 = {"links": [{"rel": "next", "href": "/"}], "pagination": {}, "data": [{"id": 2}]}
    with ScriptedServer({"/": (200, JSON, page1), "/p2": (200, JSON, page2)}) as server:
        items = connect(server).items()
        seen = []
        with pytest.raises(hyperkm.DocumentError) as info:
            for member in items:
                seen.append(member.data["id"])
    assert seen == [1, 2]
    assert "loops" in str(info.value)
    assert len(server.requests) == 2


def test_empty_page_with_next_ends_iteration():
    page1 = {"links": [{"rel": "next", "href": "/p2"}], "pagination": {}, "data": [{"id": 1}]}
    page2 = {"links": [{"rel": "next", "href": "/p3"}], "pagination": {}, "data": []}
    with ScriptedServer({"/": (200, JSON, page1), "/p2": (200, JSON, page2)}) as server:
        assert [m.data["id"] for m in connect(server).items()] == [1]


def test_bare_arrays_paged_by_link_header():
    routes = {"/": (200, {**JSON, "Link": '</p2>; rel="next"'}, [{"id": 1}, {"id": 2}]),
              "/p2": (200, JSON, [{"id": 3}])}
    with ScriptedServer(routes) as server:
        items = connect(server).items()
        assert [m.data["id"] for m in items] == [1, 2, 3]
        assert len(items) == 3


# -- transport --------------------------------------------------------------------------------

def test_default_timeout_is_set():
    assert hyperkm.connect("http://127.0.0.1:9/").client.timeout == (5.0, 30.0)


def test_read_timeout_is_a_hyperkm_timeout():
    def slow(request):
        time.sleep(1.0)
        return Response("{}", mimetype="application/json")

    with ScriptedServer({"/": slow}) as server, pytest.raises(hyperkm.Timeout) as info:
        _ = connect(server, timeout=0.2).data
    assert "timed out" in str(info.value) and isinstance(info.value, TimeoutError)


def test_connection_refused_is_a_transport_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(hyperkm.TransportError) as info:
        _ = hyperkm.connect(f"http://127.0.0.1:{port}/core").data
    assert "Check that the server is running" in str(info.value)


def test_redirect_loop_is_a_transport_error():
    routes = {"/a": (302, {"Location": "/b"}, b""), "/b": (302, {"Location": "/a"}, b"")}
    with ScriptedServer(routes) as server, pytest.raises(hyperkm.TransportError) as info:
        _ = connect(server, "/a").data
    assert "redirects" in str(info.value)


def test_bad_root_url_and_options():
    with pytest.raises(hyperkm.ConfigurationError):
        hyperkm.connect("api.example.com/core")
    with pytest.raises(hyperkm.ConfigurationError) as info:
        hyperkm.connect("http://127.0.0.1/", tiemout=3)
    assert "tiemout" in str(info.value)


def test_headers_sent(demo):
    seen = {}
    root = hyperkm.connect(demo.root_url, token=demo.token)
    root.client.on_exchange.append(lambda ex: seen.update(ex.request_headers))
    _ = root.data
    assert "application/json" in seen["Accept"] and "application/hal+json" in seen["Accept"]
    assert seen["Authorization"] == "Bearer ***"  # the hook never sees the token


def test_own_session_is_used_and_not_mutated(demo):
    session = requests.Session()
    session.headers["X-Trace"] = "t1"
    adapters = dict(session.adapters)
    root = hyperkm.connect(demo.root_url, token=demo.token, session=session)
    assert root.data["name"] == "KISSmetrics API"
    assert root.client.session.headers is session.headers  # its settings are used ...
    assert "Authorization" not in session.headers
    assert dict(session.adapters) == adapters  # ... but nothing is mounted on it


# -- the token's scope --------------------------------------------------------------------------

def test_token_is_not_sent_to_another_origin(demo):
    leaked = {}

    def capture(request):
        leaked["auth"] = request.headers.get("Authorization")
        return Response('{"meta": {"status": 401, "message": "who are you"}}', 401,
                        mimetype="application/json")

    # 127.0.0.2 is loopback but another host: another origin, like apikissmetrics.com
    with ScriptedServer({"/x": capture}, host="127.0.0.2") as other:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        link = hyperkm.Link.create("elsewhere", other.url + "/x")
        with pytest.raises(hyperkm.Unauthorized) as info:
            _ = root.follow(link).data
    assert leaked == {"auth": None}
    assert "withheld" in str(info.value) and "origin" in str(info.value)
    assert "not the root's origin" in root.client.token_withheld(other.url + "/x")
    assert root.client.token_withheld(demo.root_url + "/accounts") is None
    assert hyperkm.connect(demo.root_url).client.token_withheld(other.url) is None  # no token


def test_cross_origin_redirect_drops_the_token(demo):
    seen = []
    def capture(request):
        seen.append(request.headers.get("Authorization"))
        return Response("{}", mimetype="application/json")

    with ScriptedServer({"/x": capture}, host="127.0.0.2") as other:
        with ScriptedServer({"/": (302, {"Location": other.url + "/x"}, b"")}) as first:
            root = hyperkm.connect(first.url + "/", token="secret")
            _ = root.data
            assert first.requests[0].headers.get("Authorization") == "Bearer secret"
    assert seen == [None]


def test_following_a_link_without_token_to_another_origin_works_when_public(demo):
    with ScriptedServer({"/pub": (200, JSON, {"hello": "world"})}, host="127.0.0.2") as other:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        assert root.follow(hyperkm.Link.create("p", other.url + "/pub")).data == {"hello": "world"}


@pytest.fixture(scope="module")
def ca():
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


@pytest.fixture
def tls_demo(ca, tmp_path):
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with running(tls=context) as server:
        yield server, str(bundle)


def test_https_with_a_private_ca(tls_demo):
    server, bundle = tls_demo
    assert server.root_url.startswith("https://")
    root = hyperkm.connect(server.root_url, token=server.token, verify=bundle)
    assert root.follow("accounts").items()[0].data["name"] == "My SaaS Account"


def test_https_without_the_ca_fails_clearly(tls_demo, monkeypatch):
    server, _ = tls_demo
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(hyperkm.TransportError) as info:
        _ = hyperkm.connect(server.root_url, token=server.token).data
    assert "verify=" in str(info.value)


def test_http_to_https_redirect_on_the_same_host_keeps_the_token(tls_demo):
    server, bundle = tls_demo
    exchanges = []
    root = hyperkm.connect(server.http_url, token=server.token, verify=bundle)
    root.client.on_exchange.append(exchanges.append)
    assert root.data["name"] == "KISSmetrics API"
    assert [(e.status, e.url.split(":")[0]) for e in exchanges] == [(301, "http"),
                                                                     (200, "https")]
    assert exchanges[1].token_sent and root.url == server.root_url


@pytest.mark.threads  # the client is used from several threads
def test_concurrent_use_of_one_client(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    errors = []

    def walk():
        try:
            assert len(list(root.follow("events", limit=10).items())) == 57
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=walk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
