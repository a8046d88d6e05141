"""Run the demo server in its own process, so that it does not compete with the measured
client for the GIL (in-process, the server's threads add noise to every timing)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def demo_process(*args: str) -> Iterator[str]:
    """Start ``python -m hyperkm.demo --port 0 ARGS`` and yield its root URL."""
    proc = subprocess.Popen([sys.executable, "-m", "hyperkm.demo", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "root URL" in line:
                yield line.split(":", 1)[1].strip()
                break
        else:
            raise RuntimeError("the demo server did not start")
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def fast_process(upstream_root: str) -> Iterator[str]:
    """Put ``_fastserver.py`` in front of an emulator: yield the same root on its origin."""
    import os
    from urllib.parse import urlsplit

    parts = urlsplit(upstream_root)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_fastserver.py")
    proc = subprocess.Popen([sys.executable, script, f"{parts.scheme}://{parts.netloc}"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().split()[1])
        yield f"http://127.0.0.1:{port}{parts.path}"
    finally:
        proc.terminate()
        proc.wait(10)
