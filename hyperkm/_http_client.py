"""The client: one HTTP session, the token policy, and every request hyperkm sends."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urldefrag

import requests

from . import _why, formats
from ._cache import (
    CachingAdapter,
    Namespaced,
    TransportAdapter,
    make_cache,
    make_retry,
    namespace_for,
)
from ._exceptions import (
    ConfigurationError,
    DocumentError,
)
from ._exchanges import Exchange, Outgoing, Reporter
from ._http import (
    CREDENTIAL_HEADERS,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_DOCUMENT_BYTES,
    DEFAULT_TIMEOUT,
    Session,
    TokenScope,
    origin_of,
)
from ._oauth import OAuth2, check_auth
from ._policy import (
    credential_identity,
    read_options,
)
from ._sending import Sending
from ._transport import Transport
from ._urls import Origin

__all__ = ["Exchange", "HttpClient"]

log = logging.getLogger("hyperkm")

_DEFAULT: Any = object()


class HttpClient(Sending):
    """Owns the HTTP session and sends every request (the public [`Client`][hyperkm.Client] adds
    navigation: ``root``, ``resource()``, ``open()``); [`Resource`][hyperkm.Resource] objects share
        it.

    Args:
        root_url: The API root (the one URL a program knows).
        token: Bearer token, sent only to the root's origin (never over plain HTTP except to
            loopback). Defaults to the ``HYPERKM_TOKEN`` environment variable.
        timeout: Seconds, or a (connect, read) pair, per socket operation. Default (5, 30).
        deadline: Seconds one request may take in all — connect, every read, every retry and
            the waits between them (default 60; ``None`` for no deadline). A server that
            trickles bytes or never answers costs at most this.
        max_document_bytes: The largest body hyperkm reads into memory, counted after
            decompression (default 64 MiB; ``None`` lifts the limit). Larger bodies raise
            [`DocumentTooLarge`][hyperkm._exceptions.DocumentTooLarge];
            [`Resource.download`][hyperkm.Resource] to a file has no limit.
        verify: As in requests: ``True``, ``False`` or a path to a CA bundle.
        session: Your own `requests.Session`: its headers, cookies, auth, proxies,
            TLS settings and custom adapters are used, but hyperkm never changes it (two
            clients may share one). Credentials on it — ``Authorization``/``Cookie`` and the
            other credential headers (``hyperkm._http.CREDENTIAL_HEADERS``), ``auth``,
            its cookie jar — go only to the root's origin, like the token.
        headers: Extra headers for every request (credential headers among them are scoped
            like the token).
        credential_headers: More header names that carry credentials (``["X-Tenant-Key"]``),
            in addition to ``Authorization``, ``Cookie``, ``X-Api-Key`` and the like.
        cache: ``None`` (default: a bounded in-memory cache), ``False`` (none), a directory path
            (a persistent cache shared by every process naming it), ``"redis://host:port/db"``,
            or a cachecontrol ``BaseCache``. Entries are kept apart per set of credentials.
        retries: Retries for GET/HEAD on connection errors, 429, 502, 503 and 504 (default 3;
            ``0`` for none, or a ``urllib3.Retry``). POST and PATCH are never retried once sent.
        retry_after_cap: The longest ``Retry-After`` honoured, in seconds (default 30).
        auth: An [`OAuth2`][hyperkm.OAuth2] credential (or an authlib OAuth2 client run as
            one) instead of a fixed token: its access tokens follow the token's rules, and
            are renewed before they expire or when a GET is answered 401 ``invalid_token``.
        transport: Where requests go instead of the network: a
            [`Transport`][hyperkm.Transport] such as ``hyperkm.testing.MockTransport`` or
            ``EmulatorTransport``, for tests without sockets. Every policy above it — whom the
            token goes to, redirects, retries, the cache, deadlines, limits — runs as usual.
    """

    def __init__(
        self,
        root_url: str,
        *,
        token: str | None = None,
        timeout: float | tuple[float, float] | None = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        max_document_bytes: int | None = DEFAULT_MAX_DOCUMENT_BYTES,
        verify: bool | str = True,
        session: requests.Session | None = None,
        headers: Mapping[str, str] | None = None,
        credential_headers: Iterable[str] = (),
        cache: Any = _DEFAULT,
        retries: Any = None,
        retry_after_cap: float = 30.0,
        auth: Any = None,
        transport: Transport | None = None,
    ) -> None:
        origin_of(root_url)  # validates: an absolute http(s) URL every parser reads alike
        self.root_url = urldefrag(root_url)[0]
        self._oauth: OAuth2 | None = None
        if auth is not None:
            if token:
                raise ConfigurationError("give token= or auth=, not both: an OAuth2 "
                                         "credential brings its own tokens")
            self._oauth = check_auth(auth)
        elif token is None:
            token = os.environ.get("HYPERKM_TOKEN") or None
        self._token = _checked_token(token)
        #: Middleware (see `use`): (function, origin) in registration order.
        self._middleware: list[tuple[Callable[[Outgoing], Any], Origin]] = []
        self._scope = TokenScope(self.root_url)
        if timeout is not None and not isinstance(timeout, (int, float, tuple)):
            raise ConfigurationError(f"timeout must be seconds or a (connect, read) pair, "
                                     f"got {timeout!r}")
        for name, value in (("deadline", deadline), ("max_document_bytes", max_document_bytes)):
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, float)) or value <= 0):
                raise ConfigurationError(f"{name} must be a positive number or None, "
                                         f"got {value!r}")
        self.timeout = timeout
        self.deadline = deadline
        self.max_document_bytes = max_document_bytes
        self.verify = verify
        self.credential_headers = CREDENTIAL_HEADERS | {h.lower() for h in credential_headers}
        # Every media type of the formats registered now (see formats.accept_header).
        self.headers = {"Accept": formats.accept_header(), "User-Agent": _user_agent(),
                        **(headers or {})}
        self.session = _own_session(session)
        self._given_session = session  # its credentials name the cache namespace too
        self.cache = make_cache(None if cache is _DEFAULT else cache,
                                self._credential_identity(session))
        if transport is not None and not isinstance(transport, Transport):
            raise ConfigurationError(f"transport= must have a handle(request) method (a "
                                     f"hyperkm.Transport), got {type(transport).__name__}")
        if transport is not None and verify is not True:
            # Silently unused, it would look like a setting that holds.
            raise ConfigurationError(
                f"verify={verify!r} configures TLS for the default transport; a transport of "
                "your own makes its own connections: give it there "
                "(hyperkm.transports.HttpxTransport(verify=...))")
        self.transport = transport
        self._reporter = Reporter(lambda: self.credential_headers)
        #: Exchanges by outcome (``network``, ``hit``, ``revalidated``) and bytes received.
        self.stats = self._reporter.stats
        #: Callables receiving each [`Exchange`][hyperkm.Exchange] (the CLI trace, tests,
        #: your logging).
        self.on_exchange = self._reporter.on_exchange
        if self._oauth is not None:
            self._oauth.attach(verify, self._timeout(None), self._report_token_exchange,
                               transport=transport)
        retry = make_retry(retries, retry_after_cap)
        adapter = (CachingAdapter(self.cache, max_retries=retry, transport=transport)
                   if self.cache is not None
                   else TransportAdapter(max_retries=retry, transport=transport))
        if transport is not None:
            self.session.adapters.clear()  # no adapter of the caller's reaches the network
        for prefix in ("http://", "https://"):
            # A custom adapter the caller mounted stays in charge of its prefix — except
            # under a transport, which is where every request goes.
            if transport is not None or type(self.session.adapters.get(prefix)) in (
                    requests.adapters.HTTPAdapter, type(None)):
                self.session.mount(prefix, adapter)
        #: What OPTIONS said per URL: the methods, and the fields each method takes.
        self._allowed: dict[str, tuple[frozenset[str], dict[str, tuple[Any, ...]]]] = {}
        #: Callables receiving notes on how hyperkm chose to do something (the CLI trace).
        self.on_note: list[Callable[[str], None]] = []

    def _credential_identity(self, session: requests.Session | None) -> str | None:
        """Everything that makes a request speak for someone, for the cache's namespace."""
        token = self._token or (self._oauth.identity if self._oauth is not None else "")
        sources = [self.headers] + ([session.headers] if session is not None else [])
        return credential_identity(token, sources, self.credential_headers, session)

    def __repr__(self) -> str:
        return f"<hyperkm.Client {self.root_url} token={'set' if self._token else 'none'}>"

    def close(self) -> None:
        """Close the HTTP session's connections (and the cache's, e.g. Redis), and the
        ``transport``'s when it has a ``close()`` (as httpx's client closes its transport)."""
        self.session.close()
        close = getattr(self.transport, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def scope(self) -> TokenScope:
        """Where credentials may go (the root's origin)."""
        return self._scope

    @property
    def has_token(self) -> bool:
        return self._token is not None or self._oauth is not None

    @property
    def oauth(self) -> OAuth2 | None:
        """The OAuth2 credential given as ``auth=``, if any."""
        return self._oauth

    def use(self, middleware: Callable[[Outgoing], Any], *, origin: str | None = None
            ) -> None:
        """Run ``middleware`` on every request to ``origin`` (default: the root's), in
        registration order: it gets an [`Outgoing`][hyperkm.Outgoing] request (method, URL,
        headers to change) before it is sent. A generator function sees the answer too: what
        it yields is sent back the [`Reply`][hyperkm.Reply] (status, headers, elapsed).

        The credential rules apply after every middleware: a request to another origin
        carries no credential of this client's, whatever a middleware put in it.

        Raises:
            ConfigurationError: ``origin`` is not an http(s) origin.
        """
        if not callable(middleware):
            raise ConfigurationError(f"use() takes a function, got {middleware!r}")
        try:
            where = origin_of(origin) if origin is not None else self._scope.root
        except DocumentError as exc:
            raise ConfigurationError(f"use(origin=...): {exc.message}") from exc
        self._middleware.append((middleware, where))

    def use_token(self, token: str | None) -> None:
        """Send ``token`` from now on (``None``: none) — with the same rules as a token given
        to [`connect`][hyperkm.connect]: only to the root's origin, never over plain HTTP
        except to loopback, never written anywhere. Cached entries of one credential are
        never served to another.

        Raises:
            ConfigurationError: ``token`` is empty or has line breaks.
        """
        self._token = _checked_token(token)
        self._allowed.clear()  # what OPTIONS said may depend on who asked
        if isinstance(self.cache, Namespaced):
            self.cache.namespace = namespace_for(self._credential_identity(self._given_session))

    def token_withheld(self, url: str) -> str | None:
        """Why the token would not be sent to ``url`` — or ``None`` if it would be (or there is
        no token). The token goes only to the root's origin, never over plain HTTP except to
        loopback."""
        if self._token is None and self._oauth is None:
            return None
        return self._scope.reason_withheld(url)

    def _retry_note(self, message: str) -> None:
        if self.on_note:  # only built into a note when someone listens
            self.note(message)

    def note(self, message: str) -> None:
        """Report a choice hyperkm made (logged at INFO, and to `on_note` hooks)."""
        log.info("%s", message)
        for hook in list(self.on_note):
            hook(message)

    def forget(self, url: str) -> None:
        """Drop ``url`` from the HTTP cache (after a write that changed it)."""
        adapter = self.session.get_adapter(url)
        if isinstance(adapter, CachingAdapter):
            adapter.cache.delete(adapter.controller.cache_url(url))

    def allowed_methods(self, url: str) -> frozenset[str]:
        """The methods ``url`` accepts, from one ``OPTIONS`` request's ``Allow`` header
        (remembered per URL for the client's life); empty if the server does not say."""
        return self._options(url)[0]

    def described_fields(self, url: str, method: str) -> tuple[Any, ...]:
        """The [`Field`][hyperkm.Field]\\ s a ``method`` request to ``url`` takes, as the body of
        its ``OPTIONS`` answer describes them (Django REST framework's metadata shape); empty
        when it says nothing. The same one request as `allowed_methods`."""
        return self._options(url)[1].get(method.upper(), ())

    def _options(self, url: str) -> tuple[frozenset[str], dict[str, tuple[Any, ...]]]:
        known = self._allowed.get(url)
        if known is None:
            with _why.because("OPTIONS: which methods does this link accept?"):
                response = self.request("OPTIONS", url, raise_for_status=False)
            known = read_options(response.status_code, response.headers, response.content)
            if len(self._allowed) >= 1024:
                self._allowed.clear()
            self._allowed[url] = known
        return known


def _own_session(caller: requests.Session | None) -> requests.Session:
    """The client's own session. A caller's session is read, never changed: two clients
    sharing one cannot clobber each other's adapters (and cache namespaces)."""
    own = Session()
    if caller is None:
        return own
    # The caller's objects are shared, not copied: later changes to their headers, cookies
    # or proxies apply to hyperkm's requests too.
    own.headers = caller.headers
    own.cookies = caller.cookies
    own.auth = caller.auth
    own.proxies = caller.proxies
    own.hooks = caller.hooks
    own.params = caller.params
    own.verify = caller.verify
    own.cert = caller.cert
    own.trust_env = caller.trust_env
    own.max_redirects = caller.max_redirects
    for prefix, adapter in caller.adapters.items():
        own.mount(prefix, adapter)
    return own


def _checked_token(token: Any) -> str | None:
    if token is not None and (not isinstance(token, str) or not token.strip()
                              or any(c in token for c in "\r\n")):
        raise ConfigurationError("token must be a non-empty string without line breaks")
    return token.strip() if token else None


def _user_agent() -> str:
    from ._version import __version__

    return f"hyperkm/{__version__} python-requests/{requests.__version__}"

