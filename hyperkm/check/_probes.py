"""What the checker asks beyond the crawl: OPTIONS for each form's target, the root with
another ``Accept``, and a URL that names nothing."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .._actions import Action
from .._exceptions import DocumentError, HyperkmError
from .._urls import origin_of
from ._judge import unsatisfiable

if TYPE_CHECKING:  # pragma: no cover
    from ._crawl import _Checker

__all__ = ["check_form", "probe_accept", "probe_not_found"]


def check_form(checker: _Checker, url: str, action: Action) -> None:
    """A form's fields can be filled, and its target allows its method and content type
    (one OPTIONS request per target)."""
    checker.applied("unsatisfiable-field")
    for field in action.fields:
        problem = unsatisfiable(field)
        if problem:
            checker.find("unsatisfiable-field", url, f"the field {field.name!r} of the form "
                         f"{action.name!r} cannot be filled: {problem}")
    if action.templated or not checker._left():
        return
    try:
        if origin_of(action.target) != checker.origin:
            return
    except DocumentError:
        return
    target = action.target
    if target not in checker.options:
        try:
            checker.options[target] = checker.client.request("OPTIONS", target,
                                                             raise_for_status=False)
        except HyperkmError:
            checker.options[target] = None
    answer = checker.options[target]
    if answer is None or answer.status_code >= 400:
        return
    checker.applied("method-not-allowed", "form-content-type-refused")
    allow = {m.strip().upper() for m in answer.headers.get("Allow", "").split(",")
             if m.strip()}
    if allow and action.method not in allow:
        checker.find("method-not-allowed", url, f"the form {action.name!r} uses "
                     f"{action.method}, which {target} does not allow",
                     f"Allow: {answer.headers.get('Allow')}")
    accepts = answer.headers.get({"POST": "Accept-Post", "PATCH": "Accept-Patch"}.get(
        action.method, "-"))
    if accepts and action.content_type and action.method in ("POST", "PATCH"):
        wanted = action.content_type.split(";")[0].strip().lower()
        offered = {a.split(";")[0].strip().lower() for a in accepts.split(",")}
        if wanted not in offered and "*/*" not in offered:
            checker.find("form-content-type-refused", url, f"the form {action.name!r} sends "
                         f"{wanted}, which {target} does not accept",
                         f"Accept-{action.method.title()}: {accepts}")


def probe_accept(checker: _Checker) -> None:
    """Does the root's body depend on Accept, and does Vary say so?"""
    answers = []
    for accept in (None, "application/json"):
        try:
            answers.append(checker.client.request(
                "GET", checker.root, raise_for_status=False,
                headers={"Accept": accept} if accept else None))
        except HyperkmError:
            return
    types = {(a.headers.get("Content-Type") or "").split(";")[0] for a in answers}
    if len(types) > 1 and not all("accept" in a.headers.get("Vary", "").lower()
                                  for a in answers):
        checker.find("vary-missing", checker.root, "the body depends on Accept, and Vary does "
                     "not name it", "Content-Types: " + ", ".join(sorted(types)))


def probe_not_found(checker: _Checker) -> None:
    """How the API answers a URL that names nothing (errors should be problem details)."""
    missing = urljoin(checker.root.rstrip("/") + "/", f"hyperkm-check-{secrets.token_hex(4)}")
    try:
        answer = checker.client.request("GET", missing, raise_for_status=False)
    except HyperkmError:
        return
    if answer.status_code >= 400:
        checker._error_answer(answer)
