"""How a resource leads to others: links, ``follow``, collections, and the trail back to the
root for bookmarks. A mixin of [`Resource`][hyperkm.Resource], typed against the `Node`
protocol: the resources it makes are of the caller's own class."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import _bookmarks
from ._bookmarks import Trail
from ._collection import Items
from ._links import Link
from ._node import Node, R
from ._steps import Step
from .formats import Document

__all__ = ["Navigation"]


class Navigation:
    """Links, ``follow``, ``items``/``pages`` and bookmarks (see the module's docstring)."""

    __slots__ = ()

    def link(self: Node, rel: str, *, name: str | None = None, index: int | None = None) -> Link:
        """The link with ``rel`` (chosen by ``name`` or position when several share it).

        Raises:
            LinkNotFound: no such link; the message lists what exists and close matches.
        """
        return self.links.find(rel, name=name, index=index, url=self.url)

    def follow(
        self: R,
        rel: str | Link,
        /,
        *,
        link_name: str | None = None,
        link_index: int | None = None,
        **variables: Any,
    ) -> R:
        """Follow a link relation to another (lazy) resource.

        Args:
            rel: The relation (``"accounts"``, a HAL CURIE ``"km:events"`` or its URI) or a
                [`Link`][hyperkm.Link] taken from `links`.
            link_name: Choose, among links sharing ``rel``, the one with this ``name``.
            link_index: Choose, among links sharing ``rel``, the one at this position.
            **variables: Values for the link's URI template (``id="..."``, ``limit=50``).

        Raises:
            LinkNotFound: no such link here (the message suggests close matches).
            TemplateError: a required template variable is missing or a name is unknown; no
                request is sent.
        """
        link = rel if isinstance(rel, Link) else self.link(rel, name=link_name, index=link_index)
        target = link.expand(**variables)
        step = Step(link.rel, variables, link=link)
        embedded = _embedded_for(self, link.rel, target)
        return type(self)(self.client, target, document=embedded, parent=self, step=step)

    def items(self: R, *, prefetch: int = 1, page_size: int | None = None,
              max_pages: int | None = None, concurrency: int = 1) -> Items[R]:
        """The collection's members across all pages (lazy, re-iterable; ``len()`` supported).

        Args:
            prefetch: Pages fetched ahead in a background thread while you consume the current
                one (default 1; 0 turns it off).
            page_size: Members per page, passed through the template of the link this
                collection was reached by when it has a page-size variable (``{?limit}``);
                ignored otherwise (hyperkm never guesses URL parameters).
            max_pages: Stop after this many pages (default: follow ``next`` to the end). A
                ``next`` that leads back to a page already read raises instead.
            concurrency: Fetch up to this many pages at once (default 1). Only when the
                server states a total and the page URLs can be derived — from the template
                of the link that led here (offset/limit or page/size variables) or from the
                ``next`` href's query — and the derivation matches the first page's own
                ``next`` link; otherwise pages are followed one by one (a note says why).
                Members still come in order; at most ``concurrency`` pages are held.

        Raises:
            DocumentError: on iteration, if this resource is not a collection, or its paging
                links loop.
        """
        return Items(self, prefetch=prefetch, page_size=page_size, max_pages=max_pages,
                     concurrency=concurrency)

    def pages(self: R, *, prefetch: int = 1, page_size: int | None = None,
              max_pages: int | None = None, concurrency: int = 1) -> Iterator[R]:
        """Each page of the collection as a fetched Resource (see `items`)."""
        return Items(self, prefetch=prefetch, page_size=page_size, max_pages=max_pages,
                     concurrency=concurrency).pages()

    def member(self: R, document: Document, label: str) -> R:
        """A member resource built from an embedded document (used by [`Items`][hyperkm.Items])."""
        return type(self)(self.client, document.url, document=document, parent=self,
                          step=Step(None, label=label, member=True))

    @property
    def trail(self: Node) -> Trail:
        """How this resource was reached from the root: rels with their template variables,
        and for collection members the ``id`` that identifies them. Printable:
        ``/ › products › [id=e706…] › events``."""
        return _bookmarks.trail_of(self)

    def bookmark(self: Node, *, member_key: str = "id") -> str:
        """A small JSON record of `trail` and this URL, for [`open`][hyperkm.open].

        Args:
            member_key: The field that identifies collection members on the way (default
                ``id``; e.g. ``name`` when ids change but names do not).

        Raises:
            BookmarkError: a member on the way has no such field.
        """
        return _bookmarks.bookmark_of(self, member_key=member_key).to_json()


def _embedded_for(resource: Node, rel: str, url: str) -> Document | None:
    # HAL: a representation of the target may already be embedded under the same rel.
    document = resource._held()
    if document is None:
        return None
    for doc in document.embedded.get(rel, ()):
        if doc.has_own_url and doc.url == url:
            return doc
    return None
