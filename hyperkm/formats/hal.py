"""HAL (draft-kelly-json-hal): ``_links``, ``curies`` and ``_embedded``.

A HAL document is a collection when it embeds members under ``item`` or ``items``, or under
its only array-valued embedded rel; a numeric ``total`` in its state is taken as the count of
all members (the emulator and most HAL servers use it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._exceptions import DocumentError
from .._links import Link, Links
from ._document import Document, Page

__all__ = ["HalFormat"]

_COLLECTION_RELS = ("item", "items")


class HalFormat:
    """Reads ``application/hal+json`` (and JSON objects that carry ``_links``/``_embedded``)."""

    name = "hal"
    media_types: tuple[str, ...] = ("application/hal+json",)

    def sniff(self, obj: Any) -> bool:
        return isinstance(obj, dict) and ("_links" in obj or "_embedded" in obj)

    def parse(self, obj: Any, url: str) -> Document:
        return _parse(obj, url, url, "$", {})


#: How deep ``_embedded`` resources may nest (real APIs use two or three levels).
MAX_EMBEDDED_DEPTH = 32


def _parse(obj: Any, base: str, fallback_url: str, where: str, inherited: dict[str, str],
           depth: int = 0) -> Document:
    if depth > MAX_EMBEDDED_DEPTH:
        raise DocumentError(
            f"{where}: _embedded resources nest more than {MAX_EMBEDDED_DEPTH} levels deep in "
            f"{base}; hyperkm stops there (a malformed or hostile document).", url=base)
    if not isinstance(obj, dict):
        raise DocumentError(
            f"{where}: expected a HAL resource object in {base}, got {type(obj).__name__} "
            f"{obj!r:.80}", url=base)
    raw_links = obj.get("_links", {})
    if not isinstance(raw_links, dict):
        raise DocumentError(
            f"{where}._links in {base} must be an object keyed by rel, got "
            f"{type(raw_links).__name__} {raw_links!r:.80}", url=base)
    links, own_curies = _links(raw_links, base, where)
    # CURIEs declared by a containing document apply inside its _embedded resources too.
    curies = {**inherited, **own_curies}
    self_link = next((x for x in links if x.rel == "self" and not x.templated), None)
    url = self_link.href if self_link else fallback_url
    raw_embedded = obj.get("_embedded", {})
    if not isinstance(raw_embedded, dict):
        raise DocumentError(
            f"{where}._embedded in {base} must be an object keyed by rel, got "
            f"{type(raw_embedded).__name__}", url=base)
    embedded: dict[str, list[Document]] = {}
    for rel, value in raw_embedded.items():
        at = f"{where}._embedded.{rel}"
        values = value if isinstance(value, list) else [value]
        # Embedded resources share the retrieved document's base URL (RFC 3986 5.1.3).
        embedded[rel] = [_parse(v, base, base, f"{at}[{i}]", curies, depth + 1)
                         for i, v in enumerate(values)]
    for doc in (d for docs in embedded.values() for d in docs):
        doc.has_own_url = doc.links.get("self") is not None
    state = {k: v for k, v in obj.items() if k not in ("_links", "_embedded")}
    items = _collection_members(raw_embedded, embedded)
    page = Page()
    if items is not None:
        total = state.get("total")
        if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
            page = Page(total=total)
    return Document(url, format="hal", data=state, links=Links(links, curies=curies),
                    embedded=embedded, items=items, page=page)


def _collection_members(raw: Mapping[str, Any], embedded: dict[str, list[Document]]
                        ) -> list[Document] | None:
    for rel in _COLLECTION_RELS:
        if rel in embedded:
            return embedded[rel]
    arrays = [rel for rel, value in raw.items() if isinstance(value, list)]
    return embedded[arrays[0]] if len(arrays) == 1 else None


def _links(raw: Mapping[str, Any], base: str, where: str) -> tuple[list[Link], dict[str, str]]:
    links: list[Link] = []
    curies: dict[str, str] = {}
    for rel, value in raw.items():
        values = value if isinstance(value, list) else [value]
        for i, obj in enumerate(values):
            at = f"{where}._links.{rel}" + (f"[{i}]" if isinstance(value, list) else "")
            link = Link.from_json(obj, rel=rel, base=base, where=at)
            if rel == "curies":
                if not link.name:
                    raise DocumentError(f"{at}: a CURIE needs a 'name' in {base}", url=base)
                curies[link.name] = link.href
            else:
                links.append(link)
    return links, curies
