"""Test helpers: a scripted HTTP server for responses no well-behaved API would send."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


Handler = Callable[[Request], Response]


class ScriptedServer:
    """Serves ``routes`` (path -> handler or (status, headers, body)) on a loopback port.

    Records every request (method, path, headers) in ``requests``.
    """

    def __init__(self, routes: dict[str, Any] | None = None, host: str = "127.0.0.1",
                 ssl_context: Any = None) -> None:
        self.routes: dict[str, Any] = dict(routes or {})
        self.requests: list[Request] = []
        self._server = make_server(host, 0, self._app, threaded=True, request_handler=_Quiet,
                                   ssl_context=ssl_context)
        scheme = "https" if ssl_context is not None else "http"
        self.url = f"{scheme}://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def _app(self, environ, start_response):
        request = Request(environ)
        request.get_data()
        self.requests.append(request)
        route = self.routes.get(request.full_path.rstrip("?")) or self.routes.get(request.path)
        if route is None:
            response = Response('{"message": "no such route"}', 404, mimetype="application/json")
        elif callable(route):
            response = route(request)
        else:
            status, headers, body = route
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            response = Response(body, status, headers=headers)
        return response(environ, start_response)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


JSON = {"Content-Type": "application/json"}


def busy(seconds: float) -> None:
    """The consumer at work for ``seconds``. In a bridge (the suite run with
    ``--transport=httpx-async``) work is awaited, so hyperkm's tasks (prefetching) run
    meanwhile, as they do while a hyperkm.aio program awaits; else the thread sleeps."""
    from hyperkm import _bridge

    _bridge.sleep(seconds)


class Http2Server:
    """The bundled emulator served by Hypercorn over TLS, speaking HTTP/2 (ALPN ``h2``) and
    HTTP/1.1: a real HTTP/2 server nobody here wrote. ``protocols`` lists each request's
    ``SERVER_PROTOCOL`` as Hypercorn reported it."""

    def __init__(self, context_files: tuple[str, str], **options: Any) -> None:
        from hyperkm.demo.app import DemoApp, DemoConfig

        self.app = DemoApp(DemoConfig(**options))
        self.certfile, self.keyfile = context_files
        self.protocols: list[str] = []
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop: Any = None
        self._loop: Any = None
        self.port = 0

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.protocols.append(environ.get("SERVER_PROTOCOL", "?"))
        return self.app(environ, start_response)

    def __enter__(self) -> Http2Server:
        import asyncio
        import socket

        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = Config()
        config.bind = [f"127.0.0.1:{self.port}"]
        config.certfile, config.keyfile = self.certfile, self.keyfile
        config.accesslog = config.errorlog = None
        self.app.base_url = f"https://127.0.0.1:{self.port}"

        async def main() -> None:
            from concurrent.futures import ThreadPoolExecutor

            self._loop = asyncio.get_running_loop()
            # Hypercorn runs a WSGI app in the loop's default executor: enough threads that
            # the emulator's latency does not queue concurrent requests.
            self._loop.set_default_executor(ThreadPoolExecutor(32))
            self._stop = asyncio.Event()
            self._ready.set()
            await serve(self._wsgi, config, shutdown_trigger=self._stop.wait, mode="wsgi")

        self._thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True,
                                        name="test-hypercorn")
        self._thread.start()
        self._ready.wait(10)
        deadline = time.monotonic() + 10
        while True:  # until Hypercorn listens
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        return self

    @property
    def root_url(self) -> str:
        return f"https://127.0.0.1:{self.port}{self.app.root_path()}"

    @property
    def token(self) -> str:
        from hyperkm.demo.server import DEFAULT_TOKEN

        tokens = self.app.config.tokens
        return DEFAULT_TOKEN if DEFAULT_TOKEN in tokens else next(iter(tokens))

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
