"""HTML (``text/html``, ``application/xhtml+xml``), tokenized by libxml2 (through lxml).

The standard library's ``html.parser`` rescans unfinished tags and takes quadratic time on
pages such as ``<a`` repeated; libxml2's parser is linear in the page, written in C, and
bounds nesting itself (a page nested deeper than 256 elements is a DocumentError). The
reader below walks the tree once, with work per element bounded by a constant, and checks
the request's deadline as it goes (parsing counts against it).

- Links: ``<link rel href>`` and ``<a rel href>`` (``title``, ``type``, ``hreflang`` kept; a
  space-separated ``rel`` gives one link per relation), resolved against ``<base href>``
  when the page has one. Anchors without ``rel`` are prose, not hypermedia controls.
- State: ``{"title": <title>}``, plus the page's top-level microdata properties
  (``itemprop``; values from ``content``, ``href``, ``datetime``, ``value`` or the text), so a
  page can carry fields a program reads.
- Members: top-level microdata items with an ``itemid`` (their URL), each with its own
  properties and links — or, failing those, ``rel="item"`` links, fetched when needed.
- Forms: ``<form>`` elements are actions (``action``, ``method``, ``enctype``; inputs,
  selects and text areas with ``required``, ``pattern``, ``min``/``max``, ``minlength``/
  ``maxlength``, ``readonly`` and their labels).
"""

from __future__ import annotations

from typing import Any

from .._actions import FORM_URLENCODED, Action, Field
from .._deadline import current as current_deadline
from .._exceptions import DocumentError, Timeout
from .._links import Link, Links
from ._common import absolute, looks_templated
from ._document import Document, Page

__all__ = ["HtmlFormat"]

_VALUE_ATTRS = {"meta": "content", "a": "href", "link": "href", "time": "datetime",
                "data": "value", "meter": "value", "img": "src"}
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})
#: Parsing stops being worth it (and a hostile page could nest without end) past this.
MAX_DEPTH = 512
#: The longest text kept as one microdata property's value.
MAX_PROPERTY_TEXT = 64 * 1024
#: Text-valued properties open inside one another at once: each text node is added to each.
MAX_OPEN_PROPERTIES = 8
#: Attributes on one element: libxml2 checks each against the others (quadratic time).
MAX_ATTRIBUTES = 1000
#: Elements walked between two looks at the deadline.
_CHECK_EVERY = 4096


class HtmlFormat:
    """Reads links, microdata and forms from HTML pages."""

    name = "html"
    media_types: tuple[str, ...] = ("text/html", "application/xhtml+xml")
    accept = ("text/html;q=0.3",)  # last: a server with JSON and HTML should answer JSON

    def sniff(self, obj: Any) -> bool:
        return False  # never claims JSON

    def parse(self, obj: Any, url: str) -> Document:  # pragma: no cover - JSON never comes here
        raise DocumentError(f"expected HTML from {url}, got JSON", url=url)

    def parse_text(self, text: str, url: str) -> Document:
        reader = _Reader(url)
        if _too_many_attributes(text):
            raise DocumentError(f"the HTML page at {url} has an element with more than "
                                f"{MAX_ATTRIBUTES:,} attributes; hyperkm does not read it",
                                url=url)
        # lxml is imported when the first HTML page is read: a JSON API never needs it, and
        # its ~2,600 objects would weigh on every full garbage collection of the process.
        from lxml import etree

        parser = etree.HTMLParser(recover=True, no_network=True, remove_pis=True,
                                  encoding="utf-8")
        try:
            root = etree.fromstring(text.encode("utf-8", "replace"), parser)
        except etree.ParserError:  # "Document is empty"
            root = None
        if any("Excessive depth" in str(e.message) for e in parser.error_log):
            raise DocumentError(f"the HTML page at {url} is nested more than 256 elements deep; "
                                "hyperkm does not read it (a page that deep is not a "
                                "hypermedia document)", url=url)
        if root is not None:
            _walk(root, reader, url)
        return reader.document()


def _too_many_attributes(text: str) -> bool:
    """Whether one tag may hold more than MAX_ATTRIBUTES attributes (linear: one pass over
    the ``>`` positions, and only when the page has that many ``=`` at all)."""
    if text.count("=") <= MAX_ATTRIBUTES:
        return False
    shortest = MAX_ATTRIBUTES * 3  # 'a=1' is the shortest attribute
    pos, size = 0, len(text)
    while pos < size:
        end = text.find(">", pos)
        if end == -1:
            end = size
        if end - pos > shortest:
            opened = text.rfind("<", pos, end)
            if opened != -1 and text.count("=", opened, end) > MAX_ATTRIBUTES:
                return True
        pos = end + 1
    return False


def _walk(root: Any, reader: _Reader, url: str) -> None:
    """Feed the tree to the reader as start tags, text and end tags, in document order."""
    from lxml import etree

    deadline = current_deadline()
    for count, (event, element) in enumerate(etree.iterwalk(root, events=("start", "end"))):
        if deadline is not None and count % _CHECK_EVERY == 0 and deadline.passed():
            raise Timeout(f"parsing the HTML page at {url} went past the request's deadline "
                          f"of {deadline.seconds:g} s", url=url)
        tag = element.tag
        if not isinstance(tag, str):  # a comment or processing instruction: only its tail
            if event == "end" and element.tail:
                reader.handle_data(element.tail)
            continue
        if event == "start":
            reader.handle_starttag(tag.lower(), [(k, v) for k, v in element.items()
                                                 if isinstance(k, str)])
            if element.text:
                reader.handle_data(element.text)
        else:
            if tag.lower() not in _VOID:
                reader.handle_endtag(tag.lower())
            if element.tail:
                reader.handle_data(element.tail)


class _Scope:
    """A microdata item being read (the page itself is the outermost one)."""

    def __init__(self, itemid: str | None) -> None:
        self.itemid = itemid
        self.props: dict[str, Any] = {}
        self.links: list[tuple[str, dict[str, str]]] = []


class _Text:
    """The text of an element whose text is a property's value, kept up to
    MAX_PROPERTY_TEXT characters: nested properties over a huge text do not copy it once per
    level."""

    __slots__ = ("parts", "size")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def add(self, data: str) -> None:
        room = MAX_PROPERTY_TEXT - self.size
        if room > 0:
            piece = data[:room]
            self.parts.append(piece)
            self.size += len(piece)

    def value(self) -> str:
        return " ".join("".join(self.parts).split())


class _Reader:
    def __init__(self, url: str) -> None:
        self.url = url
        self.base: str | None = None
        self.title: str | None = None
        self.page = _Scope(None)
        self.items: list[_Scope] = []
        self.stack: list[tuple[str, _Scope | None, str | None, _Text | None]] = []
        #: The text lists of the open elements whose text is a property's value: each text
        #: node is added to these, not found by walking the whole stack.
        self.capturing: list[_Text] = []
        self.scopes: list[_Scope] = [self.page]
        self.forms: list[dict[str, Any]] = []
        self.form: dict[str, Any] | None = None
        self.labels: dict[str, str] = {}
        self.select: dict[str, Any] | None = None
        self.label_for: str | None = None
        self.text_target: list[str] | None = None

    # -- the parser's callbacks -------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "base" and self.base is None and attrs.get("href"):
            self.base = absolute(attrs["href"], self.url)
        scope = self.scopes[-1]
        rel = attrs.get("rel")
        if tag in ("a", "link") and rel and attrs.get("href"):
            scope.links.append((rel, attrs))
        if tag == "form":
            self.form = {"attrs": attrs, "fields": []}
            self.forms.append(self.form)
        elif tag in ("input", "textarea", "select", "button") and self.form is not None:
            self._field(tag, attrs)
        elif tag == "option" and self.select is not None:
            self.select["options"].append(attrs.get("value"))
            if "selected" in attrs:
                self.select["value"] = attrs.get("value")
        elif tag == "label":
            self.label_for = attrs.get("for")
        if tag in _VOID:
            self._property(tag, attrs, scope, None)
            return
        if len(self.stack) >= MAX_DEPTH:
            self.stack.append((tag, None, None, None))
            return
        new_scope = None
        if "itemscope" in attrs and "itemprop" not in attrs:
            new_scope = _Scope(absolute(attrs["itemid"], self._base()) if attrs.get("itemid")
                               else None)
            if len(self.scopes) == 1:
                self.items.append(new_scope)
            self.scopes.append(new_scope)
        text = None
        prop = attrs.get("itemprop") if "itemscope" not in attrs else None
        if prop:
            value = attrs.get(_VALUE_ATTRS.get(tag, ""))
            if value is not None and tag in _VALUE_ATTRS:
                self._set(scope, prop, absolute(value, self._base())
                          if tag in ("a", "link", "img") else value)
                prop = None  # the value is the attribute's, not the text
        if prop and len(self.capturing) < MAX_OPEN_PROPERTIES:
            text = _Text()
            self.capturing.append(text)
        elif prop:
            prop = None  # properties nested this deep inside properties are not read
        self.stack.append((tag, new_scope, prop, text))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "label":
            self.label_for = None
        # The tree's end tags always match the innermost open element (the parser has
        # already closed what the author left open), so this is one pop.
        if not self.stack:
            return
        _, scope, prop, text = self.stack.pop()
        if prop and text is not None:
            self.capturing.pop()
            self._set(self.scopes[-1] if scope is None else self.scopes[-2], prop, text.value())
        if scope is not None and len(self.scopes) > 1:
            self.scopes.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "title" and self.title is None:
            self.title = " ".join(data.split())
        for text in self.capturing:  # at most the nesting depth (bounded by the parser)
            text.add(data)
        if self.label_for:
            self.labels[self.label_for] = (self.labels.get(self.label_for, "") + data).strip()

    # -- pieces ---------------------------------------------------------------------------------

    def _base(self) -> str:
        return self.base or self.url

    def _set(self, scope: _Scope, name: str, value: Any) -> None:
        for key in name.split():
            scope.props.setdefault(key, value)

    def _property(self, tag: str, attrs: dict[str, str], scope: _Scope, _: Any) -> None:
        prop = attrs.get("itemprop")
        attr = _VALUE_ATTRS.get(tag)
        if prop and attr and attrs.get(attr) is not None:
            value = attrs[attr]
            self._set(scope, prop, absolute(value, self._base())
                      if tag in ("a", "link", "img") else value)

    def _field(self, tag: str, attrs: dict[str, str]) -> None:
        assert self.form is not None
        if tag == "button" or attrs.get("type") in ("submit", "button", "reset", "image"):
            return
        field: dict[str, Any] = {"tag": tag, **attrs,
                                 "options": [] if tag == "select" else None}
        if tag == "select":
            self.select = field
        if attrs.get("name"):
            self.form["fields"].append(field)

    def _links(self, found: list[tuple[str, dict[str, str]]]) -> list[Link]:
        base = self._base()
        links = []
        for rels, attrs in found:
            extra: dict[str, Any] = {k: attrs[k] for k in ("title", "type", "hreflang")
                                     if attrs.get(k)}
            for rel in rels.split():
                try:
                    href = attrs["href"].strip()
                    links.append(Link.create(rel, href, base=base,
                                             templated=looks_templated(href), **extra))
                except DocumentError:
                    continue  # one bad anchor does not make the page unreadable
        return links

    def _actions(self) -> tuple[Action, ...]:
        actions = []
        for number, form in enumerate(self.forms):
            attrs = form["attrs"]
            method = (attrs.get("method") or "GET").upper()
            enctype = attrs.get("enctype") or FORM_URLENCODED
            name = attrs.get("name") or attrs.get("id") or f"form{number}"
            target = absolute(attrs.get("action") or self.url, self._base())
            fields = tuple(self._make_field(f) for f in form["fields"])
            title = attrs.get("title") or attrs.get("aria-label")
            actions.append(Action(name, method, target, title=title,
                                  content_type="" if method == "GET" else enctype,
                                  fields=fields))
        return tuple(actions)

    def _make_field(self, f: dict[str, Any]) -> Field:
        def number(key: str) -> float | None:
            try:
                return float(f[key]) if f.get(key) not in (None, "") else None
            except ValueError:
                return None

        def integer(key: str) -> int | None:
            value = number(key)
            return int(value) if value is not None else None

        kind = "select" if f["tag"] == "select" else (
            "textarea" if f["tag"] == "textarea" else (f.get("type") or "text"))
        options = tuple(f["options"]) if f.get("options") else None
        return Field(name=f["name"], type=kind, required="required" in f,
                     value=f.get("value") or None, options=options,
                     pattern=f.get("pattern") or None, min=number("min"), max=number("max"),
                     min_length=integer("minlength"), max_length=integer("maxlength"),
                     read_only="readonly" in f,
                     prompt=self.labels.get(f.get("id", "")) or f.get("placeholder")
                     or f.get("title") or None)

    def document(self) -> Document:
        links = self._links(self.page.links)
        state: dict[str, Any] = {"title": self.title}
        state.update(self.page.props)
        members = [Document(item.itemid, format="html", data=item.props,
                            links=Links(self._links(item.links)))
                   for item in self.items if item.itemid]
        total = state.get("total")
        page = Page(total=int(total)) if members and isinstance(total, str) and \
            total.isdigit() else Page()
        return Document(self.url, format="html", data=state, links=Links(links),
                        items=members or None, page=page, actions=self._actions())
