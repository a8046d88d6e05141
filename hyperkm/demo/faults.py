"""Faults the emulator injects on purpose — 503s with Retry-After and dropped connections, at
random (``fail_rate``, ``drop_rate``) or for the next requests — so clients' retries can be
seen at work."""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .app import DemoConfig

__all__ = ["Faults"]


class Faults:
    """What the next request meets: nothing, a 503 (``("fail", retry_after)``) or a dropped
    connection (``("drop", 0)``)."""

    def __init__(self, config: DemoConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._rng = random.Random(config.seed)
        self._forced: list[tuple[str, int]] = []

    def fail_next(self, count: int = 1, *, retry_after: int | None = None) -> None:
        with self._lock:
            ra = self.config.retry_after if retry_after is None else retry_after
            self._forced.extend([("fail", ra)] * count)

    def drop_next(self, count: int = 1) -> None:
        with self._lock:
            self._forced.extend([("drop", 0)] * count)

    def next(self) -> tuple[str, int] | None:
        with self._lock:
            if self._forced:
                return self._forced.pop(0)
            roll = self._rng.random()
        if roll < self.config.drop_rate:
            return ("drop", 0)
        if roll < self.config.drop_rate + self.config.fail_rate:
            return ("fail", self.config.retry_after)
        return None
