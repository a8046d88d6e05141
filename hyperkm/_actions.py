"""Affordances: the forms by which an API says how to change state.

[`Action`][hyperkm.Action] and [`Field`][hyperkm.Field] are immutable values that every format
produces the same way
(HAL-FORMS ``_templates``, Siren ``actions``, Collection+JSON ``template`` and ``queries``, link
objects with a ``method``). Validating values against a form and encoding them are pure
functions here; sending is the business of a higher layer, which binds an action to a resource
([`Action.bind`][hyperkm.Action]) so that [`Action.submit`][hyperkm.Action] works.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import attrs

from . import _examples, _patterns
from ._exceptions import ActionNotFound, FormError, shorten
from ._templates import parse_template

__all__ = ["Action", "Actions", "Field", "encode", "validate"]

#: Field types whose values must be numbers.
NUMBER_TYPES = _examples.NUMBER_TYPES
FORM_URLENCODED = "application/x-www-form-urlencoded"
JSON = "application/json"
COLLECTION_JSON = "application/vnd.collection+json"


@attrs.frozen
class Field:
    """One input of a form.

    Attributes:
        name: The name the value is sent under.
        type: The format's own type name (``text``, ``number``, ``datetime``, ``email``,
            ``hidden``, ...).
        required: Whether a value must be given.
        value: The default (or current) value, sent when none is given.
        options: The allowed values, or ``None`` for any.
        pattern: A regular expression the whole value must match, or ``None``.
        min, max: Bounds for numbers.
        min_length, max_length: Bounds for the length of text.
        read_only: The value may be shown but not changed.
        prompt: A label for people.
    """

    name: str
    type: str = "text"
    required: bool = False
    value: Any = None
    options: tuple[Any, ...] | None = None
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    read_only: bool = False
    prompt: str | None = None

    @property
    def example(self) -> str | None:
        """A value that matches ``pattern`` (a typical one for the type where it fits), to
        show beside a raw regular expression; ``None`` without a pattern or an example."""
        return _examples.example(self.pattern, self.type) if self.pattern else None

    def problems(self, value: Any) -> list[str]:
        """What is wrong with ``value`` for this field (empty when it is acceptable)."""
        found: list[str] = []
        if self.read_only and value != self.value:
            return [f"{self.name!r} is read-only (its value is {self.value!r})"]
        if self.type.lower() in NUMBER_TYPES:
            number = _as_number(value)
            if number is None:
                return [f"{self.name!r} must be a number, got {value!r}"]
            if self.min is not None and number < self.min:
                found.append(f"{self.name!r} must be at least {self.min:g}, got {value!r}")
            if self.max is not None and number > self.max:
                found.append(f"{self.name!r} must be at most {self.max:g}, got {value!r}")
        if self.options is not None:
            values = value if isinstance(value, (list, tuple)) else [value]
            bad = [v for v in values if v not in self.options and str(v) not in
                   {str(o) for o in self.options}]
            if bad:
                found.append(f"{self.name!r} must be one of {_some(self.options)}, got "
                             f"{quote(repr(bad[0]))}")
        if isinstance(value, str):
            # Matched in linear time (RE2); None: it cannot be checked here, the server judges.
            if self.pattern and _patterns.fullmatch(self.pattern, value) is False:
                shown = self.example
                found.append(f"{self.name!r} must match /{quote(self.pattern)}/"
                             + (f" (e.g. {quote(shown)})" if shown else "")
                             + f", got {quote(repr(value))}")
            if self.min_length is not None and len(value) < self.min_length:
                found.append(f"{self.name!r} must be at least {self.min_length} characters")
            if self.max_length is not None and len(value) > self.max_length:
                found.append(f"{self.name!r} must be at most {self.max_length} characters")
        return found


def quote(text: str) -> str:
    """A value or pattern from the API, shortened for an error message."""
    return shorten(text, 120)


def _some(options: tuple[Any, ...], shown: int = 10) -> str:
    listed = ", ".join(quote(repr(o)) for o in options[:shown])
    return listed if len(options) <= shown else f"{listed}, … ({len(options):,} in all)"


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


@attrs.frozen
class Action:
    """Something the API says a client can do here: a method, a target and a form.

    Attributes:
        name: The action's name (``"run"``, ``"add-item"``, ``"default"``).
        title: A label for people.
        method: The HTTP method, upper case.
        target: The absolute URL (an RFC 6570 template when ``templated``).
        templated: Whether ``target`` is a template; its variables are ``variables``.
        content_type: How the values are encoded (``application/json``,
            ``application/x-www-form-urlencoded``; a GET action puts them in the query).
        fields: The inputs, in the order the server gave them.
        free_form: The server named no fields (a link with a ``method``): any values are sent.
    """

    name: str
    method: str
    target: str
    title: str | None = None
    templated: bool = False
    content_type: str = JSON
    fields: tuple[Field, ...] = ()
    free_form: bool = False
    _submitter: Callable[..., Any] | None = attrs.field(default=None, eq=False, repr=False,
                                                       alias="submitter")

    @property
    def variables(self) -> tuple[str, ...]:
        """The target template's variable names (empty when it is not a template)."""
        return parse_template(self.target).names if self.templated else ()

    def field(self, name: str) -> Field:
        """The field called ``name``.

        Raises:
            FormError: there is no such field.
        """
        for f in self.fields:
            if f.name == name:
                return f
        raise FormError(f"action {self.name!r} has no field {name!r}; its fields are: "
                        + (", ".join(f.name for f in self.fields) or "none"),
                        problems=[f"unknown field {name!r}"], action=self.name)

    def bind(self, submitter: Callable[..., Any]) -> Action:
        """This action, able to `submit` through ``submitter(action, values)``."""
        return attrs.evolve(self, submitter=submitter)

    def validate(self, values: Mapping[str, Any] | None = None, /, **fields: Any
                 ) -> dict[str, Any]:
        """The values that would be sent (defaults filled in), or every problem at once.

        Raises:
            FormError: missing required fields, unknown names, values outside ``options``,
                pattern mismatches, non-numbers for number fields, changed read-only fields.
        """
        return validate(self, {**(values or {}), **fields})

    def submit(self, values: Mapping[str, Any] | None = None, /, **fields: Any) -> Any:
        """Validate, then send the values; returns the result as a [`Resource`][hyperkm.Resource].

        Nothing is sent when a value is invalid: a [`FormError`][hyperkm._exceptions.FormError]
            lists every problem.
        ``201`` with ``Location`` gives that resource; ``202`` a job (``.wait()``); ``200``
        with a body the document; ``204`` the refreshed resource.
        """
        merged = {**(values or {}), **fields}
        if self._submitter is None:
            raise FormError(f"action {self.name!r} is not bound to a resource; take it from "
                            "resource.actions or resource.action(name)", problems=[],
                            action=self.name)
        return self._submitter(self, merged)

    def describe(self) -> str:
        """One line per field: name, type, required mark, allowed values."""
        lines = [f"{self.name}: {self.method} {self.target}" + (
            f"  ({self.title})" if self.title and self.title != self.name else "")]
        for f in self.fields:
            extra = []
            if f.options is not None:
                extra.append("one of " + ", ".join(map(str, f.options)))
            if f.pattern:
                shown = f.example
                extra.append(f"/{f.pattern}/" + (f" e.g. {shown}" if shown else ""))
            if f.value not in (None, ""):
                extra.append(f"default {f.value!r}")
            if f.read_only:
                extra.append("read-only")
            lines.append(f"  {f.name}{'*' if f.required else ''}  {f.type}"
                         + (f"  {'; '.join(extra)}" if extra else "")
                         + (f"  — {f.prompt}" if f.prompt and f.prompt != f.name else ""))
        return "\n".join(lines)


def validate(action: Action, given: Mapping[str, Any]) -> dict[str, Any]:
    """See [`Action.validate`][hyperkm.Action]."""
    problems: list[str] = []
    known = {f.name: f for f in action.fields}
    variables = set(action.variables)
    for name in given:
        if name not in known and name not in variables and not action.free_form:
            problems.append(f"unknown field {name!r}")
    out: dict[str, Any] = {}
    for f in action.fields:
        if f.name in given and given[f.name] is not None:
            value = given[f.name]
            found = f.problems(value)
            problems += found
            if f.type.lower() in NUMBER_TYPES and not found and isinstance(value, str):
                number = float(value)  # "5" typed at a prompt is sent as the number 5
                value = int(number) if number.is_integer() and "." not in value else number
            if not f.read_only:  # a read-only value is the server's: shown, never sent
                out[f.name] = value
        elif f.value not in (None, "") and not f.read_only:
            out[f.name] = f.value
        elif f.required:
            problems.append(f"{f.name!r} is required"
                            + (f" ({f.prompt})" if f.prompt and f.prompt != f.name else ""))
    if problems:
        accepted = ", ".join(f"{f.name}{'*' if f.required else ''}" for f in action.fields)
        raise FormError(
            f"cannot submit {action.name!r}: {'; '.join(problems)}. It takes: "
            f"{accepted or 'no fields'} (* required). No request was sent.",
            problems=problems, action=action.name)
    for name, value in given.items():
        if name in variables or (action.free_form and name not in known):
            out[name] = value
    return out


def encode(action: Action, values: Mapping[str, Any]) -> tuple[str, bytes | None, str | None]:
    """(url, body, content type) for sending ``values`` with ``action``.

    Template variables of the target are expanded from ``values``; the rest is the body —
    or the query string, for GET and HEAD.
    """
    variables = set(action.variables)
    url = action.target
    if action.templated:
        url = parse_template(url).expand({k: v for k, v in values.items() if k in variables})
    rest = {k: v for k, v in values.items() if k not in variables}
    if action.method in ("GET", "HEAD", "DELETE"):
        if rest and action.method != "DELETE":
            parts = urlsplit(url)
            query = "&".join(q for q in (parts.query, urlencode(_flat(rest), doseq=True)) if q)
            url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        return url, None, None
    kind = (action.content_type or JSON).split(";", 1)[0].strip().lower()
    if kind == FORM_URLENCODED:
        return url, urlencode(_flat(rest), doseq=True).encode("ascii"), FORM_URLENCODED
    if kind == COLLECTION_JSON:
        body = {"template": {"data": [{"name": k, "value": v} for k, v in rest.items()]}}
        return url, json.dumps(body).encode("utf-8"), COLLECTION_JSON
    return url, json.dumps(rest).encode("utf-8"), action.content_type or JSON


def _flat(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, (list, tuple)):
            out[k] = [("true" if x else "false") if isinstance(x, bool) else x for x in v]
        else:
            out[k] = v
    return out


class Actions(Mapping[str, Action]):
    """The actions of a representation, ``name → Action`` in document order (read-only)."""

    __slots__ = ("_actions", "_url")

    def __init__(self, actions: tuple[Action, ...] = (), url: str | None = None) -> None:
        self._actions = {a.name: a for a in actions}
        self._url = url

    def __getitem__(self, name: str) -> Action:
        try:
            return self._actions[name]
        except KeyError:
            raise _not_found(name, list(self._actions), self._url) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._actions)

    def __len__(self) -> int:
        return len(self._actions)

    def __repr__(self) -> str:
        return self.table() if self._actions else "<Actions (none)>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython
        printer.text(repr(self))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(name, method, target, fields) per action; required fields carry a ``*``."""
        return [(a.name, a.method, a.target,
                 ", ".join(f"{f.name}{'*' if f.required else ''}" for f in a.fields))
                for a in self._actions.values()]

    def table(self) -> str:
        rows = [("name", "method", "target", "fields"), *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}"
                         for r in rows)


def _not_found(name: str, available: list[str], url: str | None) -> ActionNotFound:
    import difflib

    close = difflib.get_close_matches(name, available, n=3, cutoff=0.6)
    where = f" at {url}" if url else ""
    message = f"no action {name!r}{where}"
    if close:
        message += " — did you mean " + " or ".join(repr(c) for c in close) + "?"
    message += (" Actions here: " + ", ".join(available) + "." if available else
                " This representation offers no actions; resource.allowed_methods() asks the "
                "server which methods it accepts.")
    return ActionNotFound(message, name=name, available=available, suggestions=close, url=url)


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("Action", "Actions", "Field"):
    globals()[_name].__module__ = "hyperkm"
