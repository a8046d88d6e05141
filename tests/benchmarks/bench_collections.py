"""Collections at scale — hyperkm vs hand-written bare-requests loops, side by side in one run.

1. ~10,000 events in pages of 100, 20 ms injected latency, the consumer sleeping 20 ms after
   every 100 members: hyperkm (defaults) vs (a) a sequential bare loop following `next` by hand
   (target <= 0.6) and (b) a bare loop fetching the next page in a thread while the current one
   is consumed (target <= 1.05).
2. The same walk without latency or work: hyperkm (defaults, cache included) vs (a)
   (target <= 1.15).
3. Peak memory growth iterating 100,000 events vs a process that has connected (all modules loaded)
   (target <= 50 MB).

Run: python tests/benchmarks/bench_collections.py [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import requests

import hyperkm

sys.path.insert(0, os.path.dirname(__file__))
from _server import demo_process

TOKEN = "demo-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}


def first_page(root_url: str) -> str:
    return hyperkm.connect(root_url, token=TOKEN).follow("events", limit=100).url


def bare_pages(session: requests.Session, url: str | None) -> Iterator[dict]:
    while url:
        page = session.get(url, headers=HEADERS, timeout=(5, 30)).json()
        yield page
        url = next((x["href"] for x in page["links"] if x["rel"] == "next"), None)


def bare_sequential(url: str, work: float) -> int:
    n = 0
    for page in bare_pages(requests.Session(), url):
        n += len(page["data"])
        if work:
            time.sleep(work)
    return n


def bare_threaded(url: str, work: float) -> int:
    """The practical limit: fetch page N+1 in a thread while page N is consumed."""
    session = requests.Session()
    result: dict[str, dict] = {}

    def fetch(target: str) -> None:
        result["page"] = session.get(target, headers=HEADERS, timeout=(5, 30)).json()

    n = 0
    fetch(url)
    while True:
        page = result.pop("page")
        nxt = next((x["href"] for x in page["links"] if x["rel"] == "next"), None)
        worker = threading.Thread(target=fetch, args=(nxt,)) if nxt else None
        if worker:
            worker.start()
        n += len(page["data"])
        if work:
            time.sleep(work)
        if not worker:
            return n
        worker.join()


def with_hyperkm(root_url: str, work: float) -> int:
    root = hyperkm.connect(root_url, token=TOKEN)
    n = 0
    for _member in root.follow("events", limit=100).items():
        n += 1
        if work and n % 100 == 0:
            time.sleep(work)
    if work and n % 100:
        time.sleep(work)
    return n


def timed(fns: list[Callable[[], int]], rounds: int) -> list[tuple[float, int]]:
    """Median time of each function, alternating them round by round (so that drift in the
    server or the machine does not favour whichever ran first)."""
    times: list[list[float]] = [[] for _ in fns]
    counts = [0] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            counts[i] = fn()
            times[i].append(time.perf_counter() - t)
    return [(statistics.median(t), c) for t, c in zip(times, counts, strict=False)]


# Peak RSS from /proc/self/status VmHWM: ru_maxrss survives execve on Linux, so a child would
# report its parent's peak whenever that was larger (it made the baseline drift 32-57 MB).
MEMORY_SCRIPT = """
import resource, sys, hyperkm

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

root = hyperkm.connect(sys.argv[1], token="demo-token")
_ = root.data  # the baseline has every module loaded too (hyperkm imports lazily)
if sys.argv[2] == "iterate":
    n = sum(1 for _ in root.follow("events", limit=100).items())
else:
    n = 0
print(n, peak_kb())
"""


def memory(root_url: str) -> tuple[int, float, float]:
    runs = {}
    for mode in ("connected", "iterate"):
        out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, root_url, mode],
                             capture_output=True, text=True, check=True).stdout.split()
        runs[mode] = (int(out[0]), int(out[1]) / 1024)
    return runs["iterate"][0], runs["connected"][1], runs["iterate"][1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--memory-events", type=int, default=100_000)
    args = parser.parse_args()
    print(f"hyperkm {hyperkm.__version__}; server in its own process; medians of {args.rounds}")

    with demo_process("--events", str(args.events), "--latency-ms", "20") as root_url:
        url = first_page(root_url)
        (seq, n), (thr, _), (hyp, m) = timed([lambda: bare_sequential(url, 0.02),
                                               lambda: bare_threaded(url, 0.02),
                                               lambda: with_hyperkm(root_url, 0.02)], args.rounds)
        assert n == m, (n, m)
    print(f"\n1. {n} events, pages of 100, 20 ms latency, 20 ms of work per 100 members")
    print(f"   (a) bare sequential loop        {seq:7.2f} s")
    print(f"   (b) bare loop + thread prefetch {thr:7.2f} s")
    print(f"   hyperkm (defaults)              {hyp:7.2f} s")
    print(f"   hyperkm / (a) = {hyp / seq:.2f}  (target <= 0.6);  "
          f"hyperkm / (b) = {hyp / thr:.2f}  (target <= 1.05);  (b) / (a) = {thr / seq:.2f}")

    with demo_process("--events", str(args.events)) as root_url:
        url = first_page(root_url)
        (seq, n), (hyp, m) = timed([lambda: bare_sequential(url, 0),
                                    lambda: with_hyperkm(root_url, 0)], args.rounds * 3)
        assert n == m
    print(f"\n2. the same {n} events, no latency, no work")
    print(f"   (a) bare sequential loop        {seq:7.2f} s")
    print(f"   hyperkm (defaults)              {hyp:7.2f} s")
    print(f"   hyperkm / (a) = {hyp / seq:.2f}  (target <= 1.15)")

    with demo_process("--events", str(args.memory_events)) as root_url:
        n, base, peak = memory(root_url)
    print(f"\n3. peak memory (max RSS) iterating {n} events with default settings")
    print(f"   process that has connected        {base:7.1f} MB")
    print(f"   process that iterates              {peak:7.1f} MB")
    print(f"   growth                             {peak - base:7.1f} MB  (target <= 50 MB)")


if __name__ == "__main__":
    main()
