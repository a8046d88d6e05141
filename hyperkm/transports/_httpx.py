"""httpx's connection layer as hyperkm's transport: HTTP/1.1 or HTTP/2, blocking or awaited.

The transports speak to httpcore — the connection pools under ``httpx.Client`` — rather than
to ``httpx.Client`` itself: the client above them already does what httpx's client would
(redirects by hyperkm's credential rules, cookies, headers, authentication), and httpx's
client parses a redirect's ``Location`` even when it does not follow it, failing a response
whose ``Location`` is malformed before hyperkm can say what is wrong with it.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

from .. import _deadline
from .._exceptions import ConfigurationError, DocumentTooLarge
from .._transport import Request, Response

try:
    import httpcore
    import httpx
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("the httpx transports need httpx: pip install 'hyperkm[async]' (or "
                      "'hyperkm[http2]' for HTTP/2)") from exc

__all__ = ["AsyncHttpxTransport", "HttpxTransport"]


def _ssl_context(verify: bool | str | ssl.SSLContext) -> ssl.SSLContext | None:
    if isinstance(verify, ssl.SSLContext):
        return verify
    if isinstance(verify, str):  # requests' verify="ca.pem"
        return ssl.create_default_context(cafile=verify)
    if verify is True:
        # httpcore's default (certifi's bundle, as requests and httpx use), made at the first
        # TLS connection: loading the bundle costs tens of milliseconds, which a client that
        # only speaks plain HTTP to loopback should not pay.
        return None
    return httpx.create_ssl_context(verify=False)


def _pool_options(http2: bool, verify: bool | str | ssl.SSLContext,
                  max_connections: int) -> dict[str, Any]:
    if http2:
        try:
            import h2  # noqa: F401  (httpcore needs it for HTTP/2, and would say so late)
        except ImportError as exc:
            raise ConfigurationError("http2=True needs the h2 package: pip install "
                                     "'hyperkm[http2]'") from exc
    return {"ssl_context": _ssl_context(verify), "http1": True, "http2": http2,
            "max_connections": max_connections, "max_keepalive_connections": max_connections,
            "keepalive_expiry": 5.0}


def _extensions(request: Request) -> dict[str, Any]:
    connect, read = request.timeout if request.timeout is not None else (None, None)
    return {"timeout": {"connect": connect, "read": read, "write": read, "pool": connect}}


def _answer(response: httpcore.Response, body: bytes, stream: Any = None) -> Response:
    reason = response.extensions.get("reason_phrase", b"")
    # Field names as the server wrote them; values decoded as http.client does.
    fields = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers]
    return Response(response.status, fields, body,
                    reason.decode("latin-1") if isinstance(reason, bytes) else "",
                    stream=stream)


_FAILURES = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError,
             httpcore.UnsupportedProtocol, ssl.SSLError, OSError)


class _Chunks:
    """A body handed over as it arrives (a request with `Request.stream`): each chunk read
    when the client asks for it, counted against ``max_body_bytes``; ``close()`` gives the
    connection back to the pool."""

    def __init__(self, request: Request, limit: int | None, exchange: Any,
                 response: httpcore.Response) -> None:
        self._body = _Body(request, limit)
        self._exchange, self._chunks = exchange, response.iter_stream()

    def __iter__(self) -> _Chunks:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = next(self._chunks)
        except _FAILURES as exc:
            raise _failure(exc, self._body.request) from exc
        self._body.count(chunk)
        return chunk

    def close(self) -> None:
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            exchange.__exit__(None, None, None)


class _AsyncChunks:
    """`_Chunks` for the asynchronous pool: ``async for``, and ``aclose()``."""

    def __init__(self, request: Request, limit: int | None, exchange: Any,
                 response: httpcore.Response) -> None:
        self._body = _Body(request, limit)
        self._exchange, self._chunks = exchange, response.aiter_stream()

    def __aiter__(self) -> _AsyncChunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk = await self._chunks.__anext__()
        except _FAILURES as exc:
            raise _failure(exc, self._body.request) from exc
        self._body.count(chunk)
        return chunk

    async def aclose(self) -> None:
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            await exchange.__aexit__(None, None, None)


def _failure(exc: Exception, request: Request) -> BaseException:
    """httpcore's exception as what a transport raises: ``ConnectionError`` (retried like a
    dropped socket), ``TimeoutError``, or the TLS library's own error."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ssl.SSLError):
        return cause  # reported as requests reports its own TLS failures
    if isinstance(exc, httpcore.ConnectTimeout):
        return ConnectionError(f"could not connect to {request.url} in time")
    if isinstance(exc, httpcore.TimeoutException):
        return TimeoutError(str(exc) or "timed out")
    return ConnectionError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


class _Body:
    """A body's bytes, counted against the transport's ``max_body_bytes`` and the client's
    ``max_document_bytes`` (`Request.max_body`)."""

    def __init__(self, request: Request, limit: int | None) -> None:
        self.request, self.limit = request, limit
        # The client's limit counts decompressed bytes; these are the bytes on the wire,
        # which compression never makes more than a little larger (gzip's framing).
        self.document = None if request.max_body is None else (
            request.max_body + request.max_body // 64 + 4096)
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.count(chunk)
        self.chunks.append(chunk)

    def count(self, chunk: bytes) -> None:
        """Count ``chunk`` against the bounds (without keeping it)."""
        self.size += len(chunk)
        request = self.request
        if self.limit is not None and self.size > self.limit:
            raise DocumentTooLarge(f"{request.method} {request.url}: the body is larger than "
                                   f"the transport's max_body_bytes ({self.limit} bytes)",
                                   url=request.url, limit=self.limit)
        if self.document is not None and self.size > self.document:
            assert request.max_body is not None
            raise DocumentTooLarge(
                f"{request.method} {request.url}: the body is larger than "
                f"max_document_bytes ({request.max_body:,} bytes); the server kept sending, "
                "and reading stopped there. Pass a larger max_document_bytes= to "
                "hyperkm.connect(), or download() it to a file.", url=request.url,
                limit=request.max_body)

    def bytes(self) -> bytes:
        return b"".join(self.chunks)


def _bounded(timeout: float | None) -> float | None:
    """A socket operation's timeout, no longer than what is left of the request's deadline —
    so a server trickling bytes (each read well within the timeout) is cut off at the
    deadline, as the watchdog cuts off the default transport's sockets."""
    deadline = _deadline.current()
    if deadline is None:
        return timeout
    left = max(deadline.remaining(), 0.001)  # 0 would make the socket non-blocking
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's blocking sockets, each operation bounded by the request's deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(host, port, _bounded(timeout),
                                                       local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _bounded(timeout),
                                                               socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class HttpxTransport:
    """Sends requests with httpx's blocking connection pool (httpcore).

    Args:
        http2: Speak HTTP/2 where the server offers it (ALPN over TLS); needs ``h2`` (the
            ``hyperkm[http2]`` extra).
        verify: As the client's ``verify=``: ``True``, ``False``, a CA bundle's path, or an
            ``ssl.SSLContext``.
        max_connections: Connections kept per transport (HTTP/2 multiplexes on one).
        max_body_bytes: The largest body read at all (``None``: no bound of the transport's
            own). Every document request also carries the client's ``max_document_bytes``
            (`Request.max_body`), and reading stops past it. A download to a file
            (`Request.stream`) is handed over as it arrives, never held whole.
    """

    def __init__(self, *, http2: bool = False, verify: bool | str | ssl.SSLContext = True,
                 max_connections: int = 16, max_body_bytes: int | None = None) -> None:
        self.http2 = http2
        self.pool = httpcore.ConnectionPool(**_pool_options(http2, verify, max_connections),
                                            network_backend=_DeadlineBackend())
        self.max_body_bytes = max_body_bytes

    def handle(self, request: Request) -> Response:
        body = _Body(request, self.max_body_bytes)
        exchange = self.pool.stream(request.method, request.url, headers=list(request.headers),
                                    content=request.body or None,
                                    extensions=_extensions(request))
        try:
            if request.stream:  # a download: the body is handed over as it arrives
                response = exchange.__enter__()
                return _answer(response, b"", _Chunks(request, self.max_body_bytes, exchange,
                                                      response))
            with exchange as response:
                for chunk in response.iter_stream():
                    body.add(chunk)
        except _FAILURES as exc:
            raise _failure(exc, request) from exc
        return _answer(response, body.bytes())

    def close(self) -> None:
        self.pool.close()

    def __repr__(self) -> str:
        return f"<hyperkm.transports.HttpxTransport{' http2' if self.http2 else ''}>"


class AsyncHttpxTransport:
    """Sends requests with httpx's asynchronous connection pool (httpcore): the transport
    [`hyperkm.aio`](async.md) awaits. Arguments as
    [`HttpxTransport`][hyperkm.transports.HttpxTransport]'s."""

    def __init__(self, *, http2: bool = False, verify: bool | str | ssl.SSLContext = True,
                 max_connections: int = 16, max_body_bytes: int | None = None) -> None:
        self.http2 = http2
        self.pool = httpcore.AsyncConnectionPool(**_pool_options(http2, verify,
                                                                 max_connections))
        self.max_body_bytes = max_body_bytes

    async def handle_async(self, request: Request) -> Response:
        body = _Body(request, self.max_body_bytes)
        exchange = self.pool.stream(request.method, request.url, headers=list(request.headers),
                                    content=request.body or None,
                                    extensions=_extensions(request))
        try:
            if request.stream:  # a download: the body is handed over as it arrives
                response = await exchange.__aenter__()
                return _answer(response, b"", _AsyncChunks(request, self.max_body_bytes,
                                                           exchange, response))
            async with exchange as response:
                async for chunk in response.aiter_stream():
                    body.add(chunk)
        except _FAILURES as exc:
            raise _failure(exc, request) from exc
        return _answer(response, body.bytes())

    async def aclose(self) -> None:
        await self.pool.aclose()

    def __repr__(self) -> str:
        return f"<hyperkm.transports.AsyncHttpxTransport{' http2' if self.http2 else ''}>"


# Public classes report the module users import them from.
for _name in ("HttpxTransport", "AsyncHttpxTransport"):
    globals()[_name].__module__ = "hyperkm.transports"
