"""What a request to the emulator asks for: the format it accepts, and its JSON body (bounded,
in the formats' write shapes)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from werkzeug.wrappers import Request

from ._common import ApiError
from .render import MEDIA_TYPES

__all__ = ["MAX_BODY_BYTES", "format_for", "json_body", "page_params"]

#: The largest request body the emulator reads (answered 413 above it).
MAX_BODY_BYTES = 1024 * 1024


def format_for(request: Request, formats: Sequence[str]) -> str | None:
    """The format to answer in: the best match of ``Accept`` among the enabled formats
    (``application/json`` and ``*/*`` mean the default one); ``None`` if none fits."""
    if not request.headers.get("Accept"):
        return formats[0]
    offered = [MEDIA_TYPES[f] for f in formats]
    if "application/json" not in offered:
        offered.append("application/json")  # JSON clients get the default format
    best: str | None = request.accept_mimetypes.best_match(offered)
    if best is None:
        # A client that takes some JSON gets the default format when it is JSON (as the
        # real API answered application/hal+json with its own JSON).
        takes_json = any(m.endswith("json") for m, q in request.accept_mimetypes if q)
        return formats[0] if takes_json and formats[0] != "html" else None
    if best == MEDIA_TYPES[formats[0]] or best == "application/json":
        return formats[0]
    return next(f for f in formats if MEDIA_TYPES[f] == best)


def json_body(request: Request) -> Any:
    """The request's JSON body (a Collection+JSON template's data as an object); 415, 413 or
    400 in the API's error format when it is not one."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, f"Content-Type must be application/json, got "
                     f"{request.content_type or 'none'}.", ["unsupported_media_type"])
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise ApiError(413, f"The body is {length} bytes; this API accepts at most "
                     f"{MAX_BODY_BYTES}.", ["payload_too_large"])
    raw = request.stream.read(MAX_BODY_BYTES + 1)  # a chunked body is bounded too
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, f"The body is larger than {MAX_BODY_BYTES} bytes, the most this "
                     "API accepts.", ["payload_too_large"])
    try:
        body = json.loads(raw.decode("utf-8"))
        template = body.get("template") if isinstance(body, dict) and \
            mimetype == "application/vnd.collection+json" else None
        if isinstance(template, dict) and isinstance(template.get("data"), list):
            # Collection+JSON writes: {"template": {"data": [{"name", "value"}]}}
            return {d.get("name"): d.get("value") for d in template["data"]
                    if isinstance(d, dict)}
        return body
    except RecursionError as exc:
        raise ApiError(400, "The body is nested too deeply.", ["invalid_json"]) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}.", ["invalid_json"]) from exc


def page_params(request: Request, page_size: int) -> tuple[int, int]:
    """``limit`` and ``offset`` from the query (400 in the API's format when invalid)."""
    def number(name: str, default: int, low: int, high: int | None) -> int:
        raw = request.args.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            raise ApiError(400, f":{name} must be an integer {bound}",
                         ["invalid_parameter"])
        return value

    return number("limit", page_size, 1, 100), number("offset", 0, 0, None)
