"""A small threaded HTTP/1.1 WSGI server that keeps connections alive.

werkzeug's development server answers every request with ``Connection: close``: each request
then pays a TCP connect, which a real API behind a proper server does not charge, and which
hides a client's own cost in any measurement. This server keeps connections open (HTTP/1.1
persistent connections, RFC 9112 section 9.3), reads request bodies exactly (by
``Content-Length`` or chunked, bounded), and times out clients that stall or idle.

It serves only what the emulator needs: no pipelining, no ``Expect: 100-continue`` beyond
answering it, bodies buffered (the emulator's responses are small).
"""

from __future__ import annotations

import contextlib
import io
import socket
import ssl
import sys
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

__all__ = ["KeepAliveServer", "make_server"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: The largest request body read into memory; a larger one is answered 413 and the
#: connection closed (the emulator's own limit is lower).
MAX_REQUEST_BODY = 8 * 1024 * 1024


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

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        if not self.raw_requestline or len(self.raw_requestline) > 65536:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        try:
            body = self._read_body()
        except (TimeoutError, OSError, ValueError):
            self.close_connection = True
            return
        if body is None:
            self._simple(413, b"request body too large")
            self.close_connection = True
            return
        try:
            self._run(body)
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def _read_body(self) -> bytes | None:
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                length = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline(1024).strip():  # trailers
                        pass
                    return b"".join(chunks)
                size += length
                if size > MAX_REQUEST_BODY:
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline(8)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > MAX_REQUEST_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _environ(self, body: bytes) -> dict[str, Any]:
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
                 handler: type[BaseHTTPRequestHandler] | None = None) -> None:
        self.app = app
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
