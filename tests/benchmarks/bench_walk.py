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

The emulator runs in its own process on its keep-alive HTTP/1.1 server; for section 1, a server
of its own process in front of it (``_fastserver.py``) answers from memory in microseconds,
with a strong ETag and ``Cache-Control: private, no-cache`` as real servers do, so that what
is measured is the clients' own cost (``--server emulator`` walks the emulator itself).
``--url`` measures any other server (section 1, formats as it serves them).

Each format is walked twice: the emulator writing absolute URLs (as the real API does), and
writing absolute-path references (``/core/accounts``, ``--hrefs relative``) as many real servers
do; the bare clients resolve those with ``urljoin`` as a careful hand-written client would, and
a bare ``urllib3`` loop shows the transport's own floor. Every consumer reads one field of
every event.

Every walker collects garbage between its warm-up and its timed walk (``GC_PHASE`` says why;
``--no-collect`` leaves that out; ``--walks N`` times N walks in a row and reports their mean).

Run: python tests/benchmarks/bench_walk.py [--events N] [--rounds N] [--quick] [--url ROOT]
     [--formats km,hal,...] [--no-parallel] [--before DIR] [--no-collect] [--walks N]
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

from _server import demo_process, fast_process  # noqa: E402

import hyperkm  # noqa: E402

TOKEN = "demo-token"
VENVS = os.path.join(HERE, ".bench-venvs")
PEERS = {"halchemy": "halchemy==1.0.9", "restnavigator": "restnavigator==1.0.1"}
#: The emulator writes hrefs as absolute URLs (the real API) or as absolute-path references
#: (many real servers): both are measured.
HREFS = ("absolute", "relative")

# Each walk runs in a fresh process: one warm-up walk (imports, connections), then one timed.
WALKER = r'''
import json, sys, time
CLIENT, ROOT, TOKEN, CACHE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
COLLECT = sys.argv[5] == "collect"
WALKS = int(sys.argv[6])
AUTH = {"Authorization": "Bearer " + TOKEN}

def bare(accept, links_of, members_of, field_of, transport="requests"):
    """A careful hand-written client: hrefs resolved against the document's URL where they
    are relative (urljoin), absolute ones used as they are."""
    from urllib.parse import urljoin
    if transport == "urllib3":  # the floor: no requests at all
        import urllib3
        pool = urllib3.PoolManager(headers={**AUTH, "Accept": accept})
        get = lambda url: json.loads(pool.request("GET", url).data)
    else:
        import requests
        s = requests.Session()
        s.headers.update({**AUTH, "Accept": accept})
        get = lambda url: s.get(url).json()

    def at(base, href):
        return href if href.startswith(("http://", "https://")) else urljoin(base, href)

    n = 0
    root = get(ROOT)
    accounts_url = at(ROOT, links_of(root)["accounts"])
    for account in members_of(get(accounts_url)):
        products_url = at(accounts_url, links_of(account)["products"])
        for product in members_of(get(products_url)):
            url = at(products_url, links_of(product)["events"])
            while url:
                page = get(url)
                for member in members_of(page):  # the consumer reads one field of each
                    n += field_of(member) is not None
                following = links_of(page).get("next")
                url = at(url, following) if following else None
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
    if CLIENT.startswith("urllib3-"):
        return BARE[CLIENT[len("urllib3-"):]](transport="urllib3")
    if CLIENT.startswith("bare-"):
        return BARE[CLIENT[len("bare-"):]]()
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
                for event in product.follow("events").items():
                    n += event.data["name"] is not None  # one field of each
        return n
    if CLIENT == "halchemy":
        from urllib.parse import urlsplit
        from halchemy import Api
        # halchemy joins every href to its base URL: give it the origin, then the root's path
        # (with the root itself as the base, "/core/accounts" became "/core/core/accounts")
        parts = urlsplit(ROOT)
        api = Api(f"{parts.scheme}://{parts.netloc}", headers=AUTH)
        root = api.using_endpoint(parts.path or "/", is_home=True).get()
        n = 0
        for account in api.follow(root).to("km:accounts").get().embedded_many("item"):
            products = api.follow(account).to("km:products").get()
            for product in products.embedded_many("item"):
                page = api.follow(product).to("km:events").get()
                while True:
                    for member in page.embedded_many("item"):
                        n += member["name"] is not None
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
                    for member in page.embedded().get("item", []):
                        n += member.state["name"] is not None
                    page = page.links().get("next")
                    if page is None:
                        break
        return n
    raise SystemExit("unknown client " + CLIENT)

def cj_field(item):
    return next(d["value"] for d in item["data"] if d["name"] == "name")


BARE = {
    "km": lambda **t: bare("application/json", km_links, lambda d: d["data"],
                           lambda m: m["name"], **t),
    "hal": lambda **t: bare("application/hal+json", hal_links, lambda d: d["_embedded"]["item"],
                            lambda m: m["name"], **t),
    "siren": lambda **t: bare("application/vnd.siren+json", siren_links, siren_members,
                              lambda m: m["properties"]["name"], **t),
    "jsonapi": lambda **t: bare("application/vnd.api+json", jsonapi_links, lambda d: d["data"],
                                lambda m: m["attributes"]["name"], **t),
    "collection+json": lambda **t: bare(
        "application/vnd.collection+json",
        lambda d: cj_links(d) if "collection" in d else
        {x["rel"]: strip(x["href"]) for x in d.get("links", [])},
        lambda d: d["collection"]["items"], cj_field, **t),
}

walk("warmup")
if COLLECT:  # every client starts its timed walk from a collected heap (see GC_PHASE)
    import gc
    gc.collect()
started = time.perf_counter()
for _ in range(WALKS):  # several: the mean of a steady state, whatever the GC's phase
    count = walk("timed")
print(json.dumps({"seconds": (time.perf_counter() - started) / WALKS, "count": count}))
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


#: Every walker, whatever its client, runs a full garbage collection between its warm-up and
#: its timed walk. Without it, whether a full collection (~10 ms with hyperkm's modules
#: loaded, ~7 ms without, on this VM) lands in the timed walk is a matter of phase: it comes
#: when the objects promoted since the last one pass a quarter of the heap, which the
#: imports and the warm-up bring each client to at a different moment. Measured on
#: Collection+JSON and Siren: the bare client's came in its warm-up, hyperkm's in its timed
#: walk — 6 % of the ratio either way, decided by neither. Collected, both pay in the timed
#: walk what their own walk promotes. ``--no-collect`` measures the old way.
GC_PHASE = True
#: ``--walks N``: time N walks in a row in each process and report their mean — a steady state
#: in which every client pays its share of full collections, whatever their phase.
WALKS = 1

#: ``--server``: "fast" (default) puts _fastserver.py in front of the emulator — every answer
#: from memory in microseconds, with a strong ETag and ``private, no-cache``, as real servers
#: answer —, "emulator" measures against the emulator itself (~0.2 ms more a page).
SERVER = "fast"
#: ``--before DIR``: a checkout of an earlier hyperkm, measured as "hyperkm@before" in the
#: same run (its walkers import hyperkm from DIR), for the before/after of a change.
BEFORE: str | None = None


def one_walk(python: str, client: str, root: str, token: str, cache: str,
             keep_heap: bool = False) -> tuple[float, int]:
    env = {**os.environ, **KEEP_HEAP} if keep_heap else None
    if client == "hyperkm@before":
        env = {**(env or os.environ), "PYTHONPATH": str(BEFORE)}
        client = "hyperkm"
    # Not run in the checkout: "python -c" puts the current directory first on sys.path,
    # which would shadow --before's PYTHONPATH with this checkout's hyperkm.
    done = subprocess.run([python, "-c", WALKER, client, root, token, cache,
                           "collect" if GC_PHASE else "keep", str(WALKS)],
                          capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if done.returncode:
        raise RuntimeError(f"{client} failed:\n{done.stderr[-2000:]}")
    out = done.stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["seconds"], result["count"]


def cold_walks(events: int, rounds: int, url: str | None, token: str,
               formats: list[str] | None = None) -> list[tuple]:
    """Rows (format, client, median seconds, × bare, count)."""
    plan: dict[str, list[tuple[str, str]]] = {}
    for hrefs in HREFS if url is None else ["given"]:
        for fmt in ("km", "hal", "siren", "jsonapi", "collection+json"):
            clients = [(f"bare-{fmt}", "memory"), (f"urllib3-{fmt}", "memory"),
                       ("hyperkm", "memory"), ("hyperkm", "off")]
            if fmt == "km" and hrefs != "given":
                clients += [("hyperkm", "dir"), ("hyperkm", "dir-again")]
            if fmt == "hal" and url is None:
                clients += [("halchemy", "memory"), ("restnavigator", "memory")]
            if BEFORE:
                clients += [("hyperkm@before", "memory"), ("hyperkm@before", "off")]
            plan[f"{fmt}, {hrefs}"] = clients
    if url is None:
        plan["km, absolute, heap kept"] = [("bare-km", "memory"), ("hyperkm", "memory")]
    if formats:
        plan = {key: clients for key, clients in plan.items() if key.split(",")[0] in formats}
    if url is not None and formats is None:
        plan = {"km, given": plan["km, given"]}
    rows = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        served = {",".join(key.split(",")[:2]) for key in plan}  # "hal, relative"
        roots = {}
        for key in served:
            if url:
                roots[key] = url
                continue
            emulator = stack.enter_context(demo_process(
                "--format", key.split(",")[0], "--hrefs", key.split(", ")[1], "--events",
                str(events), "--page-size", "100"))
            roots[key] = stack.enter_context(fast_process(emulator)) if SERVER == "fast" \
                else emulator
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
                                              roots[",".join(fmt.split(",")[:2])], token, spec,
                                              keep_heap=fmt.endswith("heap kept"))
                    samples.setdefault((fmt, client, cache), []).append(seconds)
                    counts[(fmt, client, cache)] = count
        for fmt, clients in plan.items():
            base = statistics.median(samples[(fmt, clients[0][0], clients[0][1])])
            for client, cache in clients:
                median = statistics.median(samples[(fmt, client, cache)])
                label = ("bare urllib3 (the floor)" if client.startswith("urllib3-") else
                         "bare requests" if client.startswith("bare-") else client)
                if client == "hyperkm@before":
                    label = f"  before ({'cache=False' if cache == 'off' else 'default cache'})"
                label = label if client != "hyperkm" else {
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


def bare_pool(url: str, token: str, total: int, size: int, workers: int,
              ask_first: bool = False) -> int:
    """A hand-written thread pool that knows the URL pattern (what hyperkm must prove) —
    and, unless ``ask_first``, the total too (which a real client learns from page one)."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    base = url.split("?", 1)[0]
    n = 0
    if ask_first:
        first = s.get(f"{base}?limit={size}&offset=0").json()
        n, total = len(first["data"]), first["pagination"]["total"]
    urls = [f"{base}?limit={size}&offset={o}" for o in range(size if ask_first else 0,
                                                             total, size)]
    with ThreadPoolExecutor(workers) as pool:
        return n + sum(len(p["data"]) for p in pool.map(lambda u: s.get(u).json(), urls))


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
                   "  same, total from page one": lambda: bare_pool(url, token, events, 100, 8,
                                                                    ask_first=True),
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
    parser.add_argument("--before", metavar="DIR", help="also walk with the hyperkm of this "
                        "checkout (an earlier commit), side by side")
    parser.add_argument("--server", choices=["fast", "emulator"], default="fast",
                        help="what section 1 walks: the emulator behind a fast recording "
                             "server (default), or the emulator itself")
    parser.add_argument("--no-collect", action="store_true",
                        help="no garbage collection between a walker's warm-up and its timed "
                             "walk (see GC_PHASE)")
    parser.add_argument("--walks", type=int, default=1,
                        help="timed walks in a row in each process; their mean is reported")
    args = parser.parse_args()
    global BEFORE, SERVER, GC_PHASE, WALKS
    BEFORE, SERVER, GC_PHASE = args.before, args.server, not args.no_collect
    WALKS = max(1, args.walks)
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
