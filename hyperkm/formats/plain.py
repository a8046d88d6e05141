"""Plain JSON: state, plus the links a program can see in URL-valued properties.

Many APIs link by properties whose values are URLs rather than by a hypermedia format:
Django REST framework's root (``{"authors": "http://…/authors/"}``), GitHub's ``url``,
``html_url``, ``repos_url`` and templated ``issues_url: "…/issues{/number}"``. Such values
are read as links — rel = the key (a ``_url`` suffix dropped; ``url`` is ``self``), templates
detected by their braces — marked ``source="inferred"``: the API did not say they are
controls, hyperkm guessed it. Only absolute http(s) URLs of the top-level object count.

A JSON array of objects is a page of a collection whose members are those objects, each at
its own ``url`` when it has one (GitHub's lists; json-server's have none). So is the paging
envelope most REST frameworks write: one array of objects under ``results`` (Django REST
framework), ``data`` (Laravel), ``value`` (Azure, OData without its annotations), ``items``,
``content``, ``records`` or ``entries``, beside a URL to the next page (``next``,
``nextLink``, ``next_page_url``, ``@odata.nextLink``) or a count (``count``, ``total``,
``totalCount``, ``@odata.count``) — read as members, ``next``/``prev`` links and the total.

GitHub's ``{/number}`` leaves a path segment out when no number is given (the collection):
for an inferred template such an expression is optional when following it (a GET), and a
PUT, PATCH or DELETE on a resource reached without it is refused (see ``_writes``).
"""

from __future__ import annotations

import contextlib
from typing import Any

from .._exceptions import DocumentError
from .._links import Link, Links
from ._common import lenient, looks_templated
from ._document import Document, Page

__all__ = ["PlainJsonFormat", "inferred_links"]

#: Properties read as links at most per object (a hostile object of 10^6 URLs costs little).
MAX_INFERRED = 256
#: The longest value read as a link's href (a longer one stays state).
MAX_HREF = 8192


class PlainJsonFormat:
    """JSON with no hypermedia controls hyperkm knows: all of it is state, and URL-valued
    properties are inferred links."""

    name = "json"
    media_types: tuple[str, ...] = ()

    def error_message(self, obj: Any) -> str | None:
        """What plain JSON error bodies say: title/detail (problem details served as JSON),
        ``message``/``error``/``error_description``, FastAPI's validation ``detail`` list,
        Django REST framework's ``{"field": ["message", ...]}``."""
        if not isinstance(obj, dict):
            return None
        if "title" in obj or "detail" in obj:
            parts = [str(obj[k]) for k in ("title", "detail") if isinstance(obj.get(k), str)]
            if parts:
                return ": ".join(parts)
        for key in ("message", "error", "error_description"):
            value = obj.get(key)
            if isinstance(value, str):
                return value
        detail = obj.get("detail")
        if isinstance(detail, list):  # FastAPI's validation errors: [{"loc", "msg"}, ...]
            parts = [f"{'.'.join(map(str, d.get('loc', [])))}: {d['msg']}" for d in detail
                     if isinstance(d, dict) and isinstance(d.get("msg"), str)]
            if parts:
                return "; ".join(parts[:5])
        return _field_errors(obj)

    def sniff(self, obj: Any) -> bool:
        return True

    def parse(self, obj: Any, url: str) -> Document:
        if isinstance(obj, dict):
            envelope = _paging_envelope(obj)
            if envelope is not None:
                return self._page(obj, url, envelope)
        return self._parse(obj, url)

    def _parse(self, obj: Any, url: str) -> Document:
        if isinstance(obj, dict):
            links = inferred_links(obj, url)
            own = next((link.href for link in links if link.rel == "self"
                        and not link.templated), None)
            return Document(own or url, format=self.name, data=obj, links=Links(links))
        if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
            # An array of objects is a page of a collection (json-server, GitHub): its
            # members are the objects, each at its own ``url`` when it has one; paging comes
            # from the Link header, the total from X-Total-Count.
            members = [self._member(x, url) for x in obj]
            return Document(url, format=self.name, data=obj, links=Links(), items=members)
        return Document(url, format=self.name, data=obj, links=Links())

    def _page(self, obj: dict[str, Any], url: str, members_key: str) -> Document:
        lenient("paging-envelope", "hyperkm: %s is plain JSON with a paging envelope "
                "(members under %r); read as a collection page, its next/previous URLs as "
                "links", url, members_key)
        paging = _NEXT_KEYS + _PREV_KEYS
        links = inferred_links({k: v for k, v in obj.items() if k not in paging}, url)
        for rel, keys in (("next", _NEXT_KEYS), ("prev", _PREV_KEYS)):
            href = next((obj[k] for k in keys if isinstance(obj.get(k), str)
                         and 0 < len(obj[k]) <= MAX_HREF), None)
            if href is not None:  # (not a URL after all: no link, the walk ends here)
                with contextlib.suppress(DocumentError, TypeError, ValueError):
                    links.append(Link.create(rel, href, base=url, source="inferred"))
        total = next((obj[k] for k in _TOTAL_KEYS if type(obj.get(k)) is int
                      and 0 <= obj[k] < 10**15), None)
        members = [self._member(x, url) for x in obj[members_key]]
        return Document(url, format=self.name, data=obj, links=Links(links), items=members,
                        page=Page(total=total))

    def _member(self, obj: dict[str, Any], base: str) -> Document:
        doc = self._parse(obj, base)  # a member is no page (an order's items and total)
        doc.has_own_url = _has_url(obj)
        return doc


#: Where paging envelopes keep their members, their next and previous pages, and the total.
_MEMBER_KEYS = ("results", "data", "value", "items", "content", "records", "entries")
_NEXT_KEYS = ("next", "nextLink", "next_page_url", "@odata.nextLink", "next_url")
_PREV_KEYS = ("previous", "prev", "prevLink", "prev_page_url", "previous_page_url")
_TOTAL_KEYS = ("count", "total", "totalCount", "total_count", "@odata.count", "totalItems")


def _paging_envelope(obj: dict[str, Any]) -> str | None:
    """The key of the members, if ``obj`` is a paging envelope (see the module's doc)."""
    found = [k for k in _MEMBER_KEYS if isinstance(obj.get(k), list)
             and all(type(x) is dict for x in obj[k])]
    if len(found) != 1:
        return None
    # A paging word with a paging value: a URL or null beside the members, an integer count.
    paging = any(k in obj and (obj[k] is None or isinstance(obj[k], str))
                 for k in _NEXT_KEYS + _PREV_KEYS) or any(
                     type(obj.get(k)) is int for k in _TOTAL_KEYS)
    # Azure's last page, and OData without annotations, are {"value": [...]} alone.
    alone = found[0] == "value" and all(k == "value" or k.startswith("@odata.") for k in obj)
    return found[0] if paging or alone else None


def _has_url(obj: Any) -> bool:
    value = obj.get("url") if isinstance(obj, dict) else None
    return isinstance(value, str) and value.startswith(("https://", "http://")) \
        and not looks_templated(value)


def inferred_links(obj: dict[str, Any], base: str) -> list[Link]:
    """Links read from the absolute-URL string values of ``obj`` (see the module's doc)."""
    links: list[Link] = []
    for key, value in obj.items():
        if len(links) >= MAX_INFERRED:
            break
        if not isinstance(key, str) or not isinstance(value, str) or not key \
                or not value.startswith(("https://", "http://")) or len(value) > MAX_HREF:
            continue
        rel = "self" if key == "url" else (key[:-4] if key.endswith("_url") and len(key) > 4
                                            else key)
        try:
            links.append(Link.create(rel, value, base=base, templated=looks_templated(value),
                                     source="inferred"))
        except (DocumentError, TypeError, ValueError):
            continue  # a value that only looks like a URL is state, nothing more
    return links


def _field_errors(body: dict[str, Any], prefix: str = "", depth: int = 0) -> str | None:
    """Django REST framework's validation errors: ``{"field": ["message", ...]}``, nested."""
    parts: list[str] = []
    for key, value in list(body.items())[:20]:
        name = f"{prefix}{key}"
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            parts.append(f"{name}: {' '.join(value).rstrip('.')}")
        elif isinstance(value, dict) and depth < 3:
            nested = _field_errors(value, f"{name}.", depth + 1)
            if nested:
                parts.append(nested)
    return "; ".join(parts) if parts else None
