"""The explorer's writes: a request form for a link that takes no GET, an action's form
submitted, and the job it may start, polled on its own page."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .. import _why
from .._actions import Action
from .._bookmarks import Trail
from .._exceptions import BookmarkError, FormError, HTTPError, JobTimeout
from .._resource import Resource
from .views import crumbs, decode_trail, encode_trail, option_text, redirect

if TYPE_CHECKING:  # pragma: no cover
    from .app import ExplorerApp

__all__ = ["Writes"]


class Writes:
    """Request forms, actions and jobs, for an ``ExplorerApp`` (whose routes, trails, trace and
    templates they use)."""

    def __init__(self, app: ExplorerApp) -> None:
        self.app = app
        self._jobs: OrderedDict[str, dict[str, Any]] = OrderedDict()

    # -- a link that takes no GET: a request form ------------------------------------------------

    def request_page(self, trail: Trail, resource: Resource, exc: HTTPError, *,
                     errors: dict[str, Any] | None = None, body: str | None = None,
                     back: str | None = None) -> Response:
        """A form to send the request a link takes instead of GET (its methods from
        ``Allow`` or OPTIONS, its fields from OPTIONS)."""
        allow = exc.response.headers.get("Allow", "") if exc.response is not None else ""
        methods = [m.strip().upper() for m in allow.split(",")
                   if m.strip().upper() not in ("", "GET", "HEAD", "OPTIONS")]
        if not methods:
            methods = sorted(self.app.client.allowed_methods(resource.url) - {
                "GET", "HEAD", "OPTIONS"}) or ["POST"]
        fields = self.app.client.described_fields(resource.url, methods[0])
        if body is None:
            # Pre-filled with what the API documents (its OPTIONS answer's fields), else {}
            body = json.dumps({f.name: f.value if f.value is not None else "" for f in fields},
                              indent=2, ensure_ascii=False)
        return self.app._render("request.html", status=422 if errors else 200, r=resource,
                                trail=trail, t=encode_trail(trail),
                                crumbs=crumbs(self.app.route, trail),
                                methods=methods, fields=fields, body=body, errors=errors or {},
                                rel=trail.steps[-1].rel if len(trail) else None,
                                answered=exc.status, trace=self.app.trace.recent(),
                                back=back or self.app.route("/", t=encode_trail(trail)))

    def send(self, request: Request) -> Response:
        """A request typed in the request form: method and a JSON body, to a trail's end."""
        trail = decode_trail(request.form.get("t", ""))
        method = request.form.get("method", "POST").upper()
        text = request.form.get("body", "")
        resource = self.app._walk(trail, fetch_last=False)
        if not method.isascii() or not method.isalpha() or len(method) > 16:
            # a method is a token (RFC 9110 9.1); the transport would fail on anything else
            return self._request_form_again(trail, resource, text,
                                            f"not sent: {method[:20]!r} is not an HTTP method")
        try:
            values = json.loads(text) if text.strip() else {}
            if not isinstance(values, dict):
                raise ValueError(f"the body is a JSON {type(values).__name__}; this form "
                                 "sends a JSON object")
        except (ValueError, RecursionError) as exc:
            return self._request_form_again(trail, resource, text,
                                            f"not sent: the body is not a JSON object ({exc})")
        fields = self.app.client.described_fields(resource.url, method)
        name = trail.steps[-1].rel if len(trail) and trail.steps[-1].rel else "request"
        parent = resource.parent if resource.parent is not None else resource
        action = Action(name=name, method=method, target=resource.url, fields=fields,
                        free_form=True, title=f"{method} to the {name!r} link")
        from .._writes import bind

        try:
            result = bind(parent, action).submit(values)
        except FormError as exc:
            return self._request_form_again(trail, resource, text, str(exc))
        return self._after_write(result, parent, trail, method, resource.url, values)

    def _request_form_again(self, trail: Trail, resource: Resource, text: str,
                            message: str) -> Response:
        with _why.because("the request form again: which methods it takes"):
            try:
                _ = resource.document
            except HTTPError as exc:
                return self.request_page(trail, resource, exc, errors={"message": message},
                                         body=text)
        raise BookmarkError("this link answers GET now; open it again")

    # -- actions and jobs ------------------------------------------------------------------------

    def do(self, request: Request) -> Response:
        """An action's form submitted: validated, sent, and the page of what it answered."""
        trail = decode_trail(request.form.get("t", ""))
        resource = self.app._walk(trail)  # a write goes where the API says now, not where it said
        name = request.form.get("action", "")
        action = resource.action(name)
        values: dict[str, Any] = {k[2:]: v for k, v in request.form.items()
                                  if k.startswith("f_") and v != ""}
        for field in action.fields:  # a <select> sends text: map it back to the option
            if field.options is not None and field.name in values:
                text = values[field.name]
                values[field.name] = next((o for o in field.options
                                           if option_text(o) == text), text)
        try:
            result = action.submit(values)
        except FormError as exc:
            return self.app._page(request, trail, errors={"action": name, "message": str(exc),
                                                          "problems": exc.problems,
                                                          "given": values},
                                  status=422, resource=resource)
        return self._after_write(result, resource, trail, action.method, action.target,
                                 values)

    def _after_write(self, result: Resource, resource: Resource, trail: Trail, method: str,
                     target: str, values: dict[str, Any]) -> Response:
        response = result.write_response
        if response is not None and response.status_code == 202:
            self._jobs[result.url] = {
                "request": f"{method} {target}",
                "body": json.dumps(values, indent=2, ensure_ascii=False, default=str),
                "status": response.status_code,
                "location": response.headers.get("Location")}
            while len(self._jobs) > 32:
                self._jobs.popitem(last=False)
            return redirect(self.app.route("/job", u=result.url, t=encode_trail(trail)))
        if result is resource or result.url == resource.url:
            return redirect(self.app.route("/", t=encode_trail(trail)))
        return redirect(self.app.route("/u", u=result.url))

    def _poll(self, url: str) -> tuple[bool, Any, str | None]:
        if not self.app.client.scope.trusts(url):
            raise BookmarkError(f"{url} is not on the API's origin; the explorer does not go there")
        job = self.app.client.resource(url)
        try:
            result = job.wait(timeout=0.001, interval=0.0)
        except JobTimeout as exc:
            status = getattr(exc, "status", None)
            data = status.data if status is not None else {}
            return False, data.get("progress") if isinstance(data, dict) else None, None
        return True, 1.0, result.url

    def job(self, request: Request) -> Response:
        """A job's page: its progress, each poll, and the way to its result."""
        url = request.args.get("u", "")
        done, progress, result = self._poll(url)
        # Shown even when the job is already done: what was sent, the Location and each poll
        # are the lesson; the page then goes on to the result (by itself with JavaScript).
        return self.app._render("job.html", url=url, progress=progress,
                                poll=self.app.route("/job.json", u=url),
                                started=self._jobs.get(url),
                                polls=self._polls(url), done=done,
                                result=self.app.route("/u", u=result) if result else None,
                                again=self.app.route("/job", u=url, t=request.args.get("t", "")))

    def _polls(self, url: str) -> list[dict[str, Any]]:
        """The job's polls so far, as the job page lists them."""
        visit = self.app.trace.visit(f"job at {url}", key=f"job {url}")
        # numbered here: each of the page's checks is a wait() of its own, polling once
        polls = [e for e in list(visit.exchanges) if e.url == url and e.method == "GET"]
        return [{"reason": f"job poll {n}", "status": e.status, "outcome": e.outcome,
                 "ms": round(e.elapsed * 1000), "location": e.response_headers.get("Location")}
                for n, e in enumerate(polls, start=1)]

    def job_json(self, request: Request) -> Response:
        """A job's state for the page's script (polled until done)."""
        done, progress, result = self._poll(request.args.get("u", ""))
        body = {"done": done, "progress": progress,
                "next": self.app.route("/u", u=result) if result else None,
                "polls": self._polls(request.args.get("u", ""))}
        return Response(json.dumps(body), mimetype="application/json")
