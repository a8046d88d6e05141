"""OAuth2 against an authorization server nobody here wrote (oauth2-mock-server, npm): its
OpenID Connect metadata found, a client-credentials token obtained and sent only to the API,
the client secret only to the token endpoint, and a token the API rejects renewed once."""

from __future__ import annotations

import base64
import json

from werkzeug.wrappers import Response

import hyperkm
from tests.support import ScriptedServer


def issuer_of(token: str) -> str | None:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return claims.get("iss")


def api(issuer: str, reject_first: bool = False) -> ScriptedServer:
    seen: list[str] = []

    def root(request):
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        seen.append(token)
        if issuer_of(token) != issuer or (reject_first and len(seen) == 1):
            return Response('{"error": "invalid_token"}', 401, mimetype="application/json",
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return Response(json.dumps({"_links": {"self": {"href": "/"}}, "hello": "world"}),
                        mimetype="application/hal+json")

    server = ScriptedServer({"/": root})
    server.seen = seen  # type: ignore[attr-defined]
    return server


def test_discovered_client_credentials_token_reaches_the_api_only(oauth2_server):
    issuer = f"http://localhost:{oauth2_server.port}"
    auth = hyperkm.OAuth2.discover(oauth2_server.url, "my-service", client_secret="s3cret")
    assert auth.token_url == issuer + "/token" and auth.grant == "client_credentials"
    with api(issuer) as server:
        root = hyperkm.connect(server.url + "/", auth=auth)
        assert root.data == {"hello": "world"}
        sent = [r.headers.get("Authorization", "") for r in server.requests]
        assert sent and all(h.startswith("Bearer ey") for h in sent)
        assert not any("s3cret" in h or h.startswith("Basic") for h in sent)


def test_a_rejected_token_is_renewed_once_with_the_real_server(oauth2_server):
    issuer = f"http://localhost:{oauth2_server.port}"
    auth = hyperkm.OAuth2.client_credentials(issuer + "/token", "my-service", "s3cret")
    with api(issuer, reject_first=True) as server:
        root = hyperkm.connect(server.url + "/", auth=auth)
        assert root.data == {"hello": "world"}
        # (its tokens for one client within one second are the same JWT: counted, not compared)
        assert auth.obtained == 2 and len(server.seen) == 2
