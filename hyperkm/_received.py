"""What the request pipeline knows of an answer, as hyperkm's own values — not attributes hung
on a library's response object.

- `Received` is one answer as the pipeline hands it up: the response, and how it came — from
  the network, the cache, or a 304 revalidation; the status on the wire; the redirects
  followed on the way; whether credentials went with it. Frozen.
- `Delivery` is the one channel from the cache adapter (inside requests' ``send``) back up
  to the pipeline that called it: the pipeline sets one per exchange (`delivery`), the
  adapter writes what it decided into it, and the pipeline reads it when the call returns.
  A context variable, not a thread-local: concurrent requests of ``hyperkm.aio`` on one
  thread each have their own.
- `walk_page` says which page of a collection a request fetches, so that the cache can keep
  a walk's first pages only (`MemoryCache`'s ``walk_pages``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import attrs
import requests

__all__ = ["Delivery", "Received", "delivery", "walk_page"]

@attrs.frozen
class Received:
    """One answer of the request pipeline.

    Attributes:
        response: The HTTP response (its body read, unless it was asked for as a stream).
        outcome: ``"network"``, ``"hit"`` or ``"revalidated"``.
        wire_status: The status as it crossed the wire (304 for a revalidation, although
            ``response`` is the cached 200; the cached status for a hit).
        token_sent: Whether the credentials went with the last hop.
        redirects: ``(status, url)`` of every redirect followed on the way, in order.
    """

    response: requests.Response
    outcome: str = "network"
    wire_status: int = attrs.field(default=attrs.Factory(
        lambda self: self.response.status_code, takes_self=True))
    token_sent: bool = False
    redirects: tuple[tuple[int, str], ...] = ()

    @property
    def see_other(self) -> bool:
        """Whether the answer came through a 303 "See Other": another resource's, such as a
        job's result or a write's receipt (RFC 9110 §15.4.4)."""
        return bool(self.redirects) and self.redirects[-1][0] == 303

    @property
    def moved_permanently(self) -> bool:
        """Whether a 301 or 308 was followed on the way (a bookmark should say where to)."""
        return any(status in (301, 308) for status, _ in self.redirects)


@attrs.define
class Delivery:
    """What the cache adapter decided about one exchange, for the pipeline that sent it.

    Attributes:
        outcome: As `Received.outcome`.
        wire_status: The status on the wire, when it differs from the response's (304).
        store: Stores the body once the pipeline has read it (within its bounds), for an
            answer the cache will keep; ``None`` for one it will not.
        pending: The adapter's own note between its ``build_response`` and ``send``.
    """

    outcome: str = "network"
    wire_status: int | None = None
    store: Callable[[bytes], None] | None = None
    pending: Any = None


#: The delivery of the exchange being sent in this context (``None`` outside the pipeline:
#: a session used directly gets cachecontrol's own behaviour).
delivery: ContextVar[Delivery | None] = ContextVar("hyperkm_delivery", default=None)


Received.__module__ = "hyperkm"  # public: tracebacks, reprs and help() say where to import it


#: The number of the collection page being fetched (2 for the page after the first, as
#: `Step.page` counts), or 0 for any other request: set around a page's fetch by
#: `Resource._load`, read by the cache adapter to decide whether the cache keeps the page.
walk_page: ContextVar[int] = ContextVar("hyperkm_walk_page", default=0)
