"""Sending: the request pipeline every HTTP exchange of a client goes through — a fetch and
its parse, redirects hop by hop, the credentials decided for each hop, middleware, the
deadline, the body read within bounds, errors in the server's words, and the report of each
exchange. A mixin of [`HttpClient`][hyperkm.Client], which holds the settings it reads."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urldefrag

import attrs
import requests
import urllib3

from . import _deadline, _why, formats
from ._cache import retry_notes
from ._exceptions import ConfigurationError, DocumentError, HyperkmError, TransportError
from ._exchanges import Outgoing, Reporter, answer_middleware, run_middleware
from ._http import TokenScope, translate
from ._oauth import OAuth2
from ._policy import MAX_REDIRECTS, redirect_hop, timeout_within, without_credentials
from ._received import Delivery, Received, delivery
from ._responses import bearer_of, deadline_passed, http_error, invalid_token, read_body
from ._transport import reading_at_most
from ._urls import Origin, as_written, check_url

__all__ = ["Sending"]

log = logging.getLogger("hyperkm")


class Sending:
    """The request pipeline (see the module's docstring)."""

    # Set by HttpClient.__init__ (and changeable after: the next request reads them).
    session: requests.Session
    headers: dict[str, str]
    credential_headers: frozenset[str]
    timeout: Any
    deadline: float | None
    max_document_bytes: int | None
    verify: bool | str
    _scope: TokenScope
    _token: str | None
    _oauth: OAuth2 | None
    _middleware: list[tuple[Callable[[Outgoing], Any], Origin]]
    _reporter: Reporter

    def note(self, message: str) -> None:  # pragma: no cover - HttpClient's
        raise NotImplementedError

    def _retry_note(self, message: str) -> None:  # pragma: no cover - HttpClient's
        raise NotImplementedError

    # -- requests -------------------------------------------------------------------------

    def fetch(self, url: str, *, headers: Mapping[str, str] | None = None,
              revalidate: bool = False) -> tuple[formats.Document, Received]:
        """GET ``url`` and parse it into a [`Document`][hyperkm.Document].

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
        with _deadline.running(self.deadline):  # parsing counts against the deadline too
            received = self.exchange("GET", url, headers=headers)
            try:
                return self.parse(received.response), received
            except DocumentError as exc:
                exc.response = received.response  # what came, for whoever shows it instead
                raise

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
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        raise_for_status: bool = True,
        stream: bool = False,
    ) -> requests.Response:
        """Send one request, following redirects with the token policy applied at every hop;
        the response (`exchange` tells how it came, too). Arguments as `exchange`'s."""
        return self.exchange(method, url, json_body=json_body, body=body, headers=headers,
                             raise_for_status=raise_for_status, stream=stream).response

    def exchange(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        raise_for_status: bool = True,
        stream: bool = False,
    ) -> Received:
        """Send one request, following redirects with the token policy applied at every hop;
        the answer, and how it came (`Received`).

        Args:
            method: HTTP method.
            url: Absolute URL (a fragment is dropped: it never reaches a server).
            json_body: A JSON-serialisable body, sent as ``application/json``.
            body: Bytes to send as they are (set ``Content-Type`` in ``headers``).
            headers: Extra headers for this request.
            raise_for_status: Raise [`HTTPError`][hyperkm._exceptions.HTTPError] for 4xx/5xx
                (default).
            stream: Leave the body unread (for downloads: no size limit applies; close the
                response when done). Error bodies are read all the same.

        Raises:
            DocumentError: the URL (or a redirect's ``Location``) is one hyperkm refuses.
            DocumentTooLarge: the body exceeds ``max_document_bytes``.
            Timeout: the request's deadline passed.
        """
        method = method.upper()
        url = check_url(urldefrag(url)[0], source=f"a {method} request")
        data: bytes | None = body
        extra = dict(headers or {})
        if json_body is not None:
            try:
                data = json.dumps(json_body).encode("utf-8")
            except (TypeError, ValueError) as exc:
                raise ConfigurationError(f"the request body is not JSON-serialisable: {exc}",
                                         url=url) from exc
            extra.setdefault("Content-Type", "application/json")
        with _deadline.running(self.deadline), retry_notes(self._retry_note):  # one for all hops
            received = self._follow_redirects(method, url, data, extra, stream)
            response = received.response
            if (response.status_code == 401 and received.token_sent and self._oauth is not None
                    and method in ("GET", "HEAD", "OPTIONS") and invalid_token(response)):
                # The access token was refused before its time (revoked, keys rotated): one
                # new token, one retry — of a request that changes nothing, never a write.
                used = bearer_of(response)
                response.close()
                if used is not None and self._oauth.rejected(used) is not None:
                    with _why.because("retried with a renewed OAuth2 access token"):
                        received = self._follow_redirects(method, url, data,
                                                          dict(headers or {}), stream)
        if raise_for_status and received.response.status_code >= 400:
            raise http_error(received.response, received.token_sent, scope=self._scope,
                             token=self._token, oauth=self._oauth)
        return received

    def _follow_redirects(self, method: str, url: str, data: bytes | None,
                          extra: dict[str, str], stream: bool) -> Received:
        redirects: list[tuple[int, str]] = []
        for _ in range(MAX_REDIRECTS + 1):
            received = self._send(method, url, data, extra, stream=stream)
            response = received.response
            hop = redirect_hop(method, url, response.status_code,
                               response.headers.get("Location"), response.url, data, extra)
            if hop is None:  # the answer (after these redirects: a job's 303 means its result)
                return attrs.evolve(received, redirects=tuple(redirects)) if redirects \
                    else received
            redirects.append((response.status_code, response.url))
            self._scope.note_redirect(url, hop[1])
            log.debug("%s %s -> %s %s", method, url, response.status_code, hop[1])
            method, url, data, extra = hop
        raise TransportError(f"{method} {url}: more than {MAX_REDIRECTS} redirects; the "
                             "server is redirecting in a loop.", url=url)

    def _send(self, method: str, url: str, data: bytes | None, extra: Mapping[str, str],
              *, stream: bool = False) -> Received:
        # Credentials go where the token may go: the root's origin, over HTTPS or to loopback.
        trusted = self._scope.allows(url)
        headers = {**self.headers, **extra}
        flows = run_middleware(self._middleware, self._scope, method, url, headers) \
            if self._middleware else ()
        token = self._token
        if trusted and self._oauth is not None:
            token = self._oauth.bearer()
        token_sent = bool(token) and trusted
        kwargs: dict[str, Any] = {}
        if token_sent:
            headers["Authorization"] = f"Bearer {token}"
            kwargs["auth"] = _no_auth  # the token wins over a session's auth, which would
            # otherwise overwrite the header
        if not trusted:
            # Nothing hyperkm sends to another origin carries credentials it was handed: not
            # the token, not credential headers (from headers= or the session), not the
            # session's auth, nor its cookies.
            headers = without_credentials(headers, self.credential_headers,
                                          self._secrets() if self._middleware else (),
                                          self.session.headers)
            kwargs["auth"] = _no_auth
        started = time.perf_counter()
        deadline = _deadline.current()
        try:
            # A transport that reads whole bodies stops at the document limit (a download
            # to a file has none).
            notes = Delivery()  # what the cache adapter decides, told back (see _received)
            told = delivery.set(notes)
            try:
                with reading_at_most(None if stream else self.max_document_bytes,
                                     stream=stream):
                    if not trusted:
                        response = self._send_without_credentials(method, url, data, headers,
                                                                  deadline)
                    else:
                        response = self.session.request(
                            method, url, data=data, headers=headers,
                            timeout=self._timeout(deadline), verify=self.verify,
                            allow_redirects=False, stream=True, **kwargs)
            finally:
                delivery.reset(told)
            size = 0  # a streamed download's body is not read here (it may not fit in memory)
            if not stream or response.status_code >= 400:
                size = read_body(response, method, url, self.max_document_bytes, notes.store)
        except HyperkmError:
            raise
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError,
                ValueError) as exc:
            # urllib3/http.client errors sometimes escape requests unwrapped.
            if deadline is not None and deadline.passed():
                raise deadline_passed(method, url, deadline.seconds) from exc
            translate(exc, method, url, self.timeout)
        if deadline is not None and deadline.expired:
            # The watchdog cut the connection: whatever was parsed is a truncated answer.
            response.close()
            raise deadline_passed(method, url, deadline.seconds)
        elapsed = time.perf_counter() - started
        received = Received(response, notes.outcome, notes.wire_status or response.status_code,
                            token_sent)
        self._reporter.report(method, url, received, elapsed, size,
                              {k: v for k, v in headers.items() if v is not None})
        if flows:
            answer_middleware(list(flows), response.status_code, url, response.headers,
                              elapsed)
        return received

    def _report_token_exchange(self, method: str, url: str, response: requests.Response,
                               elapsed: float, reason: str) -> None:
        """An exchange with the OAuth2 token endpoint, for the trace (credentials masked)."""
        self.note(f"{reason}: {response.status_code} from {url}")
        self._reporter.report_token_exchange(method, url, response, elapsed, reason)

    def _secrets(self) -> set[str]:
        """The credentials this client holds now (none may reach another origin)."""
        held = {v for k, v in self.headers.items()
                if k.lower() in self.credential_headers and isinstance(v, str) and len(v) > 3}
        if self._token:
            held.add(self._token)
        if self._oauth is not None:
            held |= self._oauth.secrets()
        return held

    def _send_without_credentials(self, method: str, url: str, data: bytes | None,
                                  headers: Mapping[str, Any], deadline: Any
                                  ) -> requests.Response:
        # requests would merge the session's credentials into the request: its auth (and
        # ~/.netrc's), its cookie jar (a cookie set without a domain goes to any host), its
        # client certificate. Prepared here without the session, so none of them can.
        session = self.session
        merged = {k: v for k, v in session.headers.items()
                  if k.lower() not in self.credential_headers}
        merged.update({k: v for k, v in headers.items() if v is not None})
        prepared = requests.Request(method, url, data=data, headers=merged).prepare()
        prepared.url = as_written(url)  # as the server wrote it, not as requests re-quotes it
        settings = session.merge_environment_settings(url, {}, True, self.verify, None)
        settings["cert"] = None  # a TLS client certificate is a credential too
        return session.send(prepared, timeout=self._timeout(deadline), allow_redirects=False,
                            **settings)

    def _timeout(self, deadline: Any) -> Any:
        return timeout_within(self.timeout, deadline)


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An auth callable that adds nothing: overrides a session's ``auth`` for one request."""
    return request
