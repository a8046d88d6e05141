"""hyperkm.testing for users' own tests: the emulator in process and the pytest plugin.

The in-process emulator must answer exactly what the emulator answers over HTTP — the same
walk, the same job, the same relayout — with no socket opened."""

from __future__ import annotations

import socket
import textwrap

import pytest

import hyperkm
from hyperkm.demo import running
from hyperkm.testing import Emulator, EmulatorTransport, Request

pytest_plugins = ["pytester"]


@pytest.fixture
def no_sockets(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a socket was opened in process")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def walk(root):
    events = root.follow("accounts").items()[0].follow("products").items()[0].follow("events")
    return [(e.data["id"], e.data["name"]) for e in events.items()]


@pytest.mark.parametrize("fmt", ["km", "hal", "siren", "collection+json", "jsonapi"])
def test_the_emulator_in_process_answers_as_it_does_over_http(fmt, monkeypatch):
    with running(format=fmt, events=130) as demo:
        over_http = walk(hyperkm.connect(demo.root_url, token=demo.token))
    emulator = Emulator(format=fmt, events=130)
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("a socket"))
    in_process = walk(emulator.connect())
    assert in_process == over_http
    assert len(in_process) == 130
    assert emulator.stats.snapshot()["requests"] >= 7  # root, accounts, products, 7 pages


def test_a_report_runs_as_a_job_in_process(no_sockets):
    emulator = Emulator(job_polls=2)
    root = emulator.connect()
    report = next(r for r in root.follow("reports").items()
                  if r.data["report_type"] == "people_search_v2")
    job = report.follow("run").post({"start_date": "2015-06-02T20:00:00-04:00",
                                     "end_date": "2015-06-09T19:59:59-04:00"})
    assert job.write_response.status_code == 202
    results = job.wait(interval=0.01)
    assert len(results.items()) == 137


def test_a_bookmark_survives_the_emulator_moving_its_urls(no_sockets):
    emulator = Emulator()
    root = emulator.connect()
    product = root.follow("accounts").items()[0].follow("products").items()[0]
    mark = product.bookmark()
    emulator.switch_layout("alt")
    again = emulator.connect().client.open(mark)
    assert again.data["id"] == product.data["id"]
    assert again.url != product.url


def test_faults_are_retried_and_drops_are_connection_errors(no_sockets):
    emulator = Emulator()
    root = emulator.connect(retries=2)
    emulator.app.fail_next(1, retry_after=0)
    emulator.app.drop_next(1)
    assert root.data  # a 503, a dropped connection, then the answer
    snapshot = emulator.stats.snapshot()
    assert (snapshot["faults"], snapshot["drops"]) == (1, 1)
    emulator.app.drop_next(5)
    with pytest.raises(hyperkm.TransportError):
        _ = root.client.resource(root.url + "/accounts").data


def test_oauth2_reaches_the_emulators_token_endpoint_through_the_transport(no_sockets):
    emulator = Emulator()
    auth = hyperkm.OAuth2.client_credentials(emulator.root_url.rsplit("/", 1)[0]
                                             + "/oauth/token", "demo-client", "demo-secret")
    root = hyperkm.connect(emulator.root_url, auth=auth, transport=emulator.transport)
    assert root.follow("accounts").items()[0].data["name"]


def test_another_origin_is_a_connection_error_not_the_network():
    transport = EmulatorTransport(Emulator().app)
    with pytest.raises(ConnectionError, match="nothing answers"):
        transport.handle(Request("GET", "https://api.example.test/"))


def test_the_pytest_plugin_gives_users_both_fixtures(pytester):
    pytester.makepyfile(textwrap.dedent('''
        import pytest
        import hyperkm
        from hyperkm.testing import Response

        def test_mock(hyperkm_mock):
            hyperkm_mock.get("https://api.example.test/", json={"name": "x"})
            root = hyperkm.connect("https://api.example.test/", token="t",
                                   transport=hyperkm_mock)
            assert root.data == {"name": "x"}
            assert hyperkm_mock.requests[0].header("Authorization") == "Bearer t"

        @pytest.mark.hyperkm_emulator(format="hal", events=30)
        def test_emulator(hyperkm_emulator):
            root = hyperkm_emulator.connect()
            assert "km:accounts" in root.links.rels
            assert hyperkm_emulator.app.config.events == 30
    '''))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=2)


def test_the_plugin_loads_nothing_of_hyperkm_until_a_fixture_is_used():
    import subprocess
    import sys

    code = ("import sys, hyperkm.testing.pytest_plugin; "
            "print(sorted(m for m in sys.modules if m.startswith(('hyperkm.', 'attr', "
            "'requests', 'werkzeug'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "['hyperkm._version', 'hyperkm.testing', 'hyperkm.testing.pytest_plugin']"


def test_oauth2_discovery_in_process(no_sockets):
    emulator = Emulator()
    auth = hyperkm.OAuth2.discover(emulator.root_url, "demo-client",
                                   client_secret="demo-secret", transport=emulator.transport)
    assert auth.token_url.startswith("https://kissmetrics.test/")
    root = hyperkm.connect(emulator.root_url, auth=auth, transport=emulator.transport)
    assert root.follow("accounts").items()[0].data["name"]
