"""`hyperkm.aio.Client`, `connect` and `open`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from .. import _bridge
from .._bookmarks import Bookmark
from .._client import API_CATALOG
from .._client import Client as _Client
from .._exceptions import ConfigurationError
from .._transport import AsyncTransport
from ._resource import Resource
from ._transport import BridgedTransport

__all__ = ["Client", "connect", "open"]


class Client:
    """The client of [`hyperkm.aio`](async.md): [`hyperkm.Client`][hyperkm.Client]'s settings
    and policies — whom the token goes to, redirects, retries, the cache (the same storage, so
    an entry one world wrote is a hit or a 304 for the other), deadlines, limits — with every
    request awaited on an [`AsyncTransport`][hyperkm.transports.AsyncTransport].

    Args:
        root_url: The API root.
        transport: Where requests go; default an
            [`AsyncHttpxTransport`][hyperkm.transports.AsyncHttpxTransport] (``http2`` and
            ``verify`` are passed to it; with a transport of your own, configure it there).
        http2: Speak HTTP/2 where the server offers it (the ``hyperkm[http2]`` extra).
        **options: As for [`hyperkm.connect`][hyperkm.connect] (``token``, ``cache``,
            ``deadline``, ``timeout``, ``retries``, ``auth``, ``headers``...). ``session=``
            does not apply: requests' session is not what sends.
    """

    def __init__(self, root_url: str, *, transport: AsyncTransport | None = None,
                 http2: bool = False, verify: bool | str = True, **options: Any) -> None:
        if "session" in options:
            raise ConfigurationError("hyperkm.aio takes no session=: requests' session does "
                                     "not send its requests (give transport= instead)")
        if transport is not None and http2:
            raise ConfigurationError("http2=True configures the default transport; with "
                                     "transport= given, ask it for HTTP/2 instead "
                                     "(AsyncHttpxTransport(http2=True))")
        if transport is not None and verify is not True:
            raise ConfigurationError(f"verify={verify!r} configures TLS for the default "
                                     "transport; with transport= given, give it there "
                                     "(AsyncHttpxTransport(verify=...))")
        self._owns_transport = transport is None
        if transport is None:
            from ..transports import AsyncHttpxTransport

            transport = AsyncHttpxTransport(http2=http2, verify=verify)
        self.transport = transport
        try:
            self.sync = _Client(root_url, transport=BridgedTransport(transport), **options)
        except TypeError as exc:
            raise ConfigurationError(f"hyperkm.aio.connect(): {exc}") from exc

    @property
    def root_url(self) -> str:
        return self.sync.root_url

    @property
    def root(self) -> Resource:
        """The API root, not fetched."""
        return Resource(self, self.sync.root)

    def resource(self, url: str) -> Resource:
        """A lazy resource for ``url`` (relative to the root)."""
        return Resource(self, self.sync.resource(url))

    async def open(self, bookmark: Any, *, root: str | None = None) -> Resource:
        """Open a bookmark (as [`hyperkm.Client.open`][hyperkm.Client]), awaited."""
        return Resource(self, await _bridge.run(self.sync.open, bookmark, root=root))

    async def request(self, method: str, url: str, **options: Any) -> Any:
        """Send one request by the client's rules (as ``hyperkm.Client.request``)."""
        return await _bridge.run(self.sync.request, method, url, **options)

    @property
    def stats(self) -> Any:
        """Exchanges by outcome (``network``, ``hit``, ``revalidated``) and bytes received."""
        return self.sync.stats

    @property
    def on_exchange(self) -> list[Callable[..., None]]:
        return self.sync.on_exchange

    @property
    def on_note(self) -> list[Callable[[str], None]]:
        return self.sync.on_note

    @property
    def cache(self) -> Any:
        return self.sync.cache

    def use(self, middleware: Callable[..., Any], *, origin: str | None = None) -> None:
        """Middleware on every request (as ``hyperkm.Client.use``)."""
        self.sync.use(middleware, origin=origin)

    def use_token(self, token: str | None) -> None:
        self.sync.use_token(token)

    async def aclose(self) -> None:
        """Close the client (and the transport, when the client made it)."""
        self.sync.close()
        if self._owns_transport:
            close = getattr(self.transport, "aclose", None)
            if close is not None:
                await close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<hyperkm.aio.Client {self.root_url} over {self.transport!r}>"


def connect(url: str, *, token: str | None = None, catalog: bool = False,
            transport: AsyncTransport | None = None, http2: bool = False,
            **options: Any) -> Resource:
    """The API's root as a [`hyperkm.aio.Resource`][hyperkm.aio.Resource], not fetched: nothing
    is sent, so there is nothing to await (``await root.fetch()`` is the first request).
    Arguments as [`hyperkm.connect`][hyperkm.connect], plus ``transport`` and ``http2`` (see
    [`Client`][hyperkm.aio.Client]). Close with ``await root.client.aclose()``.
    """
    if catalog:
        url = urljoin(url, API_CATALOG)
    return Client(url, token=token, transport=transport, http2=http2, **options).root


async def open(bookmark: str | Bookmark, *, token: str | None = None,
               root: str | None = None, transport: AsyncTransport | None = None,
               http2: bool = False, **options: Any) -> Resource:
    """Open a bookmark (as [`hyperkm.open`][hyperkm.open]: ``root=`` is required with
    credentials), walking its trail again if the server moved its URLs."""
    import os

    mark = Bookmark.from_json(bookmark)
    if root is None and (token or os.environ.get("HYPERKM_TOKEN") or options.get("headers")
                         or options.get("auth")):
        raise ConfigurationError(
            "hyperkm.aio.open(): pass root= (the API root you trust with your credentials). "
            f"A bookmark file never chooses where a token goes; this one names {mark.root}. "
            "No request was sent.")
    client = Client(root or mark.root, token=token, transport=transport, http2=http2,
                    **options)
    return await client.open(mark, root=root)
