"""The client: one HTTP session, the token policy, and every request hyperkm sends."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

import attrs
import requests
import urllib3

from . import formats
from ._cache import CachingAdapter, make_cache, make_retry
from ._exceptions import (
    ConfigurationError,
    DocumentError,
    HTTPError,
    TransportError,
    http_error_class,
)
from ._http import DEFAULT_TIMEOUT, Session, TokenScope, origin_of, translate

if TYPE_CHECKING:  # pragma: no cover
    from ._resource import Resource

__all__ = ["Client", "Exchange"]

log = logging.getLogger("hyperkm")

_DEFAULT: Any = object()
ACCEPT = "application/hal+json, application/json;q=0.9, application/problem+json;q=0.5"
_REDIRECTS = (301, 302, 303, 307, 308)
#: How many redirects one request may follow before hyperkm gives up.
MAX_REDIRECTS = 10


@attrs.frozen
class Exchange:
    """One HTTP request and its answer, as reported to :attr:`Client.on_exchange` hooks.

    Attributes:
        method, url, status: What was asked and what came back (``status`` as it crossed the
            wire: 304 for a revalidation, although the caller gets the cached 200).
        outcome: ``"network"`` (a full response came over the wire), ``"hit"`` (served from the
            cache without a request) or ``"revalidated"`` (a 304 confirmed the cached copy).
        elapsed: Seconds, including reading the body.
        token_sent: Whether the bearer token went with the request.
        request_headers, response_headers: As sent and received (the token is masked).
        size: Body bytes received over the wire (0 for a hit or a 304).
    """

    method: str
    url: str
    status: int
    outcome: str
    elapsed: float
    token_sent: bool
    request_headers: Mapping[str, str]
    response_headers: Mapping[str, str]
    size: int


class Client:
    """Owns the HTTP session and sends every request; :class:`Resource` objects share it.

    Args:
        root_url: The API root (the one URL a program knows).
        token: Bearer token, sent only to the root's origin (never over plain HTTP except to
            loopback). Defaults to the ``HYPERKM_TOKEN`` environment variable.
        timeout: Seconds, or a (connect, read) pair. Default (5, 30).
        verify: As in requests: ``True``, ``False`` or a path to a CA bundle.
        session: Your own :class:`requests.Session` (its adapters, proxies and headers are used;
            hyperkm sets the ``Authorization`` header per request and never stores the token in it).
            hyperkm mounts its caching adapter on it only if you also pass ``cache=``.
        headers: Extra headers for every request.
        cache: ``None`` (default: a bounded in-memory cache), ``False`` (none), a directory path
            (a persistent cache shared by every process naming it), ``"redis://host:port/db"``,
            or a cachecontrol ``BaseCache``. Entries are kept apart per token.
        retries: Retries for GET/HEAD on connection errors, 429, 502, 503 and 504 (default 3;
            ``0`` for none, or a ``urllib3.Retry``). POST and PATCH are never retried once sent.
        retry_after_cap: The longest ``Retry-After`` honoured, in seconds (default 30).
    """

    def __init__(
        self,
        root_url: str,
        *,
        token: str | None = None,
        timeout: float | tuple[float, float] | None = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        session: requests.Session | None = None,
        headers: Mapping[str, str] | None = None,
        cache: Any = _DEFAULT,
        retries: Any = None,
        retry_after_cap: float = 30.0,
    ) -> None:
        origin_of(root_url)  # validates: an absolute http(s) URL
        self.root_url = urldefrag(root_url)[0]
        if token is None:
            token = os.environ.get("HYPERKM_TOKEN") or None
        if token is not None and (not isinstance(token, str) or not token.strip()
                                  or any(c in token for c in "\r\n")):
            raise ConfigurationError("token must be a non-empty string without line breaks")
        self._token = token.strip() if token else None
        self._scope = TokenScope(self.root_url)
        if timeout is not None and not isinstance(timeout, (int, float, tuple)):
            raise ConfigurationError(f"timeout must be seconds or a (connect, read) pair, "
                                     f"got {timeout!r}")
        self.timeout = timeout
        self.verify = verify
        own_session = session is None
        self.session = session if session is not None else Session()
        self.cache = None
        if own_session or cache is not _DEFAULT or retries is not None:
            self.cache = make_cache(None if cache is _DEFAULT else cache, self._token)
            retry = make_retry(retries, retry_after_cap)
            adapter = (CachingAdapter(self.cache, max_retries=retry) if self.cache is not None
                       else requests.adapters.HTTPAdapter(max_retries=retry))
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        #: Exchanges by outcome (``network``, ``hit``, ``revalidated``) and bytes received.
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()  # prefetch and member threads report too
        self.headers = {"Accept": ACCEPT, "User-Agent": _user_agent(), **(headers or {})}
        #: Callables receiving each :class:`Exchange` (the CLI trace, tests, your logging).
        self.on_exchange: list[Callable[[Exchange], None]] = []

    def __repr__(self) -> str:
        return f"<hyperkm.Client {self.root_url} token={'set' if self._token else 'none'}>"

    def close(self) -> None:
        """Close the HTTP session's connections (and the cache's, e.g. Redis)."""
        self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def has_token(self) -> bool:
        return self._token is not None

    def token_withheld(self, url: str) -> str | None:
        """Why the token would not be sent to ``url`` — or ``None`` if it would be (or there is
        no token). The token goes only to the root's origin, never over plain HTTP except to
        loopback."""
        if self._token is None:
            return None
        return self._scope.reason_withheld(url)

    @property
    def root(self) -> Resource:
        """A fresh, unfetched :class:`Resource` for the API root."""
        return self.resource(self.root_url)

    def open(self, bookmark: Any, *, root: str | None = None) -> Resource:
        """Open a bookmark made by :meth:`Resource.bookmark` (see :func:`hyperkm.open`)."""
        from ._bookmarks import open_bookmark

        return open_bookmark(self, bookmark, root=root)

    def resource(self, url: str) -> Resource:
        """A lazy :class:`Resource` for ``url`` (no request until its state is needed)."""
        from ._resource import Resource

        return Resource(self, urljoin(self.root_url, url))

    # -- requests -------------------------------------------------------------------------

    def fetch(self, url: str, *, headers: Mapping[str, str] | None = None,
              revalidate: bool = False) -> tuple[formats.Document, requests.Response]:
        """GET ``url`` and parse it into a :class:`~hyperkm.formats.Document`.

        With ``revalidate``, a cached copy is not used without asking the server (a
        conditional request: a 304 costs no body).

        Raises:
            HTTPError: 4xx/5xx (with the server's own message).
            TransportError: no answer (connection failure, timeout, TLS, redirect loop).
            DocumentError: the body is not a readable JSON document.
        """
        if revalidate:
            # cachecontrol skips a fresh hit for max-age=0 and still sends If-None-Match.
            headers = {**(headers or {}), "Cache-Control": "max-age=0"}
        response = self.request("GET", url, headers=headers)
        return self.parse(response), response

    def parse(self, response: requests.Response, *, allow_empty: bool = False
              ) -> formats.Document:
        """Parse a response's body and ``Link`` headers into a Document."""
        empty_ok = allow_empty or response.status_code == 204 or response.request.method != "GET"
        return formats.parse(response.content, response.url, response.headers,
                             allow_empty=empty_ok)

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        raise_for_status: bool = True,
    ) -> requests.Response:
        """Send one request, following redirects with the token policy applied at every hop.

        Args:
            method: HTTP method.
            url: Absolute URL (a fragment is dropped: it never reaches a server).
            json_body: A JSON-serialisable body, sent as ``application/json``.
            headers: Extra headers for this request.
            raise_for_status: Raise :class:`HTTPError` for 4xx/5xx (default).
        """
        method = method.upper()
        url = urldefrag(url)[0]
        data: bytes | None = None
        extra = dict(headers or {})
        if json_body is not None:
            try:
                data = json.dumps(json_body).encode("utf-8")
            except (TypeError, ValueError) as exc:
                raise ConfigurationError(f"the request body is not JSON-serialisable: {exc}",
                                         url=url) from exc
            extra.setdefault("Content-Type", "application/json")
        redirects: list[tuple[int, str]] = []
        for _ in range(MAX_REDIRECTS + 1):
            response, token_sent = self._send(method, url, data, extra)
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECTS or not location:
                # Which redirects led here (a job's 303 "See Other" means: the result).
                response.hyperkm_redirects = redirects  # type: ignore[attr-defined]
                break
            redirects.append((response.status_code, response.url))
            target = urljoin(response.url, location)
            self._scope.note_redirect(url, target)
            log.debug("%s %s -> %s %s", method, url, response.status_code, target)
            # RFC 9110 15.4: 303 always becomes GET; 301/302 turn POST into GET in practice.
            if response.status_code == 303 or (response.status_code in (301, 302)
                                               and method == "POST"):
                method, data = "GET", None
                extra.pop("Content-Type", None)
            url = urldefrag(target)[0]
        else:
            raise TransportError(f"{method} {url}: more than {MAX_REDIRECTS} redirects; the "
                                 "server is redirecting in a loop.", url=url)
        if raise_for_status and response.status_code >= 400:
            raise self._http_error(response, token_sent)
        return response

    def _send(self, method: str, url: str, data: bytes | None, extra: Mapping[str, str]
              ) -> tuple[requests.Response, bool]:
        headers = {**self.headers, **extra}
        token_sent = bool(self._token) and self._scope.allows(url)
        if token_sent:
            headers["Authorization"] = f"Bearer {self._token}"
        else:
            # A Session given by the caller may carry auth of its own; hyperkm's policy is that
            # nothing it sends to another origin carries credentials it was handed.
            headers.pop("Authorization", None)
        started = time.perf_counter()
        try:
            response = self.session.request(method, url, data=data, headers=headers,
                                            timeout=self.timeout, verify=self.verify,
                                            allow_redirects=False)
            _ = response.content  # read the body inside the translation boundary
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError,
                ValueError) as exc:
            # urllib3/http.client errors sometimes escape requests unwrapped.
            translate(exc, method, url, self.timeout)
        elapsed = time.perf_counter() - started
        self._report(method, url, response, token_sent, elapsed, headers)
        return response, token_sent

    def _report(self, method: str, url: str, response: requests.Response, token_sent: bool,
                elapsed: float, headers: Mapping[str, str]) -> None:
        outcome = getattr(response, "hyperkm_outcome", None) or (
            "hit" if getattr(response, "from_cache", False) else "network")
        with self._stats_lock:
            self.stats[outcome] += 1
            if outcome == "network":
                self.stats["bytes"] += len(response.content or b"")
        if not self.on_exchange:
            return
        shown = {k: ("Bearer ***" if k.lower() == "authorization" else v)
                 for k, v in headers.items()}
        status = getattr(response, "hyperkm_wire_status", response.status_code)
        exchange = Exchange(method, url, status, outcome, elapsed, token_sent, shown,
                            dict(response.headers), len(response.content or b"") if
                            outcome == "network" else 0)
        for hook in list(self.on_exchange):
            hook(exchange)

    def _http_error(self, response: requests.Response, token_sent: bool) -> HTTPError:
        status = response.status_code
        url = response.url
        method = response.request.method or "GET"
        document = None
        with contextlib.suppress(DocumentError):
            document = formats.parse(response.content, url, response.headers, allow_empty=True)
        server_message = _server_message(response, document)
        reason = response.reason or ""
        message = f"{status} {reason} from {method} {url}".rstrip()
        if server_message:
            message += f": {server_message}"
        message += f". {self._hint(status, url, token_sent, response)}"
        cls = http_error_class(status)
        return cls(message, url=url, status=status, server_message=server_message,
                   response=response, document=document)

    def _hint(self, status: int, url: str, token_sent: bool, response: requests.Response
              ) -> str:
        if status == 401:
            if self._token and not token_sent:
                return (f"The token was withheld: {self._scope.reason_withheld(url)}.")
            if not self._token:
                return ("No token was sent; pass token= to hyperkm.connect() or set "
                        "HYPERKM_TOKEN.")
            return "The server rejected the token; check that it is valid and not revoked."
        if status == 403:
            return "The token is valid but may not see this resource."
        if status == 404:
            return "Nothing is there (any longer); start again from a link the API gave you."
        if status == 406:
            return "The server cannot answer in JSON at this URL."
        if status == 412:
            return "The resource changed since you read it; refresh it and try again."
        if status == 415:
            return "The server does not accept this body's content type; send JSON."
        if status in (429, 503):
            after = response.headers.get("Retry-After")
            return "The server is busy; retry later" + (
                f" (it asks for {after} s)." if after else ".")
        if status >= 500:
            return "The server failed; retrying later may help."
        return "Check the request's variables and body."


def _server_message(response: requests.Response, document: formats.Document | None) -> str | None:
    """The server's own words about an error, from any of the error bodies we know."""
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        meta = body.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("message"), str):
            errors = meta.get("errors")
            extra = (f" ({', '.join(str(e) for e in errors)})"
                     if isinstance(errors, list) and errors else "")
            return str(meta["message"]) + extra
        # RFC 9457 problem details: title + detail.
        if "title" in body or "detail" in body:
            parts = [str(body[k]) for k in ("title", "detail") if isinstance(body.get(k), str)]
            if parts:
                return ": ".join(parts)
        for key in ("message", "error", "error_description"):
            value = body.get(key)
            if isinstance(value, str):
                return value
    ctype = response.headers.get("Content-Type", "")
    if ctype.startswith("text/plain") and response.text.strip():
        return response.text.strip()[:200]
    return None


def _user_agent() -> str:
    from . import __version__

    return f"hyperkm/{__version__} python-requests/{requests.__version__}"
