"""The emulator's Core API: the root directory, accounts, products, events, properties,
reports and metrics with their representations and forms, and the writes (an emulator
extension: the real API was read-only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.routing import MapAdapter
from werkzeug.wrappers import Request, Response

from ._common import STARTED, ApiError, page_links
from .dataset import Record
from .reading import json_body, page_params
from .render import A, F, L, Rep

if TYPE_CHECKING:  # pragma: no cover
    from .app import DemoApp

__all__ = ["CoreApi"]

#: What a write may change, and the types it takes.
_WRITABLE = {"display_name": (str, type(None)), "description": (str, type(None)),
             "is_visible": (bool,)}

class CoreApi:
    """The Core API's endpoints, for a ``DemoApp`` (whose routing, authentication, caching and
    rendering they use). A handler is named as its endpoint."""

    def __init__(self, app: DemoApp) -> None:
        self.app = app

    def collection(self, request: Request, adapter: MapAdapter, endpoint: str,
                    total: int, fetch: Callable[[int, int], list[Rep]],
                    item_endpoint: str | None, **values: Any) -> Response:
        limit, offset = page_params(request, self.app.config.page_size)
        members = fetch(offset, limit) if offset < total else []
        links = page_links(self.app._url(adapter, endpoint, **values), limit, offset, total)
        if item_endpoint:
            links.append(L(item_endpoint, self.app._template(adapter, item_endpoint),
                           item_endpoint.title(), templated=True))
        base = self.app._url(adapter, endpoint, **values)
        page = A("page", "Go to a page", "GET", base,
                 [F("limit", "number", value=limit, min=1, max=100, prompt="Members per page"),
                  F("offset", "number", value=offset, min=0, prompt="Position of the first")])
        rep = Rep(members=members, links=links, kind=endpoint.rsplit("_", 1)[-1],
                  pagination={"total": total, "offset": offset, "limit": limit},
                  actions=[page])
        return self.app._respond(request, rep)

    # -- item representations ------------------------------------------------------------------

    def _account_rep(self, adapter: MapAdapter, a: Record) -> Rep:
        return Rep(a, [L("self", self.app._url(adapter, "account", id=a["id"]), "Self"),
                       L("products", self.app._url(adapter, "account_products", id=a["id"]),
                         "Products")], kind="account")

    def _product_rep(self, adapter: MapAdapter, p: Record) -> Rep:
        pid = p["id"]
        return Rep(p, [
            L("self", self.app._url(adapter, "product", id=pid), "Self"),
            L("account", self.app._url(adapter, "account", id=p["account_id"]), "Account"),
            L("reports", self.app._url(adapter, "product_reports", id=pid), "Product Reports"),
            L("events", self.app._url(adapter, "product_events", id=pid), "Product Events"),
            L("properties", self.app._url(adapter, "product_properties", id=pid),
              "Product Properties"),
            L("metrics", self.app._url(adapter, "product_metrics", id=pid), "Product Metrics")],
            kind="product", actions=[self._update_action(adapter, "product", p)])

    def _report_rep(self, adapter: MapAdapter, r: Record) -> Rep:
        return Rep(r, [
            L("self", self.app._url(adapter, "report", id=r["id"]), "Self"),
            L("run", self.app._url(adapter, "report_run", id=r["id"]), "Run Report"),
            L("product", self.app._url(adapter, "product", id=r["product_id"]), "Product"),
            L("account", self.app._url(adapter, "account", id=r["account_id"]), "Account"),
            # An emulator extension, after the reference's own links.
            L("queries", self.app._url(adapter, "report_queries", id=r["id"]), "Report Runs")],
            kind="report", actions=[self._run_action(adapter, r)]
            if r["report_type"] == "people_search_v2" else [])

    def _leaf_rep(self, adapter: MapAdapter, endpoint: str, record: Record) -> Rep:
        actions = [self._update_action(adapter, endpoint, record)] \
            if endpoint in ("event", "property") else []
        return Rep(record, [
            L("self", self.app._url(adapter, endpoint, id=record["id"]), "Self"),
            L("product", self.app._url(adapter, "product", id=record["product_id"]), "Product")],
            kind=endpoint, actions=actions)

    # -- affordances (rendered by the formats that carry forms) -----------------------------------

    def _run_action(self, adapter: MapAdapter, report: Record) -> A:
        date = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
        return A("run", "Run this report", "POST",
                 self.app._url(adapter, "report_run", id=report["id"]),
                 [F("start_date", "datetime", required=True, pattern=date,
                    prompt="Start (ISO 8601 date-time)"),
                  F("end_date", "datetime", required=True, pattern=date,
                    prompt="End (ISO 8601 date-time)")])

    def _update_action(self, adapter: MapAdapter, endpoint: str, record: Record) -> A:
        fields = [F("name", "text", value=record.get("name"), read_only=True, prompt="Name")]
        fields += [F("display_name", "text", value=record.get("display_name"),
                     prompt="Display name"),
                   F("description", "text", value=record.get("description"),
                     prompt="Description")]
        if "is_visible" in record:
            fields.append(F("is_visible", "checkbox", value=record.get("is_visible"),
                            options=[True, False], prompt="Visible"))
        return A("update", f"Update this {endpoint}", "PATCH",
                 self.app._url(adapter, endpoint, id=record["id"]), fields)

    def _product_ids(self, account: str) -> list[str]:
        return [p["id"] for p in self.app.data.products_of(account)]

    def _owned_product(self, account: str, pid: str) -> Record:
        product = self.app.data.get("product", pid)
        if product is None or product["account_id"] != account:
            # 404, not 403: another account's ids are not even confirmed to exist.
            raise ApiError(404, f"No product {pid} in your account.", ["not_found"])
        return product

    # -- endpoints: directory ----------------------------------------------------------------

    def root(self, request: Request, adapter: MapAdapter, account: str) -> Response:
        url = self.app._url(adapter, "root")
        page = "{?limit,offset}"
        directory = [L("self", url, "Directory")]
        for rel, name in (("accounts", "Accounts"), ("products", "Products"),
                          ("reports", "Reports"), ("events", "Events"),
                          ("properties", "Properties"), ("metrics", "Metrics")):
            directory.append(L(rel, self.app._template(adapter, rel, page), name, templated=True))
        for rel in ("account", "product", "report", "event", "property", "metric"):
            directory.append(L(rel, self.app._template(adapter, rel), rel.title(), templated=True))
        directory.append(L("rels", self.app._url(adapter, "rels"), "Link Relations"))
        rep = Rep({"description": "API access for KISSmetrics", "name": "KISSmetrics API"},
                  [L("self", url, "Directory")], envelope=True, directory=directory,
                  kind="directory")
        return self.app._respond(request, rep)

    def rels(self, request: Request, adapter: MapAdapter, account: str) -> Response:
        rels = [
            ("accounts", "The accounts this token may access (a collection)."),
            ("account", "One account; a URI template taking {id}."),
            ("products", "Products (a collection), across accounts or scoped to one."),
            ("product", "One product; a URI template taking {id}."),
            ("events", "Events of the event library (a collection)."),
            ("event", "One event; a URI template taking {id}."),
            ("properties", "Properties (a collection)."),
            ("property", "One property; a URI template taking {id}."),
            ("reports", "Saved reports (a collection)."),
            ("report", "One report; a URI template taking {id}."),
            ("metrics", "Metrics (a collection; an emulator extension)."),
            ("metric", "One metric; a URI template taking {id}."),
            ("run", "POST {start_date, end_date} to run a people_search_v2 report."),
            ("queries", "The runs of a report (a collection; an emulator extension)."),
            ("query-status", "The status of a report run: completed, progress."),
            ("query-results", "The rows of a finished report run (a collection with columns)."),
            ("export", "The results as CSV."),
        ]
        rep = Rep({"title": "KISSmetrics link relations",
                   "description": "Relations used by this API's links.",
                   "rels": [{"name": n, "description": d} for n, d in rels]},
                  [L("self", self.app._url(adapter, "rels"), "Link Relations")], envelope=True,
                  kind="rels")
        return self.app._respond(request, rep)

    # -- endpoints: accounts and products --------------------------------------------------------

    def accounts(self, request: Request, adapter: MapAdapter, account: str) -> Response:
        rows = [self.app.data.get("account", account)]
        return self.collection(request, adapter, "accounts", len(rows),
                                lambda o, n: [self._account_rep(adapter, a)
                                              for a in rows[o:o + n] if a], "account")

    def account(self, request: Request, adapter: MapAdapter, account: str, id: str) -> Response:
        if id != account:
            raise ApiError(404, f"No account {id} is visible to this token.", ["not_found"])
        record = self.app.data.get("account", id)
        assert record is not None
        return self.app._respond(request, self._account_rep(adapter, record))

    def account_products(self, request: Request, adapter: MapAdapter, account: str,
                          id: str) -> Response:
        if id != account:
            raise ApiError(404, f"No account {id} is visible to this token.", ["not_found"])
        return self.products_list(request, adapter, account, "account_products", id=id)

    def products(self, request: Request, adapter: MapAdapter, account: str) -> Response:
        return self.products_list(request, adapter, account, "products")

    def products_list(self, request: Request, adapter: MapAdapter, account: str,
                       endpoint: str, **values: Any) -> Response:
        rows = self.app.data.products_of(account)
        return self.collection(request, adapter, endpoint, len(rows),
                                lambda o, n: [self._product_rep(adapter, p)
                                              for p in rows[o:o + n]], "product", **values)

    def product(self, request: Request, adapter: MapAdapter, account: str, id: str) -> Response:
        if request.method in ("PATCH", "PUT"):
            return self._patch(request, adapter, account, "product", id)
        product = self._owned_product(account, id)
        return self.app._respond(request, self._product_rep(adapter, product),
                             last_modified=self._modified("product", id))

    # -- endpoints: events, properties, reports, metrics -------------------------------------------

    def _scoped(self, account: str, pid: str | None) -> list[str]:
        if pid is None:
            return self._product_ids(account)
        self._owned_product(account, pid)
        return [pid]

    def _library(self, request: Request, adapter: MapAdapter, account: str, kind: str,
                 endpoint: str, item: str, pid: str | None, **values: Any) -> Response:
        products = self._scoped(account, pid)
        return self.collection(
            request, adapter, endpoint, self.app.data.count(kind, products),
            lambda o, n: [self._leaf_rep(adapter, item, r)
                          for r in self.app.data.page(kind, products, o, n)], item, **values)

    def events(self, request: Request, adapter: MapAdapter, account: str) -> Response:
        return self._library(request, adapter, account, "event", "events", "event", None)

    def product_events(self, request: Request, adapter: MapAdapter, account: str,
                        id: str) -> Response:
        return self._library(request, adapter, account, "event", "product_events", "event",
                             id, id=id)

    def properties(self, request: Request, adapter: MapAdapter, account: str) -> Response:
        return self._library(request, adapter, account, "property", "properties", "property",
                             None)

    def product_properties(self, request: Request, adapter: MapAdapter, account: str,
                            id: str) -> Response:
        return self._library(request, adapter, account, "property", "product_properties",
                             "property", id, id=id)

    def _small(self, request: Request, adapter: MapAdapter, rows: list[Record], endpoint: str,
               item: str, make: Callable[[Record], Rep], **values: Any) -> Response:
        return self.collection(request, adapter, endpoint, len(rows),
                                lambda o, n: [make(r) for r in rows[o:o + n]], item, **values)

    def reports(self, request: Request, adapter: MapAdapter, account: str) -> Response:
        rows = self.app.data.reports_of(self._product_ids(account))
        return self._small(request, adapter, rows, "reports", "report",
                           lambda r: self._report_rep(adapter, r))

    def product_reports(self, request: Request, adapter: MapAdapter, account: str,
                         id: str) -> Response:
        rows = self.app.data.reports_of(self._scoped(account, id))
        return self._small(request, adapter, rows, "product_reports", "report",
                           lambda r: self._report_rep(adapter, r), id=id)

    def metrics(self, request: Request, adapter: MapAdapter, account: str) -> Response:
        rows = self.app.data.metrics_of(self._product_ids(account))
        return self._small(request, adapter, rows, "metrics", "metric",
                           lambda r: self._leaf_rep(adapter, "metric", r))

    def product_metrics(self, request: Request, adapter: MapAdapter, account: str,
                         id: str) -> Response:
        rows = self.app.data.metrics_of(self._scoped(account, id))
        return self._small(request, adapter, rows, "product_metrics", "metric",
                           lambda r: self._leaf_rep(adapter, "metric", r), id=id)

    def _item(self, request: Request, adapter: MapAdapter, account: str, kind: str,
              rid: str, make: Callable[[Record], Rep]) -> Response:
        record = self.app.data.get(kind, rid)
        if record is None or record["product_id"] not in self._product_ids(account):
            raise ApiError(404, f"No {kind} {rid} is visible to this token.", ["not_found"])
        return self.app._respond(request, make(record), last_modified=self._modified(kind, rid))

    def event(self, request: Request, adapter: MapAdapter, account: str, id: str) -> Response:
        if request.method in ("PATCH", "PUT"):
            return self._patch(request, adapter, account, "event", id)
        return self._item(request, adapter, account, "event", id,
                          lambda r: self._leaf_rep(adapter, "event", r))

    def property(self, request: Request, adapter: MapAdapter, account: str,
                  id: str) -> Response:
        if request.method in ("PATCH", "PUT"):
            return self._patch(request, adapter, account, "property", id)
        return self._item(request, adapter, account, "property", id,
                          lambda r: self._leaf_rep(adapter, "property", r))

    def report(self, request: Request, adapter: MapAdapter, account: str, id: str) -> Response:
        return self._item(request, adapter, account, "report", id,
                          lambda r: self._report_rep(adapter, r))

    def metric(self, request: Request, adapter: MapAdapter, account: str, id: str) -> Response:
        return self._item(request, adapter, account, "metric", id,
                          lambda r: self._leaf_rep(adapter, "metric", r))

    def _modified(self, kind: str, rid: str) -> datetime:
        version = self.app.data.version(kind, rid)
        return datetime.fromtimestamp(STARTED.timestamp() + version, tz=UTC)

    # -- writes (an emulator extension: the real API was read-only) ----------------------------

    def _patch(self, request: Request, adapter: MapAdapter, account: str, kind: str,
               rid: str) -> Response:
        record = self.app.data.get(kind, rid)
        owner = record and (record["account_id"] if kind == "product" else
                            self.app.data.products[record["product_id"]]["account_id"])
        if record is None or owner != account:
            raise ApiError(404, f"No {kind} {rid} is visible to this token.", ["not_found"])
        make: Callable[[Record], Rep] = {
                "product": lambda r: self._product_rep(adapter, r),
                "event": lambda r: self._leaf_rep(adapter, "event", r),
                "property": lambda r: self._leaf_rep(adapter, "property", r)}[kind]
        body = json_body(request)
        if not isinstance(body, dict) or not body:
            raise ApiError(400, "The body must be a JSON object with fields to change: "
                         + ", ".join(_WRITABLE) + ".", ["invalid_body"])
        body = {k: v for k, v in body.items()  # unchanged read-only fields are no change
                if k in _WRITABLE or record.get(k) != v}
        for key, value in body.items():
            if key not in _WRITABLE:
                raise ApiError(400, f"Field {key!r} cannot be changed; writable fields are "
                             + ", ".join(_WRITABLE) + ".", ["invalid_field"])
            if not isinstance(value, _WRITABLE[key]):
                raise ApiError(400, f"Field {key!r} has the wrong type.", ["invalid_field"])
        if_match = request.headers.get("If-Match")
        with self.app._write_lock:  # check and update at once: of two writers with one ETag,
            record = self.app.data.get(kind, rid) or record  # exactly one wins
            if if_match:
                current = self.app._respond(request, make(record),
                                        last_modified=self._modified(kind, rid))
                etag, _ = current.get_etag()
                if etag is None or (not request.if_match.contains(etag) and "*" not in if_match):
                    raise ApiError(412, "The resource changed since you read it (If-Match "
                                 "failed); fetch it again and reapply your change.",
                                 ["precondition_failed"])
            updated = self.app.data.update(kind, rid, body)
        return self.app._respond(request, make(updated), last_modified=self._modified(kind, rid))
