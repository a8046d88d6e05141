"""What an ``OPTIONS`` answer's body says about the requests a resource accepts.

Django REST framework (and servers that copied its ``SimpleMetadata``) answer ``OPTIONS``
with ``{"actions": {"POST": {"field": {"type", "required", "read_only", "label",
"max_length", "choices": [{"value", "display_name"}], ...}}}}``. For a link that takes POST
but whose format carries no form (KISSmetrics envelopes, ``Link`` headers), that is the best
description of a request body there is: hyperkm turns it into [`Field`][hyperkm.Field]\\ s.
Anything else in the body is ignored; a body that says nothing gives no fields.
"""

from __future__ import annotations

from typing import Any

from .._actions import Field

__all__ = ["described_fields"]

#: At most this many fields per method are read (a hostile body can list millions).
MAX_FIELDS = 200
#: DRF's field types, as the form types hyperkm validates by.
_TYPES = {"integer": "integer", "float": "number", "decimal": "number", "boolean": "checkbox",
          "date": "date", "datetime": "datetime", "email": "email", "url": "url",
          "choice": "text", "string": "text"}


def described_fields(body: Any) -> dict[str, tuple[Field, ...]]:
    """``method → fields`` from an OPTIONS body in DRF's metadata shape; ``{}`` otherwise."""
    actions = body.get("actions") if isinstance(body, dict) else None
    if not isinstance(actions, dict):
        return {}
    found: dict[str, tuple[Field, ...]] = {}
    for method, spec in list(actions.items())[:16]:
        if not isinstance(method, str) or not isinstance(spec, dict):
            continue
        fields = [_field(name, info) for name, info in list(spec.items())[:MAX_FIELDS]
                  if isinstance(name, str) and isinstance(info, dict)]
        found[method.upper()] = tuple(f for f in fields if not f.read_only)
    return found


def _field(name: str, info: dict[str, Any]) -> Field:
    choices = info.get("choices")
    options = tuple(c.get("value") for c in choices if isinstance(c, dict) and "value" in c) \
        if isinstance(choices, list) else None
    label = info.get("label") or info.get("help_text")
    kind = info.get("type")
    return Field(name=name, type=_TYPES.get(kind, "text") if isinstance(kind, str) else "text",
                 required=info.get("required") is True, options=options or None,
                 read_only=info.get("read_only") is True,
                 min=_number(info.get("min_value")), max=_number(info.get("max_value")),
                 min_length=_count(info.get("min_length")),
                 max_length=_count(info.get("max_length")),
                 prompt=str(label)[:200] if label is not None else None)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else None
