"""The benchmark suite: one table, every row measured side by side in the same run.

1. Cold traversal overhead: hyperkm vs a bare requests.Session with hand-written link lookup.
2. Warm traversal: requests and bytes on the second pass (memory cache, directory cache).
3. 10,000 events with 10 ms latency: hyperkm (prefetch on / off) vs a bare sequential loop.
4. Peak memory iterating 100,000 events.
5. The same traversal over the demo's HAL format: hyperkm vs restnavigator 1.0.1 (installed
   from PyPI into a venv of its own under tests/benchmarks/.bench-venv; its own iterator is
   broken on Python >= 3.7, so `next` is walked by hand there), time and requests.
6. Start-up: `import hyperkm` and `hyperkm --help` vs `import requests`.

Run: python tests/benchmarks/run_all.py [--quick]
The demo server runs in its own process for timings; request counts come from an in-process
server's statistics.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _server import demo_process  # noqa: E402
from bench_cache import overhead, traverse  # noqa: E402
from bench_collections import bare_sequential, first_page, memory, timed  # noqa: E402

import hyperkm  # noqa: E402
from hyperkm.demo import running  # noqa: E402

TOKEN = "demo-token"
VENV = os.path.join(HERE, ".bench-venv")

RESTNAVIGATOR_WALK = """
import json, sys, time
from restnavigator import Navigator

def walk(url):
    root = Navigator.hal(url, headers={"Authorization": "Bearer demo-token"})
    n = 0
    accounts = root["km:accounts"]()
    for account in accounts.embedded()["item"]:
        for product in account["km:products"].embedded()["item"]:
            page = product["km:events"]
            while True:
                n += len(page.embedded().get("item", []))
                nxt = page.links().get("next")
                if nxt is None:
                    break
                page = nxt
    return n

times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    count = walk(sys.argv[1])
    times.append(time.perf_counter() - t)
print(json.dumps({"times": times, "count": count}))
"""


def restnavigator_python() -> str:
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "restnavigator==1.0.1"],
                       check=True)
    return python


def run_restnavigator(url: str, rounds: int) -> tuple[float, int]:
    out = subprocess.run([restnavigator_python(), "-c", RESTNAVIGATOR_WALK, url, str(rounds)],
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    return statistics.median(result["times"]), result["count"]


def hyperkm_hal_walk(url: str) -> int:
    return traverse(hyperkm.connect(url, token=TOKEN))


def startup(command: list[str], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller sizes")
    args = parser.parse_args()
    rounds = 3 if args.quick else 7
    rows: list[tuple[str, str, str, str]] = []

    # 1. cold traversal overhead
    hyp, bare, _, _, _count = overhead(2000, rounds * 2)
    rows.append(("1. cold traversal, 2,012 events / 104 GETs", f"{hyp * 1000:.0f} ms",
                 f"bare requests {bare * 1000:.0f} ms", f"{hyp / bare:.2f}"))

    # 2. warm traversal: second pass with each cache
    for label, make in (("memory", lambda d: hyperkm.MemoryCache(max_bytes=256 << 20)),
                        ("directory", lambda d: hyperkm.DirectoryCache(d))):
        with running(events=2000) as demo, tempfile.TemporaryDirectory() as folder:
            cache = make(folder)
            traverse(hyperkm.connect(demo.root_url, token=TOKEN, cache=cache))
            first = demo.stats.snapshot()
            traverse(hyperkm.connect(demo.root_url, token=TOKEN, cache=cache))
            second = demo.stats.snapshot()
        reqs = second["requests"] - first["requests"]
        not_modified = second["not_modified"] - first["not_modified"]
        body = second["bytes_sent"] - first["bytes_sent"]
        rows.append((f"2. warm traversal, {label} cache (max-age=0)",
                     f"{reqs} GETs, {not_modified} were 304, {body} body bytes",
                     f"first pass {first['requests']} GETs, {first['bytes_sent']} bytes", ""))

    # 3. 10,000 events, 10 ms latency
    with demo_process("--events", "10000", "--latency-ms", "10") as url:
        start = first_page(url)

        def walk(prefetch: int) -> int:
            root = hyperkm.connect(url, token=TOKEN)
            return sum(1 for _ in root.follow("events", limit=100).items(prefetch=prefetch))

        (seq, n), (on, _), (off, _) = timed([lambda: bare_sequential(start, 0),
                                             lambda: walk(1), lambda: walk(0)], rounds)
    rows.append((f"3. {n} events, pages of 100, 10 ms latency", f"prefetch on {on:.2f} s",
                 f"bare sequential {seq:.2f} s", f"{on / seq:.2f}"))
    rows.append(("   (same, prefetch off)", f"prefetch off {off:.2f} s",
                 f"bare sequential {seq:.2f} s", f"{off / seq:.2f}"))

    # 4. memory
    size = 20_000 if args.quick else 100_000
    with demo_process("--events", str(size)) as url:
        n, base, peak = memory(url)
    rows.append((f"4. peak memory iterating {n} events", f"+{peak - base:.1f} MB",
                 f"connected process {base:.1f} MB", ""))

    # 5. HAL: hyperkm vs restnavigator
    with demo_process("--format", "hal", "--events", "500") as url:
        rn_time, rn_count = run_restnavigator(url, rounds)
        (hk_time, hk_count), = timed([lambda: hyperkm_hal_walk(url)], rounds)
    with running(format="hal", events=500) as demo:
        run_restnavigator(demo.root_url, 1)
        rn_requests = demo.stats.requests
        demo.stats.reset()
        hyperkm_hal_walk(demo.root_url)
        hk_requests = demo.stats.requests
    assert rn_count == hk_count, (rn_count, hk_count)
    rows.append((f"5. HAL traversal, {hk_count} events",
                 f"{hk_time * 1000:.0f} ms, {hk_requests} GETs",
                 f"restnavigator {rn_time * 1000:.0f} ms, {rn_requests} GETs",
                 f"{hk_time / rn_time:.2f}"))

    # 6. start-up
    n = 5 if args.quick else 11
    base = startup([sys.executable, "-c", "import requests"], n)
    imp = startup([sys.executable, "-c", "import hyperkm"], n)
    help_ = startup([sys.executable, "-m", "hyperkm", "--help"], n)
    rows.append(("6. start-up: import hyperkm", f"{imp * 1000:.0f} ms",
                 f"import requests {base * 1000:.0f} ms", f"{imp / base:.2f}"))
    rows.append(("   hyperkm --help", f"{help_ * 1000:.0f} ms",
                 f"import requests {base * 1000:.0f} ms", f"{help_ / base:.2f}"))

    cpu = platform.processor()
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info
                        if line.startswith("model name")), cpu)
    print(f"hyperkm {hyperkm.__version__} — {date.today()} — Python {platform.python_version()}"
          f" — {cpu}, {os.cpu_count()} cores — {'quick' if args.quick else 'full'} run")
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("benchmark", "hyperkm", "baseline", "ratio")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=False)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
    if shutil.which("dot") is None:
        print("(note: Graphviz is not installed; it is not needed here)")


if __name__ == "__main__":
    main()
