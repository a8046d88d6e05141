"""What the layers below [`Resource`][hyperkm.Resource] need of a resource.

Collections, pages, jobs, bookmarks and writes sit below the ``Resource`` class and never
import it: they work on any object with this shape, and make new resources of the same class
with ``type(resource)(client, url, ...)``. Each of them is generic over ``R`` (a ``Node``), so a
``Resource``'s ``items()`` yields ``Resource``\\ s to a type checker, not ``Node``\\ s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

import requests

from ._actions import Action, Actions
from ._http import TokenScope
from ._http_client import HttpClient
from ._links import Link, Links
from ._received import Received
from ._steps import Step
from .formats import Document
from .formats._document import LazyMembers

__all__ = ["Node", "Opener", "R"]


class Node(Protocol):
    """A resource as the layers below ``Resource`` see it."""

    #: The resource this one was reached from (``None`` for a root or a URL opened directly).
    parent: Any
    #: For a resource a write returned: the write's response.
    write_response: requests.Response | None
    #: For a resource opened from a bookmark: the trail that led to it back then.
    base_trail: Any

    def __init__(self, client: HttpClient, url: str, *, document: Document | None = None,
                 parent: Any = None, step: Step | None = None) -> None: ...

    @property
    def client(self) -> HttpClient: ...

    @property
    def url(self) -> str: ...

    @property
    def step(self) -> Step | None: ...

    @property
    def fetched(self) -> bool: ...

    @property
    def document(self) -> Document: ...

    @property
    def data(self) -> Any: ...

    @property
    def links(self) -> Links: ...

    def link(self, rel: str, *, name: str | None = None, index: int | None = None) -> Link: ...

    @property
    def actions(self) -> Actions: ...

    def action(self, name: str) -> Action: ...

    @property
    def response(self) -> requests.Response | None: ...

    @property
    def received(self) -> Received | None: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def etag(self) -> str | None: ...

    def refresh(self: R) -> R: ...

    def follow(self: R, rel: Any, /, **variables: Any) -> R: ...

    def member(self: R, document: Document, label: str) -> R: ...

    def items(self: R, *, prefetch: int = 1, page_size: int | None = None,
              max_pages: int | None = None, concurrency: int = 1) -> Iterable[R]: ...

    def pages(self: R, *, prefetch: int = 1, page_size: int | None = None,
              max_pages: int | None = None, concurrency: int = 1) -> Iterator[R]: ...

    def _held(self) -> Document | None:
        """The document at hand, if any (nothing is fetched)."""

    def _adopt(self, document: Document | None, received: Received | None) -> None:
        """Take ``document`` (and the answer it came in) as this resource's own."""

    @classmethod
    def _members_of_page(cls: type[R], client: HttpClient, parent: Any, members: LazyMembers,
                         position: int) -> Iterator[R]: ...


#: A resource of the caller's own class (``Resource``, or a subclass of it).
R = TypeVar("R", bound=Node)


R_co = TypeVar("R_co", bound=Node, covariant=True)


class Opener(Protocol[R_co]):
    """A client that hands out resources (``hyperkm.Client``): what bookmarks need of one."""

    root_url: str

    @property
    def scope(self) -> TokenScope: ...

    def resource(self, url: str) -> R_co: ...
