"""JSON:API 1.1 (https://jsonapi.org/format/), ``application/vnd.api+json``.

- Top-level and resource-level ``links`` objects: each member is a rel whose value is a URL
  string or a link object (``href``, ``title``, ``type``, ``hreflang``, ``describedby``,
  ``meta``); ``null`` means "no such link" (a last page has ``"next": null``).
- A ``data`` array is a collection; its members' state is ``{"id", "type", **attributes}`` and
  their URL is ``links.self``.
- ``relationships.NAME.links.related`` (then ``self``) are links with rel ``NAME``.
- ``included`` resources are embedded documents. A to-one relationship whose resource is
  included is embedded under the relationship's ``related`` URL, so following it costs no
  request; every included resource is also embedded under ``"TYPE:ID"``.
- Pagination is ``first/prev/next/last``; ``meta.total`` (or ``total-count``, ``totalCount``,
  ``count``, ``page.total``) is the collection's size.
- An ``errors`` document is state (``{"errors": [...]}``); the client reads its titles and
  details into [`HTTPError.server_message`][hyperkm._exceptions.HTTPError].
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from .._exceptions import DocumentError
from .._links import Link, Links
from ._common import count, expect, lenient, looks_templated
from ._document import NOT_QUICK, Document, LazyMembers, Page
from .plain import inferred_links

__all__ = ["JsonApiFormat"]

MEDIA_TYPE = "application/vnd.api+json"
_TOP_KEYS = frozenset({"data", "errors", "meta", "jsonapi", "links", "included"})
_LINK_ATTRS = ("title", "type", "hreflang")
_TOTAL_KEYS = ("total", "total-count", "totalCount", "total_count", "count")


class JsonApiFormat:
    """Reads JSON:API documents."""

    name = "jsonapi"
    media_types: tuple[str, ...] = (MEDIA_TYPE,)
    #: Its documents name themselves: one without a self link lacks it (hyperkm check).
    names_itself = True
    # No parameters: servers read ";q=" as a media-type parameter and answer 406 (JSON:API
    # 1.0, "Content Negotiation"), so it goes at the default weight.
    accept = (MEDIA_TYPE,)

    def error_message(self, obj: Any) -> str | None:
        """The server's words in JSON:API error objects (title and detail of each)."""
        errors = obj.get("errors") if isinstance(obj, dict) else None
        if isinstance(errors, list) and errors and all(isinstance(e, dict) for e in errors):
            parts = [": ".join(str(e[k]) for k in ("title", "detail") if isinstance(
                e.get(k), str)) for e in errors]
            if any(parts):
                return "; ".join(p for p in parts if p)
        return None

    def sniff(self, obj: Any) -> bool:
        """Only JSON:API's top-level members, with ``data`` holding resource objects (or
        ``errors``, or a ``jsonapi`` member), and ``links`` — if present — an object."""
        if not isinstance(obj, dict) or not obj or not set(obj) <= _TOP_KEYS:
            return False
        if not isinstance(obj.get("links", {}), dict):
            return False
        if "jsonapi" in obj or isinstance(obj.get("errors"), list):
            return True
        data = obj.get("data", ...)
        if isinstance(data, dict):
            return _is_resource(data)
        if isinstance(data, list):
            if not data:  # an empty collection: JSON:API by its links object or meta
                return bool(obj.get("links")) or "meta" in obj
            return all(isinstance(d, dict) and _is_resource(d) for d in data)
        return False

    def parse(self, obj: Any, url: str) -> Document:
        expect(isinstance(obj, dict), "$: expected a JSON:API top-level object", obj, url)
        links = _links(obj.get("links"), url, "$.links")
        meta = obj.get("meta")
        if "errors" in obj and "data" not in obj:
            errors = obj["errors"]
            expect(isinstance(errors, list), "$.errors must be an array", errors, url)
            return Document(url, format=self.name, data={"errors": errors}, links=Links(links),
                            meta=meta)
        included = obj.get("included", [])
        expect(isinstance(included, list), "$.included must be an array", included, url)
        embedded: dict[str, list[Document]] = {}
        by_key: dict[tuple[str, str], Document] = {}
        for i, res in enumerate(included):
            doc = _resource(res, url, f"$.included[{i}]")
            key = (str(res.get("type")), str(res.get("id")))
            by_key[key] = doc
            embedded.setdefault(f"{key[0]}:{key[1]}", []).append(doc)
        data = obj.get("data")
        if isinstance(data, list):
            members = LazyMembers(data, partial(_member_at, url, by_key), _quick_state)
            return Document(url, format=self.name, items=members, links=Links(links),
                            embedded=embedded, page=Page(total=_total(meta)), meta=meta)
        if data is None:  # an empty to-one relationship, or a resource that is not there
            return Document(url, format=self.name, data=None, links=Links(links), meta=meta,
                            embedded=embedded)
        expect(isinstance(data, dict), "$.data must be a resource object, an array or null",
               data, url)
        if not _is_resource(data):
            return _not_a_resource(data, url, links, meta)
        own = _resource_links(data, url, "$.data")
        for name, doc in _included_relations(data, by_key, url):
            embedded.setdefault(name, []).append(doc)
        self_link = next((x for x in own if x.rel == "self"), None)
        return Document(self_link.href if self_link else url, format=self.name,
                        data=_state(data), links=Links([*own, *links]), embedded=embedded,
                        meta=meta)


def _not_a_resource(data: dict[str, Any], url: str, links: list[Link], meta: Any
                    ) -> Document:
    """``data`` that is an object but no resource object (no ``type``/``id``): Django REST
    framework JSON:API renders its API root as ``{"data": {"authors": "http://…"}}``. Read as
    plain JSON with inferred links when its values are URLs; refused otherwise — never turned
    into a resource ``{"id": None, "type": None}``."""
    inferred = inferred_links(data, url)
    if not inferred:
        raise DocumentError(
            f"$.data in {url} is an object but not a JSON:API resource object (it has no "
            f"'type' and 'id'; its keys: {', '.join(map(str, list(data)[:10]))}). The server "
            "sent a malformed JSON:API document.", url=url)
    lenient("jsonapi-data-not-resource", "JSON:API: $.data in %s is not a resource object; "
            "its URL-valued members are read as links (inferred)", url)
    return Document(url, format="jsonapi", data=data, links=Links([*inferred, *links]),
                    meta=meta)


def _quick_state(res: Any) -> Any:
    """A member's state without building it (see `LazyMembers.quick_state`)."""
    if type(res) is dict and type(res.get("type")) is str and ("id" in res or "lid" in res):
        attributes = res.get("attributes")
        if attributes is None:
            return {"id": res.get("id"), "type": res["type"]}
        if type(attributes) is dict:
            return {"id": res.get("id"), "type": res["type"], **attributes}
    return NOT_QUICK


def _is_resource(obj: Mapping[str, Any]) -> bool:
    return isinstance(obj.get("type"), str) and ("id" in obj or "lid" in obj)


def _links(raw: Any, base: str, where: str) -> list[Link]:
    if raw is None:
        return []
    expect(isinstance(raw, dict), f"{where} must be an object keyed by rel", raw, base)
    links = []
    for rel, value in raw.items():
        if value is None:
            continue
        at = f"{where}.{rel}"
        if isinstance(value, str):
            links.append(Link.create(rel, value.strip(), base=base,
                                     templated=looks_templated(value)))
            continue
        expect(isinstance(value, dict), f"{at}: expected a URL or a link object", value, base)
        obj: dict[str, Any] = {k: value[k] for k in _LINK_ATTRS if isinstance(value.get(k), str)}
        described = value.get("describedby")
        if isinstance(described, str):
            obj["profile"] = described
        href = value.get("href")
        if isinstance(href, str) and looks_templated(href):
            obj["templated"] = True
        links.append(Link.from_json({**obj, "href": value.get("href")}, rel=rel, base=base,
                                    where=at))
    return links


def _resource_links(res: Mapping[str, Any], base: str, where: str) -> list[Link]:
    links = _links(res.get("links"), base, f"{where}.links")
    relationships = res.get("relationships", {})
    if relationships is None:
        return links
    expect(isinstance(relationships, dict), f"{where}.relationships must be an object",
           relationships, base)
    for name, rel in relationships.items():
        at = f"{where}.relationships.{name}"
        expect(isinstance(rel, dict), f"{at}: expected a relationship object", rel, base)
        raw = rel.get("links")
        if raw is None:
            continue
        expect(isinstance(raw, dict), f"{at}.links must be an object", raw, base)
        for kind in ("related", "self"):
            value = raw.get(kind)
            if value is None:
                continue
            href = value.get("href") if isinstance(value, dict) else value
            if not isinstance(href, str) or not href.strip():
                expect(False, f"{at}.links.{kind} must be a URL or a link object with 'href'",
                       value, base)
                continue
            links.append(Link.create(name, href.strip(), base=base,
                                     name="related" if kind == "related" else "relationship"))
    return links


def _state(res: Mapping[str, Any]) -> dict[str, Any]:
    attributes = res.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise DocumentError(f"'attributes' must be an object, got {attributes!r:.80}")
    return {"id": res.get("id"), "type": res.get("type"), **attributes}


def _resource(res: Any, base: str, where: str) -> Document:
    expect(isinstance(res, dict) and _is_resource(res),
           f"{where}: expected a resource object with 'type' and 'id'", res, base)
    links = _resource_links(res, base, where)
    attributes = res.get("attributes", {})
    expect(attributes is None or isinstance(attributes, dict),
           f"{where}.attributes must be an object", attributes, base)
    self_link = next((x for x in links if x.rel == "self"), None)
    return Document(self_link.href if self_link else base, format="jsonapi", data=_state(res),
                    links=Links(links), has_own_url=self_link is not None)


def _member(res: Any, base: str, where: str,
            included: Mapping[tuple[str, str], Document]) -> Document:
    expect(isinstance(res, dict) and _is_resource(res),
           f"{where}: expected a resource object with 'type' and 'id'", res, base)
    attributes = res.get("attributes", {})
    expect(attributes is None or isinstance(attributes, dict),
           f"{where}.attributes must be an object", attributes, base)
    # The member's own URL cheaply; the rest of its links only when asked for.
    own = res.get("links")
    href = None
    if isinstance(own, dict):
        value = own.get("self")
        href = value.get("href") if isinstance(value, dict) else value
    url = Link.create("self", href.strip(), base=base).href if isinstance(
        href, str) and href.strip() else base
    doc = Document.member(url, "jsonapi", res, partial(_member_links, res, base, where),
                          url != base, state=_state)
    if included:  # relationships to included resources cost no request from a member either
        embedded: dict[str, list[Document]] = {}
        for name, placed in _included_relations(res, included, base):
            embedded.setdefault(name, []).append(placed)
        if embedded:
            doc.embedded = embedded
    return doc


def _member_at(base: str, included: Mapping[tuple[str, str], Document], res: Any, i: int
               ) -> Document:
    return _member(res, base, f"$.data[{i}]", included)


def _member_links(res: Mapping[str, Any], base: str, where: str) -> Links:
    return Links(_resource_links(res, base, where))


def _included_relations(res: Mapping[str, Any], by_key: Mapping[tuple[str, str], Document],
                        base: str) -> list[tuple[str, Document]]:
    """(rel, document) for each to-one relationship whose resource is included, the document
    placed at the relationship's ``related`` URL (which serves that same resource)."""
    out: list[tuple[str, Document]] = []
    relationships = res.get("relationships")
    if not isinstance(relationships, dict):
        return out
    for name, rel in relationships.items():
        if not isinstance(rel, dict) or not isinstance(rel.get("data"), dict):
            continue
        linkage = rel["data"]
        doc = by_key.get((str(linkage.get("type")), str(linkage.get("id"))))
        links = rel.get("links") if isinstance(rel.get("links"), dict) else {}
        related = links.get("related") if links else None
        href = related.get("href") if isinstance(related, dict) else related
        if doc is None or not isinstance(href, str) or not href.strip():
            continue
        url = Link.create(name, href.strip(), base=base).href
        placed = Document(url, format="jsonapi", data=doc.data, links=doc.links)
        out.append((name, placed))
    return out


def _total(meta: Any) -> int | None:
    if not isinstance(meta, dict):
        return None
    for key in _TOTAL_KEYS:
        if key in meta and count(meta[key]) is not None:
            return count(meta[key])
    # "page" (Spring-style), "pagination" (Django REST framework JSON:API: count, pages)
    for name in ("page", "pagination"):
        page = meta.get(name)
        if isinstance(page, dict):
            for key in (*_TOTAL_KEYS, "totalElements", "total_elements"):
                if count(page.get(key)) is not None:
                    return count(page.get(key))
    return None
