"""The cold walk on a keep-alive server, every client side by side, and parallel pages.

1. root -> accounts -> products -> every event: 10,000 events in pages of 100 (the server's own
   page size: nobody builds a URL), no latency. Each client runs in a process of its own,
   rounds interleaved, medians compared: a bare ``requests.Session`` loop written by hand for
   the format; hyperkm (default cache, ``cache=False``, an empty directory cache, and the same
   directory on a second run, when every page is a 304 and its body is read from disk); the
   Python HAL
   peers halchemy and restnavigator 1.0.1, each installed from PyPI into a venv of its own
   under tests/benchmarks/.bench-venvs/. A diagnostic pair ("km, heap kept") runs bare and
   hyperkm with glibc's heap trimming off (also for Collection+JSON, the largest pages): the
   difference is what keeping every page costs a fresh process in new memory.
2. The events of one product at 20 ms latency: a sequential bare loop against
   ``items(concurrency=N)`` and a hand-written thread pool.

The emulator runs in its own process on its keep-alive HTTP/1.1 server; ``--url`` measures any
other server (section 1, formats as it serves them).

Run: python tests/benchmarks/bench_walk.py [--events N] [--rounds N] [--quick] [--url ROOT]
     [--formats km,hal,...] [--no-parallel]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _server import demo_process  # noqa: E402

import hyperkm  # noqa: E402

TOKEN = "demo-token"
VENVS = os.path.join(HERE, ".bench-venvs")
PEERS = {"halchemy": "halchemy==1.0.9", "restnavigator": "restnavigator==1.0.1"}

# Each walk runs in a fresh process: one warm-up walk (imports, connections), then one timed.
WALKER = r'''
import json, sys, time
CLIENT, ROOT, TOKEN, CACHE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
AUTH = {"Authorization": "Bearer " + TOKEN}

def bare(accept, links_of, members_of):
    import requests
    s = requests.Session()
    s.headers.update({**AUTH, "Accept": accept})
    get = lambda url: s.get(url).json()
    n = 0
    for account in members_of(get(links_of(get(ROOT))["accounts"])):
        for product in members_of(get(links_of(account)["products"])):
            url = links_of(product)["events"]
            while url:
                page = get(url)
                n += len(members_of(page))
                url = links_of(page).get("next")
    return n

def strip(href):
    return href.split("{", 1)[0]

def km_links(doc):
    links = list(doc.get("links", []))
    if isinstance(doc.get("data"), dict):
        links += doc["data"].get("links", [])
    return {x["rel"]: strip(x["href"]) for x in links}

def hal_links(doc):
    out = {}
    for rel, link in doc.get("_links", {}).items():
        if isinstance(link, dict):
            out[rel.split(":", 1)[-1]] = strip(link["href"])
    return out

def siren_links(doc):
    return {rel: strip(x["href"]) for x in doc.get("links", []) for rel in x["rel"]}

def siren_members(doc):
    return [e for e in doc.get("entities", []) if "item" in e.get("rel", [])]

def jsonapi_links(doc):
    # a document (links at the top) or a member (a resource object with relationships)
    res = doc.get("data") if isinstance(doc.get("data"), dict) else doc
    out = {k: strip(v["href"] if isinstance(v, dict) else v)
           for k, v in (doc.get("links") or {}).items() if v}
    for name, rel in (res.get("relationships") or {}).items():
        out[name] = strip(rel["links"]["related"])
    return out

def cj_links(doc):
    coll = doc["collection"]
    links = coll.get("links", [])
    if len(coll.get("items", [])) == 1 and coll["items"][0].get("href") == coll.get("href"):
        links = links + coll["items"][0].get("links", [])
    return {x["rel"]: strip(x["href"]) for x in links}

def walk(phase):
    if CLIENT == "bare-km":
        return bare("application/json", km_links, lambda d: d["data"])
    if CLIENT == "bare-hal":
        return bare("application/hal+json", hal_links, lambda d: d["_embedded"]["item"])
    if CLIENT == "bare-siren":
        return bare("application/vnd.siren+json", siren_links, siren_members)
    if CLIENT == "bare-jsonapi":
        return bare("application/vnd.api+json", jsonapi_links, lambda d: d["data"])
    if CLIENT == "bare-collection+json":
        return bare("application/vnd.collection+json",
                    lambda d: cj_links(d) if "collection" in d else
                    {x["rel"]: strip(x["href"]) for x in d.get("links", [])},
                    lambda d: d["collection"]["items"])
    if CLIENT.startswith("hyperkm"):
        import hyperkm
        if CACHE in ("off", "memory"):
            options = {"cache": False} if CACHE == "off" else {}
        else:  # "dir:PATH" (the timed walk starts empty) or "dir-again:PATH" (304s)
            kind, _, path = CACHE.partition(":")
            options = {"cache": path + ("-warmup" if kind == "dir" and phase == "warmup"
                                        else "")}
        root = hyperkm.connect(ROOT, token=TOKEN, **options)
        n = 0
        for account in root.follow("accounts").items():
            for product in account.follow("products").items():
                for _ in product.follow("events").items():
                    n += 1
        return n
    if CLIENT == "halchemy":
        from halchemy import Api
        api = Api(ROOT, headers=AUTH)
        root = api.root.get()
        n = 0
        for account in api.follow(root).to("km:accounts").get().embedded_many("item"):
            products = api.follow(account).to("km:products").get()
            for product in products.embedded_many("item"):
                page = api.follow(product).to("km:events").get()
                while True:
                    n += len(page.embedded_many("item"))
                    if not page.has_rel("next"):
                        break
                    page = api.follow(page).to("next").get()
        return n
    if CLIENT == "restnavigator":
        from restnavigator import Navigator
        root = Navigator.hal(ROOT, headers=AUTH)
        n = 0
        for account in root["km:accounts"]().embedded()["item"]:  # its own iterator is broken
            for product in account["km:products"].embedded()["item"]:
                page = product["km:events"]
                while True:
                    n += len(page.embedded().get("item", []))
                    page = page.links().get("next")
                    if page is None:
                        break
        return n
    raise SystemExit("unknown client " + CLIENT)

walk("warmup")
started = time.perf_counter()
count = walk("timed")
print(json.dumps({"seconds": time.perf_counter() - started, "count": count}))
'''


def peer_python(name: str) -> str:
    """A venv of its own for a peer (its dependencies must not touch hyperkm's)."""
    venv = os.path.join(VENVS, name)
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", PEERS[name]], check=True)
    return python


# glibc returns freed heap to the system (and this VM makes faulting it back in expensive): a
# cache that keeps every page grows the heap anew in each fresh process. The diagnostic rows
# run both sides with trimming off, to show how much of a cache's cost that is.
KEEP_HEAP = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_TOP_PAD_": str(64 << 20)}


def one_walk(python: str, client: str, root: str, token: str, cache: str,
             keep_heap: bool = False) -> tuple[float, int]:
    env = {**os.environ, **KEEP_HEAP} if keep_heap else None
    done = subprocess.run([python, "-c", WALKER, client, root, token, cache],
                          capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{client} failed:\n{done.stderr[-2000:]}")
    out = done.stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["seconds"], result["count"]


def cold_walks(events: int, rounds: int, url: str | None, token: str,
               formats: list[str] | None = None) -> list[tuple]:
    """Rows (format, client, median seconds, × bare, count)."""
    plan = {
        "km": [("bare-km", "memory"), ("hyperkm", "memory"), ("hyperkm", "off"),
               ("hyperkm", "dir"), ("hyperkm", "dir-again")],
        "hal": [("bare-hal", "memory"), ("hyperkm", "memory"), ("halchemy", "memory"),
                ("restnavigator", "memory")],
        "siren": [("bare-siren", "memory"), ("hyperkm", "memory")],
        "jsonapi": [("bare-jsonapi", "memory"), ("hyperkm", "memory")],
        "collection+json": [("bare-collection+json", "memory"), ("hyperkm", "memory")],
        "km, heap kept": [("bare-km", "memory"), ("hyperkm", "memory")],
        "collection+json, heap kept": [("bare-collection+json", "memory"),
                                       ("hyperkm", "memory")],
    }
    if formats:
        plan = {fmt: clients for fmt, clients in plan.items() if fmt.split(",")[0] in formats}
    if url is not None:
        plan = {"given": [("bare-km", "memory"), ("hyperkm", "memory"), ("hyperkm", "off")]}
    rows = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        served = {fmt.split(",")[0] for fmt in plan}
        roots = {fmt: url if url else stack.enter_context(demo_process(
            "--format", fmt, "--events", str(events), "--page-size", "100")) for fmt in served}
        pythons = {"halchemy": peer_python("halchemy"),
                   "restnavigator": peer_python("restnavigator")} if url is None else {}
        samples: dict[tuple[str, str, str], list[float]] = {}
        counts: dict[tuple[str, str, str], int] = {}
        for round_number in range(rounds):
            for fmt, clients in plan.items():
                for client, cache in clients:
                    spec = (f"{cache}:" + os.path.join(tmp, f"{cache}{round_number}")
                            if cache.startswith("dir") else cache)
                    seconds, count = one_walk(pythons.get(client, sys.executable), client,
                                              roots[fmt.split(",")[0]], token, spec,
                                              keep_heap=fmt.endswith("heap kept"))
                    samples.setdefault((fmt, client, cache), []).append(seconds)
                    counts[(fmt, client, cache)] = count
        for fmt, clients in plan.items():
            base = statistics.median(samples[(fmt, clients[0][0], clients[0][1])])
            for client, cache in clients:
                median = statistics.median(samples[(fmt, client, cache)])
                label = client if client != "hyperkm" else {
                    "memory": "hyperkm (default cache)", "off": "hyperkm (cache=False)",
                    "dir": "hyperkm (directory cache)",
                    "dir-again": "  same, second run (304s)"}[cache]
                rows.append((fmt, label, median, median / base, counts[(fmt, client, cache)]))
    return rows


# -- parallel pages -------------------------------------------------------------------------------

def bare_sequential(url: str, token: str) -> int:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    n = 0
    while url:
        page = s.get(url).json()
        n += len(page["data"])
        url = next((x["href"] for x in page["links"] if x["rel"] == "next"), None)
    return n


def bare_pool(url: str, token: str, total: int, size: int, workers: int) -> int:
    """A hand-written thread pool that knows the URL pattern (what hyperkm must prove)."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    base = url.split("?", 1)[0]
    urls = [f"{base}?limit={size}&offset={o}" for o in range(0, total, size)]
    with ThreadPoolExecutor(workers) as pool:
        return sum(len(p["data"]) for p in pool.map(lambda u: s.get(u).json(), urls))


def parallel(events: int, rounds: int, token: str) -> list[tuple]:
    with demo_process("--events", str(events), "--page-size", "100", "--latency-ms",
                      "20") as root:
        start = hyperkm.connect(root, token=token).follow("products").items()[0].follow(
            "events")
        url = start.url

        def with_hyperkm(n: int) -> int:
            events_ = hyperkm.connect(root, token=token).client.resource(url)
            return sum(1 for _ in events_.items(concurrency=n))

        clients = {"bare sequential loop": lambda: bare_sequential(url, token),
                   "hand-written thread pool (8)": lambda: bare_pool(url, token, events, 100, 8),
                   "hyperkm items(concurrency=8)": lambda: with_hyperkm(8),
                   "hyperkm items(concurrency=16)": lambda: with_hyperkm(16)}
        samples: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(rounds):
            for name, fn in clients.items():
                started = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - started)
    base = statistics.median(samples["bare sequential loop"])
    return [(name, statistics.median(v), statistics.median(v) / base)
            for name, v in samples.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    parser.add_argument("--url", help="measure this API root instead of the emulator")
    parser.add_argument("--token", default=TOKEN)
    parser.add_argument("--formats", help="comma-separated formats of section 1 (default: all)")
    parser.add_argument("--no-parallel", action="store_true", help="skip section 2")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    print(f"{'format':<28}{'client':<28}{'s':>8}{'× bare':>9}{'events':>9}")
    formats = args.formats.split(",") if args.formats else None
    for fmt, label, seconds, ratio, count in cold_walks(args.events, rounds, args.url,
                                                        args.token, formats):
        print(f"{fmt:<28}{label:<28}{seconds:>8.3f}{ratio:>9.2f}{count:>9}")
    if args.url is None and not args.no_parallel:
        print(f"\n{'20 ms latency, one product events':<36}{'s':>8}{'× sequential':>14}")
        for name, seconds, ratio in parallel(args.events, rounds, args.token):
            print(f"{name:<36}{seconds:>8.3f}{ratio:>14.2f}")


if __name__ == "__main__":
    main()
