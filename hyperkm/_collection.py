"""Collections: a lazy, re-iterable view of members across pages linked by ``next``."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import overload

from ._exceptions import DocumentError
from ._resource import Resource, Step
from .formats import Document

__all__ = ["Items"]


class Items:
    """The members of a collection resource, walking every page by its ``next`` link.

    Each iteration starts again from the first page (iterating twice sends requests twice,
    subject to the HTTP cache). Members that arrive embedded carry their state: using their
    ``data`` sends no request.

    ``len()`` uses the server's count when the first page states one (KISSmetrics
    ``pagination.total``, a HAL ``total``), and otherwise counts by walking the pages.
    """

    __slots__ = ("_collection",)

    def __init__(self, collection: Resource) -> None:
        self._collection = collection

    def __repr__(self) -> str:
        return f"<Items of {self._collection.url}>"

    def pages(self) -> Iterator[Resource]:
        """Yield each page of the collection as a fetched :class:`Resource`.

        Raises:
            DocumentError: a page is not a collection, or ``next`` leads back to a page
                already seen (a loop that would never end).
        """
        page = self._collection
        seen: set[str] = set()
        number = 0
        while True:
            document = page.document
            if document.items is None:
                raise DocumentError(
                    f"{page.url} is not a collection: its {document.format} representation "
                    f"lists no members. Its rels are: {', '.join(document.links.rels) or 'none'}."
                    , url=page.url)
            seen.add(page.url)
            yield page
            number += 1
            # An API that always sends `next` would loop for ever on empty pages.
            if not document.items:
                return
            following = document.links.get("next")
            if following is None:
                return
            target = following.expand() if not following.templated else following.href
            if target in seen:
                raise DocumentError(
                    f"pagination loops: the 'next' link of page {number} ({page.url}) points "
                    f"back to {target}, which was already read. Stopping instead of looping "
                    "for ever; the server's paging links are wrong.", url=page.url)
            # Pages hang off the collection, not off each other: a long walk must not keep a
            # chain of every page (and its members) alive.
            page = Resource(self._collection.client, target, parent=self._collection,
                            step=Step("next", label=f"page {number + 1}"))

    def __iter__(self) -> Iterator[Resource]:
        offset = 0
        for page in self.pages():
            members = page.document.items or ()
            for document in members:
                offset += 1
                yield self._collection.member(document, _label(document, offset - 1))

    def __len__(self) -> int:
        total = self._collection.document.page.total
        if total is not None:
            return total
        return sum(len(p.document.items or ()) for p in self.pages())

    @overload
    def __getitem__(self, index: int) -> Resource: ...
    @overload
    def __getitem__(self, index: slice) -> list[Resource]: ...

    def __getitem__(self, index: int | slice) -> Resource | list[Resource]:
        if isinstance(index, slice):
            start, stop, step = index.start, index.stop, index.step
            if any(v is not None and v < 0 for v in (start, stop)) or (step or 1) < 1:
                members = list(self)
                return members[index]
            return list(itertools.islice(iter(self), start, stop, step))
        if index < 0:
            members = list(self)
            return members[index]
        for i, member in enumerate(self):
            if i == index:
                return member
        raise IndexError(f"collection {self._collection.url} has no member {index}")


def _label(document: Document, position: int) -> str:
    key = document.peek("id")
    if isinstance(key, (str, int)):
        return f"[id={key}]"
    return f"[{position}]"
