"""hyperkm.aio and HTTP/2 — side by side in one run, medians of interleaved rounds.

1. Eight collections walked at once, 20 ms injected latency: hyperkm.aio (eight tasks on one
   event loop, ``asyncio.gather``) vs the blocking hyperkm in eight threads (one client). Both
   send the same 48 requests; the figure is wall time, and the threads each side started.
2. One collection of 57 events in pages of 5 with ``items(concurrency=8)``, 20 ms injected
   latency, over TLS from Hypercorn (a real HTTP/2 server): HTTP/2 (one connection,
   multiplexed) vs HTTP/1.1 (a connection per request in flight), on hyperkm.aio and on the
   blocking client with the httpx transport; the default blocking transport (requests,
   HTTP/1.1) for reference.
3. The cost of the bridge without latency: the same cold walk of 57 events in pages of 10,
   blocking (requests) vs hyperkm.aio (httpx, a greenlet switch per request).

Run: python tests/benchmarks/bench_async.py [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from _server import demo_process

import hyperkm
import hyperkm.aio
from hyperkm.transports import HttpxTransport

TOKEN = "demo-token"


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def threads_started(fn: Callable[[], object]) -> int:
    before = {t.ident for t in threading.enumerate()}
    seen: set[int | None] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.update(t.ident for t in threading.enumerate())
            time.sleep(0.002)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        fn()
    finally:
        stop.set()
        watcher.join()
    return len(seen - before - {watcher.ident})


def rounds_of(modes: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in modes}
    for fn in modes.values():  # warm up: imports, connections, TLS sessions
        fn()
    for _ in range(rounds):
        for name, fn in modes.items():
            times[name].append(timed(fn))
    return {name: statistics.median(values) for name, values in times.items()}


def section_concurrent_collections(rounds: int) -> None:
    print("1. eight collections at once, 20 ms latency (48 requests)\n")
    with demo_process("--latency-ms", "20") as root_url:
        blocking = hyperkm.connect(root_url, token=TOKEN, cache=False)

        def threads() -> None:
            results: list[int] = []

            def walk() -> None:
                results.append(sum(1 for _ in blocking.follow("events", limit=10).items(
                    prefetch=0)))

            workers = [threading.Thread(target=walk) for _ in range(8)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            assert results == [57] * 8, results

        def tasks() -> None:
            async def main() -> None:
                root = hyperkm.aio.connect(root_url, token=TOKEN, cache=False)

                async def walk() -> int:
                    return len([e async for e in root.follow("events", limit=10).items(
                        prefetch=0)])

                results = await asyncio.gather(*(walk() for _ in range(8)))
                await root.client.aclose()
                assert results == [57] * 8, results

            asyncio.run(main())

        medians = rounds_of({"threads": threads, "tasks": tasks}, rounds)
        started = {"threads": threads_started(threads), "tasks": threads_started(tasks)}
        print(f"{'mode':<40}{'median':>10}{'ratio':>8}{'threads':>9}")
        base = medians["threads"]
        for name, label in (("threads", "blocking hyperkm, 8 threads"),
                            ("tasks", "hyperkm.aio, 8 tasks on one loop")):
            print(f"{label:<40}{medians[name] * 1000:>8.0f} ms{medians[name] / base:>8.2f}"
                  f"{started[name]:>9}")


def section_http2(rounds: int) -> None:
    import trustme

    from tests.support import Http2Server

    print("\n2. items(concurrency=8), 57 events in pages of 5, 20 ms latency, TLS (Hypercorn)\n")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    with tempfile.TemporaryDirectory() as where:
        bundle, chain, key = (os.path.join(where, n) for n in ("ca.pem", "c.pem", "k.pem"))
        ca.cert_pem.write_to_path(bundle)
        cert.private_key_and_cert_chain_pem.write_to_path(chain)
        cert.private_key_pem.write_to_path(key)
        with Http2Server((chain, key), latency_ms=20) as server:
            url = server.root_url

            def blocking(transport: object | None) -> Callable[[], None]:
                def walk() -> None:
                    # (a transport of one's own is given its TLS settings itself)
                    options = {"transport": transport} if transport is not None else {
                        "verify": bundle}
                    root = hyperkm.connect(url, token=TOKEN, cache=False, **options)
                    n = sum(1 for _ in root.follow("events", limit=5).items(concurrency=8))
                    assert n == 57, n
                return walk

            def awaited(http2: bool) -> Callable[[], None]:
                def walk() -> None:
                    async def main() -> None:
                        root = hyperkm.aio.connect(url, token=TOKEN, cache=False,
                                                   verify=bundle, http2=http2)
                        n = len([e async for e in root.follow("events", limit=5).items(
                            concurrency=8)])
                        await root.client.aclose()
                        assert n == 57, n
                    asyncio.run(main())
                return walk

            h2_blocking = HttpxTransport(http2=True, verify=bundle)
            h1_blocking = HttpxTransport(verify=bundle)
            modes = {"aio h2": awaited(True), "aio h1": awaited(False),
                     "httpx h2": blocking(h2_blocking), "httpx h1": blocking(h1_blocking),
                     "requests h1": blocking(None)}
            medians = rounds_of(modes, rounds)
            labels = {"aio h2": "hyperkm.aio, HTTP/2", "aio h1": "hyperkm.aio, HTTP/1.1",
                      "httpx h2": "blocking, httpx transport, HTTP/2",
                      "httpx h1": "blocking, httpx transport, HTTP/1.1",
                      "requests h1": "blocking, default transport, HTTP/1.1"}
            print(f"{'mode':<42}{'median':>10}{'× its HTTP/1.1':>16}")
            for name in modes:
                versus = {"aio h2": "aio h1", "httpx h2": "httpx h1"}.get(name, name)
                print(f"{labels[name]:<42}{medians[name] * 1000:>8.0f} ms"
                      f"{medians[name] / medians[versus]:>16.2f}")
            h2_blocking.close()
            h1_blocking.close()


def section_bridge(rounds: int) -> None:
    print("\n3. the bridge's own cost: a cold walk of 57 events in pages of 10, no latency\n")
    with demo_process() as root_url:
        def blocking() -> None:
            root = hyperkm.connect(root_url, token=TOKEN, cache=False)
            assert sum(1 for _ in root.follow("events", limit=10).items()) == 57

        def blocking_httpx() -> None:
            with hyperkm.Client(root_url, token=TOKEN, cache=False,
                                transport=HttpxTransport()) as client:
                assert sum(1 for _ in client.root.follow("events", limit=10).items()) == 57

        def awaited() -> None:
            async def main() -> None:
                root = hyperkm.aio.connect(root_url, token=TOKEN, cache=False)
                assert len([e async for e in root.follow("events", limit=10).items()]) == 57
                await root.client.aclose()
            asyncio.run(main())

        medians = rounds_of({"requests": blocking, "httpx": blocking_httpx, "aio": awaited},
                            rounds * 3)
        base = medians["requests"]
        print(f"{'mode':<42}{'median':>10}{'ratio':>8}")
        for name, label in (("requests", "blocking, default transport"),
                            ("httpx", "blocking, httpx transport"),
                            ("aio", "hyperkm.aio (httpx, through the bridge)")):
            print(f"{label:<42}{medians[name] * 1000:>8.1f} ms{medians[name] / base:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    section_concurrent_collections(rounds)
    section_http2(rounds)
    section_bridge(rounds)


if __name__ == "__main__":
    main()
