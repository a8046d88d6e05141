"""Collection+JSON (http://amundsen.com/media-types/collection/format/),
``application/vnd.collection+json``.

- ``collection.href`` is the collection's ``self``; ``collection.links`` are links (``prompt``
  becomes the title; ``next``/``prev``/``first``/``last`` page through it).
- ``collection.items`` are the members: ``href`` is a member's URL, its ``data`` name/value
  pairs flattened into its state, its ``links`` its links.
- ``queries`` are templated links (``{?name,...}`` from their ``data`` names) and GET actions.
- ``template`` is a form: ``create`` on the collection (POST), or ``edit`` (PUT) on a
  document that holds a single item; it is sent as ``{"template": {"data": [...]}}``.
- ``error`` (``title``, ``code``, ``message``) is state; the client reads it into
  [`HTTPError.server_message`][hyperkm._exceptions.HTTPError].
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from .._actions import COLLECTION_JSON, Action, Field
from .._links import Link, Links
from ._common import absolute, count, expect, looks_templated
from ._document import NOT_QUICK, PEEKERS, Document, LazyMembers, Page

__all__ = ["CollectionJsonFormat"]

MEDIA_TYPE = "application/vnd.collection+json"


class CollectionJsonFormat:
    """Reads Collection+JSON documents."""

    name = "collection+json"
    media_types: tuple[str, ...] = (MEDIA_TYPE,)
    #: Its documents name themselves: one without a self link lacks it (hyperkm check).
    names_itself = True

    def error_message(self, obj: Any) -> str | None:
        """Collection+JSON's ``error``: title, message and code."""
        collection = obj.get("collection") if isinstance(obj, dict) else None
        if isinstance(collection, dict) and isinstance(collection.get("error"), dict):
            error = collection["error"]
            parts = [str(error[k]) for k in ("title", "message") if isinstance(
                error.get(k), str)]
            if parts:
                return ": ".join(parts) + (f" ({error['code']})" if isinstance(
                    error.get("code"), str) else "")
        return None

    def sniff(self, obj: Any) -> bool:
        """An object whose only member is ``collection``, itself an object with a
        ``version``, ``href``, ``items`` or ``links``."""
        return (isinstance(obj, dict) and list(obj) == ["collection"]
                and isinstance(obj["collection"], dict)
                and any(k in obj["collection"] for k in ("version", "href", "items", "links")))

    def parse(self, obj: Any, url: str) -> Document:
        expect(isinstance(obj, dict) and isinstance(obj.get("collection"), dict),
               "$: expected {\"collection\": {...}}", obj, url)
        coll = obj["collection"]
        links = _links(coll.get("links", []), url, "$.collection.links")
        href = coll.get("href")
        if href is not None:
            expect(isinstance(href, str) and bool(href.strip()),
                   "$.collection.href must be a URL", href, url)
            links.insert(0, Link.create("self", href.strip(), base=url))
        queries = coll.get("queries", [])
        expect(isinstance(queries, list), "$.collection.queries must be an array", queries, url)
        actions: list[Action] = []
        for i, query in enumerate(queries):
            link, action = _query(query, url, f"$.collection.queries[{i}]")
            links.append(link)
            actions.append(action)
        raw_items = coll.get("items", [])
        expect(isinstance(raw_items, list), "$.collection.items must be an array", raw_items,
               url)
        members = LazyMembers(raw_items, partial(_member_at, url), _quick_state)
        template = coll.get("template")
        collection_url = links[0].href if href is not None else url
        # A document about one item (its href is the URL retrieved): its state, its links,
        # and the template edits it. (A collection's URL is never one of its items'.)
        single = len(members) == 1 and members[0].url == url
        if template is not None:
            fields = _fields(template, url, "$.collection.template")
            if single:
                actions.append(Action("edit", "PUT", members[0].url, title="Edit",
                                      content_type=COLLECTION_JSON, fields=fields))
            else:
                actions.append(Action("create", "POST", collection_url, title="Create",
                                      content_type=COLLECTION_JSON, fields=fields))
        error = coll.get("error")
        if error is not None:
            expect(isinstance(error, dict), "$.collection.error must be an object", error, url)
        state: dict[str, Any] = {k: v for k, v in coll.items() if k in ("version",)}
        if error is not None:
            state["error"] = error
        total = count(coll.get("total"))
        if single:
            item = members[0]
            return Document(url, format=self.name, data=item.data,
                            links=Links([*item.links, *links]), actions=tuple(actions))
        return Document(url, format=self.name, items=members if "items" in coll else None,
                        links=Links(links), page=Page(total=total), actions=tuple(actions),
                        data=state if "items" not in coll else None)


def _links(raw: Any, base: str, where: str) -> list[Link]:
    expect(isinstance(raw, list), f"{where} must be an array of link objects", raw, base)
    out = []
    for i, obj in enumerate(raw):
        at = f"{where}[{i}]"
        expect(isinstance(obj, dict), f"{at}: expected a link object", obj, base)
        attrs = {"href": obj.get("href"), "rel": obj.get("rel")}
        if isinstance(obj.get("name"), str):
            attrs["name"] = obj["name"]
        if isinstance(obj.get("prompt"), str):
            attrs["title"] = obj["prompt"]
        if isinstance(obj.get("render"), str):
            attrs["render"] = obj["render"]
        if isinstance(obj.get("href"), str) and looks_templated(obj["href"]):
            attrs["templated"] = True
        out.append(Link.from_json(attrs, base=base, where=at))
    return out


def _data(raw: Any, base: str, where: str) -> dict[str, Any]:
    """The state of name/value pairs, each checked, a malformed one refused naming where."""
    expect(isinstance(raw, list), f"{where} must be an array of name/value objects", raw, base)
    found: dict[str, Any] = {}
    for i, pair in enumerate(raw):
        expect(isinstance(pair, dict) and isinstance(pair.get("name"), str),
               f"{where}[{i}]: expected {{\"name\", \"value\"}}", pair, base)
        found[pair["name"]] = pair.get("value")
    return found


def _fields(template: Any, base: str, where: str) -> tuple[Field, ...]:
    expect(isinstance(template, dict), f"{where} must be an object", template, base)
    raw = template.get("data", [])
    expect(isinstance(raw, list), f"{where}.data must be an array", raw, base)
    fields = []
    for i, pair in enumerate(raw):
        expect(isinstance(pair, dict) and isinstance(pair.get("name"), str),
               f"{where}.data[{i}]: expected {{\"name\", \"value\"}}", pair, base)
        fields.append(_field(pair))
    return tuple(fields)


def _field(pair: Mapping[str, Any]) -> Field:
    # The core format has name/value/prompt; "required", "regexp"/"pattern", "type" and
    # "options" are common extensions, read when present.
    pattern = pair.get("regexp", pair.get("pattern"))
    options = pair.get("options")
    value = pair.get("value")
    def number(key: str) -> float | None:
        v = pair.get(key)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    return Field(name=pair["name"], type=str(pair.get("type") or "text"),
                 required=pair.get("required") in (True, "true"),
                 read_only=pair.get("readOnly", pair.get("readonly")) in (True, "true"),
                 min=number("min"), max=number("max"),
                 value=None if value == "" else value,
                 pattern=pattern if isinstance(pattern, str) and pattern else None,
                 options=tuple(o.get("value") if isinstance(o, dict) else o for o in options)
                 if isinstance(options, list) else None,
                 prompt=pair.get("prompt") if isinstance(pair.get("prompt"), str) else None)


def _query(obj: Any, base: str, where: str) -> tuple[Link, Action]:
    expect(isinstance(obj, dict), f"{where}: expected a query object", obj, base)
    rel, href = obj.get("rel"), obj.get("href")
    expect(isinstance(rel, str) and bool(rel), f"{where}.rel must be a string", rel, base)
    expect(isinstance(href, str) and bool(href.strip()), f"{where}.href must be a URL", href,
           base)
    fields = _fields({"data": obj.get("data", [])}, base, where)
    target = absolute(href, base)
    names = ",".join(f.name for f in fields if _is_varname(f.name))
    template = target + ("{?" + names + "}" if names else "")
    prompt = obj.get("prompt") if isinstance(obj.get("prompt"), str) else None
    name = obj.get("name") if isinstance(obj.get("name"), str) else None
    link = Link.create(rel, template, templated=bool(names), base=base, title=prompt, name=name)
    action = Action(name or rel, "GET", target, title=prompt, content_type="", fields=fields)
    return link, action


def _is_varname(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c == "_" for c in name)


def _member(item: Any, base: str, where: str) -> Document:
    expect(isinstance(item, dict), f"{where}: expected an item object", item, base)
    href = item.get("href")
    own = isinstance(href, str) and bool(href.strip())
    url = absolute(href, base) if own else base
    return Document.member(url, "collection+json", item,
                           partial(_member_links, item, base, where), own, state=_member_state)


def _member_at(base: str, item: Any, i: int) -> Document:
    return _member(item, base, f"$.collection.items[{i}]")


def _member_state(item: Mapping[str, Any]) -> dict[str, Any]:
    raw = item.get("data", [])
    if type(raw) is list:  # the usual shape, in one tight loop (thousands of members)
        # Subscripts, not .get(): a pair that is no object (a list, a string, a number)
        # raises TypeError, one without "name" KeyError — both take the checked road.
        state: dict[str, Any] = {}
        try:
            for pair in raw:
                name = pair["name"]
                if type(name) is not str:
                    break
                try:
                    state[name] = pair["value"]
                except KeyError:  # "value" is optional
                    state[name] = None
            else:
                return state
        except (KeyError, TypeError):
            pass
    return _data(raw, item.get("href") or "an item", "data")


def _quick_state(item: Any) -> Any:
    """A member's state without building it (see `LazyMembers.quick_state`)."""
    return _member_state(item) if type(item) is dict else NOT_QUICK


def _peek(item: Mapping[str, Any], key: str) -> Any:
    data = item.get("data")
    if type(data) is list:
        for pair in data:
            if type(pair) is dict and pair.get("name") == key:
                return pair.get("value")
    return None


PEEKERS[_member_state] = _peek


def _member_links(item: Mapping[str, Any], base: str, where: str) -> Links:
    links = _links(item.get("links", []), base, f"{where}.links")
    href = item.get("href")
    if isinstance(href, str) and href.strip():
        links.insert(0, Link.create("self", href.strip(), base=base))
    return Links(links)
