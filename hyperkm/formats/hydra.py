"""Hydra (JSON-LD), ``application/ld+json``: API Platform's default format, and Hydra APIs.

Read in both spellings real servers use: prefixed (``hydra:member``, ``hydra:view`` — Hydra
APIs and API Platform 2.x) and unprefixed (``member``, ``view``, ``totalItems``, ``search`` —
API Platform 3.x/4.x, whose context maps them to the Hydra vocabulary); a prefix an inline
``@context`` maps to the Hydra namespace, and full Hydra IRIs, are read too.

- ``@id`` is ``self`` (for a page of a collection, its ``view``'s ``@id``); ``@type`` stays in
  the state, where people see it.
- A collection's ``member`` objects are its members (each at its own ``@id``); members given as
  bare IRIs are linked members (``item`` links). ``totalItems`` is the total; ``view``'s
  ``first``/``next``/``previous``/``last`` page through it (``previous`` is ``prev``).
- A property whose value is an ``IriTemplate`` (``search``, say) is a templated link by that
  name — its ``mapping``'s variables are the template's — and a GET action whose fields are
  the mapping (``required``, ``property`` as the prompt).
- ``operation`` (on the resource, or on a linked node ``{"@id", "operation": [...]}``) are
  actions: ``method``, ``title``, and the fields of an inline ``expects`` class
  (``supportedProperty``); an ``expects`` that is only a class IRI gives a free-form action.
- Links: a property whose value is a node reference (``{"@id": …}``, alone or with ``@type``
  and ``operation``), or an array of them; a term the inline ``@context`` types ``"@id"``;
  and, in documents shaped as API Platform writes them (``"@context": "/contexts/…"``),
  string values that are IRIs of the API (``"/books/1"``) — those stay in the state too
  (``source="inferred"``), since without the context document nothing says they are links.

Not read: expanded JSON-LD (every value an array of objects), ``@graph`` (its nodes are not
walked), remote contexts (never fetched), and the API documentation
(``hydra:apiDocumentation``), which is an ordinary link here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from .._actions import JSON, Action, Field
from .._links import Link, Links
from ._common import absolute, count, expect, lenient
from ._document import NOT_QUICK, Document, LazyMembers, Page
from .activitystreams import ActivityStreamsFormat

__all__ = ["HYDRA", "HydraFormat"]

MEDIA_TYPE = "application/ld+json"
HYDRA = "http://www.w3.org/ns/hydra/core#"
_AS = ActivityStreamsFormat()
#: Keys that are JSON-LD keywords or Hydra controls, never state.
_CONTROLS = ("@context", "@id", "operation", "view", "member", "search", "totalItems")
_VIEW_RELS = (("first", "first"), ("next", "next"), ("previous", "prev"), ("last", "last"))
#: Links a document may give (a hostile one of 10^6 references costs little).
MAX_LINKS = 1024
_API_IRI = re.compile(r"^/[^\s{}<>\"\\^`|]*$")


class HydraFormat:
    """Reads Hydra (JSON-LD) documents."""

    name = "hydra"
    media_types: tuple[str, ...] = (MEDIA_TYPE,)
    #: Its documents name themselves: one without a self link lacks it (hyperkm check).
    names_itself = True

    def sniff(self, obj: Any) -> bool:
        """A JSON-LD object (``@context``) that is not ActivityStreams, or an object using
        the ``hydra:`` vocabulary."""
        if not isinstance(obj, dict):
            return False
        if "@context" in obj:
            return not _is_activitystreams(obj["@context"])
        return any(isinstance(k, str) and k.startswith("hydra:") for k in obj)

    def parse(self, obj: Any, url: str) -> Document:
        expect(isinstance(obj, dict), "$: expected a JSON-LD object", obj, url)
        if _is_activitystreams(obj.get("@context")):  # JSON-LD too, served as ld+json
            return _AS.parse(obj, url)
        names = _Names(obj.get("@context"))
        links, actions = _controls(obj, url, names, "$")
        members = names.get(obj, "member")
        view = names.get(obj, "view")
        total = _total(names.get(obj, "totalItems"))
        if view is not None:
            expect(isinstance(view, dict), "$.view must be an object", view, url)
            page_id = view.get("@id")
            if isinstance(page_id, str) and page_id.strip():
                # The page is the document; the collection's own @id is its "collection".
                links = [x for x in links if x.rel != "self"]
                links.insert(0, Link.create("self", page_id.strip(), base=url))
                own = obj.get("@id")
                if isinstance(own, str) and own.strip():
                    links.append(Link.create("collection", own.strip(), base=url))
            for key, rel in _VIEW_RELS:
                href = names.get(view, key)
                if isinstance(href, dict):
                    href = href.get("@id")
                if href is not None:
                    expect(isinstance(href, str) and bool(href.strip()),
                           f"$.view.{key} must be an IRI", href, url)
                    links.append(Link.create(rel, href.strip(), base=url))
        if isinstance(members, dict):  # JSON-LD compaction writes a set of one as the one
            members = [members]
        if members is None:
            state = _state(obj, names)
            return Document(url, format=self.name, data=state, links=Links(links),
                            actions=tuple(actions))
        expect(isinstance(members, list), "$.member must be an array", members, url)
        if members and all(isinstance(m, str) or _is_ref(m, names) for m in members):
            # Members given by reference only: read each one (as HAL's "item" links).
            refs = [m if isinstance(m, str) else m["@id"] for m in members[:MAX_LINKS]]
            links += [Link.create("item", m.strip(), base=url) for m in refs if m.strip()]
            return Document(url, format=self.name, data=_state(obj, names), links=Links(links),
                            actions=tuple(actions), page=Page(total=total))
        lazy = LazyMembers(members, partial(_member_at, url, names), partial(_quick, names))
        envelope = _state(obj, names)  # what else the collection says (a report's columns)
        envelope.pop("@type", None)
        return Document(url, format=self.name, items=lazy, links=Links(links),
                        actions=tuple(actions), page=Page(total=total), envelope=envelope)


class _Names:
    """How this document spells the Hydra terms: ``member``, ``hydra:member``, a prefix of
    its own, or the full IRI."""

    __slots__ = ("inferred", "prefixes", "typed")

    def __init__(self, context: Any) -> None:
        #: Terms the inline context types "@id" (their string values are IRIs).
        self.typed = _typed_ids(context)
        #: API Platform's document: its string values that are API paths are relations.
        self.inferred = _api_platform(context)
        prefixes = ["", "hydra:", HYDRA]
        for ctx in context if isinstance(context, list) else [context]:
            if isinstance(ctx, dict):
                prefixes += [f"{k}:" for k, v in list(ctx.items())[:64]
                             if v == HYDRA and isinstance(k, str) and k != "hydra"]
        self.prefixes = tuple(prefixes)

    def get(self, obj: Mapping[str, Any], term: str) -> Any:
        for prefix in self.prefixes:
            value = obj.get(prefix + term)
            if value is not None:
                return value
        return None

    def term(self, key: str) -> str:
        """``key`` without a Hydra prefix (``hydra:search`` → ``search``)."""
        for prefix in self.prefixes[1:]:
            if key.startswith(prefix):
                return key[len(prefix):]
        return key


def _total(value: Any) -> int | None:
    # JSON-LD literals may come as strings (the Hydra specification's own example does).
    if isinstance(value, str) and value.isdigit() and len(value) <= 15:
        return int(value)
    return count(value)


_EXPRESSION = re.compile(r"\{[^{}]*\}")


def _bracketed(template: str) -> str:
    """API Platform's filter variables (``order[title]``) are no RFC 6570 names: the brackets
    are percent-encoded inside expressions (``order%5Btitle%5D``, a valid name, which
    expands to the query the server reads as ``order[title]``)."""
    def encode(match: re.Match[str]) -> str:
        return match.group(0).replace("[", "%5B").replace("]", "%5D")
    return _EXPRESSION.sub(encode, template)


def _is_activitystreams(context: Any) -> bool:
    contexts = context if isinstance(context, list) else [context]
    return any(isinstance(c, str) and c.rstrip("/#").endswith("ns/activitystreams")
               for c in contexts[:16])


def _typed_ids(context: Any) -> frozenset[str]:
    """Terms an inline ``@context`` declares as IRIs (``{"author": {"@type": "@id"}}``)."""
    found: set[str] = set()
    for ctx in context if isinstance(context, list) else [context]:
        if isinstance(ctx, dict):
            for key, value in list(ctx.items())[:256]:
                if isinstance(value, dict) and value.get("@type") == "@id":
                    found.add(key)
    return frozenset(found)


def _api_platform(context: Any) -> bool:
    # API Platform names its contexts "/contexts/Book" (or an absolute URL ending so).
    return isinstance(context, str) and "/contexts/" in context


def _is_ref(value: Any, names: _Names) -> bool:
    """A node reference: ``{"@id": IRI}``, perhaps with ``@type``, ``title`` and
    ``operation`` (what a link is in JSON-LD); an object with other properties is embedded
    state."""
    return (type(value) is dict and isinstance(value.get("@id"), str)
            and all(k in ("@id", "@type") or names.term(k) in ("operation", "title")
                    for k in value))


def _is_node(value: Any) -> bool:
    """An embedded node object: an ``@id`` and properties of its own."""
    return type(value) is dict and isinstance(value.get("@id"), str) and bool(
        value["@id"].strip()) and not value["@id"].startswith("_:")


#: Hydra terms whose values are IRIs (its context types them "@id").
_IRI_TERMS = frozenset({"entrypoint", "apiDocumentation"})


def _is_template(value: Any, names: _Names) -> bool:
    if type(value) is not dict:
        return False
    kind = value.get("@type")
    return kind in ("IriTemplate", "hydra:IriTemplate", HYDRA + "IriTemplate") or (
        kind is None and isinstance(names.get(value, "template"), str)
        and isinstance(names.get(value, "mapping"), list))


def _controls(obj: dict[str, Any], base: str, names: _Names, where: str
              ) -> tuple[list[Link], list[Action]]:
    links: list[Link] = []
    actions: list[Action] = []
    own = obj.get("@id")
    if own is not None:
        expect(isinstance(own, str) and bool(own.strip()), f"{where}.@id must be an IRI", own,
               base)
        links.append(Link.create("self", own.strip(), base=base))
    target = links[0].href if links else base
    actions += _operations(names.get(obj, "operation"), target, None, base, names,
                           f"{where}.operation")
    typed, inferred = names.typed, names.inferred
    for key, value in obj.items():
        if len(links) >= MAX_LINKS:
            break
        if not isinstance(key, str) or key.startswith("@") or value is None:
            continue
        term = names.term(key)
        if term in ("view", "member", "operation", "totalItems"):
            continue
        at = f"{where}.{key}"
        if _is_template(value, names):
            link, action = _template(term, value, base, names, at)
            links.append(link)
            actions.append(action)
        elif _is_ref(value, names):
            links.append(Link.create(term, value["@id"].strip(), base=base,
                                     title=_title(value, names)))
            actions += _operations(names.get(value, "operation"), links[-1].href, term, base,
                                   names, f"{at}.operation")
        elif type(value) is list and value and all(_is_ref(v, names) for v in value[:MAX_LINKS]):
            links += [Link.create(term, v["@id"].strip(), base=base, title=_title(v, names))
                      for v in value[:MAX_LINKS]]
        elif _is_node(value) or (type(value) is list and value and all(
                _is_node(v) for v in value[:MAX_LINKS])):
            # Embedded resources with their own @id: state (shown as sent), and links
            nodes = value if type(value) is list else [value]
            links += [Link.create(term, v["@id"].strip(), base=base) for v in nodes[:MAX_LINKS]]
        elif term in _IRI_TERMS and type(value) is str and value.strip():
            links.append(Link.create(term, value.strip(), base=base))
        elif key in typed or inferred:
            values = value if type(value) is list else [value]
            links += [Link.create(term, v.strip(), base=base,
                                  source="body" if key in typed else "inferred")
                      for v in values[:MAX_LINKS] if type(v) is str and v.strip()
                      and (key in typed or _API_IRI.match(v))]
    return links, actions


def _title(node: Mapping[str, Any], names: _Names) -> str | None:
    title = names.get(node, "title")
    return title if isinstance(title, str) else None


def _template(rel: str, value: dict[str, Any], base: str, names: _Names, where: str
              ) -> tuple[Link, Action]:
    template = names.get(value, "template")
    expect(isinstance(template, str) and bool(template.strip()),
           f"{where}.template must be an RFC 6570 template", template, base)
    template = template.strip()
    if "[" in template:
        encoded = _bracketed(template)
        if encoded != template:
            lenient("hydra-brackets", "hyperkm: a Hydra IriTemplate has variable names with "
                    "brackets (API Platform's filters, %s); they are read percent-encoded "
                    "(order%%5Btitle%%5D)", template[:80])
            template = encoded
    mapping = names.get(value, "mapping") or []
    if isinstance(mapping, dict):
        mapping = [mapping]
    expect(isinstance(mapping, list), f"{where}.mapping must be an array", mapping, base)
    fields = []
    for i, m in enumerate(mapping[:256]):
        variable = names.get(m, "variable") if isinstance(m, dict) else None
        expect(isinstance(variable, str) and bool(variable),
               f"{where}.mapping[{i}].variable must be a string", m, base)
        prop = names.get(m, "property")
        prompt = prop if isinstance(prop, str) else (
            prop.get("@id") if isinstance(prop, dict) else None)
        fields.append(Field(name=_bracketed("{" + str(variable) + "}")[1:-1],
                            required=names.get(m, "required") is True, prompt=prompt))
    link = Link.create(rel, template, templated=True, base=base,
                       title=_title(value, names))
    action = Action(rel, "GET", link.href, title=link.title, templated=True,
                    content_type="", fields=tuple(fields))
    return link, action


def _operations(raw: Any, target: str, name: str | None, base: str, names: _Names,
                where: str) -> list[Action]:
    if raw is None:
        return []
    ops = raw if isinstance(raw, list) else [raw]
    actions = []
    for i, op in enumerate(ops[:64]):
        at = f"{where}[{i}]"
        expect(isinstance(op, dict), f"{at}: expected an operation object", op, base)
        method = names.get(op, "method")
        expect(isinstance(method, str) and method.strip().isalpha(),
               f"{at}.method must be an HTTP method", method, base)
        method = method.strip().upper()
        if method in ("GET", "HEAD", "OPTIONS") and name is None:
            continue  # reading the resource itself is no action
        title = _title(op, names)
        kind = op.get("@type")
        label = name or _OPERATION_NAMES.get(names.term(kind) if isinstance(kind, str) else "",
                                             method.lower())
        fields, free = _expects(names.get(op, "expects"), names)
        actions.append(Action(str(label), method, target, title=title, content_type=JSON,
                              fields=fields, free_form=free and method not in ("DELETE",)))
    return actions


#: Hydra's operation classes, as action names (others are named by their method).
_OPERATION_NAMES = {"CreateResourceOperation": "create", "ReplaceResourceOperation": "replace",
                    "DeleteResourceOperation": "delete", "schema:CreateAction": "create",
                    "schema:ReplaceAction": "replace", "schema:DeleteAction": "delete",
                    "schema:UpdateAction": "update"}


def _expects(expects: Any, names: _Names) -> tuple[tuple[Field, ...], bool]:
    """The fields of an inline ``expects`` class; a class named by IRI only lists none."""
    if not isinstance(expects, dict):
        return (), expects is not None
    props = names.get(expects, "supportedProperty")
    if not isinstance(props, list):
        return (), True
    fields = []
    for p in props[:256]:
        if not isinstance(p, dict):
            continue
        prop = names.get(p, "property")
        name = prop if isinstance(prop, str) else (
            prop.get("@id") if isinstance(prop, dict) else None)
        if not isinstance(name, str) or not name:
            continue
        name = name.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if ":" in name else name
        fields.append(Field(name=name, required=names.get(p, "required") is True,
                            read_only=names.get(p, "writeable") is False,
                            prompt=_title(p, names)))
    return tuple(fields), not fields


def _state(obj: dict[str, Any], names: _Names) -> dict[str, Any]:
    state = {}
    for key, value in obj.items():
        if key in ("@context", "@id"):  # (other keywords, @graph say, are shown as sent)
            continue
        term = names.term(key)
        if term in _CONTROLS or _is_ref(value, names) or _is_template(value, names) or (
                type(value) is list and value
                and all(_is_ref(v, names) for v in value[:MAX_LINKS])):
            continue
        state[key] = value
    return state


def _quick(names: _Names, raw: Any) -> Any:
    return _state(raw, names) if type(raw) is dict else NOT_QUICK


def _member_at(base: str, names: _Names, raw: Any, i: int) -> Document:
    where = f"$.member[{i}]"
    expect(isinstance(raw, dict), f"{where}: expected a member object", raw, base)
    own = raw.get("@id")
    has_own = isinstance(own, str) and bool(own.strip())
    url = absolute(own, base) if has_own else base
    return Document.member(url, "hydra", raw, partial(_member_links, raw, base, names, where),
                           has_own, state=partial(_state, names=names),
                           actions=partial(_member_actions, raw, base, names, where))


def _member_links(raw: dict[str, Any], base: str, names: _Names, where: str) -> Links:
    return Links(_controls(raw, base, names, where)[0])


def _member_actions(raw: dict[str, Any], base: str, names: _Names, where: str
                    ) -> tuple[Action, ...]:
    return tuple(_controls(raw, base, names, where)[1])
