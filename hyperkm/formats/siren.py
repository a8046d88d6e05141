"""Siren (https://github.com/kevinswiber/siren), ``application/vnd.siren+json``.

- ``links``: ``{"rel": [...], "href", "title", "type", "class"}`` — one [`Link`][hyperkm.Link] per
rel.
- ``entities``: sub-entities, each with a ``rel`` array. An *embedded link* (``href``, nothing
  else) becomes a link by its rels; an *embedded representation* becomes an embedded document
  (its own ``self`` link is its URL) and a link to it by each of its rels, so following that
  rel costs no request.
- Members of a collection: the sub-entities with rel ``item`` (the IANA relation Siren
  collections use).
- ``properties`` are the state; a numeric ``total`` there is the collection's size. ``class``
  is kept in [`Document.envelope`][hyperkm.Document].
- ``actions``: forms (name, title, method — GET by default —, href, type —
  ``application/x-www-form-urlencoded`` by default —, fields).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from .._actions import FORM_URLENCODED, Action, Field
from .._exceptions import DocumentError
from .._links import Link, Links
from ._common import absolute, count, expect, lenient, looks_templated, self_url
from ._document import NOT_QUICK, Document, LazyMembers, Page

__all__ = ["SirenFormat"]

MEDIA_TYPE = "application/vnd.siren+json"
_SIREN_KEYS = ("entities", "actions", "properties", "class")
_ITEM = ["item"]
#: Rels that never name a collection's members, even when every sub-entity has one.
_NOT_MEMBERS = frozenset({"self", "up", "collection", "author", "describedby", "profile"})


class SirenFormat:
    """Reads Siren entities."""

    name = "siren"
    media_types: tuple[str, ...] = (MEDIA_TYPE,)
    #: Its documents name themselves: one without a self link lacks it (hyperkm check).
    names_itself = True

    def error_message(self, obj: Any) -> str | None:
        """The ``message`` of a Siren error entity (class ``error``)."""
        if not isinstance(obj, dict):
            return None
        properties = obj.get("properties")
        if isinstance(obj.get("class"), list) and "error" in obj["class"] and isinstance(
                properties, dict) and isinstance(properties.get("message"), str):
            return str(properties["message"])
        return None

    def sniff(self, obj: Any) -> bool:
        """An object with Siren's own members (``class``, ``properties``, ``entities``,
        ``actions``) whose links, if any, all have ``rel`` arrays."""
        if not isinstance(obj, dict) or not any(k in obj for k in _SIREN_KEYS):
            return False
        if "data" in obj or "_links" in obj:
            return False
        if not isinstance(obj.get("class", []), list) or not isinstance(
                obj.get("entities", []), list) or not isinstance(obj.get("actions", []), list):
            return False
        links = obj.get("links", [])
        return isinstance(links, list) and all(
            isinstance(x, dict) and isinstance(x.get("rel"), list) for x in links) and (
            "properties" in obj or "entities" in obj or "actions" in obj or bool(links))

    def parse(self, obj: Any, url: str) -> Document:
        return _entity(obj, url, url, "$", 0)


def _entity(obj: Any, base: str, fallback: str, where: str, depth: int) -> Document:
    expect(isinstance(obj, dict), f"{where}: expected a Siren entity object", obj, base)
    if depth > 32:
        raise DocumentError(f"{where}: sub-entities nest more than 32 levels in {base}",
                            url=base)
    links = _links(obj.get("links", []), base, f"{where}.links")
    properties = obj.get("properties", {})
    if properties is None:
        properties = {}
    expect(isinstance(properties, dict), f"{where}.properties must be an object", properties,
           base)
    embedded: dict[str, Sequence[Document]] = {}
    members: list[Document] = []
    linked_members = False
    raw_entities = obj.get("entities", [])
    expect(isinstance(raw_entities, list), f"{where}.entities must be an array", raw_entities,
           base)
    member_rel = _all_plain_members(raw_entities)
    if member_rel is not None:
        # A plain collection page (every sub-entity a member): its members are built when
        # used, one by one (a walk skims thousands).
        if member_rel != "item":
            lenient("siren-member-rel", "Siren: %s names its members %r, not 'item'; read as "
                    "the collection's members, since every sub-entity shares that rel "
                    "(fastapi-hypermodel writes a field's name)", base, member_rel)
        lazy = LazyMembers(raw_entities, partial(_member_at, base, where), _quick_state)
        embedded[member_rel] = lazy
        if member_rel != "item":
            embedded["item"] = lazy
        raw_entities = []
    else:
        lazy = None
    for i, sub in enumerate(raw_entities):
        at = f"{where}.entities[{i}]"
        expect(isinstance(sub, dict), f"{at}: expected a sub-entity object", sub, base)
        rels = sub.get("rel")
        expect(_is_rels(rels), f"{at}.rel must be a non-empty array of strings", rels, base)
        if "href" in sub:  # an embedded link
            for rel in rels:
                links.append(Link.from_json({**_link_attrs(sub), "href": sub["href"]}, rel=rel,
                                            base=base, where=at))
            linked_members = linked_members or "item" in rels
            continue
        if "item" in rels and not sub.get("entities"):
            # Members are many and often only counted or skimmed: built cheaply, their
            # links and forms read only when asked for.
            doc = _member(sub, base, at)
            members.append(doc)
            for rel in rels:
                embedded.setdefault(rel, []).append(doc)  # type: ignore[attr-defined]
            continue
        doc = _entity(sub, base, base, at, depth + 1)
        doc.has_own_url = any(x.rel == "self" for x in doc.links)
        for rel in rels:
            embedded.setdefault(rel, []).append(doc)  # type: ignore[attr-defined]
            if doc.has_own_url:
                links.append(Link.create(rel, doc.url, base=base))
        if "item" in rels:
            members.append(doc)
    classes = obj.get("class")
    envelope: dict[str, Any] = {"class": classes} if isinstance(classes, list) else {}
    items: Sequence[Document] | None = lazy if lazy is not None else (
        members if members and not linked_members else None)
    page = Page(total=count(properties.get("total"))) if items is not None else Page()
    title = obj.get("title")
    if isinstance(title, str) and "title" not in properties:
        envelope["title"] = title
    # A page's forms are read when first asked for (as a member's are): a walk asks a page
    # only for its members and its next link. A malformed one is refused then.
    raw_actions = obj.get("actions", [])
    actions = partial(_actions, raw_actions, base, where) if raw_actions != [] else ()
    return Document(self_url(links, fallback), format="siren", data=properties,
                    links=Links(links), embedded=embedded, items=items, page=page,
                    envelope=envelope, actions=actions)


def _member(sub: dict[str, Any], base: str, where: str) -> Document:
    properties = sub.get("properties", {})
    expect(properties is None or isinstance(properties, dict),
           f"{where}.properties must be an object", properties, base)
    raw_links = sub.get("links", [])
    expect(isinstance(raw_links, list), f"{where}.links must be an array of link objects",
           raw_links, base)
    url, own = base, False
    for obj in raw_links:  # the member's own URL, cheaply
        if isinstance(obj, dict) and isinstance(obj.get("rel"), list) and "self" in obj["rel"] \
                and isinstance(obj.get("href"), str) and obj["href"].strip():
            url, own = absolute(obj["href"], base), True
            break
    raw_actions = sub.get("actions")
    actions = partial(_actions, raw_actions, base, where) if raw_actions else ()
    return Document.member(url, "siren", sub, partial(_member_links, raw_links, base, where),
                           own, state=_properties, actions=actions)


def _all_plain_members(entities: list[Any]) -> str | None:
    """The rel of a plain collection page's members, or None: every sub-entity is a plain
    member (no sub-entities, not an embedded link) under the same single rel — ``item`` as
    Siren's own examples have it, or whatever name a server gave them all (as HAL's rule for
    a page whose only array-valued embedded rel is its members). A loop, not ``all()`` over a
    generator — it runs on every page."""
    if not entities:
        return None
    first = entities[0].get("rel") if type(entities[0]) is dict else None
    if first != _ITEM and not (isinstance(first, list) and len(first) == 1
                               and isinstance(first[0], str) and first[0]
                               and first[0] not in _NOT_MEMBERS):
        return None
    for sub in entities:
        if type(sub) is not dict or sub.get("rel") != first or "href" in sub \
                or sub.get("entities"):
            return None
    return str(first[0])


def _member_at(base: str, where: str, sub: Any, i: int) -> Document:
    return _member(sub, base, f"{where}.entities[{i}]")


def _properties(sub: dict[str, Any]) -> dict[str, Any]:
    return dict(sub.get("properties") or {})


def _quick_state(sub: Any) -> Any:
    """A member's state without building it (see `LazyMembers.quick_state`)."""
    if type(sub) is dict and type(sub.get("links", _NO_LIST)) is list:
        properties = sub.get("properties")
        if properties is None:
            return {}
        if type(properties) is dict:
            return dict(properties)
    return NOT_QUICK


_NO_LIST: list[Any] = []


def _member_links(raw: Any, base: str, where: str) -> Links:
    return Links(_links(raw, base, f"{where}.links"))


def _is_rels(rels: Any) -> bool:
    return isinstance(rels, list) and bool(rels) and all(isinstance(r, str) and r for r in rels)


def _link_attrs(obj: Mapping[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {k: obj[k] for k in ("title", "type") if isinstance(obj.get(k), str)}
    href = obj.get("href")
    if obj.get("templated") in (True, "true") or (isinstance(href, str) and
                                                  looks_templated(href)):
        attrs["templated"] = True
    return attrs


def _links(raw: Any, base: str, where: str) -> list[Link]:
    expect(isinstance(raw, list), f"{where} must be an array of link objects", raw, base)
    links: list[Link] = []
    for i, obj in enumerate(raw):
        at = f"{where}[{i}]"
        expect(isinstance(obj, dict), f"{at}: expected a link object", obj, base)
        rels = obj.get("rel")
        expect(_is_rels(rels), f"{at}.rel must be a non-empty array of strings", rels, base)
        attrs = {**_link_attrs(obj), "href": obj.get("href")}
        links.extend(Link.from_json(attrs, rel=rel, base=base, where=at) for rel in rels)
    return links


def _actions(raw: Any, base: str, where: str) -> tuple[Action, ...]:
    expect(isinstance(raw, list), f"{where}.actions must be an array", raw, base)
    actions = []
    for i, obj in enumerate(raw):
        at = f"{where}.actions[{i}]"
        expect(isinstance(obj, dict), f"{at}: expected an action object", obj, base)
        name, href = obj.get("name"), obj.get("href")
        expect(isinstance(name, str) and bool(name), f"{at}.name must be a non-empty string",
               name, base)
        expect(isinstance(href, str) and bool(href), f"{at}.href must be a non-empty string",
               href, base)
        method = obj.get("method") or "GET"
        expect(isinstance(method, str), f"{at}.method must be a string", method, base)
        fields_raw = obj.get("fields", [])
        expect(isinstance(fields_raw, list), f"{at}.fields must be an array", fields_raw, base)
        fields = tuple(_field(f, base, f"{at}.fields[{j}]") for j, f in enumerate(fields_raw))
        kind = obj.get("type") if isinstance(obj.get("type"), str) else FORM_URLENCODED
        title = obj.get("title") if isinstance(obj.get("title"), str) else None
        # Siren's hrefs are URIs; some servers write templates (fastapi-hypermodel says
        # "templated": true): expanded from the submitted fields, as Collection+JSON's are.
        templated = looks_templated(href)
        if templated:
            lenient("siren-templated-action", "Siren: the action %r at %s has a URI template "
                    "as its href; its variables are taken from the submitted values",
                    name, base)
        actions.append(Action(name=name, title=title, method=method.upper(),
                              target=absolute(href, base), content_type=kind, fields=fields,
                              templated=templated))
    return tuple(actions)


def _field(obj: Any, base: str, where: str) -> Field:
    expect(isinstance(obj, dict), f"{where}: expected a field object", obj, base)
    name = obj.get("name")
    expect(isinstance(name, str) and bool(name), f"{where}.name must be a non-empty string",
           name, base)
    value = obj.get("value")
    options = None
    raw_options = obj.get("options")
    if isinstance(raw_options, list):  # beyond the specification, as HTML's <option>s
        options = tuple(o.get("value") if isinstance(o, dict) else o for o in raw_options)
    elif isinstance(value, list):  # radio/checkbox groups: [{"value", "title", "selected"}]
        options = tuple(v.get("value") if isinstance(v, dict) else v for v in value)
        chosen = [v.get("value") for v in value if isinstance(v, dict) and v.get("selected")]
        value = chosen[0] if chosen else None
    kind = obj.get("type") if isinstance(obj.get("type"), str) else "text"
    title = obj.get("title") if isinstance(obj.get("title"), str) else None
    # Beyond the specification: HTML's constraint attributes, as Siren servers commonly add
    pattern = obj.get("pattern")
    return Field(name=name, type=kind, value=value, options=options, prompt=title,
                 required=obj.get("required") in (True, "true"),
                 pattern=pattern if isinstance(pattern, str) and pattern else None,
                 min=_number(obj.get("min")), max=_number(obj.get("max")),
                 read_only=obj.get("readOnly", obj.get("readonly")) in (True, "true"))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(
        value, bool) else None
