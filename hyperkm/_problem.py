"""Problem details for HTTP APIs (RFC 9457, ``application/problem+json``): the error bodies of
Spring, API Platform, ASP.NET and many others."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ._urls import resolve

__all__ = ["Problem", "read_problem"]

MEDIA_TYPE = "application/problem+json"
_MEMBERS = ("type", "title", "status", "detail", "instance")
#: Extension members kept (a hostile body of 10^6 members costs little).
MAX_EXTENSIONS = 256


def _frozen(members: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(members))


@attrs.frozen
class Problem:
    """An RFC 9457 problem details object.

    Attributes:
        type: A URI identifying the problem type (absolute; ``"about:blank"`` when not given:
            the problem is no more than its HTTP status).
        title: A short summary of the problem type.
        status: The HTTP status code the server says it generated.
        detail: An explanation of this occurrence.
        instance: A URI identifying this occurrence (absolute).
        extensions: Every other member, as sent (an ``errors`` or ``violations`` member is
            the server's extension here, not JSON:API's ``errors``).
    """

    type: str = "about:blank"
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None
    extensions: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen)

    def __str__(self) -> str:
        return self.message()

    def message(self) -> str:
        """The server's words: ``title: detail``, and what the ``errors`` or ``violations``
        extension lists (field and message), as people read it."""
        parts = [p for p in (self.title, self.detail) if p]
        if self.title and self.detail and self.detail.startswith(self.title):
            parts = [self.detail]
        text = ": ".join(parts)
        listed = [x for x in _listed(self.extensions) if x not in text]
        if listed:
            text = (text + " — " if text else "") + "; ".join(listed)
        return text


def _listed(extensions: Mapping[str, Any]) -> list[str]:
    """``errors``/``violations`` entries (Spring, API Platform, ASP.NET's ``errors`` object of
    field → messages) as ``field: message``."""
    out: list[str] = []
    for key in ("violations", "errors", "invalid-params", "invalid_params"):
        value = extensions.get(key)
        if isinstance(value, dict):  # ASP.NET: {"Title": ["The Title field is required."]}
            for field, messages in list(value.items())[:20]:
                texts = messages if isinstance(messages, list) else [messages]
                out += [f"{field}: {m}" for m in texts[:5] if isinstance(m, str)]
        elif isinstance(value, list):
            for entry in value[:20]:
                if isinstance(entry, str):
                    out.append(entry)
                elif isinstance(entry, dict):
                    where = next((entry[k] for k in ("propertyPath", "pointer", "field", "name",
                                                     "parameter") if isinstance(entry.get(k), str)),
                                 None)
                    said = next((entry[k] for k in ("message", "detail", "reason", "title")
                                 if isinstance(entry.get(k), str)), None)
                    if said:
                        out.append(f"{where}: {said}" if where else said)
        if out:
            break
    return out


def read_problem(body: Any, content_type: str | None, url: str, status: int | None = None
                 ) -> Problem | None:
    """The problem details in a decoded error body, or ``None``.

    A body served as ``application/problem+json`` is one (members of the wrong type are
    ignored, as RFC 9457 says); so is a JSON object served otherwise whose ``status`` is the
    response's status and that has a ``title`` or ``type`` string (servers that forget the
    media type).
    """
    if not isinstance(body, dict):
        return None
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != MEDIA_TYPE:
        shaped = (status is not None and body.get("status") == status
                  and (isinstance(body.get("title"), str) or isinstance(body.get("type"), str)))
        if not shaped:
            return None
    kind = body.get("type")
    instance = body.get("instance")
    code = body.get("status")
    extensions = {k: v for k, v in list(body.items())[:MAX_EXTENSIONS + len(_MEMBERS)]
                  if k not in _MEMBERS}
    return Problem(
        type=_uri(kind, url) or "about:blank",
        title=body["title"] if isinstance(body.get("title"), str) else None,
        status=code if isinstance(code, int) and not isinstance(code, bool)
        and 100 <= code <= 599 else None,
        detail=body["detail"] if isinstance(body.get("detail"), str) else None,
        instance=_uri(instance, url),
        extensions=extensions,
    )


def _uri(value: Any, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text: str = value.strip()
    if text.startswith(("urn:", "tag:", "about:")):
        return text
    try:
        return resolve(base, text)
    except ValueError:
        return text


# Public classes report the module users import them from (tracebacks, reprs, help()).
Problem.__module__ = "hyperkm"
