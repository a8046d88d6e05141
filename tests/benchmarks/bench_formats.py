"""Parsing a 100-member page in every format, against the same page as KISSmetrics envelopes.

The pages are the emulator's own (the same 100 events, rendered by each format), fetched once;
then each is parsed many times — `formats.parse()`, plus what a walk does with a page: count
its members and read each member's URL (state and links stay lazy). Rounds are interleaved
and the medians compared, so the ratios are side by side from one run.

Target (the formats issue): every format at most 2x the KISSmetrics envelope.

Run: python tests/benchmarks/bench_formats.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests

from hyperkm import formats
from hyperkm.demo import running
from hyperkm.demo.render import FORMATS, MEDIA_TYPES


def pages() -> dict[str, tuple[bytes, str, dict[str, str]]]:
    wanted = [f for f in FORMATS if f != "array"]
    out = {}
    with running(format="km", formats=tuple(wanted), events=200) as demo:
        auth = {"Authorization": f"Bearer {demo.token}"}
        root = requests.get(demo.root_url, headers=auth, timeout=10).json()
        events = next(x["href"] for x in root["data"]["links"] if x["rel"] == "events")
        url = events.split("{", 1)[0] + "?limit=100&offset=0"
        for fmt in wanted:
            response = requests.get(url, headers={**auth, "Accept": MEDIA_TYPES[fmt]},
                                    timeout=10)
            headers = {"Content-Type": response.headers["Content-Type"]}
            out[fmt] = (response.content, url, headers)
    return out


def parse_page(body: bytes, url: str, headers: dict[str, str]) -> int:
    doc = formats.parse(body, url, headers)
    members = doc.items or ()
    return sum(len(m.url) for m in members) + len(members)


def measure(rounds: int, repeat: int) -> dict[str, float]:
    bodies = pages()
    samples: dict[str, list[float]] = {fmt: [] for fmt in bodies}
    for _ in range(rounds):
        for fmt, (body, url, headers) in bodies.items():  # interleaved
            started = time.perf_counter()
            for _ in range(repeat):
                parse_page(body, url, headers)
            samples[fmt].append((time.perf_counter() - started) / repeat)
    return {fmt: statistics.median(values) for fmt, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    medians = measure(args.rounds, args.repeat)
    base = medians["km"]
    print(f"{'format':<18}{'µs / 100-member page':>22}{'× KISSmetrics':>16}")
    for fmt, value in medians.items():
        print(f"{fmt:<18}{value * 1e6:>22.0f}{value / base:>16.2f}")


if __name__ == "__main__":
    main()
