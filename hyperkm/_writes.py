"""Changing state: sending writes and actions, and turning their answers into resources.

A write answers in one of a few ways (RFC 9110): ``201 Created`` with ``Location`` names the new
resource; ``202 Accepted`` hands back a job to poll; ``200`` carries a representation;
``204 No Content`` says "done" without one. This module turns each into the resource a program
works with next. It sits below [`Resource`][hyperkm.Resource] and makes resources with
``type(resource)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import attrs

from . import formats
from ._actions import JSON, Action, encode
from ._exceptions import HyperkmError, PreconditionFailed, TemplateError
from ._node import R
from ._received import Received
from ._steps import Step
from ._urls import join_checked, normalised

__all__ = ["Lead", "bind", "body_kind", "lead_of", "result_of", "submit", "write"]


_CONDITIONAL = ("PUT", "PATCH", "DELETE")


def write_media_type(resource: R) -> str:
    """The media type a JSON write to ``resource`` goes as when neither a form nor the caller
    names one: that of the format it was read in (JSON:API servers answer 415 to
    application/json), without parameters; for formats without a media type of their own,
    the vendor ``+json`` type it came as; failing those, application/json."""
    document = resource._held()
    if document is None and resource.parent is not None:
        document = resource.parent._held()  # a member follows its collection's format
    if document is not None:
        for fmt in formats.registered():
            if fmt.name == document.format and fmt.media_types:
                # the format's first type: a HAL-FORMS answer is HAL to write back
                return fmt.media_types[0] if fmt.media_types[0].endswith("+json") else JSON
    held = resource.headers.get("Content-Type") if resource.fetched else None
    media = (held or "").split(";", 1)[0].strip().lower()
    if media.endswith("+json") and media != "application/problem+json":
        return media
    return JSON


def _refuse_write_to_an_omitted_segment(resource: R, method: str) -> None:
    """An inferred template's ``{/number}`` may be left out to read the collection (GitHub's
    convention); a PUT, PATCH or DELETE there would change the collection, not a member."""
    step: Step | None = getattr(resource, "step", None)
    link = step.link if step is not None else None
    if step is None or link is None or link.source != "inferred" or link.template is None:
        return
    template, given = link.template, step.variables
    omitted = [v.name for v in template.variables if v.operator == "/"
               and given.get(v.name) is None]
    if omitted:
        raise TemplateError(
            f"refusing {method} {resource.url}: it was reached by leaving "
            f"{', '.join('{/' + n + '}' for n in omitted)} out of {link.href}, so it names the "
            f"collection, not one member. Follow {link.rel!r} with "
            f"{', '.join(n + '=...' for n in omitted)} to change one. Nothing was sent.",
            template=link.href, missing=tuple(omitted), url=resource.url)


def write(resource: R, method: str, url: str, *, json_body: Any = None,
          body: bytes | None = None, headers: Mapping[str, str] | None = None,
          if_match: str | bool | None = None) -> R:
    """Send a write to ``url`` on behalf of ``resource``; return the resource it leads to.

    PUT, PATCH and DELETE to the resource itself send ``If-Match`` with its ETag (or
    ``if_match``); a 412 raises [`PreconditionFailed`][hyperkm._exceptions.PreconditionFailed] with
    the current state.
    """
    client = resource.client
    if method in _CONDITIONAL and url == resource.url:
        _refuse_write_to_an_omitted_segment(resource, method)
    extra = dict(headers or {})
    if json_body is not None and not any(k.lower() == "content-type" for k in extra):
        extra["Content-Type"] = write_media_type(resource)
    if method in _CONDITIONAL and if_match is not False:
        tag = if_match if isinstance(if_match, str) else (
            resource.etag if url == resource.url else None)
        if tag and not isinstance(if_match, str) and tag.startswith("W/"):
            # A weak validator never matches in If-Match (RFC 9110 §13.1.1: strong
            # comparison): a compliant server would answer every such write 412.
            client.note(f"{method} {url} goes without If-Match: the ETag held ({tag}) is "
                        "weak, and If-Match compares strongly (pass if_match= to send one)")
            tag = None
        if tag:
            extra["If-Match"] = tag
    try:
        received = client.exchange(method, url, json_body=json_body, body=body, headers=extra)
    except PreconditionFailed as exc:
        try:
            exc.current = type(resource)(client, url).refresh()
        except HyperkmError:
            exc.current = None
        raise
    if url != resource.url:
        client.forget(resource.url)  # an action elsewhere may have changed this resource too
    return result_of(resource, method, url, received)


@attrs.frozen
class Lead:
    """Where a write's answer leads, decided from its status and headers alone (sans I/O).

    Attributes:
        kind: ``"located"`` (a ``Location`` names the resource: `url`), ``"refresh"`` (204
            to the resource written: read it again), ``"lazy"`` (204 elsewhere: the target,
            not fetched), or ``"body"`` (the answer's own body says; see `body_kind`).
        url: The resource's URL, for ``"located"`` and ``"lazy"``.
        header: The header that named it (``Location``, ``Operation-Location``, ...).
        body: For ``"located"``: ``"is"`` (``Content-Location`` says the body is that
            resource's), ``"if-its-own"`` (a 201's body: it is, if its own URL is the
            target) or ``""`` (the body is something else: not read as the resource).
    """

    kind: str
    url: str | None = None
    header: str = ""
    body: str = ""


def lead_of(method: str, url: str, resource_url: str | None, status: int,
            headers: Mapping[str, str], answer_url: str, has_body: bool) -> Lead:
    """Where the answer to ``method url`` (sent on behalf of the resource at
    ``resource_url``) leads; see `Lead`.

    Raises:
        DocumentError: the header naming the result is no URL hyperkm will request.
    """
    location, header = headers.get("Location"), "Location"
    if status == 202:
        # Microsoft's APIs name the status monitor in Operation-Location (Azure Resource
        # Manager: Azure-AsyncOperation, with Location for the final result): poll that.
        for name in ("Operation-Location", "Azure-AsyncOperation"):
            if headers.get(name):
                location, header = headers[name], name
                break
    if location:
        target = join_checked(answer_url, location, url=url,
                              source=f"the {header} header of {status} from {method} {url}")
        content_location = headers.get("Content-Location")
        # The body describes the new resource if Content-Location says so (RFC 9110 8.7),
        # or, for 201 Created, if it is that resource: its own URL is the Location
        # (RFC 9110 15.3.2; JSON:API and HAL servers answer so).
        same = bool(content_location) and urljoin(answer_url, content_location) == target
        body = "" if not has_body else "is" if same else "if-its-own" if status == 201 else ""
        return Lead("located", target, header, body)
    if status == 204 and method != "DELETE":
        return Lead("refresh") if url == resource_url else Lead("lazy", url)
    return Lead("body")


def body_kind(method: str, url: str, resource_url: str | None, status: int, answer_url: str,
              document_url: str, has_body: bool, has_state: bool, redirected: bool) -> str:
    """What the body of an answer without ``Location`` is: ``"created"`` (a 201 whose body
    says where the new resource is: its self link), ``"updated"`` (a PUT or PATCH answered
    with the resource's new state) or ``"answer"`` (a resource of its own: a receipt, a
    status, the result of an action)."""
    if status == 201 and has_body and document_url != answer_url:
        return "created"
    if method in ("PUT", "PATCH") and url == resource_url and has_state and status < 400 \
            and not redirected:
        # (A redirected answer — 303 "See Other" — is another resource's: a receipt, a
        # status. The resource keeps its own state; the answer is returned as what it is.)
        return "updated"
    return "answer"


def result_of(resource: R, method: str, url: str, received: Received) -> R:
    """The resource a write's answer leads to (see the module's docstring): the driver of
    `lead_of` and `body_kind`, which decide."""
    client, make = resource.client, type(resource)
    response = received.response
    step = Step(None, label=f"({method} → {response.status_code})")
    lead = lead_of(method, url, resource.url, response.status_code, response.headers,
                   response.url, bool(response.content))
    if lead.kind == "located":
        assert lead.url is not None
        document = client.parse(response) if lead.body else None
        if document is not None and lead.body == "if-its-own" and normalised(
                document.url) != normalised(lead.url):
            document = None  # a 201 body about something else (a status, a message)
        result = make(client, lead.url, document=document, parent=resource, step=step)
        if document is not None:
            result._adopt(document, received)
        result.write_response = response
        return result
    if lead.kind == "refresh":
        return resource.refresh()
    if lead.kind == "lazy":
        return make(client, url, parent=resource, step=step)
    document = client.parse(response, allow_empty=True)
    kind = body_kind(method, url, resource.url, response.status_code, response.url,
                     document.url, bool(response.content), document.data is not None,
                     bool(received.redirects))
    if kind == "updated":
        resource._adopt(document, received)
        return resource
    result = make(client, document.url if kind == "created" else response.url,
                  document=document, parent=resource, step=step)
    result._adopt(document, received)
    result.write_response = response
    return result


def submit(resource: R, action: Action, values: Mapping[str, Any]) -> R:
    """Validate ``values`` against ``action`` (nothing is sent if they do not fit), encode
    them by its content type and send them with its method."""
    clean = action.validate(values)
    url, body, content_type = encode(action, clean)
    if action.method in ("GET", "HEAD"):
        return make_target(resource, url, action, values)
    headers = {"Content-Type": content_type} if content_type else {}
    return write(resource, action.method, url, body=body, headers=headers)


def make_target(resource: R, url: str, action: Action,
                values: Mapping[str, Any] | None = None) -> R:
    """A GET action leads somewhere, like a link: a lazy resource at the filled-in URL (its
    step names the form and the values given, so a bookmark can submit it again)."""
    return type(resource)(resource.client, url, parent=resource,
                          step=Step(None, values, label=f"({action.name})", action=action.name))


def bind(resource: R, action: Action) -> Action:
    """``action`` able to [`submit`][hyperkm.Action] on behalf of ``resource``."""
    return action.bind(lambda a, values: submit(resource, a, values))
