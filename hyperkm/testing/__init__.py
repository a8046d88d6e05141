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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers and documentation tools
    from .._transport import Request, Response, Transport
    from ._emulator import Emulator, EmulatorTransport
    from ._mock import MockTransport, Route, UnmatchedRequest

__all__ = ["Emulator", "EmulatorTransport", "MockTransport", "Request", "Response", "Route",
           "Transport", "UnmatchedRequest"]

# Imported when first used (PEP 562): the pytest plugin lives in this package, and loading it
# must cost the test runs of other projects nothing.
_LAZY = {"Request": "hyperkm._transport", "Response": "hyperkm._transport",
         "Transport": "hyperkm._transport", "Emulator": "hyperkm.testing._emulator",
         "EmulatorTransport": "hyperkm.testing._emulator",
         "MockTransport": "hyperkm.testing._mock", "Route": "hyperkm.testing._mock",
         "UnmatchedRequest": "hyperkm.testing._mock"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hyperkm.testing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
