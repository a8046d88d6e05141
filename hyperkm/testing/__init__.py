"""Test your hyperkm programs without sockets.

A [`MockTransport`][hyperkm.testing.MockTransport] answers from routes you declare and records
every request; an [`Emulator`][hyperkm.testing.Emulator] is the bundled KISSmetrics emulator
served in process. Either goes to ``hyperkm.connect(..., transport=...)``: every policy of the
client above it — whom the token goes to, redirects, retries, the cache, deadlines, limits —
runs as it does on the network; only the socket is gone.

    from hyperkm.testing import MockTransport, Response

    mock = MockTransport()
    mock.get("https://api.example.com/", json={"_links": {"orders": {"href": "/orders"}}},
             content_type="application/hal+json")
    root = hyperkm.connect("https://api.example.com/", token="t", transport=mock)

With pytest, the fixtures ``hyperkm_mock`` and ``hyperkm_emulator`` come with hyperkm (its
pytest plugin; nothing to configure).
"""

from __future__ import annotations

from .._transport import Request, Response, Transport
from ._emulator import Emulator, EmulatorTransport
from ._mock import MockTransport, Route, UnmatchedRequest

__all__ = ["Emulator", "EmulatorTransport", "MockTransport", "Request", "Response", "Route",
           "Transport", "UnmatchedRequest"]
