"""The cold walk on a keep-alive server: hyperkm against a bare ``requests.Session`` loop.

root -> accounts -> products -> every event, 10,000 events in pages of 100 (the server's own
page size: nobody builds a URL), no latency. The
emulator runs in its own process on the keep-alive server (``--url`` measures any server
instead). Every client runs in this process, rounds interleaved, medians compared, so the
ratios come from one run.

Run: python tests/benchmarks/bench_walk.py [--events N] [--rounds N] [--url ROOT --token T]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _server import demo_process  # noqa: E402

import hyperkm  # noqa: E402

TOKEN = "demo-token"


# -- bare loops: what a programmer writes by hand with requests, knowing the format --------------

def _km_links(doc: dict) -> dict[str, str]:
    links = list(doc.get("links", []))
    data = doc.get("data")
    if isinstance(data, dict):
        links += data.get("links", [])
    return {x["rel"]: x["href"].split("{", 1)[0] for x in links}


def bare_km(root: str, token: str, page_size: int) -> int:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    accounts = s.get(_km_links(s.get(root).json())["accounts"]).json()
    n = 0
    for account in accounts["data"]:
        products = s.get(_km_links(account)["products"]).json()
        for product in products["data"]:
            url: str | None = _km_links(product)["events"]
            while url:
                page = s.get(url).json()
                n += len(page["data"])
                url = _km_links(page).get("next")
    return n


def _hal_link(doc: dict, rel: str) -> str | None:
    links = doc.get("_links", {})
    link = links.get(rel) or links.get(f"km:{rel}")
    return link["href"].split("{", 1)[0] if link else None


def bare_hal(root: str, token: str, page_size: int) -> int:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    accounts = s.get(_hal_link(s.get(root).json(), "accounts")).json()
    n = 0
    for account in accounts["_embedded"]["item"]:
        products = s.get(_hal_link(account, "products")).json()
        for product in products["_embedded"]["item"]:
            url = _hal_link(product, "events")
            while url:
                page = s.get(url).json()
                n += len(page["_embedded"]["item"])
                url = _hal_link(page, "next")
    return n


# -- hyperkm: the same walk by rels, whatever the format ---------------------------------------

def hyperkm_walk(root_url: str, token: str, page_size: int, **options: object) -> int:
    root = hyperkm.connect(root_url, token=token, **options)
    n = 0
    for account in root.follow("accounts").items():
        for product in account.follow("products").items():
            for _ in product.follow("events").items():
                n += 1
    root.client.close()
    return n


def measure(clients: dict[str, Callable[[], int]], rounds: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for name, fn in clients.items():
        fn()  # warm up: imports, first connections
    for _ in range(rounds):
        for name, fn in clients.items():  # interleaved
            gc.collect()
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def table(medians: dict[str, float], base: str) -> str:
    lines = [f"{'client':<40}{'s':>9}{'× bare':>9}"]
    for name, value in medians.items():
        lines.append(f"{name:<40}{value:>9.3f}{value / medians[base]:>9.2f}")
    return "\n".join(lines)


def run(events: int, rounds: int, url: str | None, token: str) -> str:
    page = 100
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("km", "hal"):
            with (demo_process("--format", fmt, "--events", str(events), "--page-size",
                               str(page)) if url is None else _given(url)) as root:
                bare = bare_km if fmt == "km" else bare_hal
                clients: dict[str, Callable[[], int]] = {
                    f"bare requests.Session ({fmt})": lambda: bare(root, token, page),
                    f"hyperkm, {fmt}, default cache": lambda: hyperkm_walk(root, token, page),
                }
                if fmt == "km":
                    clients["hyperkm, km, cache=False"] = lambda: hyperkm_walk(
                        root, token, page, cache=False)
                    clients["hyperkm, km, directory cache"] = lambda: hyperkm_walk(
                        root, token, page, cache=os.path.join(tmp, f"c{time.time_ns()}"))
                medians = measure(clients, rounds)
                out.append(table(medians, f"bare requests.Session ({fmt})"))
            if url is not None:
                break
    return "\n\n".join(out)


class _given:
    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--url", help="measure this API root instead of the emulator")
    parser.add_argument("--token", default=TOKEN)
    args = parser.parse_args()
    print(run(args.events, args.rounds, args.url, args.token))


if __name__ == "__main__":
    main()
