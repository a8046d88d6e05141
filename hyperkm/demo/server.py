"""Run the emulator: in a thread for tests and benchmarks, or in the foreground for people."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from .app import DemoApp, DemoConfig
from .dataset import TOKENS
from .wsgi import BODY_SECONDS, HEAD_SECONDS, KeepAliveServer

__all__ = ["DemoServer", "running"]

DEFAULT_TOKEN = next(iter(TOKENS))


#: Seconds a client may stay silent while sending a request (or between keep-alive requests).
CLIENT_TIMEOUT = 10.0


def _redirect_app(host: str, https_port: int) -> Callable[..., Any]:
    host = f"[{host}]" if ":" in host else host  # the configured host, never the Host header

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        query = environ.get("QUERY_STRING")
        target = f"https://{host}:{https_port}{environ.get('PATH_INFO', '/')}" + (
            f"?{query}" if query else "")
        body = json.dumps({"meta": {"status": 301, "message": "Use HTTPS: " + target,
                                    "errors": []}, "links": []}).encode()
        start_response("301 Moved Permanently", [("Location", target),
                                                 ("Content-Type", "application/json"),
                                                 ("Content-Length", str(len(body)))])
        return [body]

    return app


class DemoServer:
    """The emulator on a loopback port, served from a background thread.

    Args:
        config: A `DemoConfig`; or pass its keyword arguments directly.
        host: Loopback address to bind (the emulator never listens elsewhere by default).
        port: 0 picks a free port.
        tls: An `ssl.SSLContext` to serve HTTPS; a plain-HTTP port then answers every
            request with 301 to the HTTPS URL, as the real API did.
        client_timeout: Seconds a client may stay silent while sending a request (default
            10); a slower client is disconnected.
        head_seconds, body_seconds: Seconds a request's head (from its first byte) and its
            body may take in all (defaults 10 and 30): a client trickling a byte or a header
            line at a time is disconnected then.

    Attributes:
        root_url: The API root to pass to [`connect`][hyperkm.connect].
        token: A valid token (account "My SaaS Account"); ``tokens`` has all of them.
        http_url: With TLS, the plain-HTTP root that redirects.
        app: The `DemoApp` (its ``stats``, ``switch_layout``, ``fail_next`` ...).
    """

    def __init__(self, config: DemoConfig | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, tls: ssl.SSLContext | None = None,
                 client_timeout: float = CLIENT_TIMEOUT, head_seconds: float = HEAD_SECONDS,
                 body_seconds: float = BODY_SECONDS, **options: Any) -> None:
        self.app = DemoApp(config or DemoConfig(**options))
        self.host = host
        # HTTP/1.1 with persistent connections, like a real API behind a proper server
        bounds = partial(KeepAliveServer, client_timeout=client_timeout,
                         head_seconds=head_seconds, body_seconds=body_seconds)
        self._server = bounds(host, port, self.app, ssl_context=tls)
        self.port = self._server.server_port
        self.scheme = "https" if tls else "http"
        self._redirector: KeepAliveServer | None = None
        if tls is not None:
            self._redirector = bounds(host, 0, _redirect_app(host, self.port))
        self._threads: list[threading.Thread] = []
        self.app.base_url = self.base_url

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def root_url(self) -> str:
        return self.base_url + self.app.root_path()

    @property
    def http_url(self) -> str | None:
        if self._redirector is None:
            return None
        return f"http://{self.host}:{self._redirector.server_port}{self.app.root_path()}"

    @property
    def token(self) -> str:
        return DEFAULT_TOKEN if DEFAULT_TOKEN in self.app.config.tokens else next(
            iter(self.app.config.tokens))

    @property
    def tokens(self) -> dict[str, str]:
        return dict(self.app.config.tokens)

    @property
    def stats(self) -> Any:
        return self.app.stats

    @property
    def oauth(self) -> Any:
        """The emulator's OAuth2 authorization server (`hyperkm.demo.oauth.OAuthServer`)."""
        return self.app.oauth

    @property
    def token_url(self) -> str:
        """Its OAuth2 token endpoint."""
        return self.base_url + "/oauth/token"

    def start(self) -> DemoServer:
        for server in (self._server, self._redirector):
            if server is None:
                continue
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"hyperkm-demo-{server.server_port}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in (self._server, self._redirector):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the ``hyperkm demo`` command)."""
        if self._redirector is not None:
            thread = threading.Thread(target=self._redirector.serve_forever, daemon=True)
            thread.start()
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def switch_layout(self, layout: str, *, mode: str = "404") -> None:
        """Move every URL to ``layout`` (old URLs then 404, or 301 with ``mode="301"``)."""
        self.app.switch_layout(layout, mode=mode)


@contextmanager
def running(config: DemoConfig | None = None, **options: Any) -> Iterator[DemoServer]:
    """Start the emulator on a free loopback port in a thread; stop it on exit.

    >>> with running(events=120) as demo:                       # doctest: +SKIP
    ...     root = hyperkm.connect(demo.root_url, token=demo.token)
    """
    server = DemoServer(config, **options)
    with server:
        yield server
