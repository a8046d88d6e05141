"""The seam under the HTTP client: a transport takes one request and gives back one response.

hyperkm's own client stack (credential scoping, redirects, retries, the cache, deadlines, body
limits) runs above it unchanged; only the last step — putting bytes on a socket — is the
transport's. The default is the network (urllib3's connection pools). ``connect(transport=)``
puts another one there: [`hyperkm.testing`][hyperkm.testing]'s ``MockTransport`` (routes and
recorded requests) or ``EmulatorTransport`` (the bundled KISSmetrics emulator, in process), so
that a program's tests run every policy of the client without a socket.

Requests and responses are hyperkm's own frozen values, not a library's objects.
"""

from __future__ import annotations

import contextlib
import json as _json
from collections.abc import AsyncIterable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, Protocol, runtime_checkable

import attrs

__all__ = ["AsyncTransport", "Request", "Response", "Transport", "body_limit", "headers_of",
           "reading_at_most", "streaming"]

#: The client's bound on the body of the request being sent (see `Request.max_body`).
body_limit: ContextVar[int | None] = ContextVar("hyperkm_body_limit", default=None)
#: Whether the client reads the body of the request being sent as it comes (`Request.stream`).
streaming: ContextVar[bool] = ContextVar("hyperkm_streaming", default=False)


@contextlib.contextmanager
def reading_at_most(limit: int | None, *, stream: bool = False) -> Iterator[None]:
    """Requests sent in the block tell their transport ``limit`` (`Request.max_body`) and
    whether the body is read as it comes (`Request.stream`)."""
    token, streamed = body_limit.set(limit), streaming.set(stream)
    try:
        yield
    finally:
        streaming.reset(streamed)
        body_limit.reset(token)

Headers = tuple[tuple[str, str], ...]


def headers_of(given: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Headers:
    """Header fields as (name, value) pairs, in order; a name may repeat."""
    if given is None:
        return ()
    pairs = given.items() if isinstance(given, Mapping) else given
    out = []
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"header names and values must be strings, got {name!r}: "
                            f"{value!r}")
        out.append((name, value))
    return tuple(out)


def _header(fields: Headers, name: str) -> str | None:
    """The value of ``name`` (case-insensitive); repeated fields joined with ", "."""
    wanted = name.lower()
    values = [v for k, v in fields if k.lower() == wanted]
    return ", ".join(values) if values else None


@attrs.frozen
class Request:
    """One request as it leaves the client: ``url`` exactly as it goes out, every header field
    (``Authorization`` only when the client decided the token may go there)."""

    method: str
    url: str
    headers: Headers = attrs.field(default=(), converter=headers_of)
    body: bytes = b""
    #: Seconds a network transport may wait to connect and for each read — the client's
    #: ``timeout``, shortened to what is left of the request's deadline (``None``: no bound).
    #: Not part of what a request *is*: two requests differing only here are equal.
    timeout: tuple[float | None, float | None] | None = attrs.field(
        default=None, eq=False, repr=False, kw_only=True)
    #: The most of the body the client will keep (its ``max_document_bytes``; ``None`` for a
    #: download to a file): a transport that reads bodies whole stops reading past it, so a
    #: server sending without end cannot fill the memory first. Not part of equality either.
    max_body: int | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)
    #: Whether the client reads the body as it comes (a download to a file): a transport may
    #: then answer with `Response.stream` instead of reading the body whole first. Not part
    #: of equality either.
    stream: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or ``None``."""
        return _header(self.headers, name)

    def json(self) -> Any:
        """The body decoded as JSON."""
        return _json.loads(self.body)


@attrs.frozen
class Response:
    """One response as a transport gives it back."""

    status: int
    headers: Headers = attrs.field(default=(), converter=headers_of)
    body: bytes = b""
    reason: str = ""
    #: The body as chunks, read as the client reads them, instead of ``body`` (for a
    #: request with `Request.stream`, or any answer a test wants to trickle): an iterable of
    #: bytes from `Transport.handle`, an async iterable from `AsyncTransport.handle_async`.
    #: Its ``close()`` (``aclose()``), if any, is called when the client is done with it.
    stream: Iterable[bytes] | AsyncIterable[bytes] | None = attrs.field(
        default=None, eq=False, repr=False, kw_only=True)

    @classmethod
    def of_json(cls, value: Any, status: int = 200,
                headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
                content_type: str = "application/json") -> Response:
        """A response whose body is ``value`` as JSON, with its ``Content-Type``."""
        fields = headers_of(headers)
        if _header(fields, "content-type") is None:
            fields = (("Content-Type", content_type), *fields)
        return cls(status, fields, _json.dumps(value).encode())

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or ``None``."""
        return _header(self.headers, name)


@runtime_checkable
class Transport(Protocol):
    """Anything that answers a [`Request`][hyperkm.testing.Request] with a
    [`Response`][hyperkm.testing.Response]. Raise ``ConnectionError`` for a connection that fails
    (the client retries it as it would a dropped socket)."""

    def handle(self, request: Request) -> Response: ...


@runtime_checkable
class AsyncTransport(Protocol):
    """A transport awaited by [`hyperkm.aio`](async.md): ``await handle_async(request)``
    answers as `Transport.handle` does (``ConnectionError`` for a failed connection,
    ``TimeoutError`` for a read that timed out)."""

    async def handle_async(self, request: Request) -> Response: ...
