"""OAuth2 over real HTTP against the emulator's authorization server: each grant, renewal on
expiry and on 401, a renewal that fails, many threads renewing once, middleware, and the
hostile cases — a token endpoint that redirects, another origin asking for the token, secrets
in logs and traces."""

from __future__ import annotations

import logging
import re
import threading
import time

import pytest
import requests

import hyperkm
from hyperkm.cli import main
from hyperkm.demo import running
from hyperkm.demo.dataset import REPORT_PEOPLE
from hyperkm.demo.oauth import DEVICE_GRANT
from tests.support import JSON, ScriptedServer

SERVICE = ("demo-client", "demo-secret")


def service(demo) -> hyperkm.OAuth2:
    return hyperkm.OAuth2.client_credentials(demo.token_url, *SERVICE)


def exchanges(root) -> list:
    seen: list = []
    root.client.on_exchange.append(seen.append)
    return seen


def test_client_credentials():
    with running() as demo:
        root = hyperkm.connect(demo.root_url, auth=service(demo))
        assert root.follow("accounts").items()[0].data["name"] == "My SaaS Account"
        assert demo.oauth.issued == {"client_credentials": 1}
        assert root.client.has_token and root.client.oauth.obtained == 1


def test_discovered_from_the_servers_metadata():
    with running() as demo:
        auth = hyperkm.OAuth2.discover(demo.root_url, "demo-client", client_secret="demo-secret")
        assert auth.token_url == demo.token_url and auth.grant == "client_credentials"
        assert hyperkm.connect(demo.root_url, auth=auth).data


def test_renewed_before_it_expires_without_a_401():
    with running(token_ttl=1) as demo:
        root = hyperkm.connect(demo.root_url, auth=service(demo))
        seen = exchanges(root)
        _ = root.data
        time.sleep(1.1)
        assert root.follow("products").items()[0].data
        assert demo.oauth.issued["refresh_token"] == 1
        assert not [e for e in seen if e.status == 401]
        renewal = [e for e in seen if e.url == demo.token_url and "refresh" in e.reason]
        assert renewal and "refresh_token grant (the access token expired)" in renewal[0].reason


def test_renewed_once_on_401_invalid_token_and_the_get_retried():
    with running() as demo:
        root = hyperkm.connect(demo.root_url, auth=service(demo))
        _ = root.data
        demo.oauth.revoke_access_tokens()  # keys rotated on the server
        seen = exchanges(root)
        assert root.refresh().data
        statuses = [(e.method, e.status) for e in seen]
        assert statuses[0] == ("GET", 401) and ("POST", 200) in statuses
        assert seen[-1].reason == "retried with a renewed OAuth2 access token"
        assert demo.oauth.issued["refresh_token"] == 1


def test_a_post_is_never_retried_blindly():
    with running() as demo:
        root = hyperkm.connect(demo.root_url, auth=service(demo))
        report = root.follow("report", id=REPORT_PEOPLE)
        _ = report.data
        demo.oauth.revoke_access_tokens()
        posts = demo.stats.by_method["POST"]
        with pytest.raises(hyperkm.Unauthorized):
            report.follow("run").post({"start_date": "2015-06-02", "end_date": "2015-06-09"})
        assert demo.stats.by_method["POST"] == posts + 1  # the one POST, not two
        assert root.refresh().data  # the next GET renews and goes on


def test_a_failed_refresh_is_a_clear_unauthorized():
    with running() as demo:
        first = service(demo)
        _ = hyperkm.connect(demo.root_url, auth=first).data
        refresh = first._refresh
        auth = hyperkm.OAuth2.from_refresh_token(demo.token_url, "demo-client", refresh,
                                                 client_secret="demo-secret")
        root = hyperkm.connect(demo.root_url, auth=auth)
        demo.oauth.revoke_refresh_tokens()
        with pytest.raises(hyperkm.Unauthorized) as info:
            _ = root.data
        message = str(info.value)
        assert "refresh_token grant" in message and "invalid_grant" in message
        assert "sign in again" in message
        assert refresh not in message


def test_a_service_account_starts_over_when_its_refresh_token_is_gone():
    with running() as demo:
        root = hyperkm.connect(demo.root_url, auth=service(demo))
        _ = root.data
        demo.oauth.revoke_refresh_tokens()
        demo.oauth.revoke_access_tokens()
        assert root.refresh().data
        assert demo.oauth.issued["client_credentials"] == 2


@pytest.mark.threads  # the client is used from several threads
def test_many_threads_renew_once():
    with running(token_ttl=1) as demo:
        root = hyperkm.connect(demo.root_url, auth=service(demo), cache=False)
        _ = root.data
        time.sleep(1.1)
        urls = [root.follow(rel).url for rel in ("accounts", "products", "events", "reports")]
        barrier = threading.Barrier(8)
        failures = []

        def worker(n):
            barrier.wait()
            try:
                _ = root.client.resource(urls[n % 4]).data
            except Exception as exc:  # pragma: no cover - reported below
                failures.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert not failures
        assert demo.oauth.issued["refresh_token"] == 1  # not 8


def test_the_device_grant_a_person_approves_in_a_browser():
    with running() as demo:
        def person(url, code):  # on another screen, a moment later
            def approve():
                time.sleep(0.3)
                page = requests.get(url, timeout=5).text
                assert code in page
                requests.post(url.split("?")[0], data={"user_code": code, "action": "approve"},
                              timeout=5)
            threading.Thread(target=approve, daemon=True).start()

        auth = hyperkm.OAuth2.discover(demo.root_url, "demo-cli", prompt=person)
        assert auth.grant == "device"
        root = hyperkm.connect(demo.root_url, auth=auth)
        assert root.data
        assert demo.oauth.issued[DEVICE_GRANT] == 1


def test_a_denied_device_grant():
    with running() as demo:
        auth = hyperkm.OAuth2.discover(
            demo.root_url, "demo-cli",
            prompt=lambda url, code: demo.oauth.approve(code, allow=False))
        with pytest.raises(hyperkm.Unauthorized, match="access_denied"):
            _ = hyperkm.connect(demo.root_url, auth=auth).data


def test_an_authlib_client_is_run_with_hyperkms_rules():
    from authlib.integrations.requests_client import OAuth2Session

    with running() as demo:
        session = OAuth2Session(*SERVICE, token_endpoint=demo.token_url)
        root = hyperkm.connect(demo.root_url, auth=session)
        assert root.data and demo.oauth.issued["client_credentials"] == 1
        assert not session.token  # its own session sent nothing: hyperkm did the HTTP


# -- middleware -----------------------------------------------------------------------------------

def test_middleware_in_order_on_its_origin_only():
    with ScriptedServer({"/": (200, JSON, {"links": [{"rel": "other", "href": "/x"}]})}) as api, \
            ScriptedServer({"/x": (200, JSON, {"n": 1})}) as other:
        root = hyperkm.connect(api.url + "/", token="s3cret", cache=False)
        calls, replies = [], []

        def first(request):
            calls.append(("first", request.url))
            request.headers["X-Order"] = "first"

        def second(request):
            calls.append(("second", request.url))
            request.headers["X-Order"] += ",second"
            reply = yield
            replies.append((reply.status, reply.url, reply.elapsed >= 0))

        def elsewhere(request):
            calls.append(("elsewhere", request.url))
            with pytest.raises(AttributeError):  # where a request goes is not middleware's
                request.url = api.url + "/stolen"
            request.headers["X-Signed"] = "for-other"
            request.headers["X-Copy"] = "Bearer s3cret"  # trying to move the token

        root.client.use(first)
        root.client.use(second)
        root.client.use(elsewhere, origin=other.url)
        _ = root.data
        _ = root.client.resource(other.url + "/x").data
        assert calls == [("first", api.url + "/"), ("second", api.url + "/"),
                         ("elsewhere", other.url + "/x")]
        assert api.requests[0].headers["X-Order"] == "first,second"
        assert replies == [(200, api.url + "/", True)]
        sent = other.requests[0].headers
        assert sent.get("X-Signed") == "for-other"  # its own origin's signature stays
        assert "X-Copy" not in sent and "Authorization" not in sent  # the token does not
        assert "X-Order" not in sent


# -- hostile --------------------------------------------------------------------------------------

def test_a_token_endpoint_that_redirects_is_refused():
    with ScriptedServer() as thief:
        with ScriptedServer({
            "/token": (307, {"Location": thief.url + "/steal"}, ""),
            "/": (200, JSON, {"links": []}),
        }) as api:
            auth = hyperkm.OAuth2.client_credentials(api.url + "/token", "id", "the-secret")
            with pytest.raises(hyperkm.Unauthorized, match="does not follow a token endpoint"):
                _ = hyperkm.connect(api.url + "/", auth=auth).data
        assert thief.requests == []


def test_another_origin_never_gets_the_token():
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"', **JSON}
    with running() as demo, ScriptedServer({"/x": (401, challenge, {"error": "no"})}) as other:
        root = hyperkm.connect(demo.root_url, auth=service(demo))
        _ = root.data
        with pytest.raises(hyperkm.Unauthorized, match="withheld"):
            _ = root.client.resource(other.url + "/x").data
        assert all("Authorization" not in r.headers for r in other.requests)
        assert demo.oauth.issued["refresh_token"] == 0  # nothing renewed for a stranger


def test_secrets_never_reach_a_log_line_or_a_trace(caplog):
    with running(token_ttl=1) as demo, caplog.at_level(logging.DEBUG):
        auth = service(demo)
        root = hyperkm.connect(demo.root_url, auth=auth)
        seen = exchanges(root)
        _ = root.data
        held = auth.secrets()
        time.sleep(1.1)
        _ = root.refresh().data
        held |= auth.secrets()
        text = caplog.text + repr(seen) + repr(auth) + repr(root.client)
        assert len(held) >= 4  # two access tokens, two refresh tokens, the secret
        for secret in held:
            assert secret not in text


def test_a_token_endpoint_over_plain_http_to_another_host_is_refused():
    with pytest.raises(hyperkm.ConfigurationError, match="client secret unencrypted"):
        hyperkm.OAuth2.client_credentials("http://auth.example/token", "id", "secret")


# -- the command line, the shell, the explorer ----------------------------------------------------

def test_the_cli_with_a_client_id_and_secret(capsys):
    code = main(["get", "--demo", "--client-id", "demo-client", "--client-secret",
                 "demo-secret", "accounts", "--format", "json"])
    out = capsys.readouterr()
    assert code == 0 and "My SaaS Account" in out.out
    assert main(["get", "--demo", "--client-secret", "x"]) == 2


def test_the_shell_trace_shows_the_renewal():
    from hyperkm.cli.shell import ShellState, execute

    with running(token_ttl=1) as demo:
        state = ShellState(hyperkm.connect(demo.root_url, auth=service(demo)))
        execute(state, "trace on")
        execute(state, "accounts")
        time.sleep(1.1)
        out = execute(state, "back") + execute(state, "refresh")
        assert "OAuth2: refresh_token grant" in out
        assert "demo-secret" not in out


@pytest.mark.threads  # the client is used from several threads
def test_the_explorer_with_oauth2():
    from hyperkm.explore import ExplorerServer

    with running() as demo:
        root = hyperkm.connect(demo.root_url, auth=service(demo))
        with ExplorerServer(root) as explorer:
            page = requests.get(explorer.url, timeout=5).text
            assert "KISSmetrics API" in page and "OAuth2: client_credentials grant" in page


def test_login_signs_a_person_in_then_browses(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    import sys

    child = pexpect.spawn(sys.executable, ["-m", "hyperkm", "login", "--demo", "--client-id",
                                           "demo-cli", "--no-history"],
                          env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
                               "TERM": "dumb", "HYPERKM_TOKEN": ""},
                          encoding="utf-8", timeout=30)
    try:
        child.expect(r"open (http://\S+) and enter the code (\S+)")
        url, code = child.match.group(1), child.match.group(2)
        requests.post(url.split("?")[0], data={"user_code": code}, timeout=5)
        child.expect("signed in to")
        child.expect("› ")
        child.sendline("accounts")
        child.expect("1 in all")
        child.sendline("items")
        child.expect("My SaaS Account")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert re.match(r"[0-9A-F]{4}-[0-9A-F]{4}", code)


def test_a_bookmark_never_chooses_where_oauth_tokens_go():
    with running() as demo:
        mark = hyperkm.connect(demo.root_url, token=demo.token).follow("accounts").bookmark()
        with pytest.raises(hyperkm.ConfigurationError, match="root="):
            hyperkm.open(mark, auth=service(demo))
        assert hyperkm.open(mark, auth=service(demo), root=demo.root_url).data


def test_discovery_finds_openid_connect_metadata_under_an_issuer_path():
    # Keycloak's issuers are https://host/realms/NAME, their metadata under that path
    meta = {"issuer": "x", "token_endpoint": "/realms/shop/protocol/openid-connect/token"}
    with ScriptedServer({"/realms/shop/.well-known/openid-configuration": (200, JSON, meta)}
                        ) as server:
        auth = hyperkm.OAuth2.discover(server.url + "/realms/shop", "id", client_secret="s")
        assert auth.token_url == server.url + "/realms/shop/protocol/openid-connect/token"
        paths = [r.path for r in server.requests]
        assert paths[-1] == "/realms/shop/.well-known/openid-configuration"
    with ScriptedServer() as empty, pytest.raises(hyperkm.ConfigurationError,
                                                   match="no OAuth2 metadata"):
        hyperkm.OAuth2.discover(empty.url + "/api", "id")


def test_discovery_from_a_token_url_below_the_issuer():
    meta = {"issuer": "x", "token_endpoint": "/realms/shop/protocol/openid-connect/token"}
    with ScriptedServer({"/realms/shop/.well-known/openid-configuration": (200, JSON, meta)}
                        ) as server:
        auth = hyperkm.OAuth2.discover(
            server.url + "/realms/shop/protocol/openid-connect/token", "id", client_secret="s")
        assert auth.token_url == server.url + "/realms/shop/protocol/openid-connect/token"


@pytest.mark.parametrize(("answer", "said"), [
    ({"access_token": "abc\r\nX-Evil:1", "token_type": "Bearer"}, "usable access_token"),
    ({"access_token": "has space", "token_type": "Bearer"}, "usable access_token"),
    ({"access_token": "abc", "token_type": "DPoP"}, "Bearer tokens only"),
    ({"token_type": "Bearer"}, "usable access_token"),
])
def test_a_token_hyperkm_cannot_send_is_refused_before_any_request(answer, said):
    with ScriptedServer({"/token": (200, JSON, answer), "/": (200, JSON, {"links": []})}
                        ) as server:
        auth = hyperkm.OAuth2.client_credentials(server.url + "/token", "id", "secret")
        with pytest.raises(hyperkm.Unauthorized, match=said):
            _ = hyperkm.connect(server.url + "/", auth=auth).data
        assert [r.path for r in server.requests] == ["/token"]  # the API got nothing
