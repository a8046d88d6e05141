"""What the httpx transports themselves promise (the rest of the suite runs on them with
``--transport=httpx`` / ``httpx-async``): bounds, field names as written, errors as the
default transport's."""

from __future__ import annotations

import asyncio
import socket

import pytest

import hyperkm
import hyperkm.aio
from hyperkm.testing import Request
from hyperkm.transports import AsyncHttpxTransport, HttpxTransport
from tests.support import ScriptedServer

pytestmark = pytest.mark.aio  # each test picks its transports

BIG = {"/big": (200, {"Content-Type": "application/json", "X-Custom-Case": "kept"},
                {"rows": ["x" * 100] * 200})}


def test_a_body_over_max_body_bytes_is_refused():
    with ScriptedServer(BIG) as server:
        transport = HttpxTransport(max_body_bytes=1000)
        with pytest.raises(hyperkm.DocumentTooLarge) as info:
            transport.handle(Request("GET", server.url + "/big"))
        assert "max_body_bytes (1000 bytes)" in str(info.value)
        transport.close()

        async def main():
            awaited = AsyncHttpxTransport(max_body_bytes=1000)
            with pytest.raises(hyperkm.DocumentTooLarge):
                await awaited.handle_async(Request("GET", server.url + "/big"))
            await awaited.aclose()

        asyncio.run(main())


def test_field_names_and_the_reason_phrase_come_as_the_server_wrote_them():
    with ScriptedServer(BIG) as server:
        transport = HttpxTransport()
        answer = transport.handle(Request("GET", server.url + "/big"))
        transport.close()
    names = [name for name, _ in answer.headers]
    assert "X-Custom-Case" in names and answer.reason == "OK"
    assert answer.header("x-custom-case") == "kept"


def test_a_refused_connection_is_a_transport_error_naming_the_url():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    root = hyperkm.connect(url, transport=HttpxTransport(), retries=0)
    with pytest.raises(hyperkm.TransportError) as info:
        _ = root.data
    assert f"GET {url}" in str(info.value)

    async def main():
        aroot = hyperkm.aio.connect(url, retries=0)
        with pytest.raises(hyperkm.TransportError) as ainfo:
            await aroot.fetch()
        await aroot.client.aclose()
        return str(ainfo.value)

    assert f"GET {url}" in asyncio.run(main())


def test_http2_beside_a_transport_of_ones_own_is_refused():
    with pytest.raises(hyperkm.ConfigurationError) as info:
        hyperkm.aio.connect("https://api.example.com/", transport=AsyncHttpxTransport(),
                            http2=True)
    assert "AsyncHttpxTransport(http2=True)" in str(info.value)
