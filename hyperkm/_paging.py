"""A collection's walk, decided sans I/O: which page to read next, when the walk ends, and
what is wrong with a server's paging links.

`paging` is a generator in the style of httpx's ``Auth.auth_flow``: it yields `Read` (read
this page, send me its document) and `Hand` (hand the page just read to the consumer), and
returns what the walk met (`Walked`). It reads nothing itself, so every rule — the
ActivityStreams ``first`` page, a templated ``next``, a loop in the links, a page that is no
collection, an empty page that still says ``next``, a stated total that the pages do not
reach — is tested by sending it documents (tests/unit/test_paging_flow.py). `Items` drives it
(`_collection._walk`), in a thread of its own when it prefetches, or on the event loop
under ``hyperkm.aio``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Generator

import attrs

from ._exceptions import DocumentError, TemplateError
from ._urls import normalised
from .formats import Document

__all__ = ["RECENT_PAGES", "Hand", "Read", "Walked", "member_count", "members_begin_at",
           "paging"]

#: How many recent page URLs loop detection remembers: a loop longer than this (never seen
#: in practice) is caught by ``max_pages`` instead, and memory stays flat on huge walks.
RECENT_PAGES = 4096


@attrs.frozen
class Read:
    """Read the page at ``url`` and send the flow its document. ``page`` numbers it from 1;
    0 is the page the walk starts from (the driver has it already); ``rel`` says how it was
    reached (``"first"``, ``"next"``)."""

    url: str
    rel: str | None = None
    page: int = 0

    @property
    def label(self) -> str:
        return f"page {self.page}"


@attrs.frozen
class Hand:
    """Hand the page last read to the consumer; send the flow nothing."""


@attrs.frozen
class Walked:
    """How a walk ended.

    Attributes:
        stated: The total the collection stated, when the walk started from it.
        members: Members the pages listed.
        pages: Pages handed over.
        ended: Whether the pages ran out (rather than ``max_pages``).
    """

    stated: int | None
    members: int
    pages: int
    ended: bool

    def disagreement(self, collection: str) -> str | None:
        """What to say when the stated total and the pages disagree (``None``: they agree,
        or the walk was cut short)."""
        if self.stated is None or not self.ended or self.stated == self.members:
            return None
        return (f"{collection}: the server states {self.stated:,} members, but its 'next' links "
                f"led to {self.members:,} in {self.pages:,} pages; len() reports the stated "
                "total")


def member_count(document: Document) -> int:
    """How many members a page lists (without building them)."""
    if document.items is not None:
        return len(document.items)
    return len(document.links.all("item"))


def members_begin_at(document: Document) -> str | None:
    """Where a collection that lists no members itself has them begin (ActivityStreams
    ``first``), or ``None``."""
    return document.page.first if document.page.first is not None and not document.items \
        else None


def paging(start: str, collection: str, max_pages: int | None = None
           ) -> Generator[Read | Hand, Document | None, Walked]:
    """Walk a collection's pages from ``start`` (the collection at ``collection``, or a page
    of it); see the module's docstring.

    Raises:
        DocumentError: a page lists no members, or its ``next`` link is a template that
            needs variables or leads back to a page already read.
    """
    document = yield Read(start)
    assert document is not None
    url = start
    recent: OrderedDict[str, None] = OrderedDict()
    number = walked = 0
    stated: int | None = None
    if normalised(start) == normalised(collection):
        stated = document.page.total  # a walk from the start: it should meet the total
        begin = members_begin_at(document)
        if begin is not None:
            url = begin
            document = yield Read(url, "first", 1)
            assert document is not None
    while True:
        if document.items is None and document.links.get("item") is None:
            raise DocumentError(
                f"{url} is not a collection: its {document.format} representation lists no "
                f"members. Its rels are: {', '.join(document.links.rels) or 'none'}.",
                url=url)
        recent[normalised(url)] = None
        if len(recent) > RECENT_PAGES:
            recent.popitem(last=False)
        yield Hand()
        number += 1
        count = member_count(document)
        walked += count
        # An API that always sends `next` would loop for ever on empty pages.
        if not count or (max_pages is not None and number >= max_pages):
            return Walked(stated, walked, number, ended=not count)
        following = document._first_link("next")
        if following is None:
            return Walked(stated, walked, number, ended=True)
        try:
            # A templated `next` (Spring Data REST: "...?page=1&size=5{&sort}") is expanded
            # with no variables: RFC 6570 drops unset optional ones.
            target = following.expand()
        except TemplateError as exc:
            raise DocumentError(
                f"the 'next' link of page {number} ({url}) is a template that needs "
                f"variables ({following.href}); a paging link must be followable as it is.",
                url=url) from exc
        if normalised(target) in recent:
            raise DocumentError(
                f"pagination loops: the 'next' link of page {number} ({url}) points back to "
                f"{target}, which was already read. Stopping instead of looping for ever; the "
                "server's paging links are wrong.", url=url)
        # Not held while the next page is read: a page (and its members) kept alive across
        # the next one's decoding survives garbage collections, and then costs full ones.
        del document, following
        url = target
        document = yield Read(url, "next", number + 1)
        assert document is not None
