"""A transport that answers from declared routes and records every request."""

from __future__ import annotations

import json as _json
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .._exceptions import HyperkmError
from .._transport import Request, Response

__all__ = ["MockTransport", "Route", "UnmatchedRequest"]

Handler = Callable[[Request], Response]
_UNSET: Any = object()


class UnmatchedRequest(HyperkmError, AssertionError):
    """A request no route of a [`MockTransport`][hyperkm.testing.MockTransport] answers (it
    never goes to the network; the test is told what was asked, and what is declared)."""


class Route:
    """One declared answer: ``method`` and ``url`` to match, responses to give in turn (the
    last one again and again), and the requests it answered."""

    def __init__(self, method: str, url: str, responses: list[Response | Handler]) -> None:
        self.method, self.url = method.upper(), url
        self._responses = responses
        self.calls: list[Request] = []

    def matches(self, request: Request) -> bool:
        if self.method not in ("*", request.method):
            return False
        if "?" in self.url:
            return request.url == self.url
        return request.url.split("?", 1)[0] == self.url  # any query, when the route names none

    def answer(self, request: Request) -> Response:
        self.calls.append(request)
        given = self._responses[0] if len(self._responses) == 1 else self._responses.pop(0)
        answer = given(request) if callable(given) else given
        if not isinstance(answer, Response):
            raise TypeError(f"the route {self} must answer with a hyperkm.testing.Response, "
                            f"got {type(answer).__name__}")
        return answer

    @property
    def called(self) -> bool:
        return bool(self.calls)

    def __repr__(self) -> str:
        return f"{self.method} {self.url}"


class MockTransport:
    """Answers requests from routes; records every request in ``requests``.

    Args:
        handler: Optional ``handler(request) -> Response`` for anything no route matches.

    A route matches a request's method and URL exactly as it goes out (a route URL without a
    query matches any query). A request nothing matches raises
    [`UnmatchedRequest`][hyperkm.testing.UnmatchedRequest]: a mock never reaches the network.
    """

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler = handler
        self.routes: list[Route] = []
        #: Every request, in order, as it left the client (headers as sent).
        self.requests: list[Request] = []
        self._lock = threading.Lock()  # prefetching and parallel pages send from threads

    def add(self, method: str, url: str, response: Response | Handler | Iterable[
            Response | Handler] | None = None, *, status: int = 200, json: Any = _UNSET,
            body: bytes | str = b"", headers: Mapping[str, str] | None = None,
            content_type: str | None = None) -> Route:
        """Declare an answer to ``method url``: a `Response`, a handler, several of either
        (given in turn, the last repeated) — or build one from ``status``, ``json``/``body``,
        ``headers`` and ``content_type``. Later routes win over earlier ones."""
        if response is None:
            fields = dict(headers or {})
            if json is not _UNSET:
                payload = _json.dumps(json).encode()
                content_type = content_type or "application/json"
            else:
                payload = body.encode() if isinstance(body, str) else body
            if content_type and not any(k.lower() == "content-type" for k in fields):
                fields["Content-Type"] = content_type
            responses: list[Response | Handler] = [Response(status, fields, payload)]
        elif isinstance(response, Response) or callable(response):
            responses = [response]
        else:
            responses = list(response)
            if not responses:
                raise ValueError("give at least one response")
        route = Route(method, url, responses)
        with self._lock:
            self.routes.insert(0, route)
        return route

    def get(self, url: str, response: Any = None, **options: Any) -> Route:
        """``add("GET", url, ...)``."""
        return self.add("GET", url, response, **options)

    def post(self, url: str, response: Any = None, **options: Any) -> Route:
        """``add("POST", url, ...)``."""
        return self.add("POST", url, response, **options)

    def put(self, url: str, response: Any = None, **options: Any) -> Route:
        """``add("PUT", url, ...)``."""
        return self.add("PUT", url, response, **options)

    def patch(self, url: str, response: Any = None, **options: Any) -> Route:
        """``add("PATCH", url, ...)``."""
        return self.add("PATCH", url, response, **options)

    def delete(self, url: str, response: Any = None, **options: Any) -> Route:
        """``add("DELETE", url, ...)``."""
        return self.add("DELETE", url, response, **options)

    async def handle_async(self, request: Request) -> Response:
        """The same answer, awaited: this transport serves ``hyperkm.aio`` too."""
        return self.handle(request)

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            route = next((r for r in self.routes if r.matches(request)), None)
            if route is not None:
                return route.answer(request)
        if self.handler is not None:
            return self.handler(request)
        declared = "\n".join(f"  {r}" for r in reversed(self.routes)) or "  (none)"
        raise UnmatchedRequest(
            f"MockTransport: no route answers {request.method} {request.url}. Declared:\n"
            f"{declared}\nAdd one with mock.add({request.method!r}, {request.url!r}, ...), "
            "or give MockTransport(handler=...) for the rest.", url=request.url)
