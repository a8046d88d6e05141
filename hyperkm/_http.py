"""HTTP plumbing that is not navigation: origins, the token policy, exception translation."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from time import perf_counter
from typing import Any, NoReturn
from urllib.parse import urlsplit

import requests
import urllib3
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth

from . import _urls
from ._exceptions import ConfigurationError, DocumentError, Timeout, TransportError
from ._urls import Origin, as_written, format_origin, is_loopback

__all__ = ["CREDENTIAL_HEADERS", "DEFAULT_DEADLINE", "DEFAULT_MAX_DOCUMENT_BYTES",
           "DEFAULT_TIMEOUT", "Origin", "Session", "TokenScope", "is_loopback", "origin_of",
           "translate"]

#: (connect, read) seconds. requests has no default timeout at all: a hung server would hang
#: the program for ever.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)

#: Seconds one request may take in all: connect, every read, every retry and wait between
#: them. Per-operation timeouts alone let a trickling server hold a request for ever.
DEFAULT_DEADLINE = 60.0

#: Bodies larger than this (after decompression) are refused (``max_document_bytes=``).
DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

#: Header names that carry credentials, never sent to another origin (lower case). Add your
#: own with ``connect(credential_headers=[...])``.
CREDENTIAL_HEADERS = frozenset({
    "authorization", "cookie", "proxy-authorization", "x-api-key", "api-key", "apikey",
    "x-auth-token", "x-access-token", "private-token", "x-csrf-token", "x-xsrf-token",
    "x-amz-security-token", "x-goog-api-key", "ocp-apim-subscription-key",
})


def origin_of(url: str) -> Origin:
    """The (scheme, host, port) origin of a URL the *caller* gave (RFC 6454).

    Raises:
        ConfigurationError: ``url`` is not an absolute http(s) URL every parser reads alike.
    """
    try:
        return _urls.origin_of(url if isinstance(url, str) else str(url))
    except DocumentError as exc:
        text = url if isinstance(url, str) else str(url)
        if "://" not in text:
            raise ConfigurationError(
                f"the root URL {text!r} has no scheme: add http:// or https:// "
                f"(https://{text.lstrip('/')}).", url=text) from exc
        why = exc.message.split(": ", 1)[-1].split(". Parsers disagree", 1)[0]
        raise ConfigurationError(
            f"expected an absolute http:// or https:// URL such as "
            f"https://api.example.com/core, got {text!r}: {why}. Parsers disagree on such URLs "
            "about which host they name, so hyperkm sends nothing to one.", url=text) from exc


class Session(requests.Session):
    """A requests Session with a shorter road for the requests hyperkm sends.

    - Proxy and CA-bundle environment variables (and ``~/.netrc``) are read once per origin
      instead of on every request (requests re-reads them each time; on a walk over hundreds
      of pages that was a tenth of the client's time).
    - A request that needs none of requests' per-request merging — no cookies in the jar or
      the call, no params, no hooks, no files, redirects not followed (hyperkm follows them
      itself) — is prepared and handed to the adapter directly: the same `PreparedRequest`
      requests would build (its own ``prepare_*`` steps), the same adapter, the same
      response, without the generic merging that cost a quarter of a request's client-side
      time. Anything else takes requests' own road.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[Any, ...], Any] = {}
        self._netrc: dict[str, Any] = {}

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> Any:
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url if isinstance(url, str) else str(url))
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())),
               verify if isinstance(verify, (bool, str, type(None))) else id(verify),
               stream, cert if isinstance(cert, (str, tuple, type(None))) else id(cert))
        merged = self._environment.get(key)
        if merged is None:
            merged = super().merge_environment_settings(url, dict(proxies or {}), stream, verify,
                                                        cert)
            if len(self._environment) > 256:
                self._environment.clear()
            self._environment[key] = merged
        return {**merged, "proxies": dict(merged["proxies"])}

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """requests' preparation, except that the URL goes out as written (see
        ``_urls.as_written``): requests re-quotes it (``[`` as ``%5B``, ``%7E`` as ``~``)."""
        prepared = super().prepare_request(request)
        if not request.params and not self.params and isinstance(request.url, str):
            prepared.url = as_written(request.url)
        return prepared

    def request(self, method: Any, url: Any, params: Any = None, data: Any = None,
                headers: Any = None, cookies: Any = None, files: Any = None, auth: Any = None,
                timeout: Any = None, allow_redirects: bool = True, proxies: Any = None,
                hooks: Any = None, stream: Any = None, verify: Any = None, cert: Any = None,
                json: Any = None) -> requests.Response:
        if (allow_redirects or params or cookies or files or hooks or proxies
                or json is not None or not isinstance(url, str) or not isinstance(method, str)
                or not isinstance(data, (bytes, type(None))) or self.params or self.cookies
                or self.hooks != _NO_HOOKS or (auth is None and self.auth is not None)):
            return super().request(method, url, params=params, data=data, headers=headers,
                                   cookies=cookies, files=files, auth=auth, timeout=timeout,
                                   allow_redirects=allow_redirects, proxies=proxies,
                                   hooks=hooks, stream=stream, verify=verify, cert=cert,
                                   json=json)
        return self._send_direct(method, url, data, headers, auth, timeout, stream, verify,
                                 cert)

    def _send_direct(self, method: str, url: str, data: bytes | None, headers: Any,
                     auth: Any, timeout: Any, stream: Any, verify: Any, cert: Any
                     ) -> requests.Response:
        """What ``Session.request`` does for such a request, step for step, minus merging
        what is known to be empty."""
        if auth is None and self.trust_env:
            auth = self._netrc_auth(url)  # as prepare_request does (None, usually)
        prepared = requests.PreparedRequest()
        prepared.prepare_method(method)
        prepared.prepare_url(url, None)  # its checks (scheme, host); then the URL as written
        prepared.url = as_written(url)
        merged = CaseInsensitiveDict(self.headers)
        if headers:
            merged.update(headers)
            for name in [k for k, v in merged.items() if v is None]:
                del merged[name]  # requests' merge_setting: None removes a session header
        prepared.prepare_headers(merged)
        prepared._cookies = RequestsCookieJar()  # type: ignore[attr-defined]  # the jar is empty
        prepared.prepare_body(data, None, None)
        prepared.prepare_auth(auth, url)
        prepared.hooks = {"response": []}
        settings = self.merge_environment_settings(prepared.url, {}, stream, verify, cert)
        adapter = self.get_adapter(url=prepared.url)
        started = perf_counter()
        response = adapter.send(prepared, stream=settings["stream"], timeout=timeout,
                                verify=settings["verify"], cert=settings["cert"],
                                proxies=settings["proxies"])
        response.elapsed = timedelta(seconds=perf_counter() - started)
        if "set-cookie" in response.headers:  # persist cookies, as Session.send does
            extract_cookies_to_jar(self.cookies, prepared, response.raw)  # type: ignore[no-untyped-call]
        if response.is_redirect:  # Response.next, as Session.send sets it
            # (A Location requests cannot parse leaves it None: the client's own redirect
            # policy reads the Location and says what is wrong with it.)
            with contextlib.suppress(ValueError, requests.RequestException):
                response._next = next(self.resolve_redirects(  # type: ignore[attr-defined]
                    response, prepared, yield_requests=True, stream=settings["stream"],
                    timeout=timeout, verify=settings["verify"], cert=settings["cert"],
                    proxies=settings["proxies"]), None)
        if not settings["stream"]:
            _ = response.content
        return response

    def _netrc_auth(self, url: str) -> Any:
        end = url.find("/", url.find("//") + 2)
        origin = url if end == -1 else url[:end]
        if origin not in self._netrc:
            if len(self._netrc) > 256:
                self._netrc.clear()
            self._netrc[origin] = get_netrc_auth(url)
        return self._netrc[origin]


_NO_HOOKS: dict[str, list[Any]] = {"response": []}


class TokenScope:
    """Decides, per request, whether the bearer token may be sent.

    The token belongs to the origin it was given for (the root's). It is never sent to another
    origin, and never over plain HTTP unless the host is loopback. The one widening: when a
    trusted origin redirects plain HTTP to HTTPS on the same host (the KISSmetrics API answers
    HTTP with 301), that HTTPS origin is trusted too.
    """

    def __init__(self, root_url: str) -> None:
        self.root = origin_of(root_url)
        self._trusted: set[Origin] = {self.root}
        # Decisions by "scheme://authority" prefix: parsing every URL again cost more than
        # anything else the client does per request.
        self._decided: dict[str, bool] = {}

    def allows(self, url: str) -> bool:
        end = url.find("/", url.find("//") + 2) if "//" in url else -1
        prefix = url if end == -1 else url[:end]
        decision = self._decided.get(prefix)
        if decision is None:
            decision = self.reason_withheld(url) is None
            if len(self._decided) < 1024:
                self._decided[prefix] = decision
        return decision

    def reason_withheld(self, url: str) -> str | None:
        """``None`` when the token may go to ``url``; otherwise why it may not."""
        try:
            origin = _urls.origin_of(url)  # the transport's own parser
        except DocumentError as exc:
            return exc.message
        if origin not in self._trusted:
            return (f"{url} is on origin {_fmt(origin)}, not the root's origin {_fmt(self.root)}; "
                    "hyperkm sends the token only to the origin it was given for")
        if origin[0] == "http" and not is_loopback(origin[1]):
            return (f"{url} is plain HTTP to a non-loopback host; hyperkm never sends a token "
                    "unencrypted. Use the https:// URL")
        return None

    def note_redirect(self, from_url: str, to_url: str) -> None:
        """Trust ``to_url``'s origin if it is an HTTPS upgrade of a trusted origin's host."""
        try:
            old, new = _urls.origin_of(from_url), _urls.origin_of(to_url)
        except DocumentError:
            return
        if old in self._trusted and old[0] == "http" and new[0] == "https" and old[1] == new[1]:
            self._trusted.add(new)
            self._decided.clear()


    def trusts(self, url: str) -> bool:
        """Whether ``url`` is on an origin credentials may go to (plain HTTP included)."""
        try:
            origin = _urls.origin_of(url)
        except DocumentError:
            return False
        if origin in self._trusted:
            return True
        # The HTTPS twin of a trusted plain-HTTP origin (the API's own upgrade).
        return origin[0] == "https" and any(
            t[0] == "http" and t[1] == origin[1] for t in self._trusted)


_fmt = format_origin


def translate(exc: BaseException, method: str, url: str, timeout: Any) -> NoReturn:
    """Raise the hyperkm error for a requests/urllib3 exception (the one place this happens)."""
    what = f"{method} {url}"
    if _is_timeout(exc):
        raise Timeout(
            f"{what} timed out (timeout={timeout!r}); the server did not answer in time. "
            "Retry, or pass a larger timeout= to hyperkm.connect().", url=url) from exc
    if isinstance(exc, requests.exceptions.SSLError):
        raise TransportError(
            f"{what}: TLS verification failed ({_root_cause(exc)}). If the server uses a private "
            "CA, pass verify='/path/to/ca.pem' to hyperkm.connect().", url=url) from exc
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema, urllib3.exceptions.LocationParseError)):
        raise DocumentError(f"{what}: not a usable URL ({exc}).", url=url) from exc
    if isinstance(exc, ValueError) and not isinstance(exc, requests.RequestException):
        raise ConfigurationError(f"{what}: cannot send this request ({exc}).", url=url) from exc
    if isinstance(exc, requests.exceptions.InvalidHeader):
        raise ConfigurationError(f"{what}: invalid request header ({exc}).", url=url) from exc
    raise TransportError(
        f"{what} failed: {_root_cause(exc)}. Check that the server is running and reachable, "
        "then retry.", url=url) from exc


def _is_timeout(exc: BaseException) -> bool:
    # An exhausted retry of a read timeout arrives as ConnectionError(MaxRetryError(
    # ReadTimeoutError)), so look at the causes; and urllib3 makes "connection refused"
    # (NewConnectionError) a subclass of ConnectTimeoutError, which is not a timeout at all.
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, urllib3.exceptions.NewConnectionError):
            return False
        if isinstance(seen, (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)):
            return not isinstance(seen, requests.ConnectTimeout) or not isinstance(
                getattr(seen.args[0] if seen.args else None, "reason", None),
                urllib3.exceptions.NewConnectionError)
        inner = getattr(seen, "reason", None)
        if not isinstance(inner, BaseException) and seen.args and isinstance(
                seen.args[0], BaseException):
            inner = seen.args[0]
        seen = inner if isinstance(inner, BaseException) else None
    return False


def _root_cause(exc: BaseException) -> str:
    # requests nests urllib3's MaxRetryError(NewConnectionError(...)); the innermost is readable.
    seen = exc
    for _ in range(6):
        inner = getattr(seen, "reason", None) or (seen.args[0] if seen.args and isinstance(
            seen.args[0], BaseException) else None)
        if not isinstance(inner, BaseException):
            break
        seen = inner
    text = str(seen)
    return text.split(": ", 1)[-1] if "Failed to establish" in text else text
