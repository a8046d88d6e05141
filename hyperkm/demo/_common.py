"""What the emulator's APIs share: their error, and the reference's pagination links."""

from __future__ import annotations

from datetime import UTC, datetime

from .render import L

__all__ = ["STARTED", "ApiError", "page_links"]

#: When the emulator's data was last changed, as far as its Last-Modified headers say.
STARTED = datetime(2014, 9, 2, 19, 46, 43, tzinfo=UTC)


class ApiError(Exception):
    """An answer in the API's error format: status, message, error codes, headers."""

    def __init__(self, status: int, message: str, errors: list[str],
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors
        self.headers = headers or {}



def page_links(base: str, limit: int, offset: int, total: int) -> list[L]:
    """self, first, last, and next/prev where they exist: the reference's pagination links."""
    def page(o: int) -> str:
        return f"{base}?limit={limit}&offset={o}"

    last = max(0, (total - 1) // limit * limit) if total else 0
    links = [L("self", page(offset), "Self"), L("first", page(0), "First"),
             L("last", page(last), "Last")]
    if offset + limit < total:
        links.append(L("next", page(offset + limit), "Next"))
    if offset > 0:
        links.append(L("prev", page(max(0, offset - limit)), "Previous"))
    return links
