"""Who hears of each request: the exchanges reported to hooks and counted in stats, the
deprecation a server announces (told once per URL), and the middleware that sees a request on
its way and its answer."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs
import requests

from . import _why
from ._deprecation import read_deprecation
from ._exceptions import DocumentError
from ._http import TokenScope, origin_of
from ._received import Received
from ._urls import Origin

__all__ = ["Exchange", "Outgoing", "Reply", "Reporter", "run_middleware"]

log = logging.getLogger("hyperkm")


@attrs.frozen
class Exchange:
    """One HTTP request and its answer, as reported to [`Client.on_exchange`][hyperkm.Client] hooks.

    Attributes:
        method, url, status: What was asked and what came back (``status`` as it crossed the
            wire: 304 for a revalidation, although the caller gets the cached 200).
        outcome: ``"network"`` (a full response came over the wire), ``"hit"`` (served from the
            cache without a request) or ``"revalidated"`` (a 304 confirmed the cached copy).
        elapsed: Seconds, including reading the body.
        token_sent: Whether the bearer token went with the request.
        request_headers, response_headers: As sent and received (the token is masked).
        size: Body bytes received over the wire (0 for a hit or a 304).
        reason: Why hyperkm sent it, when it knows ("re-walking the trail", "OPTIONS: which
            methods does this link accept?", "job poll", "prefetch: …"); "" otherwise.
        warning: What the server warned of, the first time this client met it for this URL
            (a ``Deprecation`` or ``Sunset`` header: RFC 9745, RFC 8594); "" otherwise.
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
    reason: str = ""
    warning: str = ""


@attrs.define
class Outgoing:
    """A request on its way, as middleware sees it (see `Client.use`).

    Attributes:
        method, url: What is asked (the URL is not middleware's to change: where credentials
            may go is decided by it).
        headers: The headers to send; change them in place.
    """

    method: str = attrs.field(on_setattr=attrs.setters.frozen)
    url: str = attrs.field(on_setattr=attrs.setters.frozen)
    headers: dict[str, Any]


@attrs.frozen
class Reply:
    """The answer to a request, as a middleware generator gets it back.

    Attributes:
        status: The HTTP status (as it crossed the wire).
        url: The URL asked.
        headers: The response's headers (case-insensitive).
        elapsed: Seconds it took, body included.
    """

    status: int
    url: str
    headers: Mapping[str, str]
    elapsed: float


class Reporter:
    """Counts exchanges by outcome, hands them to ``on_exchange`` hooks (credentials masked),
    and tells a server's deprecation once per URL. Safe to use from several threads
    (prefetching and parallel pages report too)."""

    def __init__(self, credential_headers: Callable[[], Collection[str]]) -> None:
        self._credential_headers = credential_headers
        #: Exchanges by outcome (``network``, ``hit``, ``revalidated``) and bytes received.
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._deprecated: set[str] = set()  # URLs whose deprecation was already told
        self.on_exchange: list[Callable[[Exchange], None]] = []

    def report(self, method: str, url: str, received: Received, elapsed: float, size: int,
               headers: Mapping[str, str]) -> None:
        """One exchange: ``size`` bytes of body read, ``headers`` as the client sent them."""
        response, outcome = received.response, received.outcome
        with self._lock:
            self.stats[outcome] += 1
            if outcome == "network":
                self.stats["bytes"] += size
        warning = self._warn_deprecated(url, response.headers)
        if not self.on_exchange:
            return
        # The headers as they went out: conditional ones (If-None-Match) are added by the
        # cache on the way, so read them from the prepared request.
        sent = response.request.headers if response.request is not None else headers
        secret = self._credential_headers()
        shown = {k: ("Bearer ***" if k.lower() == "authorization" and v.startswith("Bearer")
                     else "***" if k.lower() in secret else v)
                 for k, v in sent.items()}
        exchange = Exchange(method, url, received.wire_status, outcome, elapsed,
                            received.token_sent, shown,
                            dict(response.headers), size if outcome == "network" else 0,
                            _why.current(), warning)
        for hook in list(self.on_exchange):
            hook(exchange)

    def report_token_exchange(self, method: str, url: str, response: requests.Response,
                              elapsed: float, reason: str) -> None:
        """An exchange with the OAuth2 token endpoint (credentials masked)."""
        if not self.on_exchange:
            return
        exchange = Exchange(method, url, response.status_code, "network", elapsed, False,
                            {"Authorization": "***", "Content-Type":
                             "application/x-www-form-urlencoded"},
                            dict(response.headers), 0, reason)
        for hook in list(self.on_exchange):
            hook(exchange)

    def _warn_deprecated(self, url: str, headers: Mapping[str, str]) -> str:
        """Log, once per URL, a server's ``Deprecation``/``Sunset`` word; the line to show."""
        if "deprecation" not in headers and "sunset" not in headers:
            link = headers.get("link")
            if not link:
                return ""
            # (a page's Link header can be long: one lower() and two finds, not a regex)
            lowered = link.lower()
            if "deprecation" not in lowered and "sunset" not in lowered:
                return ""
        found = read_deprecation(headers, url)
        if found is None:
            return ""
        with self._lock:
            if url in self._deprecated:
                return ""
            if len(self._deprecated) > 4096:
                self._deprecated.clear()
            self._deprecated.add(url)
        message = found.message()
        log.warning("hyperkm: %s", message)
        return message


def run_middleware(middleware: list[tuple[Callable[[Outgoing], Any], Origin]],
                   scope: TokenScope, method: str, url: str, headers: dict[str, Any]
                   ) -> list[Any]:
    """Apply the middleware registered for ``url``'s origin to ``headers`` (in place); return
    the generators among them, waiting for the answer."""
    try:
        origin = origin_of(url)
    except DocumentError:
        return []
    outgoing = Outgoing(method, url, headers)
    flows = []
    for function, where in middleware:
        if where != origin and not (where == scope.root and scope.trusts(url)):
            continue
        result = function(outgoing)
        if hasattr(result, "send") and hasattr(result, "__next__"):
            with contextlib.suppress(StopIteration):
                next(result)  # up to its yield: the request is about to go
                flows.append(result)
    return flows


def answer_middleware(flows: list[Any], status: int, url: str, headers: Mapping[str, str],
                      elapsed: float) -> None:
    """Send the middleware generators waiting on a request its [`Reply`][hyperkm.Reply]."""
    reply = Reply(status, url, headers, elapsed)
    for flow in flows:
        with contextlib.suppress(StopIteration):
            flow.send(reply)


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("Exchange", "Outgoing", "Reply"):
    globals()[_name].__module__ = "hyperkm"
