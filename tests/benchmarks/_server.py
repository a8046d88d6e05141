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
