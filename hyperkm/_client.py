"""The top of the library: the public [`Client`][hyperkm.Client], [`connect`][hyperkm.connect] and
[`open`][hyperkm.open].

Everything below this module points down: the HTTP client sends requests and returns
documents; resources, collections, jobs, bookmarks and actions build on it; only here does a
client learn to hand out [`Resource`][hyperkm.Resource] objects.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urljoin

from . import _bookmarks
from ._bookmarks import Bookmark
from ._exceptions import ConfigurationError
from ._http_client import HttpClient
from ._resource import Resource

__all__ = ["Client", "connect", "open"]


class Client(HttpClient):
    __doc__ = HttpClient.__doc__

    @property
    def root(self) -> Resource:
        """A fresh, unfetched [`Resource`][hyperkm.Resource] for the API root."""
        return self.resource(self.root_url)

    def open(self, bookmark: Any, *, root: str | None = None) -> Resource:
        """Open a bookmark made by [`Resource.bookmark`][hyperkm.Resource] (see
        [`open`][hyperkm.open])."""
        resource: Resource = _bookmarks.open_bookmark(self, bookmark, root=root)
        return resource

    def check(self, *, max_requests: int = 200) -> Any:
        """Lint the API from its root as a client meets it (``hyperkm check``): broken links
        and templates, documents, caching, paging, forms, errors and deprecations. Only GET,
        HEAD and OPTIONS are sent, never to another origin; the cache is bypassed.

        Returns:
            A [`hyperkm.check.Report`][hyperkm.check.Report]: ``findings``, ``text()``,
            ``json()``, ``junit()``, ``sarif()``.
        """
        from .check import check

        return check(self, max_requests=max_requests)

    def resource(self, url: str) -> Resource:
        """A lazy [`Resource`][hyperkm.Resource] for ``url`` (no request until its state is
        needed)."""
        return Resource(self, urljoin(self.root_url, url))


#: RFC 9727's well-known URI (RFC 8615): the one path a standard lets a client assume.
API_CATALOG = "/.well-known/api-catalog"


def connect(url: str, *, token: str | None = None, catalog: bool = False,
            **options: Any) -> Resource:
    """Connect to a hypermedia API and return its root [`Resource`][hyperkm.Resource] (not yet
    fetched).

    Args:
        url: The API root, e.g. ``"https://api.kissmetrics.com/core"``.
        catalog: Start from the origin's API catalog instead (RFC 9727:
            ``/.well-known/api-catalog`` on ``url``'s origin, a linkset whose ``item`` links
            are the APIs published there; iterate it, or follow ``item``). The token is
            scoped to that origin as always.
        token: Bearer token; defaults to the ``HYPERKM_TOKEN`` environment variable. It is sent
            only to the root's origin, and never over plain HTTP except to loopback hosts.
        **options: Passed to [`Client`][hyperkm.Client]: ``timeout`` (seconds or a (connect, read)
            pair),
            ``deadline`` (seconds for a whole request, retries included; default 60),
            ``max_document_bytes`` (default 64 MiB), ``verify`` (bool or CA bundle path),
            ``session`` (your ``requests.Session``, never modified), ``headers``,
            ``credential_headers``, ``cache`` (default in-memory; ``False``, a directory path,
            a ``redis://`` URL or a cache object), ``retries``, ``retry_after_cap``,
            ``auth`` (an [`OAuth2`][hyperkm.OAuth2] credential instead of ``token``),
            ``transport`` (a [`Transport`][hyperkm.Transport] instead of the network: see
            [`hyperkm.testing`](testing.md)).

    Raises:
        ConfigurationError: ``url`` is not an absolute http(s) URL, or an option is unusable.
    """
    if catalog:
        url = urljoin(url, API_CATALOG)
    try:
        client = Client(url, token=token, **options)
    except TypeError as exc:  # an unknown keyword
        raise ConfigurationError(f"hyperkm.connect(): {exc}. Known options: timeout, deadline, "
                                 "max_document_bytes, verify, session, headers, "
                                 "credential_headers, cache, retries, retry_after_cap, "
                                 "auth, transport.") from exc
    return client.root


def open(bookmark: str | Bookmark, *, token: str | None = None, root: str | None = None,
         **options: Any) -> Resource:
    """Open a bookmark made by [`Resource.bookmark`][hyperkm.Resource], even if the server moved
    its URLs.

    It goes straight to the remembered URL. If that answers 404 or 410, or redirects
    permanently, the bookmark's trail of rels is walked again from the root (through the HTTP
    cache), and the result — with the new URL — is returned; a [`Bookmark`][hyperkm.Bookmark]
    object passed
    in is updated in place, and ``result.bookmark()`` records the new URL.

    A bookmark is data, and a file can be tampered with: it never chooses where your
    credentials go. With a token (or ``HYPERKM_TOKEN``, credential ``headers=`` or a
    ``session=``), pass ``root=``, the API root you trust with them; the bookmark's URLs must be
    on that root's origin. Without credentials the bookmark's own root is used.

    Args:
        bookmark: The JSON string from ``resource.bookmark()`` (or a
            [`Bookmark`][hyperkm.Bookmark]).
        token: As for [`connect`][hyperkm.connect] (``HYPERKM_TOKEN`` by default).
        root: The API root: where credentials may go, and where the trail is walked from
            (also when the server moved even its root without a redirect).
        **options: As for [`connect`][hyperkm.connect].

    Raises:
        ConfigurationError: credentials are given but ``root=`` is not (nothing is sent).
        BookmarkError: not a bookmark; its URLs are on another origin than ``root``; or its
            trail no longer exists (the error names the step and the rels that exist there).
    """
    mark = Bookmark.from_json(bookmark)
    if root is None and (token or os.environ.get("HYPERKM_TOKEN") or options.get("session")
                         or options.get("headers") or options.get("auth")):
        raise ConfigurationError(
            "hyperkm.open(): pass root= (the API root you trust with your credentials). A "
            "bookmark file never chooses where a token goes; this one names "
            f"{mark.root}. Or open it with client.open(bookmark). No request was sent.")
    client = Client(root or mark.root, token=token, **options)
    return client.open(mark, root=root)


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("Client",):
    globals()[_name].__module__ = "hyperkm"
