"""Issue: ETag caching — measured side by side in one run.

1. A second traversal root -> accounts -> products -> events (all pages): requests and bytes,
   first pass vs second, with fresh entries (max-age) and with must-revalidate responses — with
   the default in-memory cache (which keeps a walk's first 8 pages) and with one that keeps
   every page (``walk_pages=None``).
2. Per-request overhead: hyperkm (default cache) vs a bare requests.Session doing the same GETs
   on the same loopback server (target ratio <= 1.15).

Run: python tests/benchmarks/bench_cache.py [--events N] [--rounds R]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time

import requests

import hyperkm
from hyperkm.demo import running

sys.path.insert(0, os.path.dirname(__file__))
from _server import demo_process

TOKEN = "demo-token"


def traverse(root: hyperkm.Resource) -> int:
    n = 0
    for account in root.follow("accounts").items():
        for product in account.follow("products").items():
            n += sum(1 for _ in product.follow("events").items())
    return n


def passes(max_age: int, events: int, walk_pages: int | None
           ) -> list[tuple[str, int, int, int]]:
    rows = []
    with running(max_age=max_age, events=events) as demo:
        cache = hyperkm.MemoryCache(max_bytes=256 << 20, walk_pages=walk_pages)
        for label in ("first pass", "second pass"):
            before = demo.stats.snapshot()
            root = hyperkm.connect(demo.root_url, token=demo.token, cache=cache)
            traverse(root)
            after = demo.stats.snapshot()
            rows.append((label, after["requests"] - before["requests"],
                         after["not_modified"] - before["not_modified"],
                         after["bytes_sent"] - before["bytes_sent"]))
    return rows


def bare_walk(session: requests.Session, root_url: str, token: str) -> int:
    """The same traversal by hand: bare requests, hand-written link lookup."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(url: str) -> dict:
        r = session.get(url, headers=headers, timeout=(5, 30))
        r.raise_for_status()
        return r.json()

    def link(links: list[dict], rel: str) -> str | None:
        return next((x["href"] for x in links if x["rel"] == rel), None)

    def members(url: str):
        while url:
            page = get(url)
            yield from page["data"]
            url = link(page["links"], "next")

    root = get(root_url)
    accounts = link(root["data"]["links"], "accounts").replace("{?limit,offset}", "")
    n = 0
    for account in members(accounts):
        for product in members(link(account["links"], "products")):
            n += sum(1 for _ in members(link(product["links"], "events")))
    return n


def overhead(events: int, rounds: int) -> tuple[float, float, float, float, int]:
    # Each round: a new hyperkm client with a new (empty) default cache, against the bare
    # session, alternating, on a server in another process. Both send the same GETs.
    with demo_process("--events", str(events)) as root_url:
        session = requests.Session()
        hyper, bare = [], []
        count = 0
        for _ in range(rounds):
            t = time.perf_counter()
            count = bare_walk(session, root_url, TOKEN)
            bare.append(time.perf_counter() - t)
            root = hyperkm.connect(root_url, token=TOKEN)
            t = time.perf_counter()
            assert traverse(root) == count
            hyper.append(time.perf_counter() - t)
        return (statistics.median(hyper), statistics.median(bare), min(hyper), min(bare),
                count)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    print(f"hyperkm {hyperkm.__version__}, events per product: {args.events}")
    for walk_pages, kind in ((8, "the default cache: a walk's first 8 pages kept"),
                             (None, "MemoryCache(walk_pages=None): every page kept")):
        for max_age, title in ((300, "fresh entries (max-age=300)"),
                               (0, "must-revalidate (max-age=0)")):
            print(f"\n{kind}; {title}")
            print(f"  {'':12} {'requests':>9} {'304s':>6} {'body bytes':>11}")
            for label, reqs, not_modified, size in passes(max_age, args.events, walk_pages):
                print(f"  {label:12} {reqs:>9} {not_modified:>6} {size:>11}")
    hyper, bare, hyper_min, bare_min, count = overhead(args.events, args.rounds)
    print(f"\nper-traversal time, {count} events, {args.rounds} alternating rounds "
          "(server in its own process):")
    print(f"  {'':26} {'median':>9} {'min':>9}")
    print(f"  {'bare requests.Session':26} {bare * 1000:7.1f}ms {bare_min * 1000:7.1f}ms")
    print(f"  {'hyperkm (default cache)':26} {hyper * 1000:7.1f}ms {hyper_min * 1000:7.1f}ms")
    print(f"  {'ratio hyperkm / bare':26} {hyper / bare:9.2f} {hyper_min / bare_min:9.2f}"
          "   (target <= 1.15)")


if __name__ == "__main__":
    main()
