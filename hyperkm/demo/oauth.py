"""The emulator's OAuth2 authorization server: client credentials, refresh tokens (rotated
on every use), the device authorization grant (RFC 8628) and its metadata (RFC 8414).

Access tokens are short-lived (``token_ttl``, default 300 s) so that refreshing is part of
every longer session; an expired one is answered ``401`` with ``error="invalid_token"``.

Clients (``CLIENTS``): ``demo-client`` / ``demo-secret`` (confidential: client credentials
and refresh) and ``demo-cli`` (public, no secret: the device flow, for terminals). A device
code is approved by a person at ``/oauth/device`` (a form asking for the user code), or by
``DemoServer.oauth.approve(user_code)`` in tests.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import secrets
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

__all__ = ["CLIENTS", "DEVICE_GRANT", "OAuthServer"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENTS: dict[str, dict[str, Any]] = {
    "demo-client": {"secret": "demo-secret",
                    "grants": {"client_credentials", "refresh_token"}},
    "demo-cli": {"secret": None, "grants": {DEVICE_GRANT, "refresh_token"}},
}
METADATA_PATH = "/.well-known/oauth-authorization-server"
_PATHS = ("/oauth/token", "/oauth/device_authorization", "/oauth/device", METADATA_PATH)
#: Most live tokens and device codes kept (an endless client must not grow the emulator).
MAX_KEPT = 10_000


class _OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class OAuthServer:
    """Token endpoint, device authorization endpoint and metadata, for one emulator."""

    def __init__(self, account: str, *, token_ttl: float = 300.0) -> None:
        self.account = account  # whose data the clients' tokens see
        self.token_ttl = token_ttl
        self._lock = threading.Lock()
        self._access: dict[str, tuple[str, float]] = {}  # token -> (account, expires_at)
        self._refresh: dict[str, tuple[str, str]] = {}  # token -> (account, client_id)
        self._devices: dict[str, dict[str, Any]] = {}  # device_code -> its state
        #: Tokens issued, by grant type (tests count refreshes with it).
        self.issued: Counter[str] = Counter()

    def handles(self, path: str) -> bool:
        return path in _PATHS

    # -- what the API side asks ----------------------------------------------------------------

    def check(self, token: str) -> tuple[str | None, str]:
        """The account an access token speaks for, or ``None`` and why not."""
        with self._lock:
            found = self._access.get(token)
        if found is None:
            return None, "The bearer token is not valid."
        account, expires = found
        if time.monotonic() >= expires:
            return None, "The access token expired; refresh it."
        return account, ""

    def revoke_access_tokens(self) -> None:
        """Forget every access token (refresh tokens stay): the next request with one is a
        401 ``invalid_token`` — a server restarted, or keys rotated."""
        with self._lock:
            self._access.clear()

    def revoke_refresh_tokens(self) -> None:
        """Forget every refresh token: a refresh then fails with ``invalid_grant``."""
        with self._lock:
            self._refresh.clear()

    def approve(self, user_code: str, *, allow: bool = True) -> bool:
        """A person approving (or denying) a device's request; ``False`` if no such code."""
        with self._lock:
            for device in self._devices.values():
                if device["user_code"] == user_code.strip().upper():
                    device["approved"] = allow
                    return True
        return False

    # -- HTTP ---------------------------------------------------------------------------------

    def handle(self, request: Request, base_url: str) -> Response:
        try:
            if request.path == METADATA_PATH and request.method == "GET":
                return _json(200, self.metadata(base_url))
            if request.path == "/oauth/device":
                return self._device_page(request)
            if request.method != "POST":
                raise _OAuthError("invalid_request", f"{request.path} takes POST.", 405)
            client_id = self._client(request)
            if request.path == "/oauth/device_authorization":
                return self._device_authorization(request, client_id, base_url)
            return self._token(request, client_id)
        except _OAuthError as exc:
            response = _json(exc.status, {"error": exc.error,
                                          "error_description": exc.description})
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="hyperkm-demo"'
            return response

    def metadata(self, base_url: str) -> dict[str, Any]:
        """RFC 8414 authorization server metadata."""
        return {"issuer": base_url, "token_endpoint": base_url + "/oauth/token",
                "device_authorization_endpoint": base_url + "/oauth/device_authorization",
                "grant_types_supported": ["client_credentials", "refresh_token",
                                          DEVICE_GRANT],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post", "none"],
                "response_types_supported": []}

    def _client(self, request: Request) -> str:
        """The client the request authenticates as (Basic, or the form's client_id and
        client_secret; a public client sends its id alone)."""
        client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise _OAuthError("invalid_client", "Malformed Basic credentials.",
                                  401) from exc
            user, _, password = raw.partition(":")
            client_id, secret = unquote(user), unquote(password)  # RFC 6749 2.3.1
        known = CLIENTS.get(client_id or "")
        if known is None:
            raise _OAuthError("invalid_client", f"Unknown client {client_id!r}.", 401)
        if known["secret"] is not None and not secrets.compare_digest(
                (secret or "").encode(), known["secret"].encode()):
            raise _OAuthError("invalid_client", "Client authentication failed.", 401)
        return str(client_id)

    def _token(self, request: Request, client_id: str) -> Response:
        grant = request.form.get("grant_type", "")
        if grant not in CLIENTS[client_id]["grants"]:
            raise _OAuthError("unauthorized_client",
                              f"Client {client_id} may not use the {grant or '(no)'} grant.")
        if grant == "client_credentials":
            return self._issue(client_id, grant, refresh=True)
        if grant == "refresh_token":
            given = request.form.get("refresh_token", "")
            with self._lock:
                found = self._refresh.pop(given, None)  # rotated: a refresh token works once
            if found is None or found[1] != client_id:
                raise _OAuthError("invalid_grant", "The refresh token is not valid (revoked, "
                                  "already used, or another client's).")
            return self._issue(client_id, grant, refresh=True)
        return self._device_token(request, client_id)

    def _issue(self, client_id: str, grant: str, *, refresh: bool) -> Response:
        access = secrets.token_urlsafe(24)
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer",
                                "expires_in": int(self.token_ttl) if self.token_ttl >= 1 else 1}
        with self._lock:
            if len(self._access) >= MAX_KEPT:
                self._access.clear()
            self._access[access] = (self.account, time.monotonic() + self.token_ttl)
            if refresh:
                if len(self._refresh) >= MAX_KEPT:
                    self._refresh.clear()
                body["refresh_token"] = secrets.token_urlsafe(32)
                self._refresh[body["refresh_token"]] = (self.account, client_id)
            self.issued[grant] += 1
        response = _json(200, body)
        response.headers["Cache-Control"] = "no-store"  # RFC 6749 5.1
        return response

    def _device_authorization(self, request: Request, client_id: str,
                              base_url: str) -> Response:
        if DEVICE_GRANT not in CLIENTS[client_id]["grants"]:
            raise _OAuthError("unauthorized_client",
                              f"Client {client_id} may not use the device flow.")
        device_code = secrets.token_urlsafe(24)
        user_code = "-".join(secrets.token_hex(2).upper() for _ in range(2))
        with self._lock:
            if len(self._devices) >= MAX_KEPT:
                self._devices.clear()
            self._devices[device_code] = {"user_code": user_code, "client": client_id,
                                          "approved": None, "expires": time.monotonic() + 600,
                                          "interval": 1, "last": 0.0}
        return _json(200, {"device_code": device_code, "user_code": user_code,
                           "verification_uri": base_url + "/oauth/device",
                           "verification_uri_complete":
                               f"{base_url}/oauth/device?user_code={user_code}",
                           "expires_in": 600, "interval": 1})

    def _device_token(self, request: Request, client_id: str) -> Response:
        code = request.form.get("device_code", "")
        with self._lock:
            device = self._devices.get(code)
            if device is None or device["client"] != client_id:
                raise _OAuthError("invalid_grant", "Unknown device code.")
            now = time.monotonic()
            if now >= device["expires"]:
                del self._devices[code]
                raise _OAuthError("expired_token", "The device code expired; start again.")
            if device["approved"] is False:
                del self._devices[code]
                raise _OAuthError("access_denied", "The user denied the request.")
            if device["approved"] is None:
                # RFC 8628 3.5: polling faster than the interval is answered slow_down
                too_fast = now - device["last"] < device["interval"] * 0.5
                device["last"] = now
                raise _OAuthError("slow_down" if too_fast else "authorization_pending",
                                  "Waiting for the user to approve the request.")
            del self._devices[code]
        return self._issue(client_id, DEVICE_GRANT, refresh=True)

    def _device_page(self, request: Request) -> Response:
        """Where a person approves a device (what a phone's browser would show)."""
        message = ""
        if request.method == "POST":
            code = request.form.get("user_code", "")
            allow = request.form.get("action", "approve") != "deny"
            message = ("Approved: the device is signed in." if allow else "Denied.") \
                if self.approve(code, allow=allow) else "No such code."
        code = html.escape(request.args.get("user_code", ""))
        page = ("<!doctype html><html><head><title>Sign in a device</title></head><body>"
                "<h1>Sign in a device</h1>"
                f"<p>{html.escape(message)}</p>"
                "<form method=\"post\"><label>Code <input name=\"user_code\" "
                f"value=\"{code}\"></label> <button name=\"action\" value=\"approve\">"
                "Approve</button> <button name=\"action\" value=\"deny\">Deny</button>"
                "</form></body></html>")
        return Response(page, mimetype="text/html")


def _json(status: int, body: Any) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
