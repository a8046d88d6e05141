"""urllib3 connection pools that hand each request to a [`Transport`][hyperkm.Transport]
instead of a socket.

They replace only the pool's last step (``_make_request``: write the request, read the
response's head): urllib3's retries, requests' adapters, cachecontrol and every policy of
hyperkm's client above them run as they do on the network.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from email.message import Message
from http.client import HTTPMessage, IncompleteRead
from typing import Any

from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict
from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.util.timeout import Timeout

from . import _deadline
from ._transport import Request, Response, Transport, body_limit, streaming

__all__ = ["TransportPoolMixin"]


class _Head:
    """What requests reads of ``http.client``'s response (the ``Set-Cookie`` fields), and what
    urllib3 asks of it when it closes."""

    def __init__(self, response: Response, method: str) -> None:
        self.msg: Message = HTTPMessage()
        for name, value in response.headers:
            self.msg[name] = value
        self._method = method

    def close(self) -> None:
        pass

    def isclosed(self) -> bool:
        return True


class _Body(io.BytesIO):
    """A body that reads as http.client's response does: at its end ``fp`` is ``None`` and
    ``isclosed()`` is true — what urllib3 and cachecontrol check to know a body was read
    (cachecontrol stores, and closes its spool file, only then)."""

    def __init__(self, data: bytes, declared: int | None = None) -> None:
        super().__init__(data)
        self._size = len(data)
        self.fp: Any = self if data else None
        # A Content-Length the body does not fill: read whole, it is an IncompleteRead, as
        # http.client raises for a connection that closed early.
        self._short = declared - len(data) if declared is not None and declared > len(
            data) else 0

    def _ended(self, chunk: bytes) -> bytes:
        if self.tell() >= self._size:
            self.fp = None
        return chunk

    def read(self, size: int | None = -1) -> bytes:
        if self.fp is None:
            return b""
        chunk = self._ended(super().read(size))
        if self._short and (size is None or size < 0):
            raise IncompleteRead(chunk, self._short)
        return chunk

    def read1(self, size: int | None = -1) -> bytes:
        return b"" if self.fp is None else self._ended(super().read1(size))

    def readinto(self, buffer: Any) -> int:
        if self.fp is None:
            return 0
        count = super().readinto(buffer)
        self._ended(b"")
        return count

    def isclosed(self) -> bool:
        return self.fp is None or self.closed


class _Stream(io.RawIOBase):
    """A body read from a transport's `Response.stream` as the client reads it, with the
    end-of-body signs of `_Body` (``fp`` is ``None``, ``isclosed()``); closing it closes the
    stream (the transport's connection goes back to its pool)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks: Iterator[bytes] = iter(chunks)
        self._source: Any = chunks
        self._left = memoryview(b"")  # what is left of the chunk at hand (not copied)
        self.fp: Any = self

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.fp is None:
            return 0
        while not self._left:
            try:
                self._left = memoryview(next(self._chunks))
            except StopIteration:
                self._end()
                return 0
        count = min(len(buffer), len(self._left))
        buffer[:count] = self._left[:count]
        self._left = self._left[count:]
        return count

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size is not None and size >= 0 else 64 * 1024)

    def _end(self) -> None:
        self.fp = None
        close = getattr(self._source, "close", None)
        self._source = None
        if close is not None:
            close()

    def close(self) -> None:
        if self.fp is not None:
            self._end()
        super().close()

    def isclosed(self) -> bool:
        return self.fp is None or self.closed


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    return b"".join(bytes(chunk) for chunk in body)  # an iterable of chunks


def _seconds(timeout: Any) -> tuple[float | None, float | None] | None:
    """urllib3's timeout as (connect, read) seconds, none longer than what is left of the
    request's deadline."""
    connect = read = None
    if isinstance(timeout, Timeout):
        connect, read = _number(timeout.connect_timeout), _number(timeout.read_timeout)
    elif isinstance(timeout, (int, float)):
        connect = read = float(timeout)
    deadline = _deadline.current()
    if deadline is not None:
        left = max(deadline.remaining(), 0.001)
        connect = left if connect is None else min(connect, left)
        read = left if read is None else min(read, left)
    return None if connect is None and read is None else (connect, read)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


class TransportPoolMixin:
    """Put first in a pool class's bases, with a ``transport`` class attribute."""

    transport: Transport
    scheme: str
    host: str
    port: int | None

    def _make_request(self, conn: Any, method: str, url: str, body: Any = None,
                      headers: Any = None, retries: Any = None, timeout: Any = None,
                      chunked: bool = False, response_conn: Any = None,
                      preload_content: bool = True, decode_content: bool = True,
                      enforce_content_length: bool = True) -> HTTPResponse:
        as_written = getattr(self, "_as_written", None)  # hyperkm's pools: the target as
        if as_written is not None:  # written (see _urls.as_written)
            url = str(as_written(url))
        default_port = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        authority = host if self.port in (None, default_port) else f"{host}:{self.port}"
        # ``url`` is the request target urllib3 sends ("/path?query"): the full URL again.
        request = Request(method, f"{self.scheme}://{authority}{url}",
                          [(str(k), str(v)) for k, v in (headers or {}).items()], _body(body),
                          timeout=_seconds(timeout), max_body=body_limit.get(),
                          stream=streaming.get())
        try:
            answer = self.transport.handle(request)
        except ConnectionError as exc:  # a dropped connection: urllib3 retries it (or not)
            raise ProtocolError("Connection aborted.", exc) from exc
        except TimeoutError as exc:  # a network transport's read timed out
            raise ReadTimeoutError(self, url, f"Read timed out. ({exc})") from exc  # type: ignore[arg-type]
        if not isinstance(answer, Response):
            raise TypeError(f"{type(self.transport).__name__}.handle() must return a "
                            f"hyperkm.testing.Response, not {type(answer).__name__}")
        fields = HTTPHeaderDict()
        for name, value in answer.headers:
            if name.lower() != "transfer-encoding":  # the body is whole, not chunked
                fields.add(name, value)
        bodiless = method == "HEAD" or answer.status in (204, 304)  # Content-Length: the GET's
        declared = fields.get("content-length")
        raw: io.IOBase
        if answer.stream is not None and not bodiless:
            if not isinstance(answer.stream, Iterable):
                raise TypeError(f"{type(self.transport).__name__}.handle() answered with an "
                                "asynchronous stream; a blocking transport's Response.stream "
                                "is an iterable of bytes")
            raw = _Stream(answer.stream)  # read as the client reads (no Content-Length added)
        else:
            content = b"" if bodiless else answer.body
            if declared is None:
                fields["Content-Length"] = str(len(content))
            raw = _Body(content, int(declared) if declared and declared.isdigit()
                        and not bodiless else None)
        response = HTTPResponse(
            body=raw,
            headers=fields, status=answer.status, version=11,
            version_string="HTTP/1.1", reason=answer.reason or None,
            preload_content=preload_content, decode_content=decode_content,
            original_response=_Head(answer, method),  # type: ignore[arg-type]
            enforce_content_length=enforce_content_length, request_method=method,
            request_url=url, retries=retries)
        response._connection = response_conn
        response._pool = self  # type: ignore[assignment]  # a mixin of a pool class
        return response

