"""Links: one value type for every format, and an ordered, rel-indexed collection of them."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import attrs

from ._exceptions import DocumentError, LinkNotFound, TemplateError
from ._templates import Template, parse_template
from ._urls import resolve

__all__ = ["Link", "Links"]

# Target attributes that RFC 8288 / HAL define and that every Link carries as a field; anything
# else a format offers is kept in ``Link.extra``.
_KNOWN_ATTRS = ("name", "title", "type", "hreflang", "profile", "deprecation")
_STANDARD_KEYS = frozenset((*_KNOWN_ATTRS, "rel", "href", "templated"))


def _templated_from_json(value: Any, where: str, url: str | None) -> bool:
    # The KISSmetrics API sent booleans, omitted the key, and (in Link headers) the string "false".
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise DocumentError(
        f"{where}: 'templated' must be true or false, got {value!r}"
        + (f" in {url}" if url else "") + ". The server sent a malformed link.",
        url=url,
    )


#: How each ``Link.source`` is shown to people.
SOURCES = {"body": "body", "header": "Link header", "both": "body and Link header",
           "inferred": "inferred (a URL in plain JSON)"}


@attrs.frozen(repr=False)
class Link:
    """A typed link: a relation to a target URL (or URI template).

    Attributes:
        rel: The relation type, as the document spells it (``"next"``, ``"km:events"``).
        href: The target, absolute unless it is a template that starts with an expression.
        templated: Whether ``href`` is an RFC 6570 template (see `expand`).
        name, title, type, hreflang, profile, deprecation: Target attributes, when given.
        extra: Any other attributes the format provided, as sorted ``(key, value)`` pairs.
        anchor: The link's context, when it is about another resource than the document
            that carries it (linksets; ``None`` otherwise).
    """

    rel: str
    href: str
    templated: bool = False
    name: str | None = None
    title: str | None = None
    type: str | None = None
    hreflang: str | None = None
    profile: str | None = None
    deprecation: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()
    #: The link's context when it is not the document that carries it (RFC 8288 ``anchor``;
    #: each link of an RFC 9264 linkset has one). ``None``: the document itself.
    anchor: str | None = None
    # The URL of the document the link came from: a template such as "{/id}" can only be
    # resolved against it after expansion. Not part of the link's identity.
    context: str | None = attrs.field(default=None, eq=False, repr=False)
    #: Where the link was read: ``"body"``, ``"header"`` (an RFC 8288 ``Link`` or RFC 9652
    #: ``Link-Template`` header), ``"both"`` or ``"inferred"`` (a URL-valued property of
    #: plain JSON, not a hypermedia control).
    source: str = attrs.field(default="body", eq=False, repr=False)

    @classmethod
    def from_json(
        cls, obj: Any, *, rel: str | None = None, base: str | None = None, where: str = "link"
    ) -> Link:
        """Build a link from a JSON link object (KISSmetrics envelope or HAL link object).

        Args:
            obj: The link object, e.g. ``{"rel": "next", "href": "...", "templated": false}``.
            rel: The relation, when it is not inside the object (HAL keys links by rel).
            base: The document URL that relative hrefs are resolved against (RFC 3986 5.2).
            where: Where the object sits, for error messages (``"links[2]"``).

        Raises:
            DocumentError: the object is not a link: not an object, no usable ``href`` or ``rel``.
        """
        if type(obj) is not dict and not isinstance(obj, Mapping):  # decoded JSON: a dict
            raise DocumentError(
                f"{where}: expected a link object with 'href', got {type(obj).__name__} {obj!r:.80}"
                + (f" in {base}" if base else ""), url=base)
        if rel is None:
            rel = obj.get("rel")
        if not isinstance(rel, str) or not rel.strip():
            raise DocumentError(
                f"{where}: 'rel' must be a non-empty string, got {rel!r:.80}"
                + (f" in {base}" if base else ""), url=base)
        href = obj.get("href")
        if not isinstance(href, str) or not href.strip():
            raise DocumentError(
                f"{where} (rel {rel!r}): 'href' must be a non-empty string, got {href!r:.80}"
                + (f" in {base}" if base else ""), url=base)
        templated = obj.get("templated")
        if type(templated) is not bool:
            templated = _templated_from_json(templated, f"{where} (rel {rel!r})", base)
        known: dict[str, str | None] = {}
        for key in _KNOWN_ATTRS:
            value = obj.get(key)
            known[key] = None if value is None else str(value)
        extra: tuple[tuple[str, Any], ...] = ()
        if not _STANDARD_KEYS.issuperset(obj):  # other attributes: kept, sorted
            extra = tuple(sorted(
                (str(k), v) for k, v in obj.items()
                if k not in _STANDARD_KEYS and isinstance(v, (str, int, float, bool))))
        return cls.create(rel.strip(), href.strip(), templated=templated, base=base,
                          extra=extra, **known)

    @classmethod
    def create(
        cls, rel: str, href: str, *, templated: bool = False, base: str | None = None, **attrs_: Any
    ) -> Link:
        """Build a link, resolving ``href`` against ``base`` and checking a template's syntax.

        Raises:
            DocumentError: ``templated`` is true but ``href`` is not a valid RFC 6570 template.
        """
        if templated:
            try:
                parse_template(href)
            except TemplateError as exc:  # the server's template, so it is a document problem
                raise DocumentError(f"link {rel!r}: {exc}" + (f" in {base}" if base else ""),
                                    url=base) from exc
        if base and not (templated and href.startswith("{")):
            href = resolve(base, href)
        return cls(rel=rel, href=href, templated=templated, context=base, **attrs_)

    @property
    def template(self) -> Template | None:
        """The parsed template when the link is templated, else ``None``."""
        if not self.templated:
            return None
        # A template inferred from plain JSON follows GitHub's convention: "{/number}" may be
        # left out (the collection); writes to what it names are refused (see _writes).
        return parse_template(self.href, optional_segments=self.source == "inferred")

    @property
    def variables(self) -> tuple[str, ...]:
        """The template's variable names (empty for a plain link)."""
        return self.template.names if self.templated else ()  # type: ignore[union-attr]

    def expand(self, **variables: Any) -> str:
        """Return the target URL, expanding the template with ``variables``.

        Path-style variables (``{id}``, ``{/id}``) are required; query-style ones
        (``{?limit,offset}``) are optional; booleans expand as ``true``/``false``.

        Raises:
            TemplateError: a required variable is missing, a name is unknown, or the link is
                not templated but variables were given.
        """
        template = self.template
        if template is None:
            if variables:
                raise TemplateError(
                    f"link {self.rel!r} is not templated, so it takes no variables "
                    f"(got {', '.join(sorted(variables))}); follow it without them.",
                    template=self.href, unknown=tuple(sorted(variables)), url=self.context)
            return self.href
        url = template.expand(variables, url=self.context)
        return resolve(self.context, url) if self.context else url

    def __str__(self) -> str:
        return self.href

    def __repr__(self) -> str:
        # Only the fields a link has: Link(rel='next', href='…'), not nine Nones.
        shown = [f"rel={self.rel!r}", f"href={self.href!r}"]
        for field in attrs.fields(Link)[2:]:
            if not field.repr:
                continue
            value = getattr(self, field.name)
            if value != field.default:
                shown.append(f"{field.name}={value!r}")
        return f"Link({', '.join(shown)})"


def _canonical(rel: str, curies: Mapping[str, str]) -> str:
    # RFC 8288 section 2.1.1: registered relation types compare case-insensitively; extension
    # relation types are URIs. A HAL CURIE ("km:events") stands for the URI it expands to.
    if ":" in rel:
        prefix, _, reference = rel.partition(":")
        template = curies.get(prefix)
        if template is not None and not reference.startswith("//"):
            return _expand_curie(template, reference)
        return rel
    return rel.lower()


@functools.lru_cache(maxsize=1024)
def _expand_curie(template: str, reference: str) -> str:
    # Every page of a HAL walk looks up the same few CURIE'd rels: expand each once.
    return str(parse_template(template).expand({"rel": reference}))


class Links(Sequence[Link]):
    """The links of a representation, in document order, looked up by relation.

    ``links["next"]`` is the first link with that rel; `find` chooses among several by
    ``name`` or position. A HAL CURIE such as ``km:events`` and the URI it expands to find the
    same links. Iterating yields every [`Link`][hyperkm.Link].
    """

    __slots__ = ("_by_rel", "_curies", "_links")

    def __init__(self, links: Iterable[Link] = (), *, curies: Mapping[str, str] | None = None):
        self._links: tuple[Link, ...] = tuple(links)
        self._curies: dict[str, str] = dict(curies or {})
        self._by_rel: dict[str, list[Link]] = {}
        for link in self._links:
            self._by_rel.setdefault(_canonical(link.rel, self._curies), []).append(link)

    @overload
    def __getitem__(self, key: int) -> Link: ...
    @overload
    def __getitem__(self, key: slice) -> Sequence[Link]: ...
    @overload
    def __getitem__(self, key: str) -> Link: ...

    def __getitem__(self, key: int | slice | str) -> Link | Sequence[Link]:
        if isinstance(key, str):
            return self.find(key)
        return self._links[key]

    def __len__(self) -> int:
        return len(self._links)

    def __iter__(self) -> Iterator[Link]:
        return iter(self._links)

    def __contains__(self, rel: object) -> bool:
        if isinstance(rel, Link):
            return rel in self._links
        return isinstance(rel, str) and bool(self.all(rel))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Links) and self._links == other._links

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # A table, as the README promises for the REPL (pandas does the same for frames).
        return self.table() if self._links else "<Links (none)>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython
        printer.text(self.table())

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table("rel", "name", "href")
        for row in self.rows():
            table.add_row(*row)
        return table

    @property
    def rels(self) -> list[str]:
        """The distinct relations, as the document spells them, in document order."""
        seen: dict[str, str] = {}
        for link in self._links:
            seen.setdefault(_canonical(link.rel, self._curies), link.rel)
        return list(seen.values())

    @property
    def curies(self) -> Mapping[str, str]:
        """HAL CURIE prefixes and the templates they expand with."""
        return dict(self._curies)

    def all(self, rel: str) -> list[Link]:
        """Every link with relation ``rel`` (empty if none).

        An unprefixed rel such as ``"accounts"`` that no link has exactly also finds a CURIE'd
        one (``"km:accounts"``) when exactly one CURIE prefix offers it, so client code reads
        the same whether the server writes KISSmetrics envelopes or HAL.
        """
        found = self._by_rel.get(_canonical(rel, self._curies))
        if found:
            return list(found)
        if ":" not in rel and self._curies:
            matches = [links for _, links in self._by_curie_reference(rel)]
            if len(matches) == 1:
                return list(matches[0])
        return []

    def _by_curie_reference(self, rel: str) -> list[tuple[str, list[Link]]]:
        wanted = rel.lower()
        out = []
        for first in dict.fromkeys(links[0] for links in self._by_rel.values()):
            prefix, sep, reference = first.rel.partition(":")
            if sep and prefix in self._curies and reference.lower() == wanted:
                out.append((first.rel, self._by_rel[_canonical(first.rel, self._curies)]))
        return out

    def _exact(self, rel: str) -> Link | None:
        """The first link whose rel is ``rel`` itself (case-insensitively, or the URI a CURIE
        stands for) — without `all`'s search of CURIE prefixes for an unprefixed rel."""
        found = self._by_rel.get(_canonical(rel, self._curies))
        return found[0] if found else None

    def get(self, rel: str, default: Link | None = None) -> Link | None:
        """The first link with ``rel``, or ``default``."""
        found = self.all(rel)
        return found[0] if found else default

    def find(
        self, rel: str, *, name: str | None = None, index: int | None = None,
        url: str | None = None,
    ) -> Link:
        """Return one link with ``rel``, chosen by ``name`` or by ``index`` (default: the first).

        Raises:
            LinkNotFound: no such rel, or no link of it with that name or index. The error lists
                the rels (or names) that do exist and close matches.
        """
        candidates = self.all(rel)
        where = f" at {url}" if url else ""
        if not candidates:
            available = self.rels
            suggestions = _close_matches(rel, available)
            message = f'no rel "{rel}"{where}'
            if suggestions:
                message += " — did you mean " + " or ".join(f'"{s}"' for s in suggestions) + "?"
            message += (" This resource offers: " + ", ".join(available) + "."
                        if available else " This resource offers no links at all.")
            raise LinkNotFound(message, rel=rel, available=available, suggestions=suggestions,
                               url=url)
        if name is not None:
            named = [c for c in candidates if c.name == name]
            if not named:
                names = [c.name or "(unnamed)" for c in candidates]
                suggestions = _close_matches(name, [n for n in names if n != "(unnamed)"])
                raise LinkNotFound(
                    f'rel "{rel}"{where} has no link named "{name}"; its names are: '
                    + ", ".join(names) + "."
                    + (" Did you mean " + " or ".join(f'"{s}"' for s in suggestions) + "?"
                       if suggestions else ""),
                    rel=rel, available=names, suggestions=suggestions, url=url)
            candidates = named
        if index is not None:
            if not -len(candidates) <= index < len(candidates):
                raise LinkNotFound(
                    f'rel "{rel}"{where} has {len(candidates)} link(s); index {index} is out of '
                    f"range (use 0..{len(candidates) - 1}).",
                    rel=rel, available=self.rels, suggestions=[], url=url)
            return candidates[index]
        return candidates[0]

    def merged(self, other: Iterable[Link]) -> Links:
        """A new collection with ``other``'s links appended, skipping any whose rel and href
        are already present (a ``Link`` header that mirrors the body adds nothing twice)."""
        curies = dict(self._curies)
        if isinstance(other, Links):
            curies.update(other._curies)
        return Links(unique((*self._links, *other), curies), curies=curies)

    def rows(self, template_note: str = "  [vars: {}]") -> list[tuple[str, str, str]]:
        """(rel, name or title, href) per link; a template's href is followed by
        ``template_note`` filled with its variable names."""
        return [(link.rel, link.name or link.title or "",
                 link.href + (template_note.format(", ".join(link.variables) or "none")
                              if link.templated else ""))
                for link in self._links]

    def detail_rows(self) -> list[tuple[str, str, str, str, str]]:
        """(rel, name/title, href or template, type/profile, source) per link: everything a
        person exploring the links wants to see."""
        rows = []
        for link in self._links:
            label = " — ".join(x for x in (link.name, link.title) if x)
            kind = " ".join(x for x in (link.type, f"profile={link.profile}" if link.profile
                                        else None) if x)
            href = link.href + (f"   (template: {', '.join(link.variables) or 'none'})"
                                if link.templated else "")
            rows.append((link.rel, label, href, kind,
                         SOURCES.get(link.source, link.source)))
        return rows

    def docs(self, rel: str) -> str | None:
        """The documentation URL a HAL CURIE gives for ``rel`` (``km:events`` with a ``km``
        CURIE) — or the rel itself when it is an http(s) URI (an extension rel, RFC 8288) —
        else ``None``."""
        link = self.get(rel)
        name = link.rel if link is not None else rel
        prefix, sep, reference = name.partition(":")
        template = self._curies.get(prefix) if sep else None
        if template is None:
            # An extension rel is a URI (RFC 8288 2.1.2) that should lead to its documentation
            return name if sep and prefix.lower() in ("http", "https") and \
                reference.startswith("//") else None
        return str(parse_template(template).expand({"rel": reference}))

    def table(self) -> str:
        """A plain-text table: rel, name or title, href (templates with their variables)."""
        rows = [("rel", "name", "href"), *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(2)]
        lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}" for r in rows]
        if any(link.source not in ("body", "both") for link in self._links):
            # Say where links that are not the body's own controls came from.
            width = max(len(line) for line in lines)
            lines = [f"{line:<{width}}  {source}" for line, source in zip(lines, ["from", *(
                SOURCES.get(link.source, link.source) for link in self._links)], strict=True)]
        if any(link.anchor for link in self._links):
            # A linkset's links are about other resources too: say which (RFC 9264 anchor).
            width = max(len(line) for line in lines)
            lines = [f"{line:<{width}}  {about}" for line, about in zip(lines, ["about", *(
                link.anchor or "(this document)" for link in self._links)], strict=True)]
        return "\n".join(line.rstrip() for line in lines)


def unique(links: Iterable[Link], curies: Mapping[str, str] | None = None) -> list[Link]:
    """``links`` without repeats of the same (rel, href, templated); the first one wins."""
    seen: set[tuple[str, str, bool]] = set()
    out = []
    for link in links:
        key = (_canonical(link.rel, curies or {}), link.href, link.templated)
        if key not in seen:
            seen.add(key)
            out.append(link)
    return out


def _close_matches(word: str, choices: list[str]) -> list[str]:
    lowered = {c.lower(): c for c in choices}
    return [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=3,
                                                          cutoff=0.6)]


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("Link", "Links"):
    globals()[_name].__module__ = "hyperkm"
