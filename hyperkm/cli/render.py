"""Plain-text rendering for the CLI: tables, JSON, summaries (no terminal needed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .._exceptions import DocumentError
from .._links import Links
from .._resource import Resource
from .terminal import JSON_UNSAFE

__all__ = ["KEY_FIELDS", "dumps", "key_fields", "links_table", "table"]

#: Fields shown first when listing members: whichever of these a member has.
KEY_FIELDS = ("id", "name", "display_name", "title", "status", "report_type", "total")


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Pretty JSON, keys in server order, non-ASCII kept readable — but terminal controls
    escaped (``\\u009b``), so the text is safe on a terminal and the same JSON value.

    Raises:
        DocumentError: the value is nested too deeply to print (a hostile document).
    """
    try:
        text = json.dumps(value, indent=indent, ensure_ascii=False, default=str)
        return JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    except RecursionError as exc:
        raise DocumentError("the document is nested too deeply to print; the server sent a "
                            "malformed or hostile body") from exc


def table(rows: Sequence[Sequence[Any]], header: Sequence[str], *, max_width: int = 60) -> str:
    """A left-aligned text table; cells longer than ``max_width`` are shortened with "…"."""
    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[:max_width - 1] + "…"

    cells = [[cell(v) for v in header]] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in cells]
    lines.insert(1, "  ".join("─" * w for w in widths))
    return "\n".join(lines)


def links_table(links: Links) -> str:
    """rel, name/title, href (or the template with its variables), type/profile, and where
    the link came from (the body or the ``Link`` header), and the rel's documentation where
    the API gives one (its CURIEs are listed below)."""
    rows: list[tuple[str, ...]] = list(links.detail_rows())
    if not rows:
        return "(no links)"
    # The API's own documentation of each rel (a HAL CURIE's URL, an extension rel's URI)
    docs = [links.docs(row[0]) or "" for row in rows]
    header = ["rel", "name", "href", "type", "from"]
    if any(docs):
        rows = [(*row, doc) for row, doc in zip(rows, docs, strict=True)]
        header.append("docs")
    anchors = [link.anchor for link in links]
    if any(anchors) and len(anchors) == len(rows):
        # A linkset's links are about other resources too (RFC 9264 anchor): say which
        rows = [(*row, anchor or "(here)") for row, anchor in zip(rows, anchors, strict=True)]
        header.append("about")
    text = table(rows, tuple(header), max_width=100)
    curies = links.curies
    if curies:
        text += "\n" + "\n".join(f"CURIE {prefix}: {href}   ('docs REL' shows one)"
                                   for prefix, href in curies.items())
    return text


def key_fields(members: Sequence[Resource]) -> list[str]:
    """The key fields worth a column for these members (at most four)."""
    present: list[str] = []
    for name in KEY_FIELDS:
        if any(isinstance(m.document.data, dict) and name in m.document.data for m in members):
            present.append(name)
    if present:
        return present[:4]
    # None of the usual ones (a report's result rows: KMID, Person, ...): the members' own
    # fields, in the order the first one has them — never one blank "value" column.
    for member in members:
        data = member.document.data
        if isinstance(data, dict) and data:
            return [k for k, v in data.items() if not isinstance(v, (dict, list))][:6]
    return []


def member_cells(member: Resource, fields: Sequence[str]) -> list[Any]:
    data = member.data
    if not isinstance(data, dict):
        return [dumps(data, indent=None)] + [""] * (len(fields) - 1)
    return [data.get(f) for f in fields]
