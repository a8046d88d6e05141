"""Affordances over real HTTP: the emulator's forms, read and submitted in every format that
carries them; bad values refused with zero requests sent."""

from __future__ import annotations

import json
import os
import sys

import pytest

import hyperkm
from hyperkm.cli import main
from hyperkm.demo import running
from hyperkm.demo.dataset import REPORT_PEOPLE

FORM_FORMATS = ["hal", "siren", "collection+json", "hydra"]
# Hydra's vocabulary has no field constraints (pattern, min, max) beyond "required"
CONSTRAINT_FORMATS = ["hal", "siren", "collection+json"]
# (Collection+JSON's one template edits a document; its runs POST a link)
RUN_FORMATS = ["hal", "siren", "hydra"]


def connect(demo):
    return hyperkm.connect(demo.root_url, token=demo.token)


@pytest.mark.parametrize("fmt", RUN_FORMATS)
def test_run_a_report_through_its_action(fmt):
    with running(format=fmt, job_polls=1, result_rows=42) as demo:
        report = connect(demo).follow("report", id=REPORT_PEOPLE)
        run = report.action("run")
        assert run.method == "POST" and [f.name for f in run.fields if f.required] == [
            "start_date", "end_date"]
        job = run.submit(start_date="2015-06-02", end_date="2015-06-09T12:00:00Z")
        assert job.write_response.status_code == 202
        rows = list(job.wait(interval=0.01).items())
        assert len(rows) == 42 and "KMID" in rows[0].data  # rows with their column names


@pytest.mark.parametrize("fmt", [f for f in RUN_FORMATS if f in CONSTRAINT_FORMATS])
@pytest.mark.parametrize("values,problem", [
    ({"end_date": "2015-06-09"}, "'start_date' is required"),
    ({"start_date": "last tuesday", "end_date": "2015-06-09"}, "must match"),
    ({"start_date": "2015-06-02", "end_date": "2015-06-09", "limit": 5}, "unknown field"),
])
def test_invalid_values_are_refused_with_zero_requests(fmt, values, problem):
    with running(format=fmt) as demo:
        report = connect(demo).follow("report", id=REPORT_PEOPLE)
        run = report.action("run")
        before = demo.stats.requests
        with pytest.raises(hyperkm.FormError) as info:
            run.submit(values)
        assert demo.stats.requests == before
        assert problem in str(info.value) and info.value.problems
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("fmt", FORM_FORMATS)
def test_update_through_its_action_with_if_match(fmt):
    with running(format=fmt) as demo:
        root = connect(demo)
        event = root.client.resource(root.follow("events").items()[3].url)
        (name,) = [n for n in event.actions if n in ("update", "edit")]
        action = event.action(name)
        assert action.method in ("PATCH", "PUT")
        sent = []
        root.client.on_exchange.append(lambda e: sent.append(e))
        updated = action.submit(display_name="Renamed by a form")
        assert updated.data["display_name"] == "Renamed by a form"
        write = next(e for e in sent if e.method == action.method)
        assert "If-Match" in write.request_headers  # the ETag of what the form came from
        again = root.client.resource(event.url)
        assert again.data["display_name"] == "Renamed by a form"  # not a stale cached copy


@pytest.mark.parametrize("fmt", FORM_FORMATS)
def test_read_only_fields_cannot_be_changed(fmt):
    with running(format=fmt) as demo:
        root = connect(demo)
        event = root.client.resource(root.follow("events").items()[0].url)
        action = next(iter(event.actions.values()))
        before = demo.stats.requests
        with pytest.raises(hyperkm.FormError, match="read-only"):
            action.submit(name="something else")
        assert demo.stats.requests == before


@pytest.mark.parametrize("fmt", FORM_FORMATS)
def test_a_get_query_form(fmt):
    with running(format=fmt) as demo:
        events = connect(demo).follow("events")
        page = events.action("page")
        assert page.method == "GET"
        result = page.submit(limit=4, offset=8)
        assert "limit=4" in result.url and "offset=8" in result.url
        assert len(result.document.items) == 4
        if fmt not in CONSTRAINT_FORMATS:
            return
        with pytest.raises(hyperkm.FormError, match="at most 100"):
            page.submit(limit=1000)
        with pytest.raises(hyperkm.FormError, match="must be a number"):
            page.submit(limit="many")


def test_hydra_required_and_unknown_fields_are_refused_with_zero_requests():
    with running(format="hydra") as demo:
        run = connect(demo).follow("report", id=REPORT_PEOPLE).action("run")
        before = demo.stats.requests
        for values, problem in (({"end_date": "2015-06-09"}, "'start_date' is required"),
                                ({"start_date": "2015-06-02", "end_date": "2015-06-09",
                                  "limit": 5}, "unknown field")):
            with pytest.raises(hyperkm.FormError, match=problem):
                run.submit(values)
        assert demo.stats.requests == before


def test_unknown_action_lists_what_exists():
    with running(format="hal") as demo:
        report = connect(demo).follow("report", id=REPORT_PEOPLE)
        with pytest.raises(hyperkm.ActionNotFound) as info:
            report.action("rnu")
        assert info.value.suggestions == ["run"] and info.value.available == ["run"]


def test_kissmetrics_shell_do_posts_to_the_rel():
    from hyperkm.cli.shell import ShellState, execute

    with running(job_polls=1) as demo:
        state = ShellState(connect(demo))
        assert "run (POST only: 'do run …')" in execute(state, f"report id={REPORT_PEOPLE}")
        out = execute(state, "do run start_date=2015-06-02 end_date=2015-06-09")
        assert "202 Accepted" in out and "137 in all" in out


def test_kissmetrics_has_no_forms_but_allowed_methods_tells():
    with running() as demo:
        report = connect(demo).follow("report", id=REPORT_PEOPLE)
        assert len(report.actions) == 0
        with pytest.raises(hyperkm.ActionNotFound, match="allowed_methods"):
            report.action("run")
        run = report.follow("run")
        before = demo.stats.requests
        assert run.allowed_methods() == {"POST", "OPTIONS"}
        assert run.allowed_methods() == {"POST", "OPTIONS"}  # remembered: one request
        assert demo.stats.requests == before + 1
        assert "GET" in report.allowed_methods()


def test_links_with_a_method_are_actions():
    from hyperkm import formats

    body = {"links": [{"rel": "self", "href": "/orders/7"},
                      {"rel": "cancel", "href": "/orders/7/cancel", "method": "POST"},
                      {"rel": "details", "href": "/orders/7/details", "method": "GET"}]}
    doc = formats.parse(json.dumps(body).encode(), "https://shop.example/orders/7",
                        {"Content-Type": "application/json"})
    assert [a.name for a in doc.actions] == ["cancel"]
    (cancel,) = doc.actions
    assert cancel.method == "POST" and cancel.free_form
    assert cancel.target == "https://shop.example/orders/7/cancel"


# -- the CLI --------------------------------------------------------------------------------------

def test_cli_do_runs_a_report_and_waits(capsys):
    with running(format="hal", job_polls=1, result_rows=5) as demo:
        code = main(["do", demo.root_url, "--token", demo.token, "report", "--var",
                     f"id={REPORT_PEOPLE}", "run", "-f", "start_date=2015-06-02",
                     "-f", "end_date=2015-06-09", "--wait", "--format", "json"])
        out, err = capsys.readouterr()
        assert code == 0 and "202 Accepted" in err
        rows = [json.loads(line) for line in out.splitlines()]
        assert len(rows) == 5 and "KMID" in rows[0]


def test_cli_do_on_kissmetrics_posts_to_the_rel(capsys):
    with running(job_polls=1, result_rows=3) as demo:
        code = main(["do", demo.root_url, "--token", demo.token, "report", "--var",
                     f"id={REPORT_PEOPLE}", "run", "--json",
                     '{"start_date": "2015-06-02", "end_date": "2015-06-09"}', "--wait",
                     "--format", "json"])
        out, _ = capsys.readouterr()
        assert code == 0 and len(out.splitlines()) == 3


def test_cli_form_error_has_its_own_exit_code(capsys):
    with running(format="siren") as demo:
        before = demo.stats.requests
        code = main(["do", demo.root_url, "--token", demo.token, "report", "--var",
                     f"id={REPORT_PEOPLE}", "run", "-f", "start_date=soon"])
        assert code == 9
        err = capsys.readouterr().err
        assert "must match" in err and "'end_date' is required" in err
        assert demo.stats.requests - before == 2  # the root and the report: no POST


# -- the shell, in a real terminal ------------------------------------------------------------

def test_browse_do_run_asks_for_the_required_fields(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "TERM": "xterm", "COLUMNS": "160"}
    env.pop("HYPERKM_TOKEN", None)
    child = pexpect.spawn(sys.executable, ["-m", "hyperkm", "browse", "--demo", "--demo-format",
                                           "hal", "--no-history"],
                          env=env, encoding="utf-8", timeout=30, dimensions=(50, 160))
    try:
        child.expect("rels: km:accounts")
        child.sendline(f"report id={REPORT_PEOPLE}")
        child.expect_exact("actions: run")
        child.sendline("do run")
        child.expect("start_date")  # asked, with the server's pattern shown when it has one
        child.sendline("2015-06-02")
        child.expect("end_date")
        child.sendline("2015-06-09")
        child.expect("202 Accepted", timeout=60)
        child.expect("a collection: 20 members on this page, 137 in all", timeout=60)
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("fmt", ["hal", "siren"])
def test_a_member_opened_from_a_collection_has_its_forms(fmt):
    from hyperkm.demo import running as run

    with run(format=fmt) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        reports = root.follow("accounts").items()[0].follow("products").items()[0].follow(
            "reports")
        member = reports.items()[0]
        before = demo.stats.requests
        assert "run" in member.actions  # fetched its own representation, once
        assert "run" in member.actions
        assert demo.stats.requests == before + 1
        count = demo.stats.requests
        listed = [m.data for m in reports.items()]  # listing stays cheap: no member fetched
        assert len(listed) > 1 and demo.stats.requests <= count + 1  # no member fetched


def test_collection_json_members_carry_the_collections_edit_template():
    from hyperkm.demo import running as run

    with run(format="collection+json") as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        events = root.follow("accounts").items()[0].follow("products").items()[0].follow(
            "events")
        assert "edit" in events.items()[0].actions
