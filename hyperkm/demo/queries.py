"""The emulator's Query API: a report run is an asynchronous job — POST, 202 with the status
URL, polls until done, then results (paged) and a CSV export — as in the reference
(shared/reference: the report-run flow and its error formats)."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import MapAdapter
from werkzeug.wrappers import Request, Response

from ._common import ApiError, page_links
from .dataset import Record
from .reading import json_body, page_params
from .render import L, Rep

if TYPE_CHECKING:  # pragma: no cover
    from .app import DemoApp

__all__ = ["QueryApi"]


class _Job:
    def __init__(self, qid: str, report: Record, start: str, end: str, account: str) -> None:
        self.qid, self.report, self.start, self.end, self.account = qid, report, start, end, account
        self.polls = 0
        self.created = time.monotonic()


class QueryApi:
    """Report runs and their results, for a ``DemoApp`` (whose
    routing, authentication and rendering they use)."""

    def __init__(self, app: DemoApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self.jobs: dict[str, _Job] = {}
        #: Runs started so far (part of the app's cache key: a new run changes listings).
        self.runs = 0

    def report_run(self, request: Request, adapter: MapAdapter, account: str,
                    id: str) -> Response:
        if request.method != "POST":
            raise MethodNotAllowed(valid_methods=["POST"])
        report = self.app.data.get("report", id)
        if report is None or report["account_id"] != account:
            raise ApiError(404, f"Invalid report_guid provided: report {id} not found.",
                         ["not_found"])
        body = json_body(request)
        if isinstance(body, dict) and isinstance(body.get("report"), dict):
            body = body["report"]  # the 2014 (v1) request shape
        if not isinstance(body, dict):
            raise ApiError(400, "The body must be a JSON object with start_date and end_date.",
                         ["invalid_body"])
        start, end = (_parse_date(body.get(k), k) for k in ("start_date", "end_date"))
        if start > end:
            raise ApiError(400, "start_date must not be after end_date.", ["invalid_parameter"])
        if report["report_type"] != "people_search_v2":
            raise ApiError(422, f"Report {id} is a {report['report_type']} report; only "
                         "people_search_v2 reports can be run through the API.",
                         ["report_not_runnable"])
        with self._lock:
            self.runs += 1
            qid = str(_uuid_from(f"job:{self.app.config.seed}:{self.runs}"))
            self.jobs[qid] = _Job(qid, report, start.isoformat(), end.isoformat(), account)
        status_url = self.app._url(adapter, "query_status", id=qid)
        rep = Rep({"message": "success", "query_guid": qid},
                  [L("query-status", status_url, "Status")], envelope=True,
                  meta={"status": 202}, kind="query")
        return self.app._respond(request, rep, status=202, cacheable=False,
                             headers={"Location": status_url})

    def job_rep(self, adapter: MapAdapter, job: _Job) -> Rep:
        done = self.job_done(job, poll=False)
        links = [L("self", self.app._url(adapter, "query_status", id=job.qid), "Status"),
                 L("report", self.app._url(adapter, "report", id=job.report["id"]), "Report")]
        if done:
            links.append(L("query-results", self.app._url(adapter, "query_results", id=job.qid),
                           "Results"))
        return Rep({"id": job.qid, "report_id": job.report["id"], "start_date": job.start,
                    "end_date": job.end, "completed": done}, links, kind="query")

    def report_queries(self, request: Request, adapter: MapAdapter, account: str,
                        id: str) -> Response:
        """The runs of a report (an emulator extension: the real API offered no way back to
        a run's results but the Location it once answered)."""
        report = self.app.data.get("report", id)
        if report is None or report["account_id"] != account:
            raise ApiError(404, f"No report {id} is visible to this token.", ["not_found"])
        jobs = [j for j in list(self.jobs.values())
                if j.report["id"] == id and j.account == account]
        return self.app.core.collection(request, adapter, "report_queries", len(jobs),
                                lambda o, n: [self.job_rep(adapter, j) for j in jobs[o:o + n]],
                                None, id=id)

    def job_done(self, job: _Job, *, poll: bool) -> bool:
        with self._lock:
            if poll:
                job.polls += 1
            polls = job.polls
        needed = max(1, self.app.config.job_polls)
        return polls > needed or (self.app.config.job_seconds is not None
                                  and time.monotonic() - job.created >= self.app.config.job_seconds)

    def job(self, account: str, qid: str) -> _Job:
        job = self.jobs.get(qid)
        if job is None or job.account != account:
            raise ApiError(404, f"No query {qid}.", ["not_found"])
        return job

    def query_status(self, request: Request, adapter: MapAdapter, account: str,
                      id: str) -> Response:
        job = self.job(account, id)
        done = self.job_done(job, poll=True)
        needed = max(1, self.app.config.job_polls)
        polls = job.polls
        self_link = L("self", self.app._url(adapter, "query_status", id=id), "Self")
        if not done:
            progress = round(min(0.95, polls / (needed + 1)), 2)
            rep = Rep({"completed": False, "progress": progress}, [self_link],
                      envelope=True, meta={"status": 200}, kind="query")
            return self.app._respond(request, rep, cacheable=False)
        results = self.app._url(adapter, "query_results", id=id)
        rep = Rep({"completed": True, "progress": 1.0},
                  [self_link, L("query-results", results, "Results")], envelope=True,
                  meta={"status": 201}, kind="query")
        return self.app._respond(request, rep, status=201, cacheable=False,
                             headers={"Location": results})

    def rows(self, job: _Job) -> list[list[Any]]:
        rng = random.Random(f"{job.report['id']}:{job.start}:{job.end}")
        return [[10_000 + i, f"person{i}@example.com", rng.randrange(0, 60)]
                for i in range(self.app.config.result_rows)]

    COLUMNS: ClassVar[list[dict[str, str]]] = [
        {"display_name": "KMID", "type": "internal", "return_option": "internal",
         "display_return_option": "internal"},
        {"display_name": "Person", "type": "internal", "return_option": "internal",
         "display_return_option": "internal"},
        {"type": "event", "display_name": "Visited Site", "return_option": "total_times_ever",
         "display_return_option": "Total Times Ever"},
    ]

    def query_results(self, request: Request, adapter: MapAdapter, account: str,
                       id: str) -> Response:
        job = self.job(account, id)
        rows = self.rows(job)
        limit, offset = page_params(request, self.app.config.page_size)
        total = len(rows)
        links = page_links(self.app._url(adapter, "query_results", id=id), limit, offset, total)
        links.append(L("export", self.app._url(adapter, "query_export", id=id), "Export"))
        rep = Rep(members=[Rep(row, kind="row") for row in rows[offset:offset + limit]],
                  links=links, pagination={"limit": limit, "offset": offset, "total": total},
                  meta={"status": 200}, extra={"columns": self.COLUMNS}, kind="results")
        return self.app._respond(request, rep)

    def query_export(self, request: Request, adapter: MapAdapter, account: str,
                      id: str) -> Response:
        job = self.job(account, id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c["display_name"] for c in self.COLUMNS])
        writer.writerows(self.rows(job))
        response = Response(out.getvalue(), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{id}.csv"'
        return response


def _parse_date(value: Any, name: str) -> datetime:
    if isinstance(value, bool) or value is None:
        raise ApiError(400, f"{name} is required: an ISO 8601 date-time or Unix seconds.",
                     ["invalid_parameter"])
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ApiError(400, f"{name} is not a valid Unix timestamp.",
                         ["invalid_parameter"]) from exc
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ApiError(400, f"{name} {value!r} is not an ISO 8601 date-time.",
                         ["invalid_parameter"]) from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ApiError(400, f"{name} must be an ISO 8601 string or Unix seconds.",
                 ["invalid_parameter"])


def _uuid_from(text: str) -> Any:
    import uuid

    return uuid.UUID(bytes=hashlib.md5(text.encode()).digest(), version=4)
