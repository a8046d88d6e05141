"""How a resource was reached: the value every layer above the client shares."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ._links import Link

__all__ = ["LABEL_FIELDS", "Step"]

_NO_VARIABLES: Mapping[str, Any] = MappingProxyType({})
#: Fields that name a resource for people (reprs, the shell's breadcrumb), in order of preference.
LABEL_FIELDS = ("name", "display_name", "title")


class Step:
    """How a resource was reached from its parent: a rel (with template variables), a member
    of a collection, or something else (the result of a write), for breadcrumbs and trails.

    Attributes:
        rel: The relation followed (``None`` for a member or a write's result).
        variables: The template variables given.
        label: What to show instead of the rel (``[id=…]``, ``(POST → 202)``).
        link: The [`Link`][hyperkm.Link] followed.
        member: Whether the step entered a member of a collection.
        page: For a page of a collection: its number (1 for the first), however it was
            reached (``next`` links one by one, or its URL derived to fetch pages at once).
        action: For the target of a GET form (a search): the form's name; ``variables``
            hold the values submitted.
    """

    __slots__ = ("action", "label", "link", "member", "page", "rel", "variables")

    def __init__(self, rel: str | None, variables: Mapping[str, Any] | None = None,
                 label: str | None = None, link: Link | None = None,
                 member: bool = False, page: int | None = None,
                 action: str | None = None) -> None:
        self.rel = rel
        self.variables = dict(variables) if variables else _NO_VARIABLES
        self.label = label
        #: The link followed (its template lets a collection ask for other pages).
        self.link = link
        #: Whether this step entered a member of a collection (identified by a key field).
        self.member = member
        #: The page's number, for a page of a collection (it hangs off the collection).
        self.page = page
        #: The GET form submitted to get here (its values in ``variables``).
        self.action = action

    def __str__(self) -> str:
        if self.label is not None:
            return self.label
        if self.variables:
            args = ",".join(f"{k}={v}" for k, v in self.variables.items())
            return f"{self.rel}({args})"
        return str(self.rel)

    def __repr__(self) -> str:
        return f"Step({self})"


# Public classes report the module users import them from (tracebacks, reprs, help()).
for _name in ("Step",):
    globals()[_name].__module__ = "hyperkm"
