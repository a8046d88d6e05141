"""HAL (draft-kelly-json-hal): ``_links``, ``curies`` and ``_embedded``; HAL-FORMS
``_templates``; and HAL as Spring HATEOAS / Spring Data REST write it.

A HAL document is a collection when it embeds members under ``item`` or ``items``, or under
its only array-valued embedded rel. Its size is a numeric ``total`` in its state, or Spring's
``page.totalElements``. Spring details handled: templated ``self``/``next`` links (expanded
with no variables: RFC 6570 drops unset ones), ``"_embedded": null`` and ``"_links": null``
(read as empty).

HAL-FORMS (``application/prs.hal-forms+json``, or any HAL document with ``_templates``): each
template is an action — ``method``, ``target`` (default: the resource's ``self``),
``contentType``, and ``properties`` with ``required``, ``readOnly``, ``regex``, ``prompt``,
``value``, ``type``, ``min``/``max``, ``minLength``/``maxLength`` and inline ``options``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from .._actions import JSON, Action, Field
from .._exceptions import DocumentError
from .._links import Link, Links
from ._common import absolute, actions_from_links, count, expect, lenient, self_url
from ._document import CONTROL_KEYS, NOT_QUICK, Document, LazyMembers, Page
from .plain import inferred_links

__all__ = ["HalFormat"]

_COLLECTION_RELS = ("item", "items")
_CONTROLS = ("_links", "_embedded", "_templates")
#: How deep ``_embedded`` resources may nest (real APIs use two or three levels).
MAX_EMBEDDED_DEPTH = 32


class HalFormat:
    """Reads ``application/hal+json`` and HAL-FORMS (and JSON objects that carry
    ``_links``/``_embedded``)."""

    name = "hal"
    media_types: tuple[str, ...] = ("application/hal+json", "application/prs.hal-forms+json")
    #: Its documents name themselves: one without a self link lacks it (hyperkm check).
    names_itself = True
    accept = ("application/hal+json", "application/prs.hal-forms+json;q=0.95")

    def link_objects(self, obj: Any) -> list[Any]:
        """The raw link objects of a document (``hyperkm check`` compares each ``templated``
        flag with its href)."""
        out: list[Any] = []
        if isinstance(obj, dict) and isinstance(obj.get("_links"), dict):
            for value in obj["_links"].values():
                out += value if isinstance(value, list) else [value]
        return out

    def sniff(self, obj: Any) -> bool:
        return isinstance(obj, dict) and ("_links" in obj or "_embedded" in obj)

    def parse(self, obj: Any, url: str) -> Document:
        return _parse(obj, url, url, "$", {}, 0)


def _parse(obj: Any, base: str, fallback_url: str, where: str, inherited: dict[str, str],
           depth: int) -> Document:
    if depth > MAX_EMBEDDED_DEPTH:
        raise DocumentError(
            f"{where}: _embedded resources nest more than {MAX_EMBEDDED_DEPTH} levels deep in "
            f"{base}; hyperkm stops there (a malformed or hostile document).", url=base)
    expect(isinstance(obj, dict), f"{where}: expected a HAL resource object", obj, base)
    links, own_curies = _links(obj.get("_links"), base, where)
    # CURIEs declared by a containing document apply inside its _embedded resources too.
    curies = {**inherited, **own_curies} if own_curies else inherited
    url = self_url(links, fallback_url)
    raw_embedded = obj.get("_embedded")
    if raw_embedded is None:
        raw_embedded = {}
    if isinstance(raw_embedded, list):
        # drf-hal-json writes a page's members as a bare array: they can only be the members.
        lenient("hal-embedded-array", "HAL: %s has an array as _embedded (not an object keyed "
                "by rel); read as the collection's members", base)
        raw_embedded = {"item": raw_embedded}
    expect(isinstance(raw_embedded, dict), f"{where}._embedded must be an object keyed by rel",
           raw_embedded, base)
    member_rel = _member_rel(raw_embedded)
    embedded: dict[str, Sequence[Document]] = {}
    items: Sequence[Document] | None = None
    for rel, value in raw_embedded.items():
        at = f"{where}._embedded.{rel}"
        values = value if isinstance(value, list) else [value]
        if rel == member_rel:
            # Members are many and often only counted or skimmed: built when first used (in
            # the consumer's thread), cheaply, their links parsed only when asked for.
            items = LazyMembers(values, partial(_member_at, base, at, curies, depth + 1),
                                _quick_state)
            embedded[rel] = items
            continue
        # Embedded resources share the retrieved document's base URL (RFC 3986 5.1.3).
        docs = [_parse(v, base, base, f"{at}[{i}]", curies, depth + 1)
                for i, v in enumerate(values)]
        for doc in docs:
            doc.has_own_url = doc.url != base
        embedded[rel] = docs
    state = {k: v for k, v in obj.items() if k not in _CONTROLS}
    if depth == 0 and obj.get("_links") is None and not raw_embedded:
        inferred = inferred_links(state, base)
        if inferred:
            # A HAL document with no controls at all whose values are URLs: Django REST
            # framework's API root, rendered by drf-hal-json.
            lenient("hal-no-links", "HAL: %s has no _links; its URL-valued properties are "
                    "read as links (inferred)", base)
            links = inferred
    page = Page(total=_total(state)) if items is not None else Page()
    actions = _templates(obj.get("_templates"), url, base, where) + actions_from_links(links)
    return Document(url, format="hal", data=state, links=Links(links, curies=curies),
                    embedded=embedded, items=items, page=page, actions=actions)


def _member_rel(raw: Mapping[str, Any]) -> str | None:
    for rel in _COLLECTION_RELS:
        if rel in raw:
            return rel
    arrays = [rel for rel, value in raw.items() if isinstance(value, list)]
    return arrays[0] if len(arrays) == 1 else None


def _member_at(base: str, at: str, curies: dict[str, str], depth: int, obj: Any, i: int
               ) -> Document:
    return _member(obj, base, f"{at}[{i}]", curies, depth)


def _member(obj: Any, base: str, where: str, curies: dict[str, str], depth: int) -> Document:
    if type(obj) is not dict:  # decoded JSON: concrete types, much faster to check
        expect(isinstance(obj, dict), f"{where}: expected a HAL resource object", obj, base)
    if obj.get("_embedded"):
        doc = _parse(obj, base, base, where, curies, depth)  # nested resources: read it all
        doc.has_own_url = doc.url != base
        return doc
    raw_links = obj.get("_links")
    url, own = base, False
    if raw_links is not None:
        if type(raw_links) is not dict:
            expect(False, f"{where}._links must be an object keyed by rel", raw_links, base)
        found = raw_links.get("self")
        if type(found) is str:
            found = {"href": found}  # a bare string (drf-hal-json): see _links
        if type(found) is dict:
            href = found.get("href")
            if type(href) is str and href.strip():
                if found.get("templated") in (True, "true"):
                    url = self_url(Links([Link.from_json(found, rel="self", base=base)]), base)
                else:
                    href = href.strip()
                    url = href if href.startswith(("https://", "http://")) else absolute(
                        href, base)
                own = url != base
    templates = obj.get("_templates")
    actions = partial(_templates, templates, url, base, where) if templates else ()
    return Document.member(url, "hal", obj, partial(_member_links, raw_links, base, where,
                                                    curies), own, state=_state, actions=actions)


def _state(obj: dict[str, Any]) -> dict[str, Any]:
    state = obj.copy()  # a copy in C, then the few controls out: faster than a comprehension
    for key in _CONTROLS:
        if key in state:
            del state[key]
    return state


def _quick_state(obj: Any) -> Any:
    """A member's state without building it (see `LazyMembers.quick_state`)."""
    if type(obj) is dict and not obj.get("_embedded") and type(obj.get("_links", _NONE)) is dict:
        return _state(obj)
    return NOT_QUICK


_NONE: dict[str, Any] = {}


CONTROL_KEYS[_state] = frozenset(_CONTROLS)


def _member_links(raw: Any, base: str, where: str, curies: dict[str, str]) -> Links:
    links, own = _links(raw, base, where)
    return Links(links, curies={**curies, **own} if own else curies)


def _total(state: Mapping[str, Any]) -> int | None:
    total = count(state.get("total"))
    if total is not None:
        return total
    total = count(state.get("count"))  # Django REST framework's pagination (drf-hal-json)
    if total is not None:
        return total
    page = state.get("page")  # Spring Data REST: "page": {"size", "totalElements", ...}
    return count(page.get("totalElements")) if isinstance(page, dict) else None


def _links(raw: Any, base: str, where: str) -> tuple[list[Link], dict[str, str]]:
    links: list[Link] = []
    curies: dict[str, str] = {}
    if raw is None:
        return links, curies
    expect(isinstance(raw, dict), f"{where}._links must be an object keyed by rel", raw, base)
    for rel, value in raw.items():
        if value is None:
            # "previous": null — no such link on this page (drf-hal-json, Spring): none
            continue
        values = value if isinstance(value, list) else [value]
        for i, obj in enumerate(values):
            at = f"{where}._links.{rel}" + (f"[{i}]" if isinstance(value, list) else "")
            if isinstance(obj, str):
                # A bare URL string instead of a link object (drf-hal-json): read as
                # {"href": ...}; HAL (draft-kelly-json-hal 4.1.1) asks for an object.
                lenient("hal-string-links", "HAL: %s writes links as bare strings (%s); read "
                        "as link objects", base, at)
                obj = {"href": obj}
            link = Link.from_json(obj, rel=rel, base=base, where=at)
            if rel == "curies":
                if not link.name:
                    raise DocumentError(f"{at}: a CURIE needs a 'name' in {base}", url=base)
                curies[link.name] = link.href
            else:
                links.append(link)
    return links, curies


def _templates(raw: Any, url: str, base: str, where: str) -> tuple[Action, ...]:
    if raw is None:
        return ()
    expect(isinstance(raw, dict), f"{where}._templates must be an object keyed by name", raw,
           base)
    actions = []
    for name, template in raw.items():
        at = f"{where}._templates.{name}"
        expect(isinstance(template, dict), f"{at}: expected a template object", template, base)
        method = template.get("method") or "GET"
        expect(isinstance(method, str), f"{at}.method must be a string", method, base)
        target = template.get("target")
        expect(target is None or (isinstance(target, str) and bool(target.strip())),
               f"{at}.target must be a URL", target, base)
        props = template.get("properties", [])
        expect(isinstance(props, list), f"{at}.properties must be an array", props, base)
        fields = tuple(_field(p, base, f"{at}.properties[{i}]") for i, p in enumerate(props))
        content_type = template.get("contentType")
        title = template.get("title")
        actions.append(Action(
            name=name, method=method.upper(),
            target=absolute(target, base) if target else url,
            title=title if isinstance(title, str) else None,
            content_type=content_type if isinstance(content_type, str) and content_type
            else JSON, fields=fields))
    return tuple(actions)


def _field(obj: Any, base: str, where: str) -> Field:
    expect(isinstance(obj, dict) and isinstance(obj.get("name"), str) and bool(obj["name"]),
           f"{where}: expected a property with a 'name'", obj, base)

    def number(key: str) -> float | None:
        value = obj.get(key)
        return float(value) if isinstance(value, (int, float)) and not isinstance(
            value, bool) else None

    def integer(key: str) -> int | None:
        value = obj.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    options = None
    raw_options = obj.get("options")
    if isinstance(raw_options, dict) and isinstance(raw_options.get("inline"), list):
        value_field = raw_options.get("valueField") or "value"
        options = tuple(o.get(value_field) if isinstance(o, dict) else o
                        for o in raw_options["inline"])
    regex = obj.get("regex")
    prompt = obj.get("prompt")
    value = obj.get("value")
    return Field(name=obj["name"], type=str(obj.get("type") or "text"),
                 required=obj.get("required") in (True, "true"),
                 value=None if value == "" else value, options=options,
                 pattern=regex if isinstance(regex, str) and regex else None,
                 min=number("min"), max=number("max"),
                 min_length=integer("minLength"), max_length=integer("maxLength"),
                 read_only=obj.get("readOnly") in (True, "true"),
                 prompt=prompt if isinstance(prompt, str) else None)
