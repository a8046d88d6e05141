"""``hyperkm explore``: a local web explorer for any hypermedia API (see ``app.py``)."""

from __future__ import annotations

import threading
from typing import Any

from .app import ExplorerApp

__all__ = ["ExplorerApp", "ExplorerServer"]


class ExplorerServer:
    """The explorer on a loopback port (``port=0``: any free one), in a thread or in front.

    Attributes:
        url: The URL to open, with the per-run secret.
    """

    def __init__(self, root: Any, *, port: int = 0, host: str = "127.0.0.1",
                 demo: Any = None, secret: str | None = None) -> None:
        from .._urls import is_loopback
        from ..demo.wsgi import KeepAliveServer

        if not is_loopback(host):
            raise ValueError("the explorer listens on loopback addresses only")
        self.app = ExplorerApp(root, demo=demo, secret=secret)
        from .app import MAX_FORM_BYTES

        # The secret and Host are checked from a request's head, before its body is read.
        self._server = KeepAliveServer(host, port, self.app, admit=self.app.admit,
                                       max_body=MAX_FORM_BYTES)
        self.port = self._server.server_port
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}/?s={self.app.secret}"
        self._thread: threading.Thread | None = None

    def start(self) -> ExplorerServer:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name="hyperkm-explore")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def __enter__(self) -> ExplorerServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
