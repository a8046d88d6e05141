"""Turn the emulator's neutral representations into every format it serves.

``km`` (KISSmetrics envelopes, faithful to the reference pages), ``array`` (bare JSON arrays,
paged by ``Link`` headers), ``hal`` (with HAL-FORMS ``_templates``), ``siren`` (with
``actions``), ``jsonapi``, ``collection+json`` (with ``queries`` and ``template``) and ``html``
(links, microdata, and nothing a browser would run). Templated links carry their RFC 6570
expressions in the href in every format; the formats without a ``templated`` flag (Siren,
JSON:API, Collection+JSON, HTML) leave it at that.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FORMATS", "MEDIA_TYPES", "A", "F", "L", "Rep", "error_body", "link_header",
           "link_template_header", "render"]

FORMATS = ("km", "hal", "array", "siren", "jsonapi", "collection+json", "html", "hydra",
           "odata", "activitystreams")

MEDIA_TYPES = {"km": "application/json", "array": "application/json",
               "hal": "application/hal+json", "siren": "application/vnd.siren+json",
               "jsonapi": "application/vnd.api+json",
               "collection+json": "application/vnd.collection+json", "html": "text/html",
               "hydra": "application/ld+json",
               "odata": "application/json;odata.metadata=minimal",
               "activitystreams": "application/activity+json"}

# IANA-registered relations (RFC 8288 registry) stay unprefixed in HAL; the API's own get a CURIE.
_IANA = {"self", "next", "prev", "first", "last", "item", "collection", "up", "related",
         "edit", "describedby", "export"}


@dataclass
class L:
    """A link in the emulator's neutral form."""

    rel: str
    href: str
    name: str
    templated: bool = False

    def km(self) -> dict[str, Any]:
        return {"templated": self.templated, "href": self.href, "rel": self.rel,
                "name": self.name}


@dataclass
class F:
    """A form field in neutral form."""

    name: str
    type: str = "text"
    required: bool = False
    value: Any = None
    options: list[Any] | None = None
    pattern: str | None = None
    prompt: str | None = None
    min: float | None = None
    max: float | None = None
    read_only: bool = False


@dataclass
class A:
    """An action (form) in neutral form."""

    name: str
    title: str
    method: str
    href: str
    fields: list[F]
    content_type: str = "application/json"


@dataclass
class Rep:
    """A representation before formatting.

    ``envelope`` puts state under ``data`` next to ``links`` (the root directory, job status);
    ``directory`` are links that the KISSmetrics format keeps inside ``data.links``. ``kind``
    names the resource type (JSON:API ``type``, Siren ``class``); ``actions`` are forms the
    formats that carry forms render.
    """

    state: Any = None
    links: list[L] = field(default_factory=list)
    members: list[Rep] | None = None
    pagination: dict[str, int] | None = None
    envelope: bool = False
    directory: list[L] = field(default_factory=list)
    meta: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    kind: str = "resource"
    actions: list[A] = field(default_factory=list)

    def all_links(self) -> list[L]:
        return [*self.links, *self.directory]

    def flat_links(self) -> list[L]:
        """Links and directory without repeats (formats that have no envelope)."""
        seen: set[tuple[str, str]] = set()
        out = []
        for x in self.all_links():
            if (x.rel, x.href) not in seen:
                seen.add((x.rel, x.href))
                out.append(x)
        return out

    def self_href(self) -> str | None:
        return next((x.href for x in self.all_links() if x.rel == "self"), None)

    def title(self) -> str:
        state = self.state if isinstance(self.state, dict) else {}
        for key in ("name", "display_name", "title"):
            if isinstance(state.get(key), str):
                return str(state[key])
        return self.kind.replace("_", " ").title()


def render(rep: Rep, fmt: str, curie_href: str) -> Any:
    """The body for ``rep`` in format ``fmt``: a JSON value, or text for ``html``."""
    if fmt == "hal":
        return _hal(rep, curie_href, top=True)
    if fmt == "siren":
        return _siren(rep, top=True)
    if fmt == "jsonapi":
        return _jsonapi(rep)
    if fmt == "collection+json":
        return _cj(rep)
    if fmt == "html":
        return _html(rep)
    if fmt == "hydra":
        return _hydra(rep, top=True)
    if fmt == "odata":
        return _odata(rep)
    if fmt == "activitystreams":
        return _as2(rep, top=True)
    if rep.members is not None:
        members = [_km_item(m) for m in rep.members]
        if fmt == "array":
            return members  # paging travels in the Link header
        body: dict[str, Any] = {}
        if rep.meta is not None:
            body["meta"] = rep.meta
        body.update({"links": [x.km() for x in rep.links], "pagination": rep.pagination,
                     "data": members, **rep.extra})
        return body
    if rep.envelope:
        data = dict(rep.state or {})
        if rep.directory:
            data = {"links": [x.km() for x in rep.directory], **data}
        body = {}
        if rep.meta is not None:
            body["meta"] = rep.meta
        body.update({"links": [x.km() for x in rep.links], "data": data, **rep.extra})
        return body
    return _km_item(rep)


def _km_item(rep: Rep) -> Any:
    if rep.state is not None and not isinstance(rep.state, dict):
        return rep.state  # a result row is a bare JSON array, as in the v2 results example
    return {"links": [x.km() for x in rep.all_links()], **(rep.state or {})}


def _row_state(rep: Rep, columns: list[str] | None) -> dict[str, Any]:
    """A member's state as an object (result rows get their column names)."""
    if isinstance(rep.state, dict):
        return dict(rep.state)
    if isinstance(rep.state, list) and columns and len(columns) == len(rep.state):
        return dict(zip(columns, rep.state, strict=False))
    return {"value": rep.state}


def _columns(rep: Rep) -> list[str] | None:
    columns = rep.extra.get("columns")
    if isinstance(columns, list):
        return [str(c.get("display_name")) if isinstance(c, dict) else str(c) for c in columns]
    return None


# -- HAL and HAL-FORMS --------------------------------------------------------------------------

def _hal_rel(rel: str) -> str:
    return rel if rel in _IANA else f"km:{rel}"


def _hal(rep: Rep, curie_href: str, top: bool, columns: list[str] | None = None
         ) -> dict[str, Any]:
    links: dict[str, Any] = {}
    if top:
        links["curies"] = [{"name": "km", "href": curie_href, "templated": True}]
    for x in rep.flat_links():
        obj: dict[str, Any] = {"href": x.href, "name": x.name}
        if x.templated:
            obj["templated"] = True
        key = _hal_rel(x.rel)
        if key in links:
            existing = links[key]
            links[key] = [*(existing if isinstance(existing, list) else [existing]), obj]
        else:
            links[key] = obj
    body: dict[str, Any] = {"_links": links}
    if rep.members is not None:
        cols = _columns(rep)
        body["_embedded"] = {"item": [_hal(m, curie_href, False, cols) for m in rep.members]}
        if rep.pagination:
            body.update(rep.pagination)
        body.update(rep.extra)
    elif rep.state is not None:
        body.update(_row_state(rep, columns))
    if rep.members is None:
        body.update(rep.extra)
    if rep.actions and top:  # a member's forms are on its own representation
        body["_templates"] = {a.name: _hal_template(a) for a in rep.actions}
    return body


def _constraints(f: F, pattern_key: str) -> dict[str, Any]:
    """A field's constraints as HAL-FORMS, Siren and Collection+JSON extensions write them
    (only the pattern's name differs: ``regex``, ``pattern``, ``regexp``)."""
    out: dict[str, Any] = {}
    if f.pattern:
        out[pattern_key] = f.pattern
    if f.read_only:
        out["readOnly"] = True
    if f.min is not None:
        out["min"] = f.min
    if f.max is not None:
        out["max"] = f.max
    return out


def _hal_template(a: A) -> dict[str, Any]:
    props = []
    for f in a.fields:
        prop: dict[str, Any] = {"name": f.name, "type": f.type, "required": f.required,
                                "prompt": f.prompt or f.name}
        if f.value is not None:
            prop["value"] = f.value
        prop.update(_constraints(f, "regex"))
        if f.options is not None:
            prop["options"] = {"inline": f.options}
        props.append(prop)
    out: dict[str, Any] = {"title": a.title, "method": a.method, "target": a.href,
                           "properties": props}
    if a.method not in ("GET", "DELETE"):
        out["contentType"] = a.content_type
    return out


# -- Siren --------------------------------------------------------------------------------------

def _siren_links(links: list[L]) -> list[dict[str, Any]]:
    return [{"rel": [x.rel], "href": x.href, "title": x.name} for x in links]


def _siren(rep: Rep, top: bool, columns: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"class": [rep.kind]}
    if rep.members is not None:
        cols = _columns(rep)
        body["class"] = [rep.kind, "collection"]
        body["properties"] = {**(rep.pagination or {}), **rep.extra}
        body["entities"] = [{**_siren(m, False, cols), "rel": ["item"]} for m in rep.members]
    else:
        body["properties"] = _row_state(rep, columns) if rep.state is not None else {}
        if rep.members is None and rep.extra:
            body["properties"].update(rep.extra)
    if rep.actions and top:  # a member's forms are on its own representation
        body["actions"] = [_siren_action(a) for a in rep.actions]
    links = rep.flat_links()
    if links:
        body["links"] = _siren_links(links)
    return body


def _siren_action(a: A) -> dict[str, Any]:
    fields = []
    for f in a.fields:
        obj: dict[str, Any] = {"name": f.name, "type": f.type, "title": f.prompt or f.name}
        # Siren fields mirror HTML inputs; HTML's constraint attributes are the common
        # extension (the specification itself defines name, class, type, value, title).
        if f.required:
            obj["required"] = True
        obj.update(_constraints(f, "pattern"))
        # The value is the value to send (a client pre-fills it): the choices go in their
        # own member, never in "value" (a list there would be sent back as it is).
        if f.value is not None:
            obj["value"] = f.value
        if f.options is not None:
            obj["options"] = [{"value": o, "title": str(o)} for o in f.options]
        fields.append(obj)
    out: dict[str, Any] = {"name": a.name, "title": a.title, "method": a.method, "href": a.href,
                           "fields": fields}
    if a.method not in ("GET", "DELETE"):
        out["type"] = a.content_type
    return out


# -- JSON:API -----------------------------------------------------------------------------------

def _jsonapi_resource(rep: Rep, columns: list[str] | None, index: int) -> dict[str, Any]:
    state = _row_state(rep, columns)
    rid = state.pop("id", None)
    if rid is None:  # JSON:API needs an id: a resource without one is named by its URL
        rid = rep.self_href() or index
    obj: dict[str, Any] = {"type": rep.kind, "id": str(rid), "attributes": state}
    links = rep.flat_links()
    self_href = rep.self_href()
    if self_href:
        obj["links"] = {"self": self_href}
    relationships = {x.rel: {"links": {"related": x.href}} for x in links
                     if x.rel != "self" and not x.templated}
    if relationships:
        obj["relationships"] = relationships
    return obj


def _jsonapi_links(links: list[L]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for x in links:
        out.setdefault(x.rel, {"href": x.href, "title": x.name})
    return out


def _jsonapi(rep: Rep) -> dict[str, Any]:
    if rep.members is not None:
        cols = _columns(rep)
        start = (rep.pagination or {}).get("offset", 0)
        return {"data": [_jsonapi_resource(m, cols, start + i)
                         for i, m in enumerate(rep.members)],
                "links": _jsonapi_links(rep.flat_links()),
                "meta": {**(rep.pagination or {}), **rep.extra}}
    resource = _jsonapi_resource(rep, None, 0)
    resource.pop("relationships", None)
    # A document about one resource: its other links (and templates) at the top level.
    body: dict[str, Any] = {"data": resource,
                            "links": _jsonapi_links(rep.flat_links())}
    if rep.extra:
        body["meta"] = dict(rep.extra)
    return body


# -- Collection+JSON ----------------------------------------------------------------------------

def _cj_links(links: list[L]) -> list[dict[str, Any]]:
    return [{"rel": x.rel, "href": x.href, "prompt": x.name} for x in links if x.rel != "self"]


def _cj_item(rep: Rep, columns: list[str] | None) -> dict[str, Any]:
    state = _row_state(rep, columns)
    item: dict[str, Any] = {"data": [{"name": k, "value": v} for k, v in state.items()]}
    href = rep.self_href()
    if href:
        item["href"] = href
    links = _cj_links(rep.flat_links())
    if links:
        item["links"] = links
    return item


def _cj(rep: Rep) -> dict[str, Any]:
    self_href = rep.self_href()
    coll: dict[str, Any] = {"version": "1.0"}
    if self_href:
        coll["href"] = self_href
    coll["links"] = _cj_links(rep.flat_links())
    if rep.members is not None:
        cols = _columns(rep)
        coll["items"] = [_cj_item(m, cols) for m in rep.members]
        if rep.pagination and "total" in rep.pagination:
            coll["total"] = rep.pagination["total"]  # an extension: C+J states no size
    else:
        coll["items"] = [_cj_item(rep, None)]
    queries = [a for a in rep.actions if a.method == "GET"]
    if queries:
        coll["queries"] = [{"rel": a.name, "href": a.href, "prompt": a.title,
                            "data": [_cj_field(f) for f in a.fields]} for a in queries]
    # Collection+JSON has one template per document, for writing *this* document (edit) or
    # adding to this collection (create); a POST elsewhere (a report's run) is just its link.
    edits = [a for a in rep.actions if a.method in ("PATCH", "PUT") and a.href == self_href]
    if edits:
        coll["template"] = {"data": [_cj_field(f) for f in edits[0].fields]}
    return {"collection": coll}


def _cj_field(f: F) -> dict[str, Any]:
    obj: dict[str, Any] = {"name": f.name, "value": "" if f.value is None else f.value,
                           "prompt": f.prompt or f.name}
    if f.required:
        obj["required"] = True
    obj.update(_constraints(f, "regexp"))
    if f.type != "text":
        obj["type"] = f.type
    if f.options is not None:
        obj["options"] = [{"value": o} for o in f.options]
    return obj


# -- Hydra (JSON-LD) ----------------------------------------------------------------------------

_HYDRA_CONTEXT = "http://www.w3.org/ns/hydra/context.jsonld"
_VIEW = {"first": "first", "prev": "previous", "next": "next", "last": "last"}


def _variables(href: str) -> list[str]:
    import re

    return [name.strip().rstrip("*") for expr in re.findall(r"\{([^}]*)\}", href)
            for name in expr.lstrip("?&/.;#+").split(",") if name.strip()]


def _hydra_link(x: L) -> dict[str, Any]:
    if x.templated:  # an IriTemplate: its mapping names the variables
        return {"@type": "IriTemplate", "template": x.href, "title": x.name,
                "variableRepresentation": "BasicRepresentation",
                "mapping": [{"@type": "IriTemplateMapping", "variable": v,
                             "required": "{" + v + "}" in x.href or "{/" + v + "}" in x.href}
                            for v in _variables(x.href)]}
    return {"@id": x.href, "title": x.name}


def _hydra_operation(a: A) -> dict[str, Any]:
    return {"@type": "Operation", "method": a.method, "title": a.title,
            "expects": {"@type": "Class", "supportedProperty": [
                {"@type": "SupportedProperty", "property": f.name, "required": f.required,
                 "writeable": not f.read_only, "title": f.prompt or f.name}
                for f in a.fields]}}


def _hydra_node(rep: Rep, columns: list[str] | None, top: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    self_href = rep.self_href()
    if self_href:
        body["@id"] = self_href
    body["@type"] = rep.kind
    if rep.members is None:
        body.update(_row_state(rep, columns) if rep.state is not None else {})
        body.update(rep.extra)
    for x in rep.flat_links():
        if x.rel == "self" or (x.rel in _VIEW and rep.members is not None):
            continue
        key = x.rel if x.rel not in body else f"{x.rel}Link"
        body[key] = _hydra_link(x)
    if top:
        # Each form on a node of its own, named as the API names it (its link if it has one)
        for a in rep.actions:
            if a.method == "GET":  # a query: an IriTemplate whose mapping is its fields
                body[a.name] = {
                    "@type": "IriTemplate", "title": a.title,
                    "template": a.href + "{?" + ",".join(f.name for f in a.fields) + "}",
                    "variableRepresentation": "BasicRepresentation",
                    "mapping": [{"@type": "IriTemplateMapping", "variable": f.name,
                                 "property": f.prompt or f.name, "required": f.required}
                                for f in a.fields]}
                continue
            node = body.get(a.name) if isinstance(body.get(a.name), dict) else None
            if node is None or node.get("@id") != a.href:
                node = body[a.name if a.name not in body else f"{a.name}Action"] = {
                    "@id": a.href}
            node.setdefault("operation", []).append(_hydra_operation(a))
    return body


def _hydra(rep: Rep, top: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"@context": _HYDRA_CONTEXT}
    if rep.members is None:
        body.update(_hydra_node(rep, None, top))
        return body
    cols = _columns(rep)
    body.update(_hydra_node(rep, None, top))
    body["@type"] = "Collection"
    if rep.pagination and "total" in rep.pagination:
        body["totalItems"] = rep.pagination["total"]
    body["member"] = [_hydra_node(m, cols, False) for m in rep.members]
    view: dict[str, Any] = {"@type": "PartialCollectionView"}
    if rep.self_href():
        view["@id"] = rep.self_href()
    for x in rep.flat_links():
        if x.rel in _VIEW and not x.templated:
            view[_VIEW[x.rel]] = x.href
    body["view"] = view
    body.update(rep.extra)
    return body


# -- OData v4 JSON -----------------------------------------------------------------------------

def _odata_entity(rep: Rep, columns: list[str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    self_href = rep.self_href()
    if self_href:
        body["@odata.id"] = self_href
        if any(a.method in ("PATCH", "PUT") and a.href == self_href for a in rep.actions):
            body["@odata.editLink"] = self_href
    body.update(_row_state(rep, columns) if rep.state is not None else {})
    if rep.members is None:
        body.update(rep.extra)
    for x in rep.flat_links():
        if x.rel != "self":
            body.setdefault(f"{x.rel}@odata.navigationLink", x.href)
    # OData advertises its actions as "#Namespace.Name": {"title", "target"} (POSTs)
    for a in rep.actions:
        if a.method == "POST":
            body[f"#KM.{a.name}"] = {"title": a.title, "target": a.href}
    return body


def _odata(rep: Rep) -> dict[str, Any]:
    if rep.members is None:
        return _odata_entity(rep, None)
    cols = _columns(rep)
    body: dict[str, Any] = {}
    if rep.self_href():
        body["@odata.id"] = rep.self_href()
    if rep.pagination and "total" in rep.pagination:
        body["@odata.count"] = rep.pagination["total"]
    for x in rep.flat_links():
        if x.rel == "next":
            body["@odata.nextLink"] = x.href
        elif x.rel != "self":
            body.setdefault(f"{x.rel}@odata.navigationLink", x.href)
    body.update({f"{k}@KM.meta": v for k, v in rep.extra.items()})  # annotations, not state
    body["value"] = [_odata_entity(m, cols) for m in rep.members]
    return body


# -- ActivityStreams 2.0 ------------------------------------------------------------------------

_AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
_AS_PAGING = ("first", "prev", "next", "last")


def _as2_node(rep: Rep, columns: list[str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    self_href = rep.self_href()
    if self_href:
        body["id"] = self_href
    body["type"] = rep.kind
    if rep.members is None:
        state = _row_state(rep, columns) if rep.state is not None else {}
        if "id" in state:  # ActivityStreams' "id" is the object's IRI: the API's id moves
            state["kmId"] = state.pop("id")
        body.update(state)
        body.update(rep.extra)
    for x in rep.flat_links():
        if x.rel == "self" or (x.rel in _AS_PAGING and rep.members is not None):
            continue
        key = x.rel if x.rel not in body else f"{x.rel}Link"
        body[key] = {"type": "Link", "href": x.href, "name": x.name}
    return body


def _as2(rep: Rep, top: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"@context": _AS_CONTEXT}
    if rep.members is None:
        body.update(_as2_node(rep, None))
        return body
    cols = _columns(rep)
    body.update(_as2_node(rep, None))
    body["type"] = "OrderedCollectionPage"
    if rep.pagination and "total" in rep.pagination:
        body["totalItems"] = rep.pagination["total"]
    for x in rep.flat_links():
        if x.rel in _AS_PAGING and not x.templated:
            body[x.rel] = x.href
    body["orderedItems"] = [_as2_node(m, cols) for m in rep.members]
    body.update(rep.extra)
    return body


# -- HTML ---------------------------------------------------------------------------------------

def _html_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _html_props(state: dict[str, Any]) -> str:
    # itemprop is a space-separated list of names: a column such as "Visited Site" is one name
    rows = "".join(f"<dt>{html.escape(str(k))}</dt>"
                   f"<dd itemprop=\"{html.escape('_'.join(str(k).split()))}\">"
                   f"{html.escape(_html_value(v))}</dd>" for k, v in state.items())
    return f"<dl>{rows}</dl>"


def _html_links(links: list[L], tag: str = "a") -> str:
    out = []
    for x in links:
        attrs = f'rel="{html.escape(x.rel)}" href="{html.escape(x.href)}" ' \
                f'title="{html.escape(x.name)}"'
        out.append(f"<link {attrs}>" if tag == "link" else
                   f"<li><a {attrs}>{html.escape(x.name)}</a></li>")
    return "".join(out) if tag == "link" else f"<ul>{''.join(out)}</ul>"


def _html(rep: Rep) -> str:
    title = html.escape(rep.title())
    parts = ["<!doctype html><html><head><meta charset=\"utf-8\">",
             f"<title>{title}</title></head><body><h1>{title}</h1>"]
    state = dict(rep.state) if isinstance(rep.state, dict) else {}
    if rep.members is not None:
        state.update({k: v for k, v in (rep.pagination or {}).items()})
    parts.append(_html_props(state))
    parts.append(f"<nav>{_html_links(rep.flat_links())}</nav>")
    if rep.members is not None:
        cols = _columns(rep)
        start = (rep.pagination or {}).get("offset", 0)
        items = []
        for i, m in enumerate(rep.members):
            itemid = m.self_href() or f"{rep.self_href() or ''}#row-{start + i}"
            # rel="item": how a generic HTML client (no microdata) finds the members
            item = (f'<a rel="item" href="{html.escape(m.self_href() or "")}">'
                    f"{html.escape(m.title())}</a>" if m.self_href() else "")
            items.append(f'<li itemscope itemid="{html.escape(itemid)}">{item}'
                         f"{_html_props(_row_state(m, cols))}"
                         f"{_html_links(m.flat_links())}</li>")
        parts.append(f"<ol>{''.join(items)}</ol>")
    parts.append("</body></html>")
    return "".join(parts)


# -- errors, Link headers -----------------------------------------------------------------------

def error_body(fmt: str, status: int, message: str, errors: list[str], url: str) -> Any:
    """An error body in ``fmt`` (the KISSmetrics one for km, array and hal)."""
    if fmt == "jsonapi":
        return {"errors": [{"status": str(status), "title": e.replace("_", " ").capitalize(),
                            "detail": message, "code": e} for e in errors or ["error"]]}
    if fmt == "collection+json":
        return {"collection": {"version": "1.0", "href": url, "error": {
            "title": (errors or ["error"])[0].replace("_", " ").capitalize(),
            "code": str(status), "message": message}}}
    if fmt == "siren":
        return {"class": ["error"], "properties": {"status": status, "message": message,
                                                   "errors": errors}}
    if fmt == "hydra":  # API Platform 3+: problem details, with Hydra's own error members
        return {"@context": _HYDRA_CONTEXT, "@type": "hydra:Error",
                "type": f"/errors/{status}", "title": (errors or ["error"])[0].replace(
                    "_", " ").capitalize(), "status": status, "detail": message,
                "hydra:title": "An error occurred", "hydra:description": message}
    if fmt == "odata":
        return {"error": {"code": (errors or ["error"])[0], "message": message}}
    if fmt == "activitystreams":
        return {"error": message}  # as Mastodon answers
    if fmt == "html":
        return (f"<!doctype html><html><head><title>{status}</title></head><body>"
                f"<h1>{status}</h1><p itemprop=\"message\">{html.escape(message)}</p>"
                "</body></html>")
    return {"meta": {"status": status, "message": message, "errors": errors}, "links": []}


def header_rel(rel: str, fmt: str, curie_href: str) -> str:
    """The relation type a header gives a body link: the same one. HAL's body names the
    emulator's own rels by CURIE (``km:accounts``), which is no relation type in a header
    (RFC 8288 3.3: a registered name or a URI), so the header has the URI it stands for."""
    if fmt == "hal" and rel not in _IANA:
        return curie_href.replace("{rel}", rel)
    return rel


def _sf_string(text: str) -> str:
    # RFC 8941 3.3.3: a String, with only \ and " escaped
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def link_header(rep: Rep, fmt: str = "km", curie_href: str = "") -> str:
    """An RFC 8288 ``Link`` field mirroring the body's links that are URIs (a ``Link``
    target is a URI reference, never a template: RFC 8288 3.1)."""
    entries = dict.fromkeys(f'<{x.href}>; rel="{header_rel(x.rel, fmt, curie_href)}"'
                            for x in rep.all_links() if not x.templated)  # each once
    return ", ".join(entries)


def link_template_header(rep: Rep, fmt: str = "km", curie_href: str = "") -> str:
    """An RFC 9652 ``Link-Template`` field with the body's templated links (a Structured
    Field List of Strings, each with its ``rel``)."""
    return ", ".join(f'{_sf_string(x.href)}; rel={_sf_string(header_rel(x.rel, fmt, curie_href))}'
                     for x in rep.all_links() if x.templated)
