"""RFC 6570 URI templates, strictly.

uritemplate (4.x) expands templates but never complains: a missing variable is silently dropped
(``/events/{id}`` -> ``/events/``), an unknown one is ignored, ``True`` becomes ``True`` and an
invalid template expands to itself. A client that builds a wrong URL and sends a request with it
is worse than one that refuses, so hyperkm checks first and only then lets uritemplate expand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import attrs
from uritemplate import URITemplate

from ._exceptions import TemplateError

__all__ = ["Template", "expand", "parse_template"]

# RFC 6570 section 2.2-2.4: varname = varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" /
# pct-encoded; a modifier is ":" max-length (1..9999) or "*".
_VARSPEC = re.compile(r"(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*"
                      r"(?::[1-9][0-9]{0,3}|\*)?")
_OPERATORS = "+#./;?&"
# "=,!@|" are reserved for future extensions (RFC 6570 section 2.2): using one is invalid.
_RESERVED_OPERATORS = "=,!@|"
# Query-style expressions produce optional parameters; every other expression is part of the
# path (or fragment) and a missing value there makes a different URL, not a shorter one.
_OPTIONAL_OPERATORS = frozenset("?&")


@attrs.frozen
class Variable:
    """One variable of a template: its name and whether the URL needs it."""

    name: str
    required: bool
    operator: str


@attrs.frozen
class Template:
    """A parsed, validated URI template."""

    text: str
    variables: tuple[Variable, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every variable name, in order of appearance."""
        return tuple(v.name for v in self.variables)

    @property
    def required(self) -> tuple[str, ...]:
        """The names that must be given (path-style expressions)."""
        return tuple(v.name for v in self.variables if v.required)

    def expand(self, values: Mapping[str, Any], *, url: str | None = None) -> str:
        """Expand with ``values``, refusing missing required and unknown variables.

        Raises:
            TemplateError: a required variable is missing or ``None``, or a name is unknown.
        """
        known = set(self.names)
        unknown = tuple(sorted(k for k in values if k not in known))
        missing = tuple(n for n in self.required if values.get(n) is None)
        if unknown or missing:
            raise TemplateError(_explain(self, missing, unknown), template=self.text,
                                missing=missing, unknown=unknown, url=url)
        clean = {k: _to_template_value(k, v, self.text) for k, v in values.items() if v is not None}
        reserved = {v.name for v in self.variables if v.operator in ("+", "#")}
        for name in self.required:
            if _vanishes(clean[name]) or (name in reserved and _climbs(clean[name])):
                raise TemplateError(
                    f"cannot expand URI template {self.text!r}: variable {name!r} is "
                    f"{values[name]!r}, which would name a different resource (an empty or "
                    "'.'/'..' path segment points at the parent). Give a real value. No request "
                    "was sent.", template=self.text, url=url)
        return str(URITemplate(self.text).expand(clean))


def _explain(template: Template, missing: tuple[str, ...], unknown: tuple[str, ...]) -> str:
    parts = []
    if missing:
        parts.append("missing required variable" + ("s " if len(missing) > 1 else " ")
                     + ", ".join(repr(m) for m in missing))
    if unknown:
        parts.append("unknown variable" + ("s " if len(unknown) > 1 else " ")
                     + ", ".join(repr(u) for u in unknown))
    accepted = ", ".join(
        f"{v.name}{'' if v.required else ' (optional)'}" for v in template.variables
    ) or "none"
    return (f"cannot expand URI template {template.text!r}: {'; '.join(parts)}. "
            f"It takes: {accepted}. No request was sent.")


def _climbs(value: Any) -> bool:
    """Whether a reserved-expansion value (``{+path}``, where "/" stays) holds a dot segment
    that would climb or stay put (``../admin``, ``a/./b``)."""
    if isinstance(value, str):
        return any(unquote(part).strip() in (".", "..") for part in value.split("/"))
    if isinstance(value, Mapping):
        return any(_climbs(v) for v in value.values())
    if isinstance(value, list):
        return any(_climbs(v) for v in value)
    return False


def _vanishes(value: Any) -> bool:
    """Whether a path variable's value would drop or climb a path segment."""
    if isinstance(value, str):
        return unquote(value).strip() in ("", ".", "..")
    if isinstance(value, Mapping):
        return not value or any(_vanishes(v) for v in value.values())
    if isinstance(value, list):
        return not value or any(_vanishes(v) for v in value)
    return False


def _to_template_value(name: str, value: Any, text: str) -> Any:
    # RFC 6570 knows strings, lists and associative arrays. JSON-minded APIs expect lowercase
    # booleans, which uritemplate would render as "True"/"False".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        # As text: uritemplate takes a falsy value for an empty one in the query forms
        # ({?offset} with 0 gave "?offset=", the first page of every offset-paged API).
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _to_template_value(name, v, text) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_template_value(name, v, text) for v in value]
    raise TemplateError(
        f"cannot expand URI template {text!r}: variable {name!r} is a {type(value).__name__}; "
        "give a string, number, boolean, list or dict.",
        template=text,
    )


@lru_cache(maxsize=512)
def parse_template(text: str, *, optional_segments: bool = False) -> Template:
    """Parse and validate ``text`` as an RFC 6570 template (level 4).

    With ``optional_segments``, ``{/name}`` expressions are optional (GitHub's convention:
    ``…/issues{/number}`` without a number names the collection); otherwise every path-style
    expression is required.

    Raises:
        TemplateError: the text is not a valid template (unbalanced braces, bad names, ...).
    """
    variables: list[Variable] = []
    pos = 0
    while True:
        start = text.find("{", pos)
        close = text.find("}", pos)
        if start == -1:
            if close != -1:
                raise _invalid(text, f"'}}' at position {close} has no opening '{{'")
            break
        if close != -1 and close < start:
            raise _invalid(text, f"'}}' at position {close} has no opening '{{'")
        end = text.find("}", start)
        if end == -1:
            raise _invalid(text, f"'{{' at position {start} is never closed")
        body = text[start + 1:end]
        if "{" in body:
            raise _invalid(text, f"'{{' at position {start} is never closed")
        if not body:
            raise _invalid(text, f"empty expression at position {start}")
        operator = ""
        if body[0] in _OPERATORS:
            operator, body = body[0], body[1:]
        elif body[0] in _RESERVED_OPERATORS:
            raise _invalid(text, f"operator {body[0]!r} is reserved by RFC 6570")
        for spec in body.split(","):
            if not _VARSPEC.fullmatch(spec):
                raise _invalid(text, f"{spec!r} is not a valid variable name")
            name = spec.rstrip("*").split(":", 1)[0]
            optional = operator in _OPTIONAL_OPERATORS or (optional_segments
                                                           and operator == "/")
            variables.append(Variable(name, not optional, operator))
        pos = end + 1
    # A name used twice appears once; it is required if any of its uses is.
    merged: dict[str, Variable] = {}
    for v in variables:
        if v.name in merged:
            if v.required and not merged[v.name].required:
                merged[v.name] = v
        else:
            merged[v.name] = v
    return Template(text, tuple(merged.values()))


def _invalid(text: str, why: str) -> TemplateError:
    return TemplateError(f"invalid URI template {text!r}: {why} (RFC 6570).", template=text)


def expand(text: str, values: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
    """Validate ``text`` and expand it with ``values`` and ``kwargs``."""
    merged = dict(values or {}, **kwargs)
    return parse_template(text).expand(merged)
