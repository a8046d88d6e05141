"""Raw-socket servers on loopback that misbehave on purpose.

A ``RawServer`` accepts connections and hands each parsed request to a handler that writes
whatever bytes it likes (or nothing, or one byte a second). Every request it received is
recorded with its headers, so a test can assert what a client sent — or that it sent nothing.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest


class Request:
    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.target, self.headers, self.body = method, target, headers, body

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.target}>"


Handler = Callable[[Request, socket.socket, "RawServer"], None]


class RawServer:
    """A loopback server whose every answer is written by hand."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", tls: Any = None) -> None:
        self.handler = handler
        self.tls = tls  # an ssl.SSLContext: every connection speaks TLS
        self.requests: list[Request] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
                threading.Thread(target=self._one, args=(conn,), daemon=True).start()
            except Exception:  # closed while accepting, or a timeout: look at _stop again
                continue

    def _one(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except OSError:
                conn.close()
                return
        reader = conn.makefile("rb")
        try:
            while not self._stop.is_set():
                line = reader.readline(65536)
                if not line:
                    return
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    h = reader.readline(65536).decode("latin-1").rstrip("\r\n")
                    if not h:
                        break
                    name, _, value = h.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers.get("content-length", "0") or 0))
                request = Request(method, target, headers, body)
                self.requests.append(request)
                self.handler(request, conn, self)
        except (OSError, ValueError):
            pass
        finally:
            reader.close()
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(5)


def respond(conn: socket.socket, status: int = 200, body: bytes | str | Any = b"",
            headers: dict[str, str] | None = None, *, content_type: str = "application/json"
            ) -> None:
    """Write one complete HTTP/1.1 response (kept alive)."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    head = {"Content-Type": content_type, "Content-Length": str(len(body)), **(headers or {})}
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in head.items()]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


@pytest.fixture
def raw_server():
    servers: list[RawServer] = []

    def make(handler: Handler, tls: Any = None) -> RawServer:
        server = RawServer(handler, tls=tls)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture(autouse=True)
def _no_env_token(monkeypatch):
    monkeypatch.delenv("HYPERKM_TOKEN", raising=False)


@pytest.fixture(autouse=True)
def _quiet_werkzeug():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def never_answer(request: Request, conn: socket.socket, server: RawServer) -> None:
    time.sleep(60)


def documents(routes: dict[str, Any]) -> Handler:
    """A handler serving JSON documents by path; ``{port}`` in them is this server's port."""

    def handle(request: Request, conn: socket.socket, server: RawServer) -> None:
        path = request.target.split("?", 1)[0]
        value = routes.get(request.target, routes.get(path))
        if value is None:
            respond(conn, 404, {"message": "nothing here"})
            return
        if callable(value):
            value(request, conn, server)
            return
        text = json.dumps(value) if not isinstance(value, str) else value
        respond(conn, 200, text.replace("{port}", str(server.port)))

    return handle
