"""Test helpers: a scripted HTTP server for responses no well-behaved API would send."""

from __future__ import annotations

import json
import threading
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
