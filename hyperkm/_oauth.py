"""OAuth2 access tokens, obtained and refreshed for a client — with the same rules as a fixed
token: sent only to the root's origin, never over plain HTTP except to loopback, never written
to disk.

The protocol is authlib's (``authlib.oauth2.client.OAuth2Client``: grant bodies, client
authentication methods, token parsing and expiry). authlib lets its client run over any object
with a ``post`` method, so the HTTP is hyperkm's own: a client secret or refresh token goes to
the token endpoint's own URL only, over HTTPS (or to loopback), and a redirect from the token
endpoint is refused — a client that followed it would hand the secret to whoever it names.
requests-oauthlib, the alternative, is built into a ``requests.Session`` and follows redirects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import requests
import urllib3

from . import _bridge
from ._cache import TransportAdapter
from ._exceptions import ConfigurationError, Unauthorized
from ._http import TokenScope

__all__ = ["DEVICE_GRANT", "OAuth2"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: Seconds before its stated expiry that an access token is renewed (clocks drift, requests
#: take time on their way).
LEEWAY = 30.0
#: The most a token endpoint's answer may weigh.
MAX_TOKEN_RESPONSE = 64 * 1024


class _Reply:
    """What authlib reads of a token endpoint's answer."""

    def __init__(self, status: int, body: bytes, url: str) -> None:
        self.status_code, self.content, self.url = status, body, url

    def json(self) -> Any:
        import json

        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise Unauthorized(f"the OAuth2 token endpoint {self.url} answered "
                               f"{self.status_code} without a JSON error; try again later",
                               url=self.url, status=self.status_code)


class _TokenEndpoint:
    """The only door a client secret, a refresh token or a device code goes through: a POST
    to the token (or device authorization) endpoint's own URL, never redirected."""

    def __init__(self, owner: OAuth2) -> None:
        self.owner = owner

    def post(self, url: str, data: Any = None, headers: Any = None, auth: Any = None,
             **_: Any) -> _Reply:
        body = urlencode(data or {})
        sent = dict(headers or {})
        if auth is not None:  # authlib's client authentication (Basic, or in the body)
            url, sent, body = auth.prepare("POST", url, sent, body)
        return self.send(url, sent, body)

    def request(self, method: str, url: str, **kwargs: Any) -> _Reply:
        raise ConfigurationError("hyperkm sends token requests as POST only")

    def send(self, url: str, headers: dict[str, str], body: str) -> _Reply:
        owner = self.owner
        if url not in owner._endpoints.values():
            raise ConfigurationError(f"OAuth2: refusing to send credentials to {url}, which "
                                     "is not this client's token or device endpoint")
        endpoint = self.session()
        started = time.perf_counter()
        try:
            response = endpoint.post(url, data=body.encode(), headers={
                **headers, "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json"}, allow_redirects=False, stream=True,
                timeout=owner._timeout, verify=owner._verify)
            content = response.raw.read(MAX_TOKEN_RESPONSE + 1, decode_content=True)
            response.close()
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise Unauthorized(f"OAuth2: the token endpoint {url} cannot be reached ({exc})",
                               url=url, status=401) from exc
        finally:
            elapsed = time.perf_counter() - started
        if owner._report is not None:
            owner._report("POST", url, response, elapsed, owner._reason)
        if response.status_code in (301, 302, 303, 307, 308):
            raise Unauthorized(
                f"OAuth2: the token endpoint {url} redirected to "
                f"{response.headers.get('Location', '(nowhere)')}; hyperkm does not follow a "
                "token endpoint's redirects (the client secret would go along). Configure "
                "the endpoint's final URL.", url=url, status=response.status_code)
        if len(content) > MAX_TOKEN_RESPONSE:
            raise Unauthorized(f"OAuth2: the token endpoint {url} answered more than "
                               f"{MAX_TOKEN_RESPONSE} bytes", url=url, status=401)
        return _Reply(response.status_code, content, url)

    def device_flow(self) -> Any:
        """The device grant (RFC 8628): ask for a code, show it, poll until approved."""
        from authlib.oauth2 import OAuth2Error

        owner = self.owner
        assert owner.device_url is not None
        owner._reason = "OAuth2: device authorization (RFC 8628)"
        auth = owner._client.client_auth(owner._client.token_endpoint_auth_method)
        data = {"client_id": owner.client_id, **({"scope": owner.scope} if owner.scope else {})}
        reply = self.post(owner.device_url, data=data, auth=auth)
        try:
            found = reply.json()
        except ValueError:
            found = None
        if reply.status_code != 200 or not isinstance(found, dict) or not all(
                isinstance(found.get(k), str) for k in ("device_code", "user_code")):
            raise Unauthorized(f"OAuth2: the device authorization endpoint {owner.device_url} "
                               f"answered {reply.status_code} without a device code",
                               url=owner.device_url, status=401)
        where = found.get("verification_uri_complete") or found.get("verification_uri") or ""
        owner._prompt(str(where), found["user_code"])
        interval = float(found.get("interval") or 5)
        deadline = time.monotonic() + float(found.get("expires_in") or 600)
        owner._reason = "OAuth2: device grant (waiting for approval)"
        while time.monotonic() < deadline:
            _bridge.sleep(interval)
            try:
                return owner._client.fetch_token(owner.token_url, grant_type=DEVICE_GRANT,
                                                 device_code=found["device_code"])
            except OAuth2Error as exc:
                if exc.error == "authorization_pending":
                    continue
                if exc.error == "slow_down":
                    interval += 5  # RFC 8628 3.5
                    continue
                raise
        raise Unauthorized(f"OAuth2: nobody approved the sign-in at {where} in time; run "
                           "it again", url=owner.token_url, status=401)

    def session(self) -> requests.Session:
        session = self.owner._session
        if session is None:
            session = self.owner._session = requests.Session()
            session.trust_env = False  # no ~/.netrc, no proxy credentials from the env
            transport = getattr(self.owner, "_transport", None)
            if transport is not None:
                adapter = TransportAdapter(transport=transport)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
        return session


class OAuth2:
    """Where a client's access tokens come from (pass it as ``connect(..., auth=...)``).

    Build one with a grant: `client_credentials` (a service account), `refresh_token` (a
    refresh token you hold), `device` (a person approves on another screen: RFC 8628), or
    `discover` (reads the grant's endpoints from the authorization server's RFC 8414
    metadata). Tokens live in memory only. One access token is fetched when first needed, and
    renewed once — shortly before it expires, or when the API answers 401 ``invalid_token`` to
    a GET — however many threads ask at once.

    Args:
        token_url: The token endpoint (HTTPS, or loopback).
        client_id: The client's id.
        client_secret: Its secret (confidential clients); sent only to ``token_url``.
        grant: ``"client_credentials"``, ``"refresh_token"`` or ``"device"``.
        refresh_token: A refresh token to start from.
        scope: The scope to ask for.
        device_url: The device authorization endpoint (the device grant).
        prompt: For the device grant: called with the verification URL and the user code to
            show a person (default: printed to stderr).
        auth_method: How the client authenticates at the token endpoint:
            ``"client_secret_basic"`` (default with a secret), ``"client_secret_post"``,
            ``"none"`` (public clients; default without a secret).
        store: Keeps the refresh token across runs — any object with ``get()`` and
            ``set(token)`` (a keyring entry, a secrets manager); never a plain file.
    """

    def __init__(self, token_url: str, client_id: str, *, client_secret: str | None = None,
                 grant: str = "client_credentials", refresh_token: str | None = None,
                 scope: str | None = None, device_url: str | None = None,
                 prompt: Callable[[str, str], None] | None = None,
                 auth_method: str | None = None, store: Any = None) -> None:
        if grant not in ("client_credentials", "refresh_token", "device"):
            raise ConfigurationError(f"OAuth2 grant must be client_credentials, refresh_token "
                                     f"or device, got {grant!r}")
        if not client_id:
            raise ConfigurationError("OAuth2 needs a client_id")
        self._endpoints = {"token": token_url, **({"device": device_url} if device_url else {})}
        for name, url in self._endpoints.items():
            why = TokenScope(url).reason_withheld(url)
            if why is not None:
                raise ConfigurationError(f"the OAuth2 {name} endpoint {url} cannot be used: "
                                         f"{why.replace('a token', 'a client secret')}")
        if grant == "device" and not device_url:
            raise ConfigurationError("the device grant needs device_url= (the device "
                                     "authorization endpoint); OAuth2.discover() finds it")
        if grant == "refresh_token" and not (refresh_token or (store and store.get())):
            raise ConfigurationError("the refresh_token grant needs refresh_token= (or a "
                                     "store that holds one)")
        self.token_url, self.client_id, self.grant, self.scope = token_url, client_id, grant, scope
        self.device_url = device_url
        self._prompt = prompt or _print_prompt
        self._store = store
        # Renewing holds it across a request: under hyperkm.aio another task must wait on
        # the loop, not block the thread the holder's answer arrives on.
        self._lock = _bridge.Lock()
        #: The session that reaches the token endpoint (made on first use).
        self._session: requests.Session | None = None
        self._access: str | None = None
        self._expires_at: float | None = None
        self._refresh = refresh_token or (store.get() if store is not None else None)
        self._secrets = {s for s in (client_secret,) if s}
        try:
            from authlib.oauth2.client import OAuth2Client
        except ImportError as exc:
            raise ConfigurationError("OAuth2 needs authlib: pip install 'hyperkm[oauth]'"
                                     ) from exc
        method = auth_method or ("client_secret_basic" if client_secret else "none")
        self._client = OAuth2Client(_TokenEndpoint(self), client_id=client_id,
                                    client_secret=client_secret or "",
                                    token_endpoint_auth_method=method, scope=scope,
                                    token_endpoint=token_url)
        #: Set by the client it is attached to: TLS verification, timeouts, its exchange hook.
        self._verify: Any = True
        self._timeout: Any = (5, 30)
        self._report: Callable[..., None] | None = None
        self._reason = ""
        #: How many access tokens were obtained (tests, and the curious).
        self.obtained = 0

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def client_credentials(cls, token_url: str, client_id: str, client_secret: str, *,
                           scope: str | None = None, auth_method: str | None = None) -> OAuth2:
        """A service account: RFC 6749's client credentials grant."""
        return cls(token_url, client_id, client_secret=client_secret, scope=scope,
                   auth_method=auth_method)

    @classmethod
    def from_refresh_token(cls, token_url: str, client_id: str, refresh_token: str, *,
                           client_secret: str | None = None, scope: str | None = None,
                           store: Any = None) -> OAuth2:
        """Start from a refresh token you hold (renewed — and rotated — as the server says)."""
        return cls(token_url, client_id, client_secret=client_secret, grant="refresh_token",
                   refresh_token=refresh_token, scope=scope, store=store)

    @classmethod
    def device(cls, token_url: str, device_url: str, client_id: str, *,
               client_secret: str | None = None, scope: str | None = None,
               prompt: Callable[[str, str], None] | None = None, store: Any = None) -> OAuth2:
        """A person signs in on another screen (RFC 8628): the first request shows them a URL
        and a code, and waits until they approve."""
        return cls(token_url, client_id, client_secret=client_secret, grant="device",
                   device_url=device_url, scope=scope, prompt=prompt, store=store)

    @classmethod
    def discover(cls, url: str, client_id: str, *, client_secret: str | None = None,
                 scope: str | None = None, prompt: Callable[[str, str], None] | None = None,
                 verify: Any = True, store: Any = None, transport: Any = None) -> OAuth2:
        """Read the authorization server's metadata and choose the grant: client credentials
        with a secret, the device grant without one. (``transport``: where the metadata
        request goes instead of the network, as for ``connect(transport=)``.)

        ``url`` is the API's root or the authorization server's issuer; the metadata is looked
        for where RFC 8414 and OpenID Connect Discovery put it — on its origin
        (``/.well-known/oauth-authorization-server``, ``/.well-known/openid-configuration``)
        and, for an issuer with a path (Keycloak's ``…/realms/NAME``), under that path.

        Raises:
            ConfigurationError: no metadata there, or it names no usable endpoint.
        """
        from urllib.parse import urljoin

        meta, where = _metadata(url, verify, transport)
        # (RFC 8414 wants absolute URLs; a relative one is read against the metadata's URL)
        token_url = urljoin(where, meta["token_endpoint"])
        if client_secret:
            return cls.client_credentials(token_url, client_id, client_secret, scope=scope)
        device_url = meta.get("device_authorization_endpoint")
        if not isinstance(device_url, str):
            raise ConfigurationError(f"{where} offers no device authorization endpoint; a "
                                     "client without a secret cannot sign in there")
        return cls.device(token_url, urljoin(where, device_url), client_id, scope=scope,
                          prompt=prompt, store=store)

    @classmethod
    def from_authlib(cls, client: Any, **options: Any) -> OAuth2:
        """Take the configuration of an authlib ``OAuth2Session``/``OAuth2Client`` (its
        client id and secret, token endpoint, scope, auth method and token), to run it with
        hyperkm's rules."""
        url = client.metadata.get("token_endpoint") if hasattr(client, "metadata") else None
        if not url:
            raise ConfigurationError("the authlib client has no token_endpoint; create it "
                                     "with token_endpoint=")
        token = dict(getattr(client, "token", None) or {})
        grant = options.pop("grant", None) or (
            "refresh_token" if token.get("refresh_token") and not client.client_secret
            else "client_credentials")
        made = cls(url, client.client_id, client_secret=client.client_secret or None,
                   grant=grant, refresh_token=token.get("refresh_token"), scope=client.scope,
                   auth_method=client.token_endpoint_auth_method
                   if isinstance(client.token_endpoint_auth_method, str) else None, **options)
        if token.get("access_token"):
            made._keep(token)
        return made

    # -- what the client asks -----------------------------------------------------------------

    @property
    def identity(self) -> str:
        """Who the tokens speak for, for the cache's namespace (stable across refreshes)."""
        return f"oauth2|{self.token_url}|{self.client_id}|{self.scope or ''}"

    def secrets(self) -> set[str]:
        """Every secret this credential holds now (to mask, and to keep off other origins)."""
        with self._lock:
            return {s for s in (self._access, self._refresh, *self._secrets) if s}

    def bearer(self) -> str:
        """The access token to send now: the one held, or a new one (fetched once, whatever
        the number of threads asking)."""
        access = self._access
        if access is not None and not self._expiring():
            return access
        with self._lock:
            if self._access is not None and not self._expiring():
                return self._access
            self._renew("the access token expired" if self._access else "the first request")
            assert self._access is not None
            return self._access

    def rejected(self, used: str) -> str | None:
        """The API answered 401 ``invalid_token`` to ``used``: a new token, once (another
        thread may have renewed it already).

        Raises:
            Unauthorized: no new token can be had (naming the grant and what to do).
        """
        with self._lock:
            if self._access != used and self._access is not None:
                return self._access
            self._renew("the API rejected the access token (401 invalid_token)")
            return self._access

    def attach(self, verify: Any, timeout: Any, report: Callable[..., None], *,
               transport: Any = None) -> None:
        self._verify, self._timeout, self._report = verify, timeout, report
        self._transport = transport  # the token endpoint is reached through it too

    def __repr__(self) -> str:
        # Never a token or a secret: reprs end up in logs and tracebacks.
        return (f"<hyperkm.OAuth2 {self.grant} client={self.client_id!r} at {self.token_url} "
                f"token={'held' if self._access else 'none'}>")

    # -- getting tokens -----------------------------------------------------------------------

    def _expiring(self) -> bool:
        return self._expires_at is not None and time.monotonic() >= self._expires_at

    def _renew(self, why: str) -> None:
        from authlib.oauth2 import OAuth2Error

        try:
            if self._refresh:
                self._reason = f"OAuth2: refresh_token grant ({why})"
                try:
                    token = self._client.refresh_token(self.token_url,
                                                       refresh_token=self._refresh)
                except OAuth2Error as exc:
                    if self.grant != "client_credentials" or exc.error != "invalid_grant":
                        raise
                    self._refresh = None  # a service account starts over with its secret
                    return self._renew(why)
            elif self.grant == "client_credentials":
                self._reason = f"OAuth2: client_credentials grant ({why})"
                token = self._client.fetch_token(self.token_url, grant_type="client_credentials")
            elif self.grant == "device":
                token = _TokenEndpoint(self).device_flow()
            else:
                raise Unauthorized(
                    f"OAuth2 ({self.grant} grant): no refresh token is left to get an access "
                    f"token from {self.token_url}; sign in again (hyperkm login) and pass "
                    "the new refresh token", url=self.token_url, status=401)
        except OAuth2Error as exc:
            raise Unauthorized(
                f"OAuth2 ({self._grant_name()} grant at {self.token_url}) failed: "
                f"{exc.error}" + (f" — {exc.description.rstrip('.')}" if exc.description
                                  else "")
                + f". {self._what_to_do(exc.error)}", url=self.token_url, status=401) from exc
        except ValueError as exc:  # authlib: not a JSON object
            raise Unauthorized(f"OAuth2: the token endpoint {self.token_url} did not answer "
                               f"with a token ({exc})", url=self.token_url, status=401) from exc
        self._keep(token)

    def _grant_name(self) -> str:
        return "refresh_token" if self._refresh else self.grant

    def _what_to_do(self, error: str) -> str:
        if error == "invalid_client":
            return "Check the client id and secret (--client-id, --client-secret)."
        if error == "invalid_grant":
            return ("The refresh token was revoked or already used: sign in again "
                    "(hyperkm login) or give a new refresh token.")
        if error in ("access_denied", "expired_token"):
            return "Sign in again and approve the request in time."
        if error == "unauthorized_client":
            return "This client is not allowed that grant; use one it is registered for."
        return "Check the client's registration with the authorization server."

    def _keep(self, token: Any) -> None:
        access = token.get("access_token")
        # A header value: printable ASCII, no spaces (RFC 6750's b64token is narrower still)
        if not isinstance(access, str) or not access or len(access) > 16384 or any(
                not "!" <= c <= "~" for c in access):
            raise Unauthorized(f"OAuth2: {self.token_url} answered without a usable "
                               "access_token", url=self.token_url, status=401)
        kind = token.get("token_type")
        if isinstance(kind, str) and kind.strip().lower() not in ("bearer", ""):
            raise Unauthorized(f"OAuth2: {self.token_url} issued a {kind!r} token; hyperkm "
                               "sends Bearer tokens only (RFC 6750). Ask the server for a "
                               "Bearer token.", url=self.token_url, status=401)
        self._access = access
        expires_in = token.get("expires_in")
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) \
                and expires_in > 0:
            # Renewed a little early (a quarter of a short life, at most LEEWAY seconds)
            lifetime = float(expires_in)
            self._expires_at = time.monotonic() + lifetime - min(LEEWAY, lifetime / 4)
        else:
            self._expires_at = None
        refresh = token.get("refresh_token")
        if isinstance(refresh, str) and refresh and refresh != self._refresh:
            self._refresh = refresh  # rotated: the old one no longer works
            if self._store is not None:
                self._store.set(refresh)
        self.obtained += 1


def _metadata(url: str, verify: Any, transport: Any = None) -> tuple[dict[str, Any], str]:
    """The first authorization server metadata found for ``url`` (see `OAuth2.discover`)."""
    from urllib.parse import urljoin, urlsplit

    path = urlsplit(url).path.rstrip("/")
    candidates = [urljoin(url, "/.well-known/oauth-authorization-server"),
                  urljoin(url, "/.well-known/openid-configuration")]
    if path:
        candidates.append(urljoin(url, "/.well-known/oauth-authorization-server" + path))
        # An issuer with a path (Keycloak's /realms/NAME) keeps its OpenID metadata under it;
        # the URL given may be deeper (its token endpoint, the API): try each parent, at most 6.
        segments = path.split("/")
        for end in range(len(segments), max(1, len(segments) - 6), -1):
            candidates.append(urljoin(url, "/".join(segments[:end]) +
                                      "/.well-known/openid-configuration"))
    session = requests.Session()
    if transport is not None:
        adapter = TransportAdapter(transport=transport)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    tried = []
    for where in dict.fromkeys(candidates):
        why = TokenScope(where).reason_withheld(where)
        if why is not None:
            raise ConfigurationError(f"cannot read OAuth2 metadata at {where}: {why}")
        try:
            answer = session.get(where, timeout=(5, 30), verify=verify, allow_redirects=False,
                                 headers={"Accept": "application/json"})
            meta = answer.json() if answer.status_code == 200 else None
        except (requests.RequestException, ValueError):
            meta = None
        if isinstance(meta, dict) and isinstance(meta.get("token_endpoint"), str):
            return meta, where
        tried.append(where)
    raise ConfigurationError(
        f"no OAuth2 metadata with a token_endpoint at {', '.join(tried)} (RFC 8414, OpenID "
        "Connect Discovery); pass the token endpoint yourself (--token-url, or "
        "OAuth2(token_url, ...))")


def _print_prompt(url: str, code: str) -> None:
    import sys

    print(f"To sign in, open {url} and enter the code {code}", file=sys.stderr, flush=True)


def check_auth(auth: Any) -> OAuth2:
    """``connect(auth=...)``: an `OAuth2`, or an authlib OAuth2 client to run as one."""
    if isinstance(auth, OAuth2):
        return auth
    if hasattr(auth, "client_id") and hasattr(auth, "metadata"):
        return OAuth2.from_authlib(auth)
    raise ConfigurationError(
        f"auth= must be a hyperkm.OAuth2 or an authlib OAuth2 client, got "
        f"{type(auth).__name__}. For a fixed token use token=; for headers, headers=.")


# Public classes report the module users import them from (tracebacks, reprs, help()).
OAuth2.__module__ = "hyperkm"
