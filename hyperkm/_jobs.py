"""Asynchronous jobs: POST -> 202 + Location -> poll the status -> the result.

Done generically, as RFC 9110 and common practice describe it, not for one API: a job is done
when its status answers 201 or 303 with ``Location``, says ``completed: true``, ``done: true``
(Google's operations) or a finished ``status`` (``Succeeded``: Microsoft's), links to its
results or names them (``resourceLocation``), or — polled at a URL that answered 202 while it
ran — finally answers 200 with no status at all (the result itself, as Azure Resource Manager's
``Location`` does). The KISSmetrics report run is one instance.

The decisions are sans-I/O, in the style of httpx's ``Auth.auth_flow``: `polling` is a
generator that yields what to do next — `Poll` the status, `Pause` — is sent what each poll
answered (`Polled`), and returns how the job ended (`Done`, `Failed`, `TimedOut`). It sends
nothing and sleeps on nothing. Two drivers run it: `wait` here (blocking requests,
``time.sleep``) and ``hyperkm.aio``'s (``asyncio.sleep`` between polls, other tasks running).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import attrs

from . import _bridge, _deadline, _why
from ._exceptions import JobFailed, JobTimeout, Timeout
from ._links import Link
from ._node import R
from ._steps import Step
from ._urls import join_checked

__all__ = ["RESULT_RELS", "Done", "Failed", "Pause", "Poll", "Polled", "TimedOut", "advance",
           "final_location_of", "finish", "poll_once", "polling", "progress_of", "wait"]

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


# -- what the flow asks for, and what it is told -------------------------------------------


@attrs.frozen
class Poll:
    """Ask the job's status once (``GET``, ``Cache-Control: no-cache``), within ``within``
    seconds; send the flow what came (`Polled`), or throw the `Timeout` in."""

    url: str
    number: int
    within: float


@attrs.frozen
class Pause:
    """Wait ``seconds`` before the next poll; send the flow ``None``."""

    seconds: float


@attrs.frozen
class Polled:
    """What one poll answered, as the flow decides on it.

    Attributes:
        status: The HTTP status (2xx: an error status raised before the flow saw it).
        url: The URL the answer came from (after redirects).
        headers: The answer's headers (case-insensitive).
        state: The status document's state, when it is an object; else empty.
        result_link: The first link to the result (`RESULT_RELS`), if any.
        see_other: Whether a 303 "See Other" led to this answer.
    """

    status: int
    url: str
    headers: Mapping[str, str] = attrs.field(factory=dict)
    state: Mapping[str, Any] = attrs.field(factory=dict)
    result_link: Link | None = None
    see_other: bool = False


@attrs.frozen
class Done:
    """The job is done, and its result is:

    - ``"status"``: the status resource itself (done, and the status is all there is — or
      no status any more: the result);
    - ``"answer"``: the answer of the last poll, another resource's (a 303 led there);
    - ``"url"``: the resource at ``url`` (``Location``, ``resourceLocation``);
    - ``"link"``: where ``link`` from the status leads.
    """

    kind: str
    url: str | None = None
    link: Link | None = None


@attrs.frozen
class Failed:
    """The status says the job failed: ``message`` says how."""

    message: str


@attrs.frozen
class TimedOut:
    """The job was not done within the wait: ``message`` says how far it got."""

    message: str


Outcome = Done | Failed | TimedOut
Flow = Generator[Poll | Pause, Polled | None, Outcome]


# -- the decisions -------------------------------------------------------------------------


def polling(url: str, *, timeout: float = 300.0, interval: float = 1.0,
            max_interval: float = 10.0, retry_after_cap: float = 30.0,
            final_location: str | None = None, clock: Callable[[], float] = time.monotonic,
            wall: Callable[[], float] = time.time) -> Flow:
    """Poll the job at ``url`` until it is done (see the module's docstring).

    ``final_location`` is where the write that started the job said the result would be,
    apart from its status monitor (`final_location_of`). ``clock`` measures the wait;
    ``wall`` reads ``Retry-After`` dates.
    """
    deadline = clock() + timeout
    delay = interval
    polls = 0
    running = False  # a poll answered 202: the URL is the job's, and 200 will be its result
    while True:
        polls += 1
        try:
            # A poll that hangs must not outlast the wait: it runs under what is left of it —
            # but at least MIN_POLL_SECONDS, so that wait(timeout=0.001) still polls once.
            answer = yield Poll(url, polls, max(deadline - clock(), MIN_POLL_SECONDS))
        except Timeout:
            if clock() < deadline:
                raise  # the client's deadline, shorter than the wait
            return TimedOut(f"the job at {url} did not finish within {timeout:g} s: poll "
                            f"{polls} was still unanswered when the time was up. Wait longer "
                            "with wait(timeout=...), or poll it again later.")
        assert answer is not None
        decided = _decide(url, answer, running, final_location)
        if decided is not None:
            return decided
        running = running or answer.status == 202
        pause = _retry_after(answer.headers.get("Retry-After"), retry_after_cap, wall)
        if pause is None:
            pause, delay = delay, min(max_interval, delay * 1.5)
        if clock() + pause > deadline:
            progress = answer.state.get("progress")
            return TimedOut(
                f"the job at {url} did not finish within {timeout:g} s ({polls} polls; last "
                f"progress: {progress if progress is not None else 'unknown'}). Wait longer "
                "with wait(timeout=...), or poll it again later.")
        if pause > 0:
            yield Pause(pause)


def _decide(url: str, answer: Polled, running: bool, final_location: str | None
            ) -> Outcome | None:
    """What one poll's answer means: the job's end, or ``None`` (poll again)."""
    if answer.see_other:
        # "See Other": the status now answers with its result (RFC 9110 15.4.4).
        return Done("answer")
    state = answer.state
    error = state.get("error") or state.get("errors")  # empty values mean no error
    phase = str(state.get("status", "")).lower()
    if error or phase in _FAILED:
        return Failed(f"the job at {url} failed: {error or phase}. The server's status says "
                      "so; check the request that started it.")
    location = answer.headers.get("Location")
    if answer.status in (201, 303) and location:
        return Done("url", _joined(answer.url, location, url))
    if running and answer.status == 200 and answer.result_link is None and not any(
            key in state for key in _STATUS_FIELDS):
        return Done("status")  # no status any more, after 202s: the result itself
    done = state.get("completed") is True or state.get("done") is True or phase in _FINISHED
    if done or (answer.result_link is not None and state.get("completed") is not False):
        if answer.result_link is not None:
            return Done("link", link=answer.result_link)
        named = state.get("resourceLocation") or location or final_location
        if isinstance(named, str) and named:
            return Done("url", _joined(answer.url, named, url))
        return Done("status")  # done, and the status is all there is
    return None


def _joined(base: str, href: str, job_url: str) -> str:
    """Where a job's status says its result is, as a URL hyperkm will request."""
    return join_checked(base, href, source=f"the result the job at {job_url} names",
                        url=job_url)


def final_location_of(started: Any) -> str | None:
    """Where the result will be, when the write that started the job (``started``, its
    response) said so apart from its status monitor (Azure Resource Manager:
    ``Azure-AsyncOperation`` to poll, ``Location`` for the result)."""
    if started is None or started.status_code != 202:
        return None
    final = started.headers.get("Location")
    monitor = started.headers.get("Azure-AsyncOperation") or started.headers.get(
        "Operation-Location")
    return final if final and monitor else None


def _retry_after(value: str | None, cap: float, wall: Callable[[], float]) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - wall()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(seconds, cap))


# -- the I/O both drivers share ------------------------------------------------------------


def poll_once(job: R, poll: Poll) -> tuple[Polled, R]:
    """Send ``poll``; what it answered, and the status resource it makes (a blocking step:
    ``hyperkm.aio``'s driver runs it in its bridge)."""
    client = job.client
    with _deadline.running(poll.within), _why.because(f"job poll {poll.number}"):
        received = client.exchange("GET", poll.url, headers={"Cache-Control": "no-cache"})
    response = received.response
    document = client.parse(response, allow_empty=True)
    status = type(job)(client, poll.url, document=document, parent=job.parent, step=job.step)
    status._adopt(document, received)
    state = document.data if isinstance(document.data, dict) else {}
    result_link = next((link for rel in RESULT_RELS for link in document.links.all(rel)), None)
    return Polled(response.status_code, response.url, response.headers, state, result_link,
                  received.see_other), status


def progress_of(polled: Polled) -> Any:
    """The progress a status states (a number, by convention 0..1), or ``None``."""
    value = polled.state.get("progress")
    return value if isinstance(value, (int, float)) else None


def finish(job: R, outcome: Outcome, last: tuple[Polled, R] | None) -> R:
    """The result resource of a job that ended as ``outcome`` (raising for a failure or a
    wait that ran out); ``last`` is the last poll's answer and status resource."""
    status = last[1] if last is not None else None
    if isinstance(outcome, Failed):
        raise JobFailed(outcome.message, url=job.url, status=status)
    if isinstance(outcome, TimedOut):
        raise JobTimeout(outcome.message, url=job.url, status=status)
    assert status is not None and last is not None  # a job is done only after a poll
    make, result = type(job), Step(None, label="(result)")
    if outcome.kind == "answer":
        return make(job.client, last[0].url, document=status._held(), parent=job, step=result)
    if outcome.kind == "url":
        assert outcome.url is not None
        return make(job.client, outcome.url, parent=job, step=result)
    if outcome.kind == "link":
        assert outcome.link is not None
        return status.follow(outcome.link)
    return status


def advance(flow: Flow, told: Polled | None = None, *, error: BaseException | None = None
            ) -> Poll | Pause | Outcome:
    """Run ``flow`` to its next request (telling it ``told``, or throwing ``error`` in): what
    it asks for next, or how the job ended."""
    try:
        return flow.throw(error) if error is not None else flow.send(told)
    except StopIteration as stop:
        outcome: Outcome = stop.value
        return outcome


# -- the blocking driver --------------------------------------------------------------------


def wait(job: R, *, timeout: float = 300.0, interval: float = 1.0,
         max_interval: float = 10.0, retry_after_cap: float = 30.0,
         on_progress: ProgressCallback | None = None) -> R:
    """Poll ``job`` until it is done; return the result resource (see
    [`Resource.wait`][hyperkm.Resource])."""
    flow = polling(job.url, timeout=timeout, interval=interval, max_interval=max_interval,
                   retry_after_cap=retry_after_cap,
                   final_location=final_location_of(job.write_response))
    last: tuple[Polled, R] | None = None
    step = advance(flow)
    while isinstance(step, (Poll, Pause)):
        if isinstance(step, Pause):
            _bridge.sleep(step.seconds)  # on the event loop under hyperkm.aio's bridge
            step = advance(flow)
            continue
        try:
            last = poll_once(job, step)
        except Timeout as exc:
            step = advance(flow, error=exc)  # the flow gives up, or re-raises it
            continue
        if on_progress is not None:
            on_progress(progress_of(last[0]), last[1])
        step = advance(flow, last[0])
    return finish(job, step, last)
