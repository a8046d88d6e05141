"""Asynchronous jobs: POST -> 202 + Location -> poll the status -> the result.

Done generically, as RFC 9110 and common practice describe it, not for one API: a job is done
when its status answers 201 or 303 with ``Location``, says ``completed: true``, ``done: true``
(Google's operations) or a finished ``status`` (``Succeeded``: Microsoft's), links to its
results or names them (``resourceLocation``), or — polled at a URL that answered 202 while it
ran — finally answers 200 with no status at all (the result itself, as Azure Resource Manager's
``Location`` does). The KISSmetrics report run is one instance.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from . import _bridge, _deadline, _why
from ._exceptions import JobFailed, JobTimeout, Timeout
from ._node import R
from ._steps import Step
from ._urls import join_checked

__all__ = ["RESULT_RELS", "wait"]

#: Relations that point from a job's status to its result.
RESULT_RELS = ("query-results", "results", "result")
_FINISHED = {"completed", "complete", "done", "succeeded", "success", "finished"}
#: Fields by which a status monitor says how the job is going: a 200 with none of them, after
#: 202s, is no status but the result.
_STATUS_FIELDS = ("status", "completed", "done", "progress", "percentComplete")
_FAILED = {"failed", "error", "errored", "canceled", "cancelled"}

ProgressCallback = Callable[[Any, Any], None]

#: The least time one poll is given, whatever is left of the wait.
MIN_POLL_SECONDS = 1.0


def wait(job: R, *, timeout: float = 300.0, interval: float = 1.0,
         max_interval: float = 10.0, retry_after_cap: float = 30.0,
         on_progress: ProgressCallback | None = None) -> R:
    """Poll ``job`` until it is done; return the result resource (see
    [`Resource.wait`][hyperkm.Resource])."""
    make = type(job)
    client = job.client
    deadline = time.monotonic() + timeout
    delay = interval
    polls = 0
    running = False  # a poll answered 202: the URL is the job's, and 200 will be its result
    while True:
        polls += 1
        try:
            # A poll that hangs must not outlast the wait: it runs under what is left of it —
            # but at least MIN_POLL_SECONDS, so that wait(timeout=0.001) still polls once.
            with _deadline.running(max(deadline - time.monotonic(), MIN_POLL_SECONDS)), \
                    _why.because(f"job poll {polls}"):
                response = client.request("GET", job.url, headers={"Cache-Control": "no-cache"})
        except Timeout as exc:
            if time.monotonic() < deadline:
                raise  # the client's deadline, shorter than the wait
            raise JobTimeout(
                f"the job at {job.url} did not finish within {timeout:g} s: poll {polls} was "
                "still unanswered when the time was up. Wait longer with wait(timeout=...), or "
                "poll it again later.", url=job.url) from exc
        document = client.parse(response, allow_empty=True)
        status = make(client, job.url, document=document, parent=job.parent,
                          step=job.step)
        status._adopt(document, response)
        redirects = getattr(response, "hyperkm_redirects", ())
        if redirects and redirects[-1][0] == 303:
            # "See Other": the status now answers with its result (RFC 9110 15.4.4).
            return make(client, response.url, document=document, parent=job,
                            step=Step(None, label="(result)"))
        state = document.data if isinstance(document.data, dict) else {}
        progress = state.get("progress")
        if on_progress is not None:
            on_progress(progress if isinstance(progress, (int, float)) else None, status)
        error = state.get("error") or state.get("errors")  # empty values mean no error
        phase = str(state.get("status", "")).lower()
        if error or phase in _FAILED:
            raise JobFailed(f"the job at {job.url} failed: {error or phase}. The server's status "
                            "says so; check the request that started it.", url=job.url,
                            status=status)
        location = response.headers.get("Location")
        result_link = next((link for rel in RESULT_RELS for link in document.links.all(rel)), None)
        if response.status_code in (201, 303) and location:
            return make(client, _joined(response.url, location, job.url), parent=job,
                            step=Step(None, label="(result)"))
        if response.status_code == 202:
            running = True
        elif running and response.status_code == 200 and not any(
                key in state for key in _STATUS_FIELDS) and result_link is None:
            return status  # no status any more, after 202s: the result itself
        done = state.get("completed") is True or state.get("done") is True \
            or phase in _FINISHED
        if done or (result_link is not None and state.get("completed") is not False):
            if result_link is not None:
                return status.follow(result_link)
            named = state.get("resourceLocation") or location or _final_location(job)
            if isinstance(named, str) and named:
                return make(client, _joined(response.url, named, job.url), parent=job,
                                step=Step(None, label="(result)"))
            return status  # done, and the status is all there is
        pause = _retry_after(response.headers.get("Retry-After"), retry_after_cap)
        if pause is None:
            pause, delay = delay, min(max_interval, delay * 1.5)
        if time.monotonic() + pause > deadline:
            raise JobTimeout(
                f"the job at {job.url} did not finish within {timeout:g} s ({polls} polls; "
                f"last progress: {progress if progress is not None else 'unknown'}). Wait "
                "longer with wait(timeout=...), or poll it again later.", url=job.url,
                status=status)
        _bridge.sleep(pause)  # on the event loop under hyperkm.aio


def _joined(base: str, href: str, job_url: str) -> str:
    """Where a job's status says its result is, as a URL hyperkm will request."""
    return join_checked(base, href, source=f"the result the job at {job_url} names",
                        url=job_url)


def _final_location(job: R) -> str | None:
    """Where the result will be, when the write that started the job said so apart from its
    status monitor (Azure Resource Manager: ``Azure-AsyncOperation`` to poll, ``Location``
    for the result)."""
    started = job.write_response
    if started is None or started.status_code != 202:
        return None
    final = started.headers.get("Location")
    monitor = started.headers.get("Azure-AsyncOperation") or started.headers.get(
        "Operation-Location")
    return final if final and monitor else None


def _retry_after(value: str | None, cap: float) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(seconds, cap))
