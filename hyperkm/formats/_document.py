"""The one shape every format produces."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .._links import Link, Links

if TYPE_CHECKING:  # pragma: no cover
    from .._actions import Action

__all__ = ["CONTROL_KEYS", "NOT_QUICK", "PEEKERS", "Document", "LazyMembers", "Page",
           "strip_links"]

_NO_LINKS = Links()
_STATE_LOCK = threading.Lock()


def strip_links(raw: dict[str, Any]) -> dict[str, Any]:
    """A KISSmetrics member's state: its object without ``links``."""
    state = raw.copy()
    state.pop("links", None)
    return state


#: State functions whose state is the raw object minus some keys, by those keys: ``peek``
#: then reads the raw object without building the state (thousands of members a walk).
CONTROL_KEYS: dict[Callable[[Any], Any], frozenset[str]] = {strip_links: frozenset({"links"})}
#: State functions with a cheaper way to read one field from the raw object.
PEEKERS: dict[Callable[[Any], Any], Callable[[Any, str], Any]] = {}
#: What a format's quick state function answers for a raw member it cannot read that way
#: (an unusual shape, or one its full reading would refuse): build the member's document.
NOT_QUICK: Any = object()


class LazyMembers(Sequence["Document"]):
    """A page's members, built on first use: the thread that fetches pages then only decodes
    JSON and reads the page's links, and the consumer builds members while the next page is
    on its way."""

    __slots__ = ("_build", "_built", "_raw", "quick_state")

    def __init__(self, raw: list[Any], build: Callable[[Any, int], Document],
                 quick_state: Callable[[Any], Any] | None = None) -> None:
        self._raw, self._build = raw, build
        self._built: list[Document] | None = None
        #: ``quick_state(raw)``: a member's state read straight from its raw value, without
        #: building its document (no URL resolved, no link read) — what a walk that reads
        #: one field of every member needs; ``NOT_QUICK`` where only the build will do.
        self.quick_state = quick_state

    def _members(self) -> list[Document]:
        if self._built is None:
            build = self._build
            self._built = [build(v, i) for i, v in enumerate(self._raw)]
        return self._built

    @property
    def raw(self) -> list[Any]:
        """The members' raw JSON values, in order."""
        return self._raw

    @property
    def builder(self) -> Callable[[Any, int], Document]:
        """``builder(raw, index)`` builds one member's document from its raw value alone (it
        holds nothing of the page: a member kept after its page is gone keeps only itself)."""
        return self._build

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, index: Any) -> Any:
        return self._members()[index]

    def __iter__(self) -> Iterator[Document]:
        return iter(self._members())

    def __bool__(self) -> bool:
        return bool(self._raw)


class Page:
    """Paging facts a collection document states about itself (all optional).

    Attributes:
        total: How many members the whole collection has.
        offset, limit: Where this page starts, and its size.
        first: The URL of the first page, when the collection's own document lists no
            members and they begin there (ActivityStreams ``first``): iteration starts there.
    """

    __slots__ = ("first", "limit", "offset", "total")

    def __init__(self, total: int | None = None, offset: int | None = None,
                 limit: int | None = None, first: str | None = None) -> None:
        self.total = total
        self.offset = offset
        self.limit = limit
        self.first = first

    def __repr__(self) -> str:
        return (f"Page(total={self.total}, offset={self.offset}, limit={self.limit}"
                + (f", first={self.first!r})" if self.first else ")"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Page) and (self.total, self.offset, self.limit, self.first) \
            == (other.total, other.offset, other.limit, other.first)

    __hash__ = None  # type: ignore[assignment]


_NO_PAGE = Page()
_NO_EMBEDDED: Mapping[str, Any] = MappingProxyType({})


class Document:
    """A parsed representation: state, links, embedded documents and collection members.

    Attributes:
        url: The URL the document describes (its ``self`` link for embedded members).
        format: The name of the format that read it (``"kissmetrics"``, ``"hal"``, ``"json"``).
        data: The state without hypermedia controls. For a collection page, the members' states.
        links: Every link (body and ``Link`` header), hrefs absolute. Parsed on first access
            for embedded members, which are numerous and often never asked for their links.
        embedded: Embedded documents by rel (HAL ``_embedded``).
        items: The collection's members on this page, or ``None`` if it is not a collection.
        page: What the document says about paging (``total``, ``offset``, ``limit``).
        meta: Envelope metadata (KISSmetrics ``meta``), if any.
        envelope: Other top-level members of an envelope that wraps ``data`` (query results'
            ``columns``, for example).
        has_own_url: False for an embedded member without a ``self`` link (its ``url`` is then
            the containing document's).
        actions: The affordances (forms) the representation offers, in document order (read
            when first asked for, for members).
        raw: The decoded body as received (for ``show --raw``); ``None`` for members.
    """

    __slots__ = ("_actions", "_body_links", "_data", "_links", "_links_factory", "_state",
                 "embedded", "envelope", "format", "has_own_url", "items", "meta", "page", "raw",
                 "url")

    def __init__(
        self,
        url: str,
        *,
        format: str,
        data: Any = None,
        links: Links | None = None,
        links_factory: Callable[[], Links] | None = None,
        embedded: Mapping[str, Sequence[Document]] | None = None,
        items: Sequence[Document] | None = None,
        page: Page | None = None,
        meta: Any = None,
        envelope: Mapping[str, Any] | None = None,
        has_own_url: bool = True,
        actions: tuple[Action, ...] | Callable[[], tuple[Action, ...]] = (),
    ) -> None:
        self.url = url
        self.format = format
        self._data = data
        self._state: Callable[[Any], Any] | None = None
        self._links = links
        self._links_factory = links_factory
        self._body_links: Links | None = None
        self.embedded: Mapping[str, Sequence[Document]] = embedded or {}
        self.items = items
        self.page = page or Page()
        self.meta = meta
        self.envelope: Mapping[str, Any] = envelope or {}
        self.has_own_url = has_own_url
        self._actions: tuple[Action, ...] | Callable[[], tuple[Action, ...]] = actions
        self.raw: Any = None

    @property
    def actions(self) -> tuple[Action, ...]:
        """The affordances (forms) the representation offers, in document order."""
        actions = self._actions  # read once: another thread may be replacing it
        if callable(actions):  # a member's forms, read on first use
            actions = self._actions = actions()
        return actions

    @property
    def data(self) -> Any:
        if self._data is None and self.items is not None:
            return [member.data for member in self.items]
        if self._state is not None:
            # A member's raw object: turn it into state on first use, not at parse time (a
            # long walk builds thousands of members whose state nobody reads). Under a lock:
            # two threads using a member at once must not turn its state into state again.
            with _STATE_LOCK:
                state = self._state
                if state is not None:
                    self._data = state(self._data)
                    self._state = None
        return self._data

    def adopt_state(self, state: Any) -> None:
        """Use ``state``, already read from this member's raw value, as its data (so that a
        resource's ``data`` stays the same object once its document is built)."""
        with _STATE_LOCK:
            if self._state is not None:
                self._data, self._state = state, None

    @classmethod
    def member(cls, url: str, format: str, raw: Any, links_factory: Callable[[], Links] | None,
               has_own_url: bool, state: Callable[[Any], Any] | None = None,
               actions: tuple[Action, ...] | Callable[[], tuple[Action, ...]] = ()
               ) -> Document:
        """A collection member from its raw JSON object, built cheaply (there are thousands):
        its links are parsed, and its state extracted (``state(raw)``; by default ``links``
        removed when there are links), only when asked for."""
        doc = cls.__new__(cls)
        doc.url, doc.format, doc._data = url, format, raw
        doc._state = state if state is not None else (
            strip_links if links_factory is not None else None)
        doc._links = None if links_factory is not None else _NO_LINKS
        doc._links_factory = links_factory
        doc._body_links = None
        doc.embedded, doc.items, doc.page, doc.meta = _NO_EMBEDDED, None, _NO_PAGE, None
        doc.envelope, doc.has_own_url = _NO_EMBEDDED, has_own_url
        doc._actions, doc.raw = actions, None
        return doc

    def peek(self, key: str) -> Any:
        """``data[key]`` when the state is an object, else ``None`` (cheap: no copy)."""
        state = self._state
        if state is strip_links:  # the common case, first: thousands of members a walk
            return self._data.get(key) if key != "links" else None
        if state is not None:
            controls = CONTROL_KEYS.get(state)
            if controls is not None:
                return self._data.get(key) if key not in controls else None
            peeker = PEEKERS.get(state)
            if peeker is not None:
                with _STATE_LOCK:  # the raw object, unless another thread has just turned it
                    if self._state is state:
                        return peeker(self._data, key)
        data = self.data
        return data.get(key) if type(data) is dict else None

    @property
    def links(self) -> Links:
        links = self._links
        if links is None:
            # Read each attribute once: a page's links may be asked for from the prefetching
            # thread and the consumer at once (the links are set before the factory is
            # dropped, so a thread that finds no factory finds the links).
            factory = self._links_factory
            if factory is None:
                links = self._links
                if links is None:
                    links = self._links = _NO_LINKS
            else:
                links = factory()
                self._links = links
                self._links_factory = self._body_links = None
        return links

    def _first_link(self, rel: str) -> Link | None:
        """The first link with ``rel`` — ``links.get(rel)`` — without reading the ``Link``
        header when the body has that rel itself (its links come first; a walk asks every
        page for ``next``)."""
        body = self._body_links
        if body is not None and self._links is None:
            found = body._exact(rel)
            if found is not None:
                return found
        return self.links.get(rel)

    def _defer_links(self, body: Links, merge: Callable[[], Links]) -> None:
        """Hold ``body`` as the links read so far, and build the whole set with ``merge``
        when first asked for (for ``Link`` headers: most pages need only ``next``)."""
        self._links, self._body_links, self._links_factory = None, body, merge

    @property
    def is_collection(self) -> bool:
        return self.items is not None

    def with_links(self, extra: Links) -> Document:
        """This document with ``extra`` links appended (used for ``Link`` headers)."""
        if not len(extra):
            return self
        self._links = self.links.merged(extra)
        return self

    def __repr__(self) -> str:
        kind = f"collection of {len(self.items)}" if self.items is not None else "resource"
        return f"<Document {self.format} {kind} {self.url} rels={self.links.rels}>"


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("Document",):
    globals()[_name].__module__ = "hyperkm"
