"""``hyperkm explore``: a web explorer for any hypermedia API — itself a hypermedia application.

hyperkm does the work on the server side; the browser gets plain HTML: links are ``<a>``,
template variables and actions are ``<form>``\\ s, and a little script only enhances (a live
preview of a template's URL, a job's progress). Every page's URL encodes the **trail** of rels
from the API's root, not the API's URL, so a bookmarked page still lands on the same resource
after the server moved its URLs.

Security, because a local web server is an attack surface: it binds loopback only; every
request must carry the per-run secret (``s``) and a loopback ``Host`` (no DNS rebinding); state
changes are POSTs carrying the secret; a restrictive Content-Security-Policy; no referrer; the API
token stays in this process (never in HTML, a cookie or a URL); everything the API sends is
escaped by the template engine, and only the explorer's own routes become links.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import subprocess
from collections import OrderedDict
from collections.abc import Callable
from importlib import resources
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from werkzeug.wrappers import Request, Response

from .. import _bookmarks, _why
from .._bookmarks import Bookmark, Trail, TrailStep
from .._exceptions import BookmarkError, HTTPError, HyperkmError
from .._resource import Resource
from .trace import Trace
from .views import crumbs, decode_trail, encode_trail, option_text, redirect, view
from .writes import Writes

__all__ = ["ExplorerApp"]

log = logging.getLogger("hyperkm.explore")

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

def highlight(value: Any, indent: int = 0) -> Markup:
    """JSON as escaped HTML with spans for keys, strings, numbers and literals."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return Markup("{}")
        items = [Markup('{}  <span class="k">{}</span>: {}').format(
            Markup(pad), json.dumps(str(k)), highlight(v, indent + 1)) for k, v in value.items()]
        return Markup("{\n") + Markup(",\n").join(items) + Markup("\n{}}}").format(Markup(pad))
    if isinstance(value, list):
        if not value:
            return Markup("[]")
        items = [Markup("{}  {}").format(Markup(pad), highlight(v, indent + 1)) for v in value]
        return Markup("[\n") + Markup(",\n").join(items) + Markup("\n{}]").format(Markup(pad))
    kind = "s" if isinstance(value, str) else "n" if isinstance(value, (int, float)) and not \
        isinstance(value, bool) else "l"
    return Markup('<span class="{}">{}</span>').format(kind, json.dumps(value))


#: The largest request body the explorer reads: its forms are small.
MAX_FORM_BYTES = 1024 * 1024

class ExplorerApp:
    """The WSGI application. ``root`` is the API's root resource (its client holds the token).

    Args:
        root: Where every trail starts.
        secret: The per-run secret every request must carry (made up when not given).
        demo: The emulator, when the explorer started one (for ``relayout``-style teaching).
    """

    def __init__(self, root: Resource, *, secret: str | None = None, demo: Any = None) -> None:
        from .._client import Client

        self.root = root
        assert isinstance(root.client, Client)
        self.client: Client = root.client
        self.secret = secret or secrets.token_urlsafe(24)
        self.demo = demo
        self.trace = Trace()
        self.client.on_exchange.append(self.trace.record)
        #: The resources of the pages last shown, by trail: template previews and follows
        #: need only their links (no request); a page itself is always walked again.
        self._shown: OrderedDict[str, Resource] = OrderedDict()
        #: What started each job the explorer follows (its request, body and Location).
        #: Request forms, actions and the jobs they start.
        self.writes = Writes(self)
        self.env = Environment(loader=PackageLoader("hyperkm.explore", "templates"),
                               autoescape=select_autoescape(default=True))
        self.env.globals["route"] = self.route
        self.env.filters["highlight"] = highlight
        # JSON as plain text, escaped by the template for the context it lands in (Jinja's own
        # tojson is marked safe and leaves '"' as it is: inside value="…" it ends the attribute).
        self.env.filters["json"] = option_text

    # -- the routes ---------------------------------------------------------------------------

    def route(self, path: str, **params: Any) -> str:
        """An explorer URL (the only URLs pages link to), carrying the secret."""
        query = [("s", self.secret)]
        for key, value in params.items():
            if isinstance(value, dict):
                query += [(f"{key}{k}", str(v)) for k, v in value.items()]
            elif value is not None:
                query.append((key, str(value)))
        return f"{path}?{urlencode(query)}"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        request.max_content_length = MAX_FORM_BYTES
        request.max_form_memory_size = MAX_FORM_BYTES
        try:
            response = self._guard(request)
            if response is None:
                visit = self._visit_for(request)
                if visit is None:
                    response = self._dispatch(request)
                else:
                    with self.trace.during(visit):
                        response = self._dispatch(request)
        except Exception:  # a bug of ours: say so, keep serving
            log.exception("hyperkm explore: %s %s failed", request.method, request.path)
            response = Response("500: the explorer failed on this request (see its log)",
                                status=500, mimetype="text/plain")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response(environ, start_response)

    def admit(self, environ: dict[str, Any]) -> tuple[int, str] | None:
        """Judge a request from its head alone (the server calls this before reading any
        body): a loopback ``Host``, the secret in the query, a known method."""
        request = Request(environ)
        host = (request.host or "").rsplit(":", 1)[0] if not (request.host or "").startswith(
            "[") else (request.host or "").split("]", 1)[0] + "]"
        if host.lower() not in LOOPBACK_HOSTS:
            return 403, "403: this explorer answers only on loopback addresses"
        # The secret is read from the URL only, never from a body: a request without it is
        # refused before a byte of what it sends is read.
        given = request.args.get("s") or ""
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return 403, "403: this explorer needs the secret in the URL it printed"
        if request.method not in ("GET", "HEAD", "POST"):
            return 405, "405"
        length = request.content_length
        if length is not None and length > MAX_FORM_BYTES:
            return 413, "413: a form of the explorer is never this large"
        return None

    def _visit_for(self, request: Request) -> Any:
        """The trace group this request's exchanges go under (``None``: it sends none)."""
        path, args = request.path, request.args
        if path.startswith("/static/"):
            return None
        if path in ("/job", "/job.json"):
            url = args.get("u", "")
            return self.trace.visit(f"job at {url}", key=f"job {url}")
        if path == "/preview":
            rel = args.get("rel", "")
            return self.trace.visit(f"template preview of {rel!r}",
                                    key=f"preview {args.get('t', '')} {rel}")
        if path == "/":
            where = " › ".join(str(s) for s in decode_trail_or_empty(args.get("t", "")).steps)
            return self.trace.visit(f"page: the root{' › ' + where if where else ''}")
        if path == "/u":
            return self.trace.visit(f"page: {args.get('u', '')}")
        if path == "/go":
            return self.trace.visit(f"follow the template {args.get('rel', '')!r}")
        if path in ("/do", "/send"):
            return self.trace.visit(f"submit {request.form.get('action', '')!r}")
        if path == "/map":
            return self.trace.visit("map: crawling the API")
        if path == "/relayout":
            return self.trace.visit("relayout: the demo moved every URL")
        return self.trace.visit(path)

    def _guard(self, request: Request) -> Response | None:
        refused = self.admit(request.environ)
        if refused is None:
            return None
        return Response(refused[1], status=refused[0], mimetype="text/plain")

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        try:
            if path.startswith("/static/"):
                return self._static(path[len("/static/"):])
            if path == "/" and request.method in ("GET", "HEAD"):
                return self._page(request, decode_trail(request.args.get("t", "")))
            if path == "/go":
                return self._go(request)
            if path == "/preview":
                return self._preview(request)
            if path == "/do" and request.method == "POST":
                return self.writes.do(request)
            if path == "/send" and request.method == "POST":
                return self.writes.send(request)
            if path == "/trace/clear" and request.method == "POST":
                self.trace.clear()
                return redirect(self._back(request))
            if path == "/relayout" and request.method == "POST":
                return self._relayout(request)
            if path == "/u":
                return self._by_url(request)
            if path == "/job":
                return self.writes.job(request)
            if path == "/job.json":
                return self.writes.job_json(request)
            if path == "/map":
                return self._map(request)
        except HyperkmError as exc:
            return self._error(request, exc)
        return Response("404", status=404, mimetype="text/plain")

    # -- pages ----------------------------------------------------------------------------------

    def _walk(self, trail: Trail, *, fetch_last: bool = True) -> Resource:
        if not len(trail):
            return self.client.root
        mark = Bookmark(self.client.root_url, "", trail)
        resource: Resource = _bookmarks.rewalk(self.client, mark, fetch_last=fetch_last)
        return resource

    def _known(self, trail: Trail) -> Resource:
        """The resource of a page just shown (its links and forms, no request), else walked."""
        found = self._shown.get(encode_trail(trail))
        if found is not None:
            return found
        with _why.because("the page is not remembered: walking its trail"):
            return self._walk(trail)

    def _remember(self, trail: Trail, resource: Resource) -> None:
        key = encode_trail(trail)
        self._shown[key] = resource
        self._shown.move_to_end(key)
        while len(self._shown) > 32:
            self._shown.popitem(last=False)

    def _page(self, request: Request, trail: Trail, *, errors: dict[str, Any] | None = None,
              status: int = 200, resource: Resource | None = None) -> Response:
        if resource is None:
            resource = self._walk(trail, fetch_last=False)
            try:
                with _why.because("this page"):
                    _ = resource.document
            except HTTPError as exc:
                if exc.status != 405:
                    raise
                # A link that takes no GET (a report's "run"): a request form, not an error.
                return self.writes.request_page(trail, resource, exc, errors=errors,
                                          back=request.full_path)
        _ = resource.document
        self._remember(trail, resource)
        return self._render("page.html", status=status, r=resource, trail=trail,
                            t=encode_trail(trail), errors=errors or {},
                            crumbs=crumbs(self.route, trail),
                            view=view(resource, trail, self.route, self.client, self.trace),
                            relayout=self._relayout_form(), back=request.full_path)

    def _relayout_form(self) -> dict[str, Any] | None:
        """The demo's "move every URL" button, for teaching bookmarks that survive it."""
        if self.demo is None or not hasattr(self.demo, "switch_layout"):
            return None
        layout = self.demo.app.layout
        return {"to": "alt" if layout == "km" else "km", "now": layout}

    # -- following templates -------------------------------------------------------------------

    def _template_values(self, request: Request) -> dict[str, str]:
        return {k[2:]: v for k, v in request.args.items() if k.startswith("v_") and v != ""}

    def _go(self, request: Request) -> Response:
        trail = decode_trail(request.args.get("t", ""))
        rel = request.args.get("rel", "")
        values = self._template_values(request)
        resource = self._known(trail)
        link = resource.link(rel)
        link.expand(**values)  # refused here, as the library refuses: nothing is requested
        target = encode_trail((*trail.steps, TrailStep("rel", rel=rel, variables=tuple(
            sorted(values.items())))))
        return redirect(self.route("/", t=target))

    def _preview(self, request: Request) -> Response:
        trail = decode_trail(request.args.get("t", ""))
        try:
            link = self._known(trail).link(request.args.get("rel", ""))
            body = {"url": link.expand(**self._template_values(request))}
        except HyperkmError as exc:
            body = {"error": str(exc).splitlines()[0]}
        return Response(json.dumps(body), mimetype="application/json")

    # -- by URL, the map, errors ----------------------------------------------------------------

    def _by_url(self, request: Request) -> Response:
        url = request.args.get("u", "")
        if not self.client.scope.trusts(url):
            raise BookmarkError(f"{url} is not on the API's origin; the explorer does not go there")
        resource = self.client.resource(url)
        _ = resource.document
        return self._render("page.html", r=resource, trail=None, t="", errors={},
                            crumbs=[("/", self.route("/")), (url, self.route("/u", u=url))],
                            view=view(resource, None, self.route, self.client, self.trace))

    def _map(self, request: Request) -> Response:
        from ..cli.mapper import crawl

        graph = crawl(self.client.root, depth=3, budget=60)
        kinds = [{"kind": k, "collection": c,
                  "href": self.route("/u", u=graph.samples[k]) if k in graph.samples and
                  self.client.scope.trusts(graph.samples[k]) else None}
                 for k, c in sorted(graph.nodes.items())]
        picture = map_picture(graph, {str(k["kind"]): str(k["href"]) for k in kinds
                                      if k["href"]})
        return self._render("map.html", kinds=kinds, edges=sorted(graph.edges),
                            requests=graph.requests, picture=picture)

    def _relayout(self, request: Request) -> Response:
        """The demo moves every URL (teaching: a saved explorer URL still lands)."""
        form = self._relayout_form()
        if form is None:
            raise BookmarkError("relayout needs 'hyperkm explore --demo' (it moves the "
                                "emulator's URLs; a real API moves its own)")
        layout = request.form.get("layout", form["to"])
        if layout not in ("km", "alt"):
            layout = form["to"]
        self.demo.switch_layout(layout, mode="404")
        self.client.root_url = self.demo.root_url  # as a client configured anew would
        self._shown.clear()  # every remembered resource's URL is gone
        return redirect(self._back(request))

    def _back(self, request: Request) -> str:
        """Where a POST form returns to: an explorer page (never another site)."""
        back = request.form.get("back", "")
        parts = urlsplit(back)
        if not back.startswith("/") or back.startswith("//") or parts.scheme or parts.netloc \
                or "\\" in back:
            return self.route("/")
        return back

    def _error(self, request: Request, exc: HyperkmError) -> Response:
        return self._render("error.html", status=_status_for(exc),
                            kind=type(exc).__name__, message=str(exc))

    def _render(self, name: str, *, status: int = 200, **context: Any) -> Response:
        html = self.env.get_template(name).render(home=self.route("/"),
                                                  map=self.route("/map"), secret=self.secret,
                                                  static=self._static_url, **context)
        return Response(html, status=status, mimetype="text/html")

    def _static_url(self, name: str) -> str:
        return self.route(f"/static/{name}")

    def _static(self, name: str) -> Response:
        if name not in ("explore.js", "explore.css"):
            return Response("404", status=404, mimetype="text/plain")
        data = resources.files("hyperkm.explore").joinpath("static", name).read_bytes()
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return Response(data, mimetype=kind)




def decode_trail_or_empty(text: str) -> Trail:
    try:
        return decode_trail(text)
    except BookmarkError:
        return Trail(())


def map_picture(graph: Any, urls: dict[str, str]) -> Markup | None:
    """The map as inline SVG (Graphviz), each kind a link to one of them; ``None`` without
    Graphviz or when its output does not read as XML.

    The links are added here, not by Graphviz (which writes a ``URL`` attribute without
    escaping ``&``); the SVG is cleaned before it is inlined: no scripts, no event handlers,
    no foreign objects or styles, and no link but the ones added here."""
    import shutil

    if shutil.which("dot") is None:
        return None
    from lxml import etree

    from ..cli.mapper import render_graph

    try:
        svg, kind = render_graph(graph, "svg")
        if kind != "svg":
            return None
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False)
        root = etree.fromstring(svg, parser)
    except (HyperkmError, etree.XMLSyntaxError, OSError, subprocess.SubprocessError):
        return None
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # comments, processing instructions
            element.getparent().remove(element)
            continue
        if etree.QName(element).localname in ("script", "foreignObject", "iframe", "style",
                                              "a", "image", "use"):
            element.getparent().remove(element)
            continue
        for name in list(element.attrib):
            local = etree.QName(name).localname.lower()
            if local.startswith("on") or local in ("href", "src", "style"):
                del element.attrib[name]
    svg_ns = "http://www.w3.org/2000/svg"
    for node in root.iter(f"{{{svg_ns}}}g"):
        if node.get("class") != "node":
            continue
        title = node.find(f"{{{svg_ns}}}title")
        href = urls.get(title.text or "") if title is not None else None
        if href is None:
            continue
        anchor = etree.SubElement(node, f"{{{svg_ns}}}a")
        anchor.set("href", href)
        anchor.set("class", "kind")
        for child in [c for c in node if c is not anchor and c is not title]:
            anchor.append(child)  # the node's shape and label become the link
    root.attrib.pop("width", None)
    root.attrib.pop("height", None)  # let the page's CSS size it
    return Markup(etree.tostring(root, encoding="unicode"))


def _status_for(exc: HyperkmError) -> int:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) and 400 <= status < 600 else 400

