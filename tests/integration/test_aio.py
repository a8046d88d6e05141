"""hyperkm.aio over real HTTP: the demo server, httpx's async connection pool, asyncio tasks.

The rest of the suite runs on the same bridge with ``--transport=httpx-async``; these tests
are about what only the awaited API has: laziness without requests, ``async for``, tasks
instead of threads, one event loop kept free while requests wait.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time

import pytest

import hyperkm
import hyperkm.aio
from hyperkm.demo import running
from hyperkm.demo.dataset import PRODUCT_SAAS, REPORT_PEOPLE
from hyperkm.transports import AsyncHttpxTransport

# Each test runs its own event loop, on httpx's asynchronous transport.
pytestmark = pytest.mark.aio


def run(coroutine):
    return asyncio.run(coroutine)


def hyperkm_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("hyperkm-")
            and t.name != "hyperkm-deadlines" and not t.name.startswith("hyperkm-demo")]


def test_follow_is_lazy_and_fetch_brings_the_state(demo):
    async def main():
        root = hyperkm.aio.connect(demo.root_url, token=demo.token)
        before = demo.stats.requests
        events = root.follow("events", limit=10)  # the root is not fetched: nothing is sent
        assert demo.stats.requests == before and not events.fetched
        with pytest.raises(hyperkm.aio.NotFetched) as info:
            _ = events.data
        assert "await resource.fetch()" in str(info.value)
        assert await events.fetch() is events  # fetches the root, then the events
        assert demo.stats.requests == before + 2
        assert events.url.startswith(demo.base_url) and "limit=10" in events.url
        assert events.fetched and "next" in events.links.rels
        assert await events.items().count() == 57
        await root.client.aclose()

    run(main())


def test_a_missing_rel_raises_when_the_result_is_fetched(demo):
    async def main():
        root = hyperkm.aio.connect(demo.root_url, token=demo.token)
        lost = root.follow("acounts")
        with pytest.raises(hyperkm.LinkNotFound) as info:
            await lost.fetch()
        assert "accounts" in str(info.value)  # the close match
        await root.fetch()
        with pytest.raises(hyperkm.LinkNotFound):  # from a fetched resource: at once
            root.follow("acounts")
        await root.client.aclose()

    run(main())


def test_async_for_walks_every_page_in_order_and_matches_the_blocking_walk(demo):
    blocking = [e.data["id"] for e in hyperkm.connect(demo.root_url, token=demo.token)
                .follow("events", limit=10).items()]

    async def main():
        root = hyperkm.aio.connect(demo.root_url, token=demo.token)
        ids = [e.data["id"] async for e in root.follow("events", limit=10).items()]
        pages = [p async for p in root.follow("events", limit=10).pages()]
        await root.client.aclose()
        return ids, pages

    ids, pages = run(main())
    assert ids == blocking and len(ids) == 57
    assert len(pages) == 6 and all(p.fetched for p in pages)


def test_concurrency_fans_out_with_tasks_not_threads(demo):
    notes: list[str] = []
    seen_threads: list[list[str]] = []

    async def main():
        root = hyperkm.aio.connect(demo.root_url, token=demo.token)
        root.client.on_note.append(notes.append)
        ids = []
        async for event in root.follow("events", limit=5).items(concurrency=8):
            ids.append(event.data["id"])
            seen_threads.append(hyperkm_threads())
        await root.client.aclose()
        return ids

    ids = run(main())
    assert len(ids) == 57 and len(set(ids)) == 57
    assert any("at a time" in n for n in notes), notes  # the trace says it fanned out
    assert not any(seen_threads), seen_threads[:3]  # tasks on the loop, no worker threads


def test_eight_collections_walked_concurrently_on_one_loop(demo):
    expected = sum(1 for _ in hyperkm.connect(demo.root_url, token=demo.token)
                   .follow("events", limit=10).items())

    async def main():
        root = hyperkm.aio.connect(demo.root_url, token=demo.token)

        async def walk():
            return [e async for e in root.follow("events", limit=10).items()]

        walks = await asyncio.gather(*(walk() for _ in range(8)))
        await root.client.aclose()
        return walks

    walks = run(main())
    assert [len(w) for w in walks] == [expected] * 8


def test_the_loop_stays_free_while_a_request_waits():
    # A server that answers after 0.5 s: meanwhile another task on the loop keeps ticking.
    from tests.support import ScriptedServer

    def slow(request):
        time.sleep(0.5)
        from werkzeug.wrappers import Response

        return Response("{}", mimetype="application/json")

    async def main(url):
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.get_running_loop().create_task(ticker())
        root = hyperkm.aio.connect(url)
        await root.fetch()
        task.cancel()
        await root.client.aclose()
        return ticks

    with ScriptedServer({"/": slow}) as server:
        assert run(main(server.url + "/")) >= 20


def test_a_deadline_cuts_off_a_trickling_server_and_the_loop_runs_meanwhile():
    # Headers one byte every 0.2 s: every read is well within the timeout, the deadline ends it.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" * 10:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.2)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"

    async def main():
        root = hyperkm.aio.connect(url, deadline=1.0, retries=0)
        started = time.monotonic()
        with pytest.raises(hyperkm.Timeout) as info:
            await root.fetch()
        await root.client.aclose()
        return time.monotonic() - started, str(info.value)

    try:
        elapsed, message = run(main())
    finally:
        stop.set()
        listener.close()
        server.join(5)  # no thread of this test outlives it
    assert elapsed < 2.0 and "deadline of 1 s" in message


@pytest.mark.parametrize("fmt", ["hal", "siren"])
def test_writes_with_if_match_actions_and_a_job(fmt):
    with running(job_polls=1, format=fmt) as demo:
        async def main():
            root = hyperkm.aio.connect(demo.root_url, token=demo.token)
            sent = []
            root.client.on_exchange.append(sent.append)
            events = await root.follow("events").fetch()
            fourth = [e async for e in events.items()][3]
            event = await root.client.resource(fourth.url).fetch()
            actions = await event.actions()
            (name,) = [n for n in actions if n in ("update", "edit")]
            updated = await (await event.action(name)).submit(display_name="Renamed, awaited")
            assert updated.data["display_name"] == "Renamed, awaited"
            write = next(e for e in sent if e.method in ("PATCH", "PUT"))
            assert "If-Match" in write.request_headers
            reports = root.follow("reports")
            report = next(iter([r async for r in reports.items()
                                if r.data["id"] == REPORT_PEOPLE]))
            run_it = await (await report.fetch()).action("run")
            job = await run_it.submit(start_date="2015-06-02", end_date="2015-06-09")
            assert job.write_response.status_code == 202
            progress = []
            results = await job.wait(interval=0.01, on_progress=lambda p, s: progress.append(p))
            assert progress and not results.fetched  # lazy, as the blocking wait() returns it
            assert (await results.fetch()).data
            await root.client.aclose()

        run(main())


def test_a_bookmark_survives_a_relayout():
    with running() as demo:
        async def main():
            root = hyperkm.aio.connect(demo.root_url, token=demo.token)
            products = [p async for p in root.follow("products").items()]
            product = next(p for p in products if p.data["id"] == PRODUCT_SAAS)
            events = await product.follow("events").fetch()
            mark = events.bookmark()
            old, ids = events.url, [e.data["id"] async for e in events.items()]
            demo.switch_layout("alt", mode="404")
            again = await hyperkm.aio.open(mark, token=demo.token, root=demo.root_url)
            assert again.url != old and again.fetched
            assert [e.data["id"] async for e in again.items()] == ids
            await root.client.aclose()
            await again.client.aclose()

        run(main())


def test_many_tasks_renew_an_expired_token_once():
    with running(token_ttl=1) as demo:
        async def main():
            auth = hyperkm.OAuth2.client_credentials(demo.token_url, "demo-client",
                                                     "demo-secret")
            root = hyperkm.aio.connect(demo.root_url, auth=auth, cache=False)
            await root.fetch()
            await asyncio.sleep(1.1)
            urls = [root.follow(rel).url for rel in ("accounts", "products", "events",
                                                     "reports")]
            await asyncio.gather(*(root.client.resource(urls[n % 4]).fetch()
                                   for n in range(8)))
            await root.client.aclose()

        run(main())
        assert demo.oauth.issued["refresh_token"] == 1  # not 8


def test_one_cache_for_both_worlds_across_processes(demo, tmp_path):
    # A blocking process fills a directory cache; an asyncio process (httpx) revalidates
    # from it (304s, no bodies), and back again.
    cache = str(tmp_path / "cache")
    blocking = (
        "import hyperkm,sys\n"
        "r=hyperkm.connect(sys.argv[1],token=sys.argv[2],cache=sys.argv[3])\n"
        "n=len(list(r.follow('events',limit=10).items()))\n"
        "print(n, dict(r.client.stats))\n")
    awaited = (
        "import asyncio,hyperkm.aio,sys\n"
        "async def main():\n"
        "  r=hyperkm.aio.connect(sys.argv[1],token=sys.argv[2],cache=sys.argv[3])\n"
        "  n=len([e async for e in r.follow('events',limit=10).items()])\n"
        "  print(n, dict(r.client.stats)); await r.client.aclose()\n"
        "asyncio.run(main())\n")

    def in_process(code):
        out = subprocess.run([sys.executable, "-c", code, demo.root_url, demo.token, cache],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        count, stats = out.split(" ", 1)
        return int(count), eval(stats)  # a dict's repr, printed by our own code above

    first = in_process(blocking)
    second = in_process(awaited)
    third = in_process(blocking)
    assert first[0] == second[0] == third[0] == 57
    assert first[1].get("revalidated", 0) == 0 and first[1]["network"] >= 7
    # Every page the blocking process kept is revalidated by the asyncio one, and back.
    assert second[1].get("revalidated", 0) >= 6 and second[1].get("network", 0) <= 1
    assert third[1].get("revalidated", 0) >= 6 and third[1].get("network", 0) <= 1


def test_a_blocking_client_on_an_async_transport_says_what_to_do(demo):
    from hyperkm.aio._transport import BridgedTransport

    root = hyperkm.connect(demo.root_url, token=demo.token,
                           transport=BridgedTransport(AsyncHttpxTransport()))
    with pytest.raises(hyperkm.ConfigurationError) as info:
        _ = root.data
    assert "await" in str(info.value) and "blocking transport" in str(info.value)


def test_the_bookmark_format_is_shared_with_the_blocking_api(demo):
    async def main():
        root = hyperkm.aio.connect(demo.root_url, token=demo.token)
        events = await root.follow("events", limit=10).fetch()
        mark = events.bookmark()
        await root.client.aclose()
        return mark

    mark = run(main())
    assert json.loads(mark)["url"].startswith(demo.base_url)
    reopened = hyperkm.open(mark, token=demo.token, root=demo.root_url)
    assert reopened.url == json.loads(mark)["url"]


def test_a_cancelled_request_leaves_the_client_usable():
    from werkzeug.wrappers import Response

    from tests.support import ScriptedServer

    def slow(request):
        time.sleep(0.5)
        return Response("{}", mimetype="application/json")

    async def main(url):
        root = hyperkm.aio.connect(url + "/")
        with pytest.raises(asyncio.TimeoutError):  # the caller's own timeout cancels the task
            await asyncio.wait_for(root.client.resource("/slow").fetch(), 0.1)
        fetched = await root.client.resource("/fast").fetch()
        assert fetched.data == {"fast": True}
        tasks = [asyncio.ensure_future(root.client.resource("/slow").fetch()) for _ in range(3)]
        await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        assert (await root.client.resource("/fast").refresh()).data == {"fast": True}
        await root.client.aclose()

    with ScriptedServer({"/slow": slow, "/fast": (200, {"Content-Type": "application/json"},
                                                   {"fast": True})}) as server:
        run(main(server.url))


def test_hyperkm_testing_serves_asyncio_programs_too():
    from hyperkm.testing import Emulator, MockTransport

    emulator = Emulator(events=30)
    blocking = [e.data["id"] for e in emulator.connect().follow("events", limit=10).items()]
    mock = MockTransport()
    mock.get("https://api.example.com/", json={"_links": {"orders": {"href": "/orders"}}},
             content_type="application/hal+json")
    mock.get("https://api.example.com/orders", json={"total": 2},
             content_type="application/hal+json")

    async def main():
        root = emulator.connect_async()
        ids = [e.data["id"] async for e in root.follow("events", limit=10).items(
            concurrency=3)]
        api = hyperkm.aio.connect("https://api.example.com/", token="t", transport=mock)
        orders = await api.follow("orders").fetch()
        return ids, (orders.data, orders.received.outcome, orders.received.redirects)

    ids, orders = run(main())
    assert ids == blocking and len(set(ids)) == len(ids) > 10
    assert orders == ({"total": 2}, "network", ())
    assert [r.url for r in mock.requests] == ["https://api.example.com/",
                                              "https://api.example.com/orders"]
    assert mock.requests[1].header("Authorization") == "Bearer t"


@pytest.mark.parametrize("fmt", ["km", "hal", "array", "siren", "jsonapi", "collection+json",
                                 "hydra", "activitystreams", "odata"])
@pytest.mark.parametrize("options", [{}, {"prefetch": 0}, {"prefetch": 3},
                                     {"max_pages": 2}, {"page_size": 7}])
def test_the_awaited_walk_drives_the_blocking_walks_decisions_in_every_format(fmt, options):
    def seen(member):
        return member.url, json.dumps(member.data, sort_keys=True, default=str)

    # `async for` is its own driver of the walk's decisions (hyperkm._paging), prefetching
    # with a task: what it yields must be what the blocking walk yields, page for page.
    from hyperkm.testing import Emulator

    emulator = Emulator(events=23, format=fmt)
    blocking_root = emulator.connect()
    blocking = blocking_root.follow("events", limit=5).items(**options)
    expected = [seen(e) for e in blocking]
    expected_pages = [p.url for p in blocking.pages()]

    async def main():
        root = emulator.connect_async()
        items = root.follow("events", limit=5).items(**options)
        members = [seen(e) async for e in items]
        pages = [p.url async for p in items.pages()]
        return members, pages, hyperkm_threads()

    members, pages, threads = run(main())
    assert members == expected and len(set(members)) == len(members) > 0
    assert pages == expected_pages
    assert threads == []  # prefetching is a task on the loop, not a thread


def test_leaving_an_awaited_walk_early_stops_its_prefetching_task():
    from hyperkm.testing import Emulator

    emulator = Emulator(events=40)

    async def main():
        root = emulator.connect_async()
        events = root.follow("events", limit=5)
        taken = []
        async for event in events.items(prefetch=2):
            taken.append(event.data["id"])
            if len(taken) == 7:
                break
        # The abandoned generator is closed by asyncio's finaliser, a task of its own: give
        # it a few turns of the loop (a prefetcher that is never stopped stays pending).
        for _ in range(100):
            pending = [t.get_name() for t in asyncio.all_tasks()
                       if t is not asyncio.current_task() and not t.done()]
            if not pending:
                break
            await asyncio.sleep(0.01)
        walked_again = [e.data["id"] async for e in events.items()]  # the client still works
        return taken, pending, walked_again

    taken, pending, walked_again = run(main())
    assert len(taken) == 7 and walked_again[:7] == taken
    assert pending == []


def test_an_awaited_walk_raises_a_bad_page_where_it_is_and_reads_linked_members():
    from hyperkm.testing import MockTransport

    mock = MockTransport()
    hal = "application/hal+json"
    mock.get("https://api.example.com/", json={"_links": {"orders": {"href": "/orders"},
                                                          "loop": {"href": "/loop"}}},
             content_type=hal)
    mock.get("https://api.example.com/orders", json={
        "total": 3, "_links": {"item": [{"href": f"/orders/{i}"} for i in range(3)]}},
        content_type=hal)
    for i in range(3):
        mock.get(f"https://api.example.com/orders/{i}", json={"id": i}, content_type=hal)
    mock.get("https://api.example.com/loop", json={
        "_links": {"next": {"href": "/loop?p=2"}}, "_embedded": {"items": [{"id": 1}]}},
        content_type=hal)
    mock.get("https://api.example.com/loop?p=2", json={
        "_links": {"next": {"href": "/loop"}}, "_embedded": {"items": [{"id": 2}]}},
        content_type=hal)

    async def main():
        api = hyperkm.aio.connect("https://api.example.com/", transport=mock)
        orders = [o.data["id"] async for o in api.follow("orders").items()]
        seen = []
        with pytest.raises(hyperkm.DocumentError, match="pagination loops"):
            async for member in api.follow("loop").items():
                seen.append(member.data["id"])
        return orders, seen

    orders, seen = run(main())
    assert orders == [0, 1, 2]
    assert seen == [1, 2]  # both pages' members, then the loop is refused


def test_an_asynchronous_transport_may_hand_a_body_over_as_it_comes():
    import io

    from hyperkm.testing import Response

    closed = []

    class Chunks:
        def __init__(self):
            self._left = 300

        def __aiter__(self):
            return self

        async def __anext__(self):
            if not self._left:
                raise StopAsyncIteration
            self._left -= 1
            await asyncio.sleep(0)  # each chunk really awaited
            return b"0123456789"

        async def aclose(self):
            closed.append(True)

    class Trickling:
        async def handle_async(self, request):
            if request.url.endswith("/export"):
                assert request.stream  # a download
                return Response(200, {"Content-Type": "text/plain"}, stream=Chunks())
            return Response.of_json({"links": [{"rel": "export", "href": "/export"}]})

    async def main():
        root = hyperkm.aio.connect("https://api.example.com/", transport=Trickling())
        out = io.BytesIO()
        written = await root.follow("export").download(out)
        return written, out.getvalue()

    written, body = run(main())
    assert written == 3000 and body == b"0123456789" * 300
    assert closed == [True]
