"""`hyperkm.aio.Resource`: the blocking `hyperkm.Resource`, awaited."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

from .. import _bridge
from .._actions import Action as _Action
from .._exceptions import HyperkmError
from .._links import Link, Links
from .._received import Received
from .._resource import Resource as _Resource
from .._steps import Step
from ..formats import Document
from . import _jobs, _walk

if TYPE_CHECKING:  # pragma: no cover
    from .._bookmarks import Trail
    from ._client import Client

__all__ = ["Action", "Items", "NotFetched", "Resource"]

#: Members handed over from the blocking walk at a time (one bridge crossing each).
_BATCH = 128


class NotFetched(HyperkmError):
    """A hyperkm.aio resource's state was read before it was fetched: reading it would need a
    request, and a property cannot await one."""


class Resource:
    """A resource of a hypermedia API, for asyncio: [`hyperkm.Resource`][hyperkm.Resource] with
    every request awaited.

    ``follow`` is lazy and sends nothing (the resource it starts from is fetched when the
    result is). State — `data`, `links`, `document`, `headers` — is read after ``await
    resource.fetch()`` (members of a collection arrive with theirs); reading it before raises
    [`NotFetched`][hyperkm.aio.NotFetched].
    """

    __slots__ = ("_client", "_node", "_pending")

    def __init__(self, client: Client, node: _Resource | None,
                 pending: tuple[Resource, str | Link, dict[str, Any]] | None = None) -> None:
        self._client = client
        self._node = node
        self._pending = pending

    # -- the blocking resource underneath ---------------------------------------------------

    async def _resolved(self) -> _Resource:
        if self._node is None:
            assert self._pending is not None
            parent, rel, options = self._pending
            start = await parent._resolved()
            self._node = await _bridge.run(start.follow, rel, **options)
            self._pending = None
        return self._node

    def _held(self, what: str) -> _Resource:
        node = self._node
        if node is None or not node.fetched:
            raise NotFetched(f"{self.url if node is not None else self._describe()} is not "
                             f"fetched yet, so its {what} is not at hand: await "
                             "resource.fetch() first (it returns the resource).",
                             url=node.url if node is not None else None)
        return node

    def _describe(self) -> str:
        if self._pending is None:
            return self._node.url if self._node is not None else "this resource"
        parent, rel, _ = self._pending
        return f"{parent._describe()} › {rel if isinstance(rel, str) else rel.rel}"

    def _wrap(self, node: _Resource) -> Resource:
        return Resource(self._client, node)

    # -- state (no request) -----------------------------------------------------------------

    @property
    def client(self) -> Client:
        """The [`hyperkm.aio.Client`][hyperkm.aio.Client] this resource belongs to."""
        return self._client

    @property
    def url(self) -> str:
        """The URL (after redirects, once fetched).

        Raises:
            NotFetched: reached by ``follow`` from a resource not fetched yet: the link's
                target is not known until it is.
        """
        if self._node is None:
            raise NotFetched(f"{self._describe()}: where the link leads is known once the "
                             "resource it starts from is fetched; await fetch() first.")
        return self._node.url

    @property
    def fetched(self) -> bool:
        """Whether the state is at hand."""
        return self._node is not None and self._node.fetched

    @property
    def document(self) -> Document:
        return self._held("document").document

    @property
    def data(self) -> Any:
        """The state without hypermedia controls."""
        return self._held("data").data

    @property
    def links(self) -> Links:
        return self._held("links").links

    @property
    def headers(self) -> Mapping[str, str]:
        return self._node.headers if self._node is not None else {}

    @property
    def etag(self) -> str | None:
        return self._node.etag if self._node is not None else None

    @property
    def response(self) -> Any:
        return self._node.response if self._node is not None else None

    @property
    def received(self) -> Received | None:
        """How the last response came (as the blocking `received`)."""
        return self._node.received if self._node is not None else None

    @property
    def write_response(self) -> Any:
        """For a resource a write returned: the write's response (e.g. a job's 202)."""
        return self._node.write_response if self._node is not None else None

    @property
    def deprecation(self) -> Any:
        """What the last response said about this resource going away (``Deprecation``,
        ``Sunset``), or ``None``."""
        return self._node.deprecation if self._node is not None else None

    @property
    def breadcrumb(self) -> list[str]:
        """The steps from the starting resource to this one."""
        if self._node is None:
            return self._describe().split(" › ")[1:]
        return self._node.breadcrumb

    @property
    def step(self) -> Step | None:
        return self._node.step if self._node is not None else None

    @property
    def parent(self) -> Resource | None:
        if self._pending is not None:
            return self._pending[0]
        parent = self._node.parent if self._node is not None else None
        return self._wrap(parent) if parent is not None else None

    @property
    def trail(self) -> Trail:
        return self._held("trail").trail

    def bookmark(self, *, member_key: str = "id") -> str:
        """A bookmark of this resource for [`hyperkm.aio.open`][hyperkm.aio.open] (or the
        blocking `hyperkm.open`: the format is the same)."""
        return self._held("trail").bookmark(member_key=member_key)

    def link(self, rel: str, *, name: str | None = None, index: int | None = None) -> Link:
        return self._held("links").link(rel, name=name, index=index)

    # -- navigation (no request) -------------------------------------------------------------

    def follow(self, rel: str | Link, /, *, link_name: str | None = None,
               link_index: int | None = None, **variables: Any) -> Resource:
        """Another lazy resource, by a link relation (as [`hyperkm.Resource.follow`]
        [hyperkm.Resource]); nothing is sent. From a fetched resource, a missing rel or
        template variable raises here; from one not fetched yet, when the result is fetched."""
        options = {"link_name": link_name, "link_index": link_index, **variables}
        node = self._node
        if node is not None and node.fetched:
            return self._wrap(node.follow(rel, **options))
        return Resource(self._client, None, (self, rel, options))

    def __getitem__(self, rel: str) -> Resource:
        if not isinstance(rel, str):
            raise TypeError("index a Resource by rel (a string); use .items() for members")
        return self.follow(rel)

    # -- requests ----------------------------------------------------------------------------

    async def fetch(self) -> Resource:
        """Fetch the state if it is not at hand (through the cache); returns ``self``."""
        node = await self._resolved()
        if not node.fetched:
            await _bridge.run(lambda: node.document)
        return self

    async def refresh(self) -> Resource:
        """Fetch the state again (a conditional request with a cached copy); returns ``self``."""
        node = await self._resolved()
        await _bridge.run(node.refresh)
        return self

    async def actions(self) -> Mapping[str, Action]:
        """The actions (forms) offered, ``name → Action`` (fetching what is needed)."""
        node = await self._resolved()
        found = await _bridge.run(lambda: node.actions)
        return {name: Action(self, found[name]) for name in found}

    async def action(self, name: str) -> Action:
        """The action called ``name``.

        Raises:
            ActionNotFound: there is none (the message lists those there are).
        """
        node = await self._resolved()
        return Action(self, await _bridge.run(node.action, name))

    async def allowed_methods(self) -> frozenset[str]:
        node = await self._resolved()
        return await _bridge.run(node.allowed_methods)

    def items(self, *, prefetch: int = 1, page_size: int | None = None,
              max_pages: int | None = None, concurrency: int = 1) -> Items:
        """The members across every page, for ``async for`` (arguments as
        [`hyperkm.Resource.items`][hyperkm.Resource]; prefetching and ``concurrency`` run as
        asyncio tasks, not threads)."""
        return Items(self, {"prefetch": prefetch, "page_size": page_size,
                            "max_pages": max_pages, "concurrency": concurrency})

    def pages(self, *, prefetch: int = 1, page_size: int | None = None,
              max_pages: int | None = None, concurrency: int = 1) -> AsyncIterator[Resource]:
        """Each page as a fetched resource, for ``async for``."""
        return self.items(prefetch=prefetch, page_size=page_size, max_pages=max_pages,
                          concurrency=concurrency).pages()

    async def post(self, json: Any = None, *, headers: Mapping[str, str] | None = None
                   ) -> Resource:
        """POST ``json``; the resource the answer names (a job's status after 202)."""
        node = await self._resolved()
        return self._wrap(await _bridge.run(node.post, json, headers=headers))

    async def put(self, json: Any = None, *, if_match: str | bool | None = None,
                  headers: Mapping[str, str] | None = None) -> Resource:
        """PUT ``json`` with ``If-Match`` (the ETag at hand), as the blocking `put`."""
        node = await self._resolved()
        return self._wrap(await _bridge.run(node.put, json, if_match=if_match,
                                            headers=headers))

    async def patch(self, json: Any = None, *, if_match: str | bool | None = None,
                    headers: Mapping[str, str] | None = None) -> Resource:
        node = await self._resolved()
        return self._wrap(await _bridge.run(node.patch, json, if_match=if_match,
                                            headers=headers))

    async def delete(self, *, if_match: str | bool | None = None,
                     headers: Mapping[str, str] | None = None) -> Resource:
        node = await self._resolved()
        return self._wrap(await _bridge.run(node.delete, if_match=if_match, headers=headers))

    async def wait(self, *, timeout: float = 300.0, interval: float = 1.0,
                   max_interval: float = 10.0,
                   on_progress: Callable[[Any, Resource], None] | None = None) -> Resource:
        """Poll this job until it is done and return its result (as the blocking `wait`,
        and by the same decisions; the pauses are ``asyncio.sleep``, so other tasks run
        meanwhile)."""
        node = await self._resolved()

        def progress(value: Any, status: _Resource) -> None:
            if on_progress is not None:
                on_progress(value, self._wrap(status))

        return self._wrap(await _jobs.wait(node, timeout=timeout, interval=interval,
                                           max_interval=max_interval, on_progress=progress))

    async def download(self, to: str | os.PathLike[str] | BinaryIO | None = None, **options: Any
                       ) -> bytes | int:
        """The raw body (as the blocking `download`)."""
        node = await self._resolved()
        return await _bridge.run(node.download, to, **options)

    # -- presentation ------------------------------------------------------------------------

    def __repr__(self) -> str:
        if self._node is None:
            return f"<hyperkm.aio.Resource {self._describe()} (not fetched)>"
        return repr(self._node).replace("<Resource", "<hyperkm.aio.Resource", 1)

    def summary(self) -> str:
        return self._held("summary").summary()

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Resource) and self._node is not None
                and other._node is not None and other._node == self._node)

    def __hash__(self) -> int:
        return hash(self._node) if self._node is not None else id(self)


class Items:
    """A collection's members, for ``async for``; ``await items.count()`` is ``len()``."""

    __slots__ = ("_collection", "_options")

    def __init__(self, collection: Resource, options: dict[str, Any]) -> None:
        for name in ("prefetch", "page_size", "max_pages", "concurrency"):
            value = options[name]
            floor = 0 if name == "prefetch" else 1
            if value is not None and value < floor:
                raise ValueError(f"{name} must be >= {floor}")
        self._collection, self._options = collection, options

    async def _blocking(self) -> Any:
        return (await self._collection._resolved()).items(**self._options)

    def __aiter__(self) -> AsyncIterator[Resource]:
        if self._options["concurrency"] == 1:
            return self._driven(_walk.members)
        return self._walk(lambda items: iter(items))

    def pages(self) -> AsyncIterator[Resource]:
        """Each page as a fetched resource."""
        if self._options["concurrency"] == 1:
            return self._driven(_walk.pages)
        return self._walk(lambda items: items.pages())

    async def _driven(self, walk: Callable[[Any, int], AsyncGenerator[_Resource, None]]
                      ) -> AsyncIterator[Resource]:
        # A walk page by page: the blocking walk's decisions, driven on the loop (prefetching
        # by a task). N pages at a time (concurrency=N) run the blocking plan in the bridge.
        wrap = self._collection._wrap
        async with contextlib.aclosing(walk(await self._blocking(),
                                            self._options["prefetch"])) as nodes:
            async for node in nodes:
                yield wrap(node)

    async def _walk(self, start: Callable[[Any], Iterator[_Resource]]
                    ) -> AsyncIterator[Resource]:
        blocking = start(await self._blocking())
        wrap = self._collection._wrap
        try:
            while True:
                # The blocking walk runs in the bridge a batch at a time; prefetched pages
                # keep arriving (asyncio tasks) while the caller works on a batch.
                batch = await _bridge.run(lambda: list(itertools.islice(blocking, _BATCH)))
                for node in batch:
                    yield wrap(node)
                if len(batch) < _BATCH:
                    return
        finally:
            close = getattr(blocking, "close", None)
            if close is not None:  # stops prefetching tasks, in the bridge they need
                await _bridge.run(close)

    async def count(self) -> int:
        """The number of members (the server's count when stated; else as `len()` finds it)."""
        blocking = await self._blocking()
        return await _bridge.run(len, blocking)

    def __repr__(self) -> str:
        return f"<hyperkm.aio.Items of {self._collection!r}>"


class Action:
    """An action (form) of a hyperkm.aio resource: its fields as
    [`hyperkm.Action`][hyperkm.Action]'s, and ``await submit(...)``."""

    __slots__ = ("_action", "_resource")

    def __init__(self, resource: Resource, action: _Action) -> None:
        self._resource, self._action = resource, action

    def __getattr__(self, name: str) -> Any:  # name, method, target, fields, validate, ...
        return getattr(self._action, name)

    async def submit(self, values: Mapping[str, Any] | None = None, /, **fields: Any
                     ) -> Resource:
        """Validate (nothing is sent if the values do not fit), send, and return what the
        server answered with (as the blocking `submit`)."""
        result = await _bridge.run(self._action.submit, values, **fields)
        return self._resource._wrap(result)

    def __repr__(self) -> str:
        return repr(self._action).replace("Action(", "hyperkm.aio.Action(", 1)
