"""Resource: a lazy handle on one URL, navigated by link relations."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import requests

from . import _why, _writes
from ._actions import Action, Actions
from ._changes import Changes
from ._deprecation import Deprecation, read_deprecation
from ._exceptions import HyperkmError
from ._links import Links
from ._navigation import Navigation
from ._received import Received, walk_page
from ._repl import Presentation
from ._steps import Step
from .formats import Document
from .formats._document import NOT_QUICK, LazyMembers

if TYPE_CHECKING:  # pragma: no cover
    from ._bookmarks import Trail
    from ._http_client import HttpClient as Client

__all__ = ["Resource", "Step"]



class Resource(Navigation, Changes, Presentation):
    """A resource of a hypermedia API, identified by its URL.

    Creating one costs nothing: the first access to `data`, `links` or
        `document` fetches it (members of a collection arrive with their state and are not
    fetched again). `follow` returns another lazy Resource.
    """

    # A collection's members are flyweights until used: ``_raw`` (the member's JSON value),
    # ``_source`` (how its page builds members) and ``_index`` stand for a document not
    # built yet; ``_quick`` is its state when that was read straight from ``_raw``.
    __slots__ = ("_client", "_document", "_index", "_quick", "_raw", "_received", "_source",
                 "_step", "_url", "base_trail", "parent", "write_response")

    def __init__(
        self,
        client: Client,
        url: str,
        *,
        document: Document | None = None,
        parent: Resource | None = None,
        step: Step | None = None,
    ) -> None:
        self._client = client
        self._url: str | None = url
        self._document = document
        self._received: Received | None = None
        #: The resource this one was reached from, and how (``None`` for a root or direct URL).
        self.parent = parent
        self._step = step
        #: For a resource returned by a write: the write's response (e.g. the 202 of a job).
        self.write_response: requests.Response | None = None
        #: For a resource opened from a bookmark: the trail that led to it back then.
        self.base_trail: Trail | None = None
        self._source: _MemberSource | None = None
        self._raw: Any = None
        self._index = 0
        self._quick: Any = NOT_QUICK  # a member's state, read before its document was built

    @classmethod
    def _members_of_page(cls, client: Client, parent: Resource, members: LazyMembers,
                         position: int) -> Iterator[Resource]:
        """The members of one page as flyweights: a walk over thousands of members builds
        each one's document (and URL, and step) only if it is used."""
        # The source holds the page's builder, not its members: the last member a loop holds
        # must not keep the whole page (thousands of objects for the garbage collector to
        # walk) alive while the next page is read.
        source = _MemberSource(members.builder, position, members.quick_state)
        new = cls.__new__
        for index, raw in enumerate(members.raw):
            member = new(cls)
            member._client = client
            member._url = member._document = member._received = None
            member.parent = parent
            member._step = member.write_response = member.base_trail = None
            member._source, member._raw, member._index = source, raw, index
            member._quick = NOT_QUICK
            yield member

    def _held(self) -> Document | None:
        """The document at hand, if any (a member's is built now; nothing is fetched)."""
        if self._source is not None:
            self._build_member()
        return self._document

    def _adopt(self, document: Document | None, received: Received | None) -> None:
        """Take ``document`` (and the answer it came in) as this resource's own: what a write
        or a job's poll answered with, for the layers below (`_writes`, `_jobs`)."""
        self._document, self._received = document, received

    def _build_member(self) -> None:
        source = self._source
        if source is None:  # another thread built it meanwhile
            return
        # _raw is never cleared (the document holds it anyway), so two threads building the
        # same member at once both build it right; the document is set before _source is
        # cleared, so whoever sees no source sees the document.
        document = source.build(self._raw, self._index)
        quick = self._quick
        if quick is not NOT_QUICK:
            document.adopt_state(quick)  # data read earlier stays the same object
        if self._step is None:
            key = document.peek("id")
            label = (f"[id={key}]" if type(key) in (str, int)
                     else f"[{source.position + self._index}]")
            self._step = Step(None, label=label, member=True)
        self._document, self._url = document, document.url
        self._source = None

    # -- state --------------------------------------------------------------------------

    @property
    def client(self) -> Client:
        return self._client

    @property
    def step(self) -> Step | None:
        """How this resource was reached from `parent` (``None`` for a root or direct URL)."""
        if self._step is None and self._source is not None:
            self._build_member()
        return self._step

    @step.setter
    def step(self, value: Step | None) -> None:
        self._step = value

    @property
    def url(self) -> str:
        """The resource's URL (after redirects, once fetched)."""
        document = self._held()
        if document is not None:
            return document.url
        assert self._url is not None  # only a flyweight member lacks one, and it has a document
        return self._url

    @property
    def fetched(self) -> bool:
        """Whether the state is at hand (fetched, or embedded in the document that listed it)."""
        return self._document is not None or self._source is not None

    @property
    def document(self) -> Document:
        """The parsed representation, fetched on first access."""
        if self._document is None:
            if self._source is not None:
                self._build_member()
            if self._document is None:
                self._load()
        assert self._document is not None
        return self._document

    @property
    def data(self) -> Any:
        """The state without hypermedia controls (for a KISSmetrics item: its fields, no links)."""
        source = self._source
        if source is not None and source.quick_state is not None:
            # A member whose state is all that is asked for (a walk reading one field of
            # each): read it from the raw value, without building the document — no URL
            # resolved, no link read, no step made — until something needs them.
            quick = self._quick
            if quick is NOT_QUICK:
                quick = source.quick_state(self._raw)
                if quick is NOT_QUICK:
                    return self.document.data
                self._quick = quick
                if self._source is None:  # another thread built the document meanwhile
                    return self.document.data
            return quick
        return self.document.data

    @property
    def links(self) -> Links:
        """Every link the representation offers, from the body and the ``Link`` header."""
        return self.document.links

    @property
    def response(self) -> requests.Response | None:
        """The last HTTP response for this resource (``None`` if it arrived embedded)."""
        return self._received.response if self._received is not None else None

    @property
    def received(self) -> Received | None:
        """How the last response came (redirects followed, from the cache or not), or
        ``None`` (see `response`)."""
        return self._received

    @property
    def headers(self) -> Mapping[str, str]:
        """Response headers of the last fetch (empty for embedded state)."""
        return self._received.response.headers if self._received is not None else {}

    @property
    def etag(self) -> str | None:
        """The ``ETag`` of the state at hand, if the server sent one."""
        return self.headers.get("ETag")

    @property
    def deprecation(self) -> Deprecation | None:
        """What the last response said about this resource going away (``Deprecation``,
        ``Sunset`` headers and their links), or ``None``. hyperkm also logs it, once."""
        if self._received is None:
            return None
        return read_deprecation(self._received.response.headers, self.url)

    def _load(self, revalidate: bool = False) -> None:
        if self._url is None:  # a flyweight member: its URL comes with its document
            self._build_member()
        assert self._url is not None
        step = self._step
        if step is None or not step.page:
            self._document, self._received = self._client.fetch(self._url,
                                                                revalidate=revalidate)
            return
        # A collection's page says so: the in-memory cache keeps only a walk's first pages.
        mark = walk_page.set(step.page)
        try:
            self._document, self._received = self._client.fetch(self._url,
                                                                revalidate=revalidate)
        finally:
            walk_page.reset(mark)

    def refresh(self) -> Resource:
        """Fetch the state again, replacing what is held; returns ``self``.

        With a cached copy this is a conditional request: the server answers 304 without a
        body when nothing changed.

        Raises:
            HyperkmError: the resource arrived embedded without a URL of its own.
        """
        held = self._held()
        if held is not None and not held.has_own_url:
            raise HyperkmError(
                f"this member of {self.url} has no 'self' link, so it cannot be fetched on its "
                "own; refresh the collection that contains it instead.", url=self.url)
        self._load(revalidate=True)
        return self

    # -- affordances ----------------------------------------------------------------------

    @property
    def actions(self) -> Actions:
        """The actions (forms) the representation offers, ``name → Action`` in document order;
        each one's [`submit`][hyperkm.Action] validates, sends and returns the result."""
        document = self.document
        if not document.actions and self._received is None and document.has_own_url:
            # An embedded representation can be partial (HAL, Siren and Collection+JSON
            # members list state, not forms): ask the resource itself, once. Listing a
            # collection stays cheap: this happens only when its actions are asked for.
            with _why.because("a member's forms: its own representation"):
                self._load()
            document = self.document
        return Actions(tuple(_writes.bind(self, a) for a in document.actions), self.url)

    def action(self, name: str) -> Action:
        """The action called ``name``.

        Raises:
            ActionNotFound: there is none; the message lists the actions there are and close
                matches (or, when there are none, how to ask the server what it accepts).
        """
        return self.actions[name]

    def allowed_methods(self) -> frozenset[str]:
        """The methods this resource accepts, from one ``OPTIONS`` request's ``Allow`` header
        (remembered by the client): for formats that carry no forms."""
        return self._client.allowed_methods(self.url)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and other.url == self.url and (
            other._client is self._client)

    def __hash__(self) -> int:
        return hash(self.url)


class _MemberSource:
    """How a page builds its members, and the page's first position."""

    __slots__ = ("build", "position", "quick_state")

    def __init__(self, build: Callable[[Any, int], Document], position: int,
                 quick_state: Callable[[Any], Any] | None = None) -> None:
        self.build, self.position, self.quick_state = build, position, quick_state


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("Resource",):
    globals()[_name].__module__ = "hyperkm"
