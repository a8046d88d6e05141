"""A job's polling decisions, sans I/O: the flow is driven here by hand — no client, no
socket, no sleeping — with a clock the test moves. The blocking and the asyncio drivers run
this same flow (tests/integration/test_jobs.py and test_aio.py run them over HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from requests.structures import CaseInsensitiveDict

from hyperkm import DocumentError, Timeout
from hyperkm._jobs import (
    MIN_POLL_SECONDS,
    Done,
    Failed,
    Pause,
    Poll,
    Polled,
    TimedOut,
    advance,
    final_location_of,
    polling,
)
from hyperkm._links import Link

JOB = "https://api.example.test/jobs/7"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def answer(status: int = 200, state: dict | None = None, *, url: str = JOB,
           headers: dict | None = None, result: str | None = None,
           see_other: bool = False) -> Polled:
    link = Link(rel="results", href=result) if result else None
    return Polled(status, url, CaseInsensitiveDict(headers or {}), state or {}, link, see_other)


def drive(flow, answers, clock: Clock | None = None):
    """Run ``flow``, answering each poll with the next of ``answers`` (an exception is thrown
    in) and moving ``clock`` on by each pause; the steps asked for, and the outcome."""
    steps = []
    answers = list(answers)
    step = advance(flow)
    while isinstance(step, (Poll, Pause)):
        steps.append(step)
        if isinstance(step, Pause):
            if clock is not None:
                clock.now += step.seconds
            step = advance(flow)
        else:
            given = answers.pop(0)
            step = advance(flow, error=given) if isinstance(given, BaseException) else \
                advance(flow, given)
    assert not answers, "the flow ended before every answer was asked for"
    return steps, step


def test_202s_then_a_link_to_the_results():
    steps, outcome = drive(polling(JOB, interval=1), [
        answer(202, {"progress": 0.5}), answer(200, {"completed": True}, result="/results/7")])
    assert [type(s) for s in steps] == [Poll, Pause, Poll]
    assert [s.number for s in steps if isinstance(s, Poll)] == [1, 2]
    assert outcome.kind == "link" and outcome.link.href == "/results/7"


def test_a_200_without_status_fields_after_202s_is_the_result_itself():
    _, outcome = drive(polling(JOB), [answer(202, {"status": "running"}),
                                      answer(200, {"rows": [1, 2]})])
    assert outcome == Done("status")


def test_a_200_without_status_fields_before_any_202_is_polled_again():
    # Without a 202 first the URL may be a status monitor that says nothing yet.
    clock = Clock()
    steps, outcome = drive(polling(JOB, timeout=3, interval=1, clock=clock),
                           [answer(200, {"rows": []}), answer(200, {"rows": []}),
                            answer(200, {"done": True})], clock)
    assert sum(isinstance(s, Poll) for s in steps) == 3
    assert outcome == Done("status")


@pytest.mark.parametrize("state", [
    {"error": "the report has no events"}, {"errors": ["bad date"]}, {"status": "Failed"},
    {"status": "cancelled"}])
def test_a_failed_status_ends_the_flow_with_the_servers_words(state):
    _, outcome = drive(polling(JOB), [answer(200, state)])
    assert isinstance(outcome, Failed)
    assert JOB in outcome.message
    word = state.get("error") or state.get("errors") or state["status"].lower()
    assert str(word) in outcome.message


@pytest.mark.parametrize("status", [201, 303])
def test_201_or_303_with_location_names_the_result_resolved_against_the_answer(status):
    _, outcome = drive(polling(JOB), [answer(status, headers={"Location": "../results/7"})])
    assert outcome == Done("url", "https://api.example.test/results/7")


def test_an_answer_through_see_other_is_the_result():
    _, outcome = drive(polling(JOB), [answer(200, {"rows": []}, url="https://api.example.test/r",
                                             see_other=True)])
    assert outcome == Done("answer")


def test_done_names_its_result_by_resource_location_then_location_then_the_start():
    flow = polling(JOB, final_location="https://api.example.test/final")
    assert drive(flow, [answer(200, {"status": "Succeeded",
                                     "resourceLocation": "/made/1"})])[1] == Done(
        "url", "https://api.example.test/made/1")
    flow = polling(JOB, final_location="https://api.example.test/final")
    assert drive(flow, [answer(200, {"status": "Succeeded"})])[1] == Done(
        "url", "https://api.example.test/final")
    assert drive(polling(JOB), [answer(200, {"done": True})])[1] == Done("status")


def test_a_result_link_with_completed_false_is_not_yet_the_end():
    clock = Clock()
    steps, outcome = drive(polling(JOB, clock=clock), [
        answer(200, {"completed": False}, result="/r"), answer(200, {}, result="/r")], clock)
    assert outcome.kind == "link" and sum(isinstance(s, Poll) for s in steps) == 2


def test_a_result_named_by_a_url_hyperkm_refuses_is_an_error_not_a_request():
    with pytest.raises(DocumentError, match="the result the job at"):
        drive(polling(JOB), [answer(201, headers={"Location": "ftp://elsewhere/r"})])


def test_pauses_grow_from_interval_to_max_interval():
    clock = Clock()
    steps, outcome = drive(polling(JOB, timeout=100, interval=1, max_interval=3, clock=clock),
                           [answer(202)] * 6 + [answer(200, {"done": True})], clock)
    assert [s.seconds for s in steps if isinstance(s, Pause)] == [1, 1.5, 2.25, 3, 3, 3]
    assert outcome == Done("status")


def test_retry_after_seconds_are_honoured_and_capped():
    clock = Clock()
    steps, _ = drive(polling(JOB, timeout=100, retry_after_cap=5, clock=clock), [
        answer(202, headers={"Retry-After": "2"}), answer(202, headers={"Retry-After": "60"}),
        answer(202, headers={"Retry-After": "soon"}), answer(200, {"done": True})], clock)
    # (an unreadable Retry-After falls back to the interval)
    assert [s.seconds for s in steps if isinstance(s, Pause)] == [2, 5, 1.0]


def test_retry_after_as_a_date_is_read_against_the_wall_clock():
    wall = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 12, 6, 12, 0, 4, tzinfo=UTC), usegmt=True)
    steps, _ = drive(polling(JOB, wall=lambda: wall, clock=Clock()),
                     [answer(202, headers={"Retry-After": later}), answer(200, {"done": True})])
    assert [s.seconds for s in steps if isinstance(s, Pause)] == [4]


def test_retry_after_zero_polls_again_without_a_pause():
    steps, _ = drive(polling(JOB, clock=Clock()), [answer(202, headers={"Retry-After": "0"}),
                                                   answer(200, {"done": True})])
    assert not any(isinstance(s, Pause) for s in steps)


def test_a_pause_past_the_wait_ends_it_with_how_far_the_job_got():
    clock = Clock()
    _, outcome = drive(polling(JOB, timeout=2, interval=1, clock=clock), [
        answer(202, {"progress": 0.25}), answer(202, {"progress": 0.5})], clock)
    assert isinstance(outcome, TimedOut)
    assert "2 polls" in outcome.message and "last progress: 0.5" in outcome.message
    assert "wait(timeout=" in outcome.message


def test_each_poll_gets_what_is_left_of_the_wait_but_never_less_than_the_minimum():
    clock = Clock()
    steps, _ = drive(polling(JOB, timeout=3, interval=1, max_interval=1, clock=clock),
                     [answer(202), answer(202), answer(200, {"done": True})], clock)
    assert [s.within for s in steps if isinstance(s, Poll)] == [3, 2, MIN_POLL_SECONDS]


def test_a_poll_that_timed_out_after_the_wait_ends_it():
    clock = Clock()
    flow = polling(JOB, timeout=5, clock=clock)
    assert isinstance(advance(flow), Poll)
    clock.now += 6  # the poll took the rest of the wait
    outcome = advance(flow, error=Timeout("GET took longer"))
    assert isinstance(outcome, TimedOut) and "poll 1 was still unanswered" in outcome.message


def test_a_poll_that_timed_out_within_the_wait_is_the_clients_deadline_and_raised():
    flow = polling(JOB, timeout=5, clock=Clock())
    advance(flow)
    with pytest.raises(Timeout, match="GET took longer"):
        advance(flow, error=Timeout("GET took longer"))


def test_where_a_job_started_by_azure_style_headers_says_its_result_is():
    class Started:
        def __init__(self, status, headers):
            self.status_code, self.headers = status, CaseInsensitiveDict(headers)

    assert final_location_of(Started(202, {"Location": "/final",
                                           "Azure-AsyncOperation": "/ops/1"})) == "/final"
    assert final_location_of(Started(202, {"Location": "/status"})) is None  # it is the monitor
    assert final_location_of(Started(201, {"Location": "/final",
                                           "Operation-Location": "/ops/1"})) is None
    assert final_location_of(None) is None
