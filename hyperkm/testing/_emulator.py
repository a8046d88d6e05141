"""The bundled KISSmetrics emulator as a transport: the same API `hyperkm demo` serves, in
process, without a socket."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .._transport import Request, Response

__all__ = ["Emulator", "EmulatorTransport"]

#: The emulator's origin in process: HTTPS (so the token goes to it as to any API; a name,
#: not an address — nothing is resolved or connected).
BASE_URL = "https://kissmetrics.test"


class EmulatorTransport:
    """Hands each request to a WSGI application — by default the emulator's — and gives back
    its answer. A request for another origin raises ``ConnectionError`` (nothing listens
    there). A connection the emulator drops on purpose (``drop_rate``, ``drop_next``) is a
    ``ConnectionError`` too, which the client retries as it would on the network."""

    def __init__(self, app: Any, base_url: str = BASE_URL) -> None:
        self.app = app
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"

    async def handle_async(self, request: Request) -> Response:
        """The same answer, awaited: this transport serves ``hyperkm.aio`` too."""
        return self.handle(request)

    def handle(self, request: Request) -> Response:
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            raise ConnectionError(f"nothing answers at {parts.scheme}://{parts.netloc} (the "
                                  f"emulator is at {self.origin})")
        headers = [(k, v) for k, v in request.headers if k.lower() != "content-length"]
        builder = EnvironBuilder(method=request.method, base_url=self.origin,
                                 path=parts.path or "/", query_string=parts.query,
                                 headers=headers, data=request.body or None)
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        try:
            body, status, fields = run_wsgi_app(self.app, environ, buffered=True)
        except ConnectionAbortedError as exc:  # the emulator's own "drop the connection"
            raise ConnectionError(str(exc)) from exc
        try:
            content = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        code, _, reason = status.partition(" ")
        return Response(int(code), list(fields.items()), content, reason)


class Emulator:
    """The emulator of `hyperkm demo`, in process: ``connect()`` gives its root over an
    [`EmulatorTransport`][hyperkm.testing.EmulatorTransport].

    Args:
        config: A `hyperkm.demo.DemoConfig`; or its keyword arguments (``format="hal"``,
            ``events=500``, ``layout="alt"``, ``fail_rate=0.2`` ...).

    Attributes:
        app: The `hyperkm.demo.DemoApp` (``stats``, ``switch_layout()``, ``fail_next()``,
            ``drop_next()``).
        transport: Its transport.
        root_url: The API root (``https://kissmetrics.test/core``).
        token: A valid token.
    """

    def __init__(self, config: Any = None, **options: Any) -> None:
        from ..demo import DemoApp, DemoConfig

        self.app = DemoApp(config or DemoConfig(**options))
        self.app.base_url = BASE_URL
        self.transport = EmulatorTransport(self.app, BASE_URL)

    @property
    def root_url(self) -> str:
        return BASE_URL + self.app.root_path()

    @property
    def token(self) -> str:
        from ..demo.server import DEFAULT_TOKEN

        tokens = self.app.config.tokens
        return DEFAULT_TOKEN if DEFAULT_TOKEN in tokens else next(iter(tokens))

    @property
    def stats(self) -> Any:
        return self.app.stats

    def switch_layout(self, layout: str, *, mode: str = "404") -> None:
        """Move every URL to ``layout`` (old URLs then 404, or 301 with ``mode="301"``)."""
        self.app.switch_layout(layout, mode=mode)

    def connect(self, **options: Any) -> Any:
        """``hyperkm.connect(root_url, token=token, transport=transport, **options)``."""
        import hyperkm

        options.setdefault("token", self.token)
        return hyperkm.connect(self.root_url, transport=self.transport, **options)

    def connect_async(self, **options: Any) -> Any:
        """``hyperkm.aio.connect(root_url, token=token, transport=transport, **options)``: the
        emulator in process for an asyncio program's tests."""
        import hyperkm.aio

        options.setdefault("token", self.token)
        return hyperkm.aio.connect(self.root_url, transport=self.transport, **options)

    def __repr__(self) -> str:
        return f"<hyperkm.testing.Emulator {self.app.config.format} at {self.root_url}>"
