"""A faithful, stateful emulator of the KISSmetrics Core and Query APIs.

It needs werkzeug (``pip install "hyperkm[cli]"``). Start it in-process::

    from hyperkm.demo import running
    with running() as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)

or from a shell with ``hyperkm demo``.
"""

from __future__ import annotations

try:
    import werkzeug  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        'the hyperkm demo server needs werkzeug: pip install "hyperkm[cli]"') from exc

from .app import DemoApp, DemoConfig, Stats
from .dataset import TOKENS, Dataset
from .server import DemoServer, running

__all__ = ["TOKENS", "Dataset", "DemoApp", "DemoConfig", "DemoServer", "Stats", "running"]
