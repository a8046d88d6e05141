"""Doing things: resolving ``do NAME`` to an action (or, for formats without forms, to a rel
whose target takes POST), asking for missing required fields, and describing the result.
Shared by the browse shell and ``hyperkm do``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .. import _exceptions as errors
from .._actions import Action, Field
from .._resource import Resource

__all__ = ["Ask", "find_action", "missing_required", "no_get_rels", "perform"]

#: Asks a person for one field's value; returns the text typed (``None`` to give up).
Ask = Callable[[Field], "str | None"]

#: Rels worth an OPTIONS request to learn whether they accept GET (not paging, not self).
_SKIP = frozenset({"self", "next", "prev", "previous", "first", "last", "up", "collection"})


def find_action(resource: Resource, name: str) -> Action:
    """The action ``name`` here; for formats that carry no forms, a rel ``name`` whose target
    accepts POST but not GET becomes one (its fields unknown: any are sent as JSON).

    Raises:
        ActionNotFound: neither exists.
    """
    actions = resource.actions
    if name in actions:
        return actions[name]
    link = resource.links.get(name)
    if link is not None and not link.templated:
        allowed = resource.client.allowed_methods(link.href)
        if "POST" in allowed and "GET" not in allowed:
            # The fields its OPTIONS answer describes, when it does (any others go too)
            fields = resource.client.described_fields(link.href, "POST")
            return _bind(resource, Action(name=name, method="POST", target=link.href,
                                          title=f"POST to the {name!r} link", fields=fields,
                                          free_form=True))
    return actions[name]  # raises ActionNotFound, listing what there is


def _bind(resource: Resource, action: Action) -> Action:
    from .._writes import bind

    return bind(resource, action)


def missing_required(action: Action, given: Mapping[str, Any]) -> list[Field]:
    return [f for f in action.fields
            if f.required and given.get(f.name) is None and f.value in (None, "")]


def perform(resource: Resource, name: str, given: dict[str, Any], *, ask: Ask | None = None,
            wait: bool = True, on_progress: Callable[[Any, Any], None] | None = None
            ) -> tuple[Resource, str]:
    """Submit action ``name`` with ``given`` (asking for missing required fields when ``ask``
    is given); returns the result and a one-line account of what happened."""
    action = find_action(resource, name)
    for field in missing_required(action, given):
        if ask is None:
            break  # the FormError names them all
        answer = ask(field)
        if answer is None:
            raise errors.FormError(f"cancelled: {field.name!r} is required", problems=[
                f"{field.name!r} is required"], action=action.name)
        given[field.name] = answer
    result = action.submit(given)
    response = result.write_response
    status = response.status_code if response is not None else None
    if status == 202 and wait:
        job = result
        result = job.wait(interval=0.2, on_progress=on_progress)
        return result, f"202 Accepted: a job at {job.url}; done"
    if action.method == "GET":
        return result, f"{action.method} {result.url}"
    return result, f"{status} from {action.method} {action.target}" if status else "done"


def no_get_rels(resource: Resource) -> set[str]:
    """Rels whose target accepts no GET: targets of non-GET actions, and — for documents
    that carry no forms — rels whose ``OPTIONS`` says so (one request each, remembered)."""
    document = resource.document
    found = {link.rel for link in document.links for action in document.actions
             if action.method != "GET" and action.target == link.href}
    if document.actions or document.items is not None:
        return found
    for link in document.links:
        if link.templated or link.rel in _SKIP or link.href == resource.url:
            continue
        try:
            allowed = resource.client.allowed_methods(link.href)
        except errors.HyperkmError:
            continue
        if allowed and "GET" not in allowed:
            found.add(link.rel)
    return found
