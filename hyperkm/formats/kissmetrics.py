"""KISSmetrics link envelopes.

Shapes read (all from the reference pages):

- an item: ``{"links": [{"rel","href","name","templated"}, ...], ...fields}``;
- an envelope: ``{"links": [...], "data": {...}}`` — the root directory keeps its directory in
  ``data.links``, so links are read at the top level *and* inside ``data``;
- a list envelope: ``{"links": [self, first, last, next, prev], "pagination": {total, offset,
  limit}, "data": [item, ...]}`` (v2 also adds ``"meta": {"status": ...}``);
- a bare JSON array of items (the Core API page's examples), paged by ``Link`` headers if at all.

``templated`` may be absent, a boolean or the string ``"false"``; ``rel`` a string or an array.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from .._exceptions import DocumentError
from .._links import Link, Links, unique
from .._urls import resolve
from ._common import actions_from_links
from ._document import NOT_QUICK, Document, LazyMembers, Page, strip_links
from .plain import inferred_links

__all__ = ["KissmetricsFormat"]

_ENVELOPE_KEYS = ("links", "pagination", "meta")


class KissmetricsFormat:
    """Reads KISSmetrics link envelopes, list envelopes and bare arrays."""

    name = "kissmetrics"
    media_types: tuple[str, ...] = ()
    #: Its documents name themselves: one without a self link lacks it (hyperkm check).
    names_itself = True

    def error_message(self, obj: Any) -> str | None:
        """The KISSmetrics error envelope's ``meta.message`` (and its ``errors``)."""
        meta = obj.get("meta") if isinstance(obj, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("message"), str):
            errors = meta.get("errors")
            extra = (f" ({', '.join(str(e) for e in errors)})"
                     if isinstance(errors, list) and errors else "")
            return str(meta["message"]) + extra
        return None

    def link_objects(self, obj: Any) -> list[Any]:
        """The raw link objects of a document (``hyperkm check`` compares each ``templated``
        flag with its href)."""
        if not isinstance(obj, dict):
            return []
        out = list(obj.get("links") or []) if isinstance(obj.get("links"), list) else []
        data = obj.get("data")
        if isinstance(data, dict) and isinstance(data.get("links"), list):
            out += data["links"]
        return out

    def sniff(self, obj: Any) -> bool:
        """Claim bare arrays, objects whose ``links`` is an array, and ``data`` envelopes
        (with ``pagination`` or ``meta``) whose ``links``, if any, is an array.

        An object whose ``links`` is anything else (JSON:API's links object, say) is not a
        KISSmetrics envelope: it is left to other formats, or read as plain state.
        """
        if isinstance(obj, list):
            return True
        if not isinstance(obj, dict):
            return False
        links = obj.get("links", None)
        if links is not None:
            return isinstance(links, list)
        return "data" in obj and any(k in obj for k in _ENVELOPE_KEYS)

    def parse(self, obj: Any, url: str) -> Document:
        if isinstance(obj, list):
            return Document(url, format=self.name, items=_members(obj, url, "$"),
                            links=Links())
        if not isinstance(obj, dict):  # pragma: no cover - the dispatcher checks this
            raise DocumentError(f"expected a JSON object or array from {url}", url=url)
        links = _links(obj.get("links"), url, "links") if "links" in obj else []
        is_envelope = "data" in obj and any(k in obj for k in _ENVELOPE_KEYS)
        if not is_envelope:
            state = {k: v for k, v in obj.items() if k != "links"}
            return Document(url, format=self.name, data=state, links=Links(links),
                            actions=actions_from_links(links))
        data = obj["data"]
        meta = obj.get("meta")
        envelope = {k: v for k, v in obj.items()
                    if k not in ("links", "data", "pagination", "meta")}
        if isinstance(data, list):
            return Document(url, format=self.name, items=_members(data, url, "data"),
                            links=Links(links), page=_page(obj.get("pagination")), meta=meta,
                            envelope=envelope)
        if isinstance(data, dict):
            if "links" in data:
                links += _links(data["links"], url, "data.links")
            data = {k: v for k, v in data.items() if k != "links"}
        return Document(url, format=self.name, data=data, links=Links(unique(links)), meta=meta,
                        envelope=envelope, actions=actions_from_links(links))


def _links(value: Any, base: str, where: str) -> list[Link]:
    if not isinstance(value, list):
        raise DocumentError(
            f"'{where}' in {base} must be a list of link objects, got {type(value).__name__} "
            f"{value!r:.80}. The server sent a malformed KISSmetrics link envelope.", url=base)
    links: list[Link] = []
    for i, obj in enumerate(value):
        at = f"{where}[{i}]"
        rel = obj.get("rel") if isinstance(obj, Mapping) else None
        if isinstance(rel, list):  # "rel": ["self", "item"]
            if not rel:
                raise DocumentError(f"{at}: 'rel' is an empty list in {base}", url=base)
            links.extend(Link.from_json(obj, rel=r, base=base, where=at) if isinstance(r, str)
                         else _bad_rel(r, at, base) for r in rel)
        else:
            links.append(Link.from_json(obj, base=base, where=at))
    return links


def _bad_rel(rel: Any, where: str, base: str) -> Link:
    raise DocumentError(f"{where}: every 'rel' must be a string, got {rel!r:.80} in {base}",
                        url=base)


def _page(value: Any) -> Page:
    if not isinstance(value, Mapping):
        return Page()

    def number(key: str) -> int | None:
        v = value.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None

    return Page(number("total"), number("offset"), number("limit"))


def _members(values: list[Any], page_url: str, where: str) -> Sequence[Document]:
    return LazyMembers(values, partial(_member, page_url, where), _quick_state)


def _quick_state(value: Any) -> Any:
    """A member's state without building it (see `LazyMembers.quick_state`)."""
    if type(value) is not dict:
        return value  # a row of query results: plain state
    raw_links = value.get("links")
    if type(raw_links) is list or (raw_links is None and "links" not in value):
        return strip_links(value)
    return NOT_QUICK  # malformed links: the build raises the DocumentError


def _member(page_url: str, where: str, value: Any, i: int) -> Document:
    if type(value) is not dict:  # decoded JSON: concrete types, much faster to check
        # Query results are rows (arrays); anything that is not an object is plain state.
        return Document.member(page_url, "kissmetrics", value, None, False)
    raw_links = value.get("links")
    url, own = page_url, False
    if type(raw_links) is list:
        # Find the member's own URL cheaply; full link parsing waits until someone asks.
        for obj in raw_links:
            if type(obj) is dict and obj.get("rel") == "self":
                href = obj.get("href")
                if type(href) is str and href.strip():
                    href = href.strip()
                    url = resolve(page_url, href)
                    own = True
                    break
    elif raw_links is not None or "links" in value:
        _links(raw_links, page_url, f"{where}[{i}].links")  # raises the DocumentError
    if raw_links is None:
        # A bare object (GitHub's lists, json-server): its own ``url``, when it has one, is
        # its URL, and its URL-valued properties are inferred links (see formats/plain.py).
        own_url = value.get("url")
        if type(own_url) is str and own_url.startswith(("https://", "http://")) \
                and "{" not in own_url:
            url, own = own_url, True
        return Document.member(url, "kissmetrics", value, partial(_inferred, value, page_url),
                               own)
    # Relative hrefs resolve against the document that was retrieved (RFC 3986 5.1.3).
    factory = partial(_member_links, raw_links, page_url, where, i)
    return Document.member(url, "kissmetrics", value, factory, own)


def _inferred(value: dict[str, Any], base: str) -> Links:
    return Links(inferred_links(value, base))


def _member_links(raw_links: Any, page_url: str, where: str, i: int) -> Links:
    return Links(_links(raw_links, page_url, f"{where}[{i}].links"))
