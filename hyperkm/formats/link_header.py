"""RFC 8288 ``Link`` header fields, merged into whatever the body says.

``Link: <https://x/e?offset=20>; rel="next"; templated="false", <https://x/e>; rel="self"``

The KISSmetrics v2 API mirrored its body links here with a non-standard ``templated`` parameter,
which is honoured. A malformed entry is skipped (and logged): the header supplements the body and
must not make an otherwise readable response unreadable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Container, Iterable
from urllib.parse import unquote

from .._exceptions import DocumentError
from .._links import Link

__all__ = ["parse_link_header"]

log = logging.getLogger("hyperkm")

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# The common, well-formed case in one regex per entry; anything it does not match exactly
# (escapes in quoted strings, ext-values, stray characters) goes to the careful parser.
_FAST_ENTRY = re.compile(
    r'[ \t]*<([^<>]*)>((?:[ \t]*;[ \t]*[A-Za-z][A-Za-z0-9._-]*[ \t]*=[ \t]*'
    r'(?:"[^"\\]*"|[A-Za-z0-9._~/:+-]+))*)[ \t]*(?:,|$)')
_FAST_PARAM = re.compile(
    r';[ \t]*([A-Za-z][A-Za-z0-9._-]*)[ \t]*=[ \t]*(?:"([^"\\]*)"|([^;, \t]+))')


def parse_link_header(values: str | Iterable[str], base: str,
                      known: Container[tuple[str, str]] = (),
                      repeated: set[tuple[str, str]] | None = None) -> list[Link]:
    """Parse one or more ``Link`` header values into links with absolute hrefs.

    Args:
        values: The header value (or several, as repeated header fields).
        base: The request URL; relative targets resolve against it (RFC 8288 section 3.2).
        known: ``(rel, href)`` pairs already known from the body; entries that repeat them
            are skipped without building a Link (a header mirroring the body is common).
        repeated: If given, the skipped ``(rel, href)`` pairs are added to it.
    """
    def entry(value: str, pos: int) -> tuple[list[Link], int]:
        fast = _FAST_ENTRY.match(value, pos)
        if fast is not None:
            links = _fast_entry(fast, base, known, repeated)
            if links is not None:
                return links, fast.end()
        return _parse_entry(value, pos, base)

    return _entries(values, entry, "Link", base)


def _entries(values: str | Iterable[str],
             entry: Callable[[str, int], tuple[list[Link], int]], field: str, base: str
             ) -> list[Link]:
    """Every entry of a header's values; a malformed one is skipped, with a warning."""
    if isinstance(values, str):
        values = [values]
    links: list[Link] = []
    for value in values:
        pos = 0
        while pos < len(value):
            try:
                found, pos = entry(value, pos)
            except _Malformed as exc:
                log.warning("ignoring malformed %s header entry from %s: %s", field, base, exc)
                pos = _skip_to_next_entry(value, pos if exc.pos is None else exc.pos)
                continue
            links.extend(found)
    return links


def _fast_entry(match: re.Match[str], base: str, known: Container[tuple[str, str]],
                repeated: set[tuple[str, str]] | None = None) -> list[Link] | None:
    target = match.group(1).strip()
    params: dict[str, str] = {}
    for param in _FAST_PARAM.finditer(match.group(2)):
        value = param.group(2) if param.group(2) is not None else param.group(3)
        params.setdefault(param.group(1).lower(), value)
    rel = params.get("rel", "")
    if known and " " not in rel and (rel.lower(), target) in known:
        if repeated is not None:
            repeated.add((rel.lower(), target))
        return []
    try:
        return _links_from(target, params, base)
    except _Malformed:
        return None  # let the careful parser skip it and log why


class _Malformed(Exception):
    def __init__(self, why: str, pos: int | None = None) -> None:
        super().__init__(why)
        self.pos = pos


def _skip_ows(value: str, pos: int) -> int:
    while pos < len(value) and value[pos] in " \t":
        pos += 1
    return pos


def _skip_to_next_entry(value: str, pos: int) -> int:
    # Move past the next comma that is outside quotes and angle brackets.
    quoted = angled = False
    while pos < len(value):
        ch = value[pos]
        if quoted:
            if ch == "\\":
                pos += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "<":
            angled = True
        elif ch == ">":
            angled = False
        elif ch == "," and not angled:
            return pos + 1
        pos += 1
    return pos


def _parse_entry(value: str, pos: int, base: str) -> tuple[list[Link], int]:
    pos = _skip_ows(value, pos)
    if pos < len(value) and value[pos] == ",":  # empty list element (RFC 9110 section 5.6.1)
        return [], pos + 1
    if pos >= len(value):
        return [], pos
    if value[pos] != "<":
        raise _Malformed(f"expected '<' at position {pos}", pos)
    end = value.find(">", pos)
    if end == -1:
        raise _Malformed("unterminated '<'", len(value))
    target = value[pos + 1:end].strip()
    pos = end + 1
    params: dict[str, str] = {}
    while True:
        pos = _skip_ows(value, pos)
        if pos >= len(value):
            break
        if value[pos] == ",":
            pos += 1
            break
        if value[pos] != ";":
            raise _Malformed(f"expected ';' or ',' at position {pos}", pos)
        pos = _skip_ows(value, pos + 1)
        match = _TOKEN.match(value, pos)
        if not match:
            if pos < len(value) and value[pos] in ",;":  # a stray ';'
                continue
            raise _Malformed(f"expected a parameter name at position {pos}", pos)
        name = match.group().lower()
        pos = _skip_ows(value, match.end())
        param_value = ""
        if pos < len(value) and value[pos] == "=":
            pos = _skip_ows(value, pos + 1)
            if pos < len(value) and value[pos] == '"':
                param_value, pos = _quoted(value, pos)
            else:
                match = _TOKEN.match(value, pos)
                param_value = match.group() if match else ""
                pos = match.end() if match else pos
        if name.endswith("*"):  # RFC 8187 ext-value: charset'lang'pct-encoded
            name = name[:-1]
            _, _, encoded = param_value.partition("'")
            _, _, encoded = encoded.partition("'")
            param_value = unquote(encoded)
        # RFC 8288 section 3: occurrences after the first of rel, title, ... are ignored.
        params.setdefault(name, param_value)
    return _links_from(target, params, base), pos


def _links_from(target: str, params: dict[str, str], base: str) -> list[Link]:
    rel_value = params.pop("rel", "").strip()
    if not rel_value:
        raise _Malformed(f"entry <{target}> has no rel", None)
    if not target:
        raise _Malformed("empty target", None)
    attrs_ = {k: params.pop(k) for k in ("title", "type", "hreflang", "name", "profile",
                                         "deprecation") if k in params}
    templated_raw = params.pop("templated", None)
    templated = templated_raw is not None and templated_raw.strip().lower() == "true"
    params.pop("anchor", None)  # links about another context than the response are not ours
    extra = tuple(sorted(params.items()))
    links = []
    for rel in rel_value.split():
        try:
            links.append(Link.create(rel, target, templated=templated, base=base,
                                     extra=extra, source="header", **attrs_))
        except DocumentError as exc:
            raise _Malformed(str(exc), None) from exc
    return links


def _quoted(value: str, pos: int) -> tuple[str, int]:
    out = []
    pos += 1
    while pos < len(value):
        ch = value[pos]
        if ch == "\\" and pos + 1 < len(value):
            out.append(value[pos + 1])
            pos += 2
            continue
        if ch == '"':
            return "".join(out), pos + 1
        out.append(ch)
        pos += 1
    raise _Malformed("unterminated quoted string", len(value))


def parse_link_template(values: str | Iterable[str], base: str) -> list[Link]:
    """Parse ``Link-Template`` header values (RFC 9652) into templated links.

    The field is a Structured Field List (RFC 8941) of Strings, each a URI Template with
    parameters: ``rel`` (required here), ``anchor`` (links about another context are skipped,
    as in ``Link``), ``var-base`` (not supported: such an entry is skipped and logged) and
    target attributes (``title``, ``type``, ...). A malformed entry is skipped and logged.
    """
    return _entries(values, lambda value, pos: _template_entry(value, pos, base),
                    "Link-Template", base)


def _template_entry(value: str, pos: int, base: str) -> tuple[list[Link], int]:
    while pos < len(value) and value[pos] in " \t,":
        pos += 1
    if pos >= len(value):
        return [], pos
    if value[pos] != '"':
        raise _Malformed("a Link-Template entry must start with a quoted template", pos)
    template, pos = _quoted(value, pos)
    params: dict[str, str] = {}
    while True:
        while pos < len(value) and value[pos] in " \t":
            pos += 1
        if pos >= len(value) or value[pos] == ",":
            break
        if value[pos] != ";":
            raise _Malformed(f"unexpected {value[pos]!r} after the template", pos)
        pos += 1
        while pos < len(value) and value[pos] in " \t":
            pos += 1
        start = pos
        while pos < len(value) and (value[pos].isalnum() or value[pos] in "-_.*"):
            pos += 1
        name = value[start:pos].lower()
        param = None  # a bare key is a Boolean (RFC 8941): no rel, title, ... is one
        if pos < len(value) and value[pos] == "=":
            pos += 1
            if pos < len(value) and value[pos] == '"':
                param, pos = _quoted(value, pos)
            else:
                start = pos
                while pos < len(value) and value[pos] not in ";, \t":
                    pos += 1
                param = value[start:pos]
        if name and param is not None:
            params.setdefault(name, param)
    if "anchor" in params:
        return [], pos  # about another context than the response
    if "var-base" in params:
        log.warning("ignoring a Link-Template entry from %s with var-base (not supported): %s",
                    base, template)
        return [], pos
    params["templated"] = "true"
    return _links_from(template, params, base), pos
