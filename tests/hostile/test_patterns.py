"""A form's ``pattern`` comes from the server: it is matched in time linear in the value.

Python's ``re`` backtracks, and while it does it holds the interpreter lock, so one hostile
pattern freezes every thread of a program (the explorer's whole server). The probes run in a
subprocess with a time limit, so a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from .conftest import documents

# Exponential or high-polynomial for a backtracking engine on a value of ~35 characters.
EVIL = [r"((a+))+$", r"(a|a)*$", r"(a+|b)+$", r"(.*a){12}$", r"(a+)+$", r"(\w+\s?)*$",
        r"^(a|aa)+$", r"(x+x+)+y", r"([a-z]+)*[0-9]", r"(.*){1,20}[bc]"]
VALUE = "a" * 35 + "!"

PROBE = textwrap.dedent("""
    import json, sys, time
    from hyperkm import Action, Field, FormError
    out = []
    value = sys.argv[2]
    if value.startswith("@"):  # "@N": N letters and a "!" (argv cannot hold a long value)
        value = "a" * int(value[1:]) + "!"
    for pattern in json.loads(sys.argv[1]):
        action = Action("x", "POST", "https://h/x", fields=(Field("v", pattern=pattern),))
        started = time.perf_counter()
        try:
            action.validate(v=value)
            verdict = "accepted"
        except FormError:
            verdict = "refused"
        out.append([pattern, verdict, time.perf_counter() - started])
    print(json.dumps(out))
""")


def test_evil_patterns_are_matched_in_linear_time():
    run = subprocess.run([sys.executable, "-c", PROBE, json.dumps(EVIL), VALUE],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert [r[0] for r in results] == EVIL
    for pattern, verdict, seconds in results:
        assert seconds < 0.5, (pattern, seconds)
        assert verdict == "refused", pattern  # checked here, not skipped: none matches VALUE


def test_a_long_value_is_still_linear():
    run = subprocess.run([sys.executable, "-c", PROBE, json.dumps([r"(a|a)*$", r"(.*a){12}$"]),
                          "@200000"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert all(seconds < 2 for _, _, seconds in json.loads(run.stdout))


@pytest.mark.parametrize("pattern", [r"(?=a)(a+)+$", r"(a)\1+$", r"(?<!b)(a|a)*$",
                                     r"(.*){1,32000}[bc]"])
def test_patterns_re2_cannot_run_are_left_to_the_server(pattern, caplog):
    from hyperkm import Action, Field, _patterns

    _patterns._warn_once.cache_clear()  # said once per pattern: a test before may have seen it
    action = Action("x", "POST", "https://h/x", fields=(Field("v", pattern=pattern),))
    assert action.validate(v=VALUE) == {"v": VALUE}  # not run by backtracking: the server judges
    assert any("cannot be checked in bounded time" in r.getMessage() for r in caplog.records)


def hal_form(pattern: str) -> dict:
    return {"_links": {"self": {"href": "http://127.0.0.1:{port}/core"}},
            "_templates": {"default": {"title": "Name it", "method": "post",
                                       "contentType": "application/json",
                                       "properties": [{"name": "name", "regex": pattern}]}}}


def serve_form(raw_server, pattern: str):
    body = json.dumps(hal_form(pattern))
    return raw_server(documents({"/core": lambda req, conn, srv: _hal(conn, srv, body)}))


def _hal(conn, server, body):
    from .conftest import respond
    respond(conn, 200, body.replace("{port}", str(server.port)),
            content_type="application/prs.hal-forms+json")


def test_the_cli_do_refuses_quickly_with_an_evil_pattern(raw_server):
    server = serve_form(raw_server, r"(.*a){12}$")
    run = subprocess.run([sys.executable, "-m", "hyperkm", "do", server.url + "/core", "default",
                          "-f", f"name={VALUE}"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 9, run.stderr  # the form's values are refused, nothing sent
    assert "must match" in run.stderr
    assert [r.method for r in server.requests] == ["GET"]


def test_the_explorer_answers_an_evil_pattern_at_once(raw_server):
    import time

    from werkzeug.test import Client

    import hyperkm
    from hyperkm.explore.app import ExplorerApp

    server = serve_form(raw_server, r"(a|a)*$")
    client = Client(ExplorerApp(hyperkm.connect(server.url + "/core"), secret="s"))
    page = client.get("/?s=s", headers={"Host": "127.0.0.1"})
    assert page.status_code == 200 and 'name="f_name"' in page.get_data(as_text=True)
    started = time.monotonic()
    answer = client.post("/do?s=s", headers={"Host": "127.0.0.1"},
                         data={"t": "", "action": "default", "f_name": VALUE})
    assert time.monotonic() - started < 2
    assert answer.status_code == 422 and "must match" in answer.get_data(as_text=True)
    assert "POST" not in [r.method for r in server.requests]  # nothing was submitted
