"""The benchmark suite, in one run, every comparison side by side.

1. The cold walk on the emulator's keep-alive server, every client in a process of its own:
   bare ``requests`` loops per format, hyperkm (memory, no and directory cache; every format),
   halchemy and restnavigator 1.0.1 in their own venvs (``bench_walk.py``).
2. Parallel pages at 20 ms latency: ``items(concurrency=N)`` against a sequential bare loop and
   a hand-written thread pool (``bench_walk.py``).
3. Collections at scale: latency-bound iteration with consumer work against a sequential and
   an ideal prefetching loop, the walk without latency, peak memory over 100,000 events
   (``bench_collections.py``).
4. Parsing a 100-member page in every format (``bench_formats.py``).
5. Start-up: ``import hyperkm`` and ``hyperkm --help`` against ``import requests``.
6. hyperkm.aio: eight collections on one loop vs eight threads; HTTP/2 vs HTTP/1.1 at 20 ms
   with ``concurrency=8`` (Hypercorn over TLS); the bridge's own cost (``bench_async.py``).

Run: python tests/benchmarks/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))


def startup(command: list[str], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def section(title: str, script: str, *args: str) -> None:
    print(f"\n## {title}\n", flush=True)
    out = subprocess.run([sys.executable, os.path.join(HERE, script), *args],
                         capture_output=True, text=True, check=True).stdout
    print(out.rstrip(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    quick = ["--quick"] if args.quick else []
    cpu = platform.processor()
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info
                        if line.startswith("model name")), cpu)
    print(f"{date.today()} — Python {platform.python_version()} — {cpu}, {os.cpu_count()} "
          f"cores — {'quick' if args.quick else 'full'} run")
    section("1–2. cold walk and parallel pages (keep-alive server)", "bench_walk.py", *quick)
    section("3. collections at scale", "bench_collections.py",
            *(["--rounds", "2"] if args.quick else []))
    section("4. parsing a 100-member page", "bench_formats.py",
            *(["--rounds", "5"] if args.quick else []))
    section("6. hyperkm.aio and HTTP/2", "bench_async.py", *quick)
    n = 5 if args.quick else 15
    base = startup([sys.executable, "-c", "import requests"], n)
    imp = startup([sys.executable, "-c", "import hyperkm"], n)
    help_ = startup([sys.executable, "-m", "hyperkm", "--help"], n)
    print("\n## 5. start-up\n")
    print(f"import requests   {base * 1000:6.0f} ms")
    print(f"import hyperkm    {imp * 1000:6.0f} ms   {imp / base:.2f} × import requests")
    print(f"hyperkm --help    {help_ * 1000:6.0f} ms   {help_ / base:.2f} × import requests")


if __name__ == "__main__":
    main()
