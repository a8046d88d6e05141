"""HTTP/2 through the httpx transports, against Hypercorn (a real HTTP/2 server) over TLS with a
throw-away CA: the blocking client and hyperkm.aio, one connection multiplexing the pages
fetched concurrently."""

from __future__ import annotations

import asyncio

import pytest

import hyperkm
import hyperkm.aio
from hyperkm.transports import AsyncHttpxTransport, HttpxTransport
from tests.support import Http2Server

pytestmark = pytest.mark.aio  # each test picks its transports


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    where = tmp_path_factory.mktemp("h2")
    bundle, chain, key = where / "ca.pem", where / "cert.pem", where / "key.pem"
    ca.cert_pem.write_to_path(str(bundle))
    cert.private_key_and_cert_chain_pem.write_to_path(str(chain))
    cert.private_key_pem.write_to_path(str(key))
    return str(bundle), (str(chain), str(key))


@pytest.fixture
def h2(cert_files):
    bundle, files = cert_files
    with Http2Server(files) as server:
        yield server, bundle


def expected(server, bundle):
    with hyperkm.Client(server.root_url, token=server.token,
                        transport=HttpxTransport(verify=bundle)) as client:
        return [e.data["id"] for e in client.root.follow("events", limit=10).items()]


def test_the_blocking_client_speaks_http2_when_asked(h2):
    server, bundle = h2
    ids = expected(server, bundle)  # HTTP/1.1 first
    assert set(server.protocols) == {"HTTP/1.1"}
    server.protocols.clear()
    transport = HttpxTransport(http2=True, verify=bundle)
    root = hyperkm.connect(server.root_url, token=server.token, transport=transport)
    walked = [e.data["id"] for e in root.follow("events", limit=10).items(concurrency=8)]
    transport.close()
    assert walked == ids and len(ids) == 57
    assert set(server.protocols) == {"HTTP/2"}


def test_hyperkm_aio_over_http2_fans_out_on_one_connection(h2):
    server, bundle = h2
    ids = expected(server, bundle)
    server.protocols.clear()

    async def main():
        transport = AsyncHttpxTransport(http2=True, verify=bundle)
        root = hyperkm.aio.connect(server.root_url, token=server.token, transport=transport)
        walked = [e.data["id"] async for e in root.follow("events", limit=5).items(
            concurrency=8)]
        connections = len(transport.pool.connections)
        await transport.aclose()
        return walked, connections

    walked, connections = asyncio.run(main())
    assert walked == ids
    assert set(server.protocols) == {"HTTP/2"} and connections == 1


def test_http2_without_h2_installed_says_which_extra(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_h2(name, *args, **kwargs):
        if name == "h2":
            raise ImportError("No module named 'h2'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_h2)
    with pytest.raises(hyperkm.ConfigurationError) as info:
        HttpxTransport(http2=True)
    assert "hyperkm[http2]" in str(info.value)
