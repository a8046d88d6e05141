"""What the httpx transports themselves promise (the rest of the suite runs on them with
``--transport=httpx`` / ``httpx-async``): bounds, field names as written, errors as the
default transport's."""

from __future__ import annotations

import asyncio
import socket
import threading

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


# -- downloads are handed over as they arrive ------------------------------------------------

SIZE, CHUNK = 24 * 1024 * 1024, 64 * 1024
ROOT = b'{"links": [{"rel": "export", "href": "/export.csv"}]}'


class FileServer:
    """A keep-alive HTTP/1.1 server on loopback for two resources: ``/`` (JSON) and
    ``/export.csv`` (SIZE bytes, written a chunk at a time). Written on sockets, not werkzeug:
    its development server reads 10 MB buffers to drain request bodies, which would be
    counted in this process's memory with the client's."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as requests_in:
            while True:
                line = requests_in.readline()
                if not line:
                    return
                path = line.split()[1]
                while requests_in.readline() not in (b"\r\n", b""):
                    pass
                try:
                    if path == b"/export.csv":
                        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n"
                                           b"Content-Length: %d\r\n\r\n" % SIZE)
                        for i in range(SIZE // CHUNK):
                            connection.sendall(bytes([i % 251]) * CHUNK)
                    else:
                        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/"
                                           b"json\r\nContent-Length: %d\r\n\r\n%s"
                                           % (len(ROOT), ROOT))
                except OSError:
                    return

    def __enter__(self) -> FileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()


def _expected_file(path) -> bool:
    data = path.read_bytes()
    return len(data) == SIZE and all(data[i * CHUNK:(i + 1) * CHUNK] == bytes([i % 251]) * CHUNK
                                     for i in range(0, SIZE // CHUNK, 37))


def _peak_while(run):
    """What ``run()`` gives, and the most memory Python held while it ran. (Modules a
    download imports the first time are imported before: compiling them costs memory too.)"""
    import tracemalloc

    import hyperkm._download  # noqa: F401

    tracemalloc.start()
    try:
        return run(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def _peak_awaiting(download):
    import tracemalloc

    import hyperkm._download  # noqa: F401

    tracemalloc.start()
    try:
        return await download, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("make", [None, HttpxTransport], ids=["requests", "httpx"])
def test_a_download_through_a_blocking_transport_is_never_held_whole(make, tmp_path):
    with FileServer() as server:
        root = hyperkm.connect(server.url + "/", **({"transport": make()} if make else {}))
        export = root.follow("export")
        written, peak = _peak_while(lambda: export.download(tmp_path / "out.csv"))
        root.client.close()
    assert written == SIZE and _expected_file(tmp_path / "out.csv")
    assert peak < SIZE // 8, f"{peak:,} bytes at the peak for a {SIZE:,}-byte download"


def test_an_awaited_download_is_never_held_whole_and_its_connection_is_reused(tmp_path):
    with FileServer() as server:

        async def main():
            transport = AsyncHttpxTransport(max_connections=1)
            root = hyperkm.aio.connect(server.url + "/", transport=transport)
            export = root.follow("export")
            await root.fetch()
            written, peak = await _peak_awaiting(export.download(tmp_path / "out.csv"))
            again = await root.refresh()  # the one connection went back to the pool
            await root.client.aclose()
            await transport.aclose()  # (one's own transport is one's own to close)
            return written, peak, again.links.rels

        written, peak, rels = asyncio.run(main())
    assert written == SIZE and _expected_file(tmp_path / "out.csv")
    assert rels == ["export"]
    assert peak < SIZE // 8, f"{peak:,} bytes at the peak for a {SIZE:,}-byte download"


def test_a_download_over_the_transports_max_body_bytes_is_refused_and_leaves_nothing(tmp_path):
    with FileServer() as server:
        root = hyperkm.connect(server.url + "/", transport=HttpxTransport(
            max_body_bytes=1024 * 1024))
        with pytest.raises(hyperkm.DocumentTooLarge, match="max_body_bytes"):
            root.client.resource(server.url + "/export.csv").download(tmp_path / "out.csv")
        root.client.close()
    assert list(tmp_path.iterdir()) == []
