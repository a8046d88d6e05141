"""URL layouts of the emulator.

``km`` is the real API's layout. ``alt`` serves the same resources under entirely different
paths and segment names: a client that works on both hardcodes nothing. The server can switch
layouts while running (see `demo.DemoServer.switch_layout`).
"""

from __future__ import annotations

__all__ = ["LAYOUTS"]

KM = {
    "root": "/core",
    "rels": "/core/rels",
    "accounts": "/core/accounts",
    "account": "/core/accounts/<id>",
    "account_products": "/core/accounts/<id>/products",
    "products": "/core/products",
    "product": "/core/products/<id>",
    "product_events": "/core/products/<id>/events",
    "product_properties": "/core/products/<id>/properties",
    "product_reports": "/core/products/<id>/reports",
    "product_metrics": "/core/products/<id>/metrics",
    "events": "/core/events",
    "event": "/core/events/<id>",
    "properties": "/core/properties",
    "property": "/core/properties/<id>",
    "reports": "/core/reports",
    "report": "/core/reports/<id>",
    "metrics": "/core/metrics",
    "metric": "/core/metrics/<id>",
    "report_run": "/query/reports/<id>/run",
    "report_queries": "/query/reports/<id>/queries",
    "query_status": "/query/queries/<id>/status",
    "query_results": "/query/queries/<id>/results",
    "query_export": "/query/queries/<id>/export",
}

ALT = {
    "root": "/api/v9/directory",
    "rels": "/api/v9/relations",
    "accounts": "/api/v9/tenants",
    "account": "/api/v9/tenants/<id>",
    "account_products": "/api/v9/tenants/<id>/apps",
    "products": "/api/v9/apps",
    "product": "/api/v9/apps/<id>",
    "product_events": "/api/v9/apps/<id>/event-library",
    "product_properties": "/api/v9/apps/<id>/traits",
    "product_reports": "/api/v9/apps/<id>/saved-queries",
    "product_metrics": "/api/v9/apps/<id>/kpis",
    "events": "/api/v9/event-library",
    "event": "/api/v9/event-library/entries/<id>",
    "properties": "/api/v9/traits",
    "property": "/api/v9/traits/entries/<id>",
    "reports": "/api/v9/saved-queries",
    "report": "/api/v9/saved-queries/<id>",
    "metrics": "/api/v9/kpis",
    "metric": "/api/v9/kpis/<id>",
    "report_run": "/api/v9/saved-queries/<id>/executions",
    "report_queries": "/api/v9/saved-queries/<id>/execution-log",
    "query_status": "/api/v9/executions/<id>",
    "query_results": "/api/v9/executions/<id>/rows",
    "query_export": "/api/v9/executions/<id>/rows.csv",
}

LAYOUTS: dict[str, dict[str, str]] = {"km": KM, "alt": ALT}
