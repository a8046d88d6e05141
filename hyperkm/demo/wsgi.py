"""A small threaded HTTP/1.1 WSGI server that keeps connections alive.

werkzeug's development server answers every request with ``Connection: close``: each request
then pays a TCP connect, which a real API behind a proper server does not charge, and which
hides a client's own cost in any measurement. This server keeps connections open (HTTP/1.1
persistent connections, RFC 9112 section 9.3), reads request bodies exactly (by
``Content-Length`` or chunked, bounded), and times out clients that stall or idle.

It serves only what the emulator needs: no pipelining, no ``Expect: 100-continue`` beyond
answering it, bodies buffered (the emulator's responses are small).

Every read is bounded in time and size, as RFC 9112 asks of a server: a request's head must
arrive within ``head_seconds`` of its first byte and its body within ``body_seconds`` — a
client that sends one header line every two seconds resets no timer that matters. Chunk
sizes and ``Content-Length`` are parsed strictly (digits only; ``-1``, ``+5``, ``0x10`` are
a 400), a request with both ``Content-Length`` and ``Transfer-Encoding`` is refused (request
smuggling), and an application can refuse a request from its head alone (``admit``), before
any of its body is read.
"""

from __future__ import annotations

import contextlib
import io
import re
import socket
import ssl
import sys
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

__all__ = ["KeepAliveServer", "make_server"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: The largest request body read into memory; a larger one is answered 413 and the
#: connection closed (the emulator's own limit is lower).
MAX_REQUEST_BODY = 8 * 1024 * 1024

#: Seconds from a request's first byte to the end of its head (request line and headers).
HEAD_SECONDS = 10.0
#: Seconds for a request's whole body.
BODY_SECONDS = 30.0
#: Most header lines or chunk trailers accepted in one request.
MAX_HEADER_LINES = 100

#: Decides from a request's head (a WSGI environ without a body) whether to read on:
#: ``None`` to go on, or ``(status, text)`` to answer at once and close.
Admit = Callable[[dict[str, Any]], "tuple[int, str] | None"]

_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")
_DIGITS = re.compile(r"[0-9]{1,19}")


class _BadRequest(ValueError):
    """A request whose framing cannot be trusted: answered 400, connection closed."""


class _TimedReader(io.RawIOBase):
    """The connection's reads, each bounded by what is left of the current deadline."""

    def __init__(self, sock: socket.socket, idle: float) -> None:
        self._sock = sock
        self.idle = idle
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.deadline is None:
            self._sock.settimeout(self.idle)
        else:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the client took too long to send its request")
            self._sock.settimeout(min(self.idle, left))
        return self._sock.recv_into(buffer)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Small responses on a kept-alive connection: Nagle's algorithm with the peer's delayed
    # ACK would hold each one back by tens of milliseconds.
    disable_nagle_algorithm = True
    server: KeepAliveServer
    #: Seconds a client may stay silent, mid-request or between requests.
    timeout = 10.0

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and shells
        pass

    def setup(self) -> None:
        super().setup()
        # Reads through a deadline-aware raw reader: socket timeouts alone restart with every
        # byte, so a trickling client would hold this thread for as long as it liked.
        self._reader = _TimedReader(self.connection, self.timeout)
        self._buffered = io.BufferedReader(self._reader, 65536)
        self.rfile = self._buffered

    def handle_one_request(self) -> None:
        reader = self._reader
        try:
            reader.deadline = None  # between requests: the idle timeout
            if not self._buffered.peek(1):
                self.close_connection = True
                return
            reader.deadline = time.monotonic() + self.server.head_seconds
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            if len(self.headers) > MAX_HEADER_LINES:
                self._simple(431, b"too many header fields")
                return
        except (TimeoutError, OSError, ValueError):
            self.close_connection = True
            return
        admit = self.server.admit
        if admit is not None:
            refused = admit(self._environ(b"", head_only=True))
            if refused is not None:  # decided before a byte of the body is read
                self._simple(refused[0], refused[1].encode())
                return
        try:
            reader.deadline = time.monotonic() + self.server.body_seconds
            body = self._read_body()
        except _BadRequest as exc:
            self._simple(400, str(exc).encode())
            return
        except (TimeoutError, OSError, ValueError):
            self.close_connection = True
            return
        finally:
            reader.deadline = None
        if body is None:
            self._simple(413, b"request body too large")
            return
        try:
            self._run(body)
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def _read_body(self) -> bytes | None:
        limit = self.server.max_body
        encodings = self.headers.get_all("Transfer-Encoding") or []
        lengths = self.headers.get_all("Content-Length") or []
        if encodings and lengths:
            raise _BadRequest("both Content-Length and Transfer-Encoding (RFC 9112 6.1)")
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if encodings:
            if [e.strip().lower() for e in ",".join(encodings).split(",")] != ["chunked"]:
                raise _BadRequest("only Transfer-Encoding: chunked is accepted")
            return self._read_chunked(limit)
        values = {v.strip() for v in ",".join(lengths).split(",")} if lengths else {"0"}
        if len(values) != 1 or not _DIGITS.fullmatch(next(iter(values))):
            raise _BadRequest("Content-Length must be one decimal number")
        length = int(next(iter(values)))
        if length > limit:
            return None
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise ValueError("the client closed before sending its whole body")
        return body

    def _read_chunked(self, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(1026)
            if not line.endswith(b"\n"):
                raise _BadRequest("a chunk-size line that does not end")
            digits = line.split(b";", 1)[0].strip(b" \t\r\n")
            if not _CHUNK_SIZE.fullmatch(digits):
                raise _BadRequest(f"a malformed chunk size {digits[:20]!r}")
            length = int(digits, 16)
            if length == 0:
                for _ in range(MAX_HEADER_LINES):  # trailers, until the empty line
                    trailer = self.rfile.readline(8192)
                    if not trailer.endswith(b"\n"):
                        raise _BadRequest("a trailer line that does not end")
                    if not trailer.strip():
                        return b"".join(chunks)
                raise _BadRequest("too many trailer lines")
            size += length
            if size > limit:
                return None
            data = self.rfile.read(length)
            if len(data) != length or self.rfile.read(2) != b"\r\n":
                raise _BadRequest("a chunk shorter than its size, or not ended by CRLF")
            chunks.append(data)

    def _environ(self, body: bytes, *, head_only: bool = False) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command, "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"), "QUERY_STRING": query,
            "SERVER_NAME": self.server.server_name, "SERVER_PORT": str(self.server.server_port),
            "SERVER_PROTOCOL": self.request_version, "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": self.headers.get(
                "Content-Type", ""),
            "wsgi.version": (1, 0), "wsgi.url_scheme": self.server.scheme,
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
            "werkzeug.socket": self.connection,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING"):
                continue  # the body was read (and de-chunked) already
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        if head_only:
            environ["CONTENT_LENGTH"] = "0"  # the body is not read yet
        return environ

    def _run(self, body: bytes) -> None:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [status, headers]
            return lambda data: None  # the emulator never writes this way

        result = self.server.app(self._environ(body), start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
        code, _, reason = status.partition(" ")
        self.send_response_only(int(code), reason)
        self.log_request(int(code))
        names = set()
        for name, value in headers:
            if name.lower() in ("connection", "transfer-encoding", "content-length"):
                continue
            names.add(name.lower())
            self.send_header(name, value)
        # send_response() would add these even when the application set them (a Date twice)
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        if "server" not in names:
            self.send_header("Server", self.version_string())
        no_body = self.command == "HEAD" or int(code) in (204, 304) or int(code) < 200
        if not no_body:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # Head and body in one write (end_headers() would send the head on its own).
        buffer: list[bytes] = self._headers_buffer  # type: ignore[attr-defined]
        buffer.append(b"\r\n")
        if not no_body:
            buffer.append(payload)
        self.flush_headers()

    def _simple(self, code: int, text: bytes) -> None:
        self.close_connection = True  # what is left of the request cannot be trusted
        with contextlib.suppress(OSError):
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(text)


class KeepAliveServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server for one WSGI application, optionally over TLS."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's 5 resets clients that connect at once

    def __init__(self, host: str, port: int, app: WSGIApp, *,
                 ssl_context: ssl.SSLContext | None = None, client_timeout: float = 10.0,
                 handler: type[BaseHTTPRequestHandler] | None = None,
                 admit: Admit | None = None, max_body: int = MAX_REQUEST_BODY,
                 head_seconds: float = HEAD_SECONDS, body_seconds: float = BODY_SECONDS
                 ) -> None:
        self.app = app
        self.admit = admit
        self.max_body = max_body
        self.head_seconds = head_seconds
        self.body_seconds = body_seconds
        self.scheme = "https" if ssl_context is not None else "http"
        self._ssl = ssl_context
        handler_class = type("Handler", (handler or _Handler,), {"timeout": client_timeout})
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.address_family = family
        super().__init__((host, port), handler_class)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self._ssl is not None:  # the handshake happens in the request's own thread
            sock = self._ssl.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        if isinstance(request, ssl.SSLSocket):
            try:
                request.settimeout(10.0)  # a client that never finishes its handshake
                request.do_handshake()
            except (OSError, ValueError):
                self.shutdown_request(request)
                return
        super().process_request_thread(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # dropped connections and failed handshakes are the client's business


def make_server(host: str, port: int, app: WSGIApp, *, ssl_context: ssl.SSLContext | None = None,
                client_timeout: float = 10.0) -> KeepAliveServer:
    return KeepAliveServer(host, port, app, ssl_context=ssl_context,
                           client_timeout=client_timeout)
