"""Asynchronous jobs: 202 + Location -> wait() -> result, generically and on the demo."""

import json
import time

import pytest
from werkzeug.wrappers import Response

import hyperkm
from hyperkm.demo import running
from tests.support import JSON, ScriptedServer


def people_search(root):
    return next(r for r in root.follow("reports").items()
                if r.data["report_type"] == "people_search_v2")


def test_report_run_end_to_end_on_the_demo(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    run = people_search(root).follow("run")
    job = run.post({"start_date": "2015-06-02T20:00:00-04:00",
                    "end_date": "2015-06-09T19:59:59-04:00"})
    assert job.write_response.status_code == 202
    progress = []
    results = job.wait(interval=0.01, on_progress=lambda p, status: progress.append(p))
    assert progress[-1] == 1.0 and progress == sorted(progress) and len(progress) == 3
    rows = list(results.items())
    assert len(rows) == len(results.items()) == 137
    assert all(isinstance(r.data, list) and len(r.data) == 3 for r in rows)
    columns = results.document.envelope["columns"]
    assert [c["display_name"] for c in columns] == ["KMID", "Person", "Visited Site"]
    csv = results.follow("export").download().decode()
    assert csv.splitlines()[0] == "KMID,Person,Visited Site"
    assert len(csv.splitlines()) == 138


def test_a_report_that_cannot_run_gives_the_server_message(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    funnel = next(r for r in root.follow("reports").items() if r.data["report_type"] == "funnel")
    with pytest.raises(hyperkm.UnprocessableEntity) as info:
        funnel.follow("run").post({"start_date": "2015-06-02", "end_date": "2015-06-09"})
    assert "only people_search_v2 reports can be run" in info.value.server_message


def test_bad_dates_give_the_server_message(demo):
    root = hyperkm.connect(demo.root_url, token=demo.token)
    with pytest.raises(hyperkm.BadRequest) as info:
        people_search(root).follow("run").post({"start_date": "soon"})
    assert "start_date" in str(info.value)


def job_server(script):
    """A status resource answering the scripted (status, headers, body) in turn."""
    answers = list(script)
    polls = []

    def status(request):
        polls.append(time.monotonic())
        status_code, headers, body = answers[min(len(polls), len(answers)) - 1]
        return Response(json.dumps(body), status_code, headers=headers,
                        mimetype="application/json")

    server = ScriptedServer({
        "/start": (202, {"Location": "/status", "Content-Type": "application/json"}, {}),
        "/status": status, "/result": (200, JSON, {"answer": 42}),
    })
    server.polls = polls
    return server


def start(server):
    return hyperkm.connect(server.url + "/start").post({})


def test_done_by_201_with_location():
    with job_server([(200, {}, {"progress": 0.5}),
                     (201, {"Location": "/result"}, {"completed": True})]) as server:
        result = start(server).wait(interval=0.01)
        assert result.data == {"answer": 42} and len(server.polls) == 2


def test_done_by_303_see_other():
    with job_server([(200, {}, {}), (303, {"Location": "/result"}, {})]) as server:
        assert start(server).wait(interval=0.01).data == {"answer": 42}


def test_done_by_completed_and_a_results_link():
    body = {"completed": True, "links": [{"rel": "results", "href": "/result"}]}
    with job_server([(200, {}, {"completed": False}), (200, {}, body)]) as server:
        assert start(server).wait(interval=0.01).data == {"answer": 42}


def test_done_without_a_result_returns_the_status():
    with job_server([(200, {}, {"status": "succeeded", "output": "ok"})]) as server:
        assert start(server).wait(interval=0.01).data["output"] == "ok"


def test_an_error_in_the_status_fails_clearly():
    with job_server([(200, {}, {"progress": 0.2}),
                     (200, {}, {"error": "query exploded"})]) as server:
        with pytest.raises(hyperkm.JobFailed) as info:
            start(server).wait(interval=0.01)
    assert "query exploded" in str(info.value)
    assert info.value.status.data["error"] == "query exploded"


def test_timeout():
    with job_server([(200, {}, {"progress": 0.1})]) as server:
        with pytest.raises(hyperkm.JobTimeout) as info:
            start(server).wait(timeout=0.2, interval=0.05)
    assert "did not finish within 0.2 s" in str(info.value) and "0.1" in str(info.value)
    assert isinstance(info.value, TimeoutError)


def test_retry_after_paces_the_polls():
    with job_server([(200, {"Retry-After": "1"}, {}),
                     (201, {"Location": "/result"}, {})]) as server:
        assert start(server).wait(interval=0.01).data == {"answer": 42}
        assert server.polls[1] - server.polls[0] >= 0.9


def test_an_http_error_from_the_status_is_raised():
    with job_server([(404, {}, {"message": "no such query"})]) as server:
        with pytest.raises(hyperkm.NotFound) as info:
            start(server).wait(interval=0.01)
    assert "no such query" in str(info.value)


def test_job_completion_by_time_on_the_demo():
    with running(job_polls=10_000, job_seconds=0.2) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        job = people_search(root).follow("run").post({"start_date": "2015-06-02",
                                                      "end_date": "2015-06-09"})
        assert len(job.wait(interval=0.05).items()) == 137
