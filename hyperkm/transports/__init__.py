"""Transports: what puts hyperkm's requests on the wire.

The default is requests' own (urllib3's connection pools, HTTP/1.1); nothing here is needed for
it. [`HttpxTransport`][hyperkm.transports.HttpxTransport] sends with httpx instead — HTTP/2 with
``http2=True`` (the ``hyperkm[http2]`` extra) — and
[`AsyncHttpxTransport`][hyperkm.transports.AsyncHttpxTransport] is the one
[`hyperkm.aio`](async.md) awaits (the ``hyperkm[async]`` extra). Test doubles live in
[`hyperkm.testing`][hyperkm.testing].

Every transport answers one [`Request`][hyperkm.testing.Request] with one whole
[`Response`][hyperkm.testing.Response]; every policy of the client — whom credentials go to,
redirects, retries, the cache, deadlines, body limits — runs above it, the same on each.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .._transport import AsyncTransport, Request, Response, Transport
    from ._httpx import AsyncHttpxTransport, HttpxTransport

__all__ = ["AsyncHttpxTransport", "AsyncTransport", "HttpxTransport", "Request", "Response",
           "Transport"]

# httpx is an optional dependency: imported when a transport of it is first asked for.
_LAZY = {"HttpxTransport": "hyperkm.transports._httpx",
         "AsyncHttpxTransport": "hyperkm.transports._httpx",
         "Transport": "hyperkm._transport", "AsyncTransport": "hyperkm._transport",
         "Request": "hyperkm._transport", "Response": "hyperkm._transport"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hyperkm.transports' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
