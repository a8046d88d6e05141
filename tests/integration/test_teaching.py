"""The shell and CLI as a teaching and scripting tool: every finding of the review, fixed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import hyperkm
from hyperkm.cli import main
from hyperkm.cli.shell import ShellState, execute, format_exchange
from hyperkm.demo import running
from hyperkm.demo.dataset import REPORT_PEOPLE


def shell(demo, **options) -> ShellState:
    return ShellState(hyperkm.connect(demo.root_url, token=demo.token, **options))


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path


# -- dead ends -----------------------------------------------------------------------------------

def test_bookmarks_survive_a_new_demo_on_another_port(config_home):
    with running() as first:
        state = shell(first)
        execute(state, "products")
        execute(state, "items")
        execute(state, "open 0")
        execute(state, "events")
        assert "saved here" in execute(state, "bookmark save here")
    with running() as second:  # another port: the saved URL's origin is gone
        state = shell(second)
        out = execute(state, "bookmark go here")
        assert "error" not in out.split("\n")[0] and second.root_url.rsplit("/", 1)[0] in out
        assert state.crumb() == "/ › products › My SaaS Product › events ›"  # not "/ ›"


def test_bookmark_go_accepts_a_new_root(config_home):
    with running() as demo:
        state = shell(demo)
        execute(state, "events")
        execute(state, "bookmark save ev")
        demo.switch_layout("alt", mode="404")  # even the root moved, without a redirect
        out = execute(state, f"bookmark go ev {demo.root_url}")
        assert "/api/v9/" in out and "moved" in out


def test_relayout_from_the_shell_and_bookmarks_still_work(config_home):
    with running() as demo:
        state = shell(demo)
        state.demo = demo
        execute(state, "products")
        execute(state, "items")
        execute(state, "open 0")
        execute(state, "bookmark save product")
        assert "moved" in execute(state, "relayout alt 404")
        out = execute(state, "bookmark go product")
        assert "/api/v9/" in out and "My SaaS Product" in out
    state = ShellState(hyperkm.connect("http://127.0.0.1:9/core"))
    assert "--demo" in execute(state, "relayout")


def test_the_demo_prefers_port_8765(tmp_path):
    from hyperkm.cli.app import DEMO_PORT, connection

    servers: list = []
    with connection(None, None, True, None, None, servers=servers) as root:
        port = servers[0].port
        assert root.data["name"] == "KISSmetrics API"
        # a second one while the first holds 8765 falls back to any free port
        with connection(None, None, True, None, None, servers=servers):
            assert servers[1].port != port
    assert DEMO_PORT == 8765


def test_map_png_without_graphviz_fails_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here
    out = tmp_path / "map.png"
    assert main(["map", "--demo", "--format", "png", "-o", str(out)]) == 2
    assert not out.exists() and "Graphviz" in capsys.readouterr().err


def test_a_csv_link_is_previewed_and_saved(tmp_path):
    with running(job_polls=1, result_rows=30) as demo:
        state = shell(demo)
        execute(state, f"report id={REPORT_PEOPLE}")
        execute(state, "do run start_date=2015-06-02 end_date=2015-06-09")
        out = execute(state, "export")
        assert "text/csv" in out and "KMID,Person,Visited Site" in out and "save FILE" in out
        assert "more lines" in out
        saved = tmp_path / "rows.csv"
        said = execute(state, f"save {saved}")
        # The whole body is saved, not the preview: the count is the file's own size.
        assert said.strip() == f"wrote {saved} ({saved.stat().st_size} bytes)"
        assert saved.read_text().splitlines()[0] == "KMID,Person,Visited Site"
        assert len(saved.read_text().splitlines()) == 31


# -- show the whole exchange -----------------------------------------------------------------

def test_trace_verbose_shows_if_none_match_and_the_304():
    with running() as demo:
        state = shell(demo)
        execute(state, "products")
        execute(state, "back")
        execute(state, "trace verbose")
        out = execute(state, "products")
        assert "If-None-Match" in out and "< 304" in out and "Bearer ***" in out
        assert demo.token not in out
        headers = execute(state, "headers")
        assert "> If-None-Match" in headers and "< 304" in headers


def test_if_match_shows_in_the_trace_of_a_write():
    with running(format="hal") as demo:
        state = shell(demo)
        execute(state, "events")
        execute(state, "items 1")
        execute(state, "open 0")
        execute(state, "refresh")
        execute(state, "trace verbose")
        out = execute(state, "do update display_name=Renamed")
        assert "> If-Match:" in out and "PATCH" in out


def test_show_raw_is_the_body_as_received():
    with running(format="hal") as demo:
        state = shell(demo)
        execute(state, "events")
        raw = execute(state, "show --raw")
        assert '"_embedded"' in raw and '"_links"' in raw
        assert "_embedded" not in execute(state, "show")


def test_expand_shows_the_url_without_a_request():
    with running() as demo:
        state = shell(demo)
        _ = state.current.links
        before = demo.stats.requests
        out = execute(state, "expand event id=abc")
        assert out.startswith(demo.root_url + "/events/abc") and "template" in out
        assert demo.stats.requests == before
        assert "different resource" in execute(state, "expand event id=..")


def test_links_table_sources_titles_and_curie_docs():
    with running(format="hal") as demo:
        state = shell(demo)
        out = execute(state, "links")
        rows = [line for line in out.splitlines()[2:] if not line.startswith("CURIE")]
        assert len(rows) == len(state.current.links) == len(state.current.links.rels)
        assert "body" in out and "CURIE km:" in out
        assert execute(state, "docs events").endswith("/core/rels#events")
    with running(format="array") as demo:  # links only in the Link header
        state = shell(demo)
        execute(state, "products")
        assert "Link header" in execute(state, "links")


def test_trace_lines_print_when_the_exchange_happens_and_prefetches_are_labelled():
    with running(job_polls=2) as demo:
        state = shell(demo)
        printed: list[str] = []
        state.printer = printed.append
        execute(state, "trace on")
        execute(state, f"report id={REPORT_PEOPLE}")
        printed.clear()
        out = execute(state, "do run start_date=2015-06-02 end_date=2015-06-09")
        polls = [line for line in printed if "/status" in line]
        assert len(polls) >= 2 and not any(line.lstrip().startswith("↳")
                                           for line in out.splitlines())
    exchange = hyperkm.Exchange("GET", "http://h/p2", 200, "network", 0.01, True, {}, {}, 10)
    assert "(prefetch) GET" in format_exchange(exchange, prefetch=True)


def test_query_results_are_listed_with_their_column_names():
    with running(job_polls=1) as demo:
        state = shell(demo)
        execute(state, f"report id={REPORT_PEOPLE}")
        execute(state, "do run start_date=2015-06-02 end_date=2015-06-09")
        out = execute(state, "items 3")
        assert "KMID" in out.splitlines()[0] and "Visited Site" in out.splitlines()[0]
        assert "10000" in out and "value" not in out.splitlines()[0]


# -- scripting -----------------------------------------------------------------------------------

def test_get_table_without_all_and_a_closed_pipe():
    with running() as demo:
        env = {**os.environ, "HYPERKM_TOKEN": demo.token}
        table = subprocess.run([sys.executable, "-m", "hyperkm", "get", demo.root_url,
                                "products", "--format", "table"], capture_output=True,
                               text=True, env=env, timeout=60)
        assert table.returncode == 0 and "My SaaS Product" in table.stdout
        assert not table.stdout.lstrip().startswith("[")
        piped = subprocess.run(f'"{sys.executable}" -m hyperkm get {demo.root_url} events '
                               "--all --format json | head -1", shell=True,
                               capture_output=True, text=True, env=env, timeout=60,
                               executable="/bin/bash")
        assert len(piped.stdout.splitlines()) == 1 and piped.stderr == ""
        status = subprocess.run(f'"{sys.executable}" -m hyperkm get {demo.root_url} events '
                                '--all --format json | head -1 >/dev/null; '
                                'echo "${PIPESTATUS[0]}"', shell=True, capture_output=True,
                                text=True, env=env, timeout=60, executable="/bin/bash")
        assert status.stdout.strip() == "0"


def test_get_verbose_headers_timeout_and_output(tmp_path, capsys):
    with running() as demo:
        code = main(["get", demo.root_url, "--token", demo.token, "-v", "-H",
                     "X-Request-Id: abc123", "--timeout", "10", "accounts"])
        err = capsys.readouterr().err
        assert code == 0 and "> X-Request-Id: abc123" in err and "< Content-Type:" in err
        assert "Bearer ***" in err and demo.token not in err
        out = tmp_path / "accounts.json"
        assert main(["get", demo.root_url, "--token", demo.token, "accounts", "-o",
                     str(out)]) == 0
        assert json.loads(out.read_text())["data"][0]["name"] == "My SaaS Account"
        assert main(["get", demo.root_url, "-H", "no colon"]) == 2


def test_errors_speak_the_clis_language(capsys):
    with running() as demo:
        assert main(["get", demo.root_url, "accounts"]) == 4
        err = capsys.readouterr().err
        assert "--token" in err and "hyperkm.connect" not in err
        assert main(["get", demo.root_url, "--token", demo.token, "events", "event",
                     "--var", "idd=x"]) == 3
        err = capsys.readouterr().err
        assert "idd" in err and "event: id" in err


# -- small things --------------------------------------------------------------------------------

def test_listing_messages_clear_and_history_jumps():
    with running() as demo:
        state = shell(demo)
        assert "1 member on this page" in execute(state, "accounts")
        out = execute(state, "items")
        assert "1 of 1 shown. 'open N' to enter one." in out and "for more" not in out
        assert execute(state, "clear") == "\x1b[2J\x1b[H"
        execute(state, "home")
        execute(state, "products")
        history = execute(state, "history")
        assert "accounts" in history
        assert "1 member" in execute(state, "history 0")
        assert state.crumb() == "/ › accounts ›"


def test_bookmark_is_in_the_help_and_the_docs(capsys):
    assert main(["browse", "--help"]) == 0
    assert "bookmark" in capsys.readouterr().out
    from pathlib import Path

    cli_doc = (Path(__file__).parents[2] / "docs" / "cli.md").read_text()
    for command in ("bookmark", "expand", "docs REL", "save FILE", "relayout", "clear",
                    "show --raw", "trace on", "history"):
        assert f"`{command}" in cli_doc, command


def test_repl_reprs():
    with running() as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        table = repr(root.links)
        assert table.splitlines()[0].split() == ["rel", "name", "href"] and "accounts" in table
        events = root.follow("products").items()[0].follow("events")
        assert repr(events.trail) == "<Trail / › products › [id=e706…] › events>"


def test_public_classes_report_the_public_module():
    with running() as demo:
        with pytest.raises(hyperkm.LinkNotFound) as info:
            hyperkm.connect(demo.root_url, token=demo.token).follow("nope")
    assert type(info.value).__module__ == "hyperkm"
    assert hyperkm.Resource.__module__ == "hyperkm" == hyperkm.Link.__module__


def test_supported_pythons_are_declared_truthfully():
    import configparser
    from pathlib import Path

    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).parents[2] / "setup.cfg")
    assert cfg["options"]["python_requires"].strip() == ">=3.11"
    classifiers = cfg["metadata"]["classifiers"]
    assert "Python :: 3.11" in classifiers and "3.9" not in classifiers


def test_refresh_after_a_relayout_walks_the_trail_again():
    with running() as demo:
        state = shell(demo)
        state.demo = demo
        execute(state, "accounts")
        execute(state, "items")
        execute(state, "open 0")
        execute(state, "products")
        before = state.current.url
        assert "moved" in execute(state, "relayout alt")
        out = execute(state, "refresh")
        assert "moved:" in out and state.current.url != before
        assert state.current.document.items is not None  # the same collection, at its new URL
        assert "My SaaS Product" in execute(state, "items")


def test_export_fetches_once():
    with running(job_polls=1, result_rows=30) as demo:
        state = shell(demo)
        execute(state, f"report id={REPORT_PEOPLE}")
        execute(state, "do run start_date=2015-06-02 end_date=2015-06-09")
        before = demo.stats.requests
        out = execute(state, "export")
        assert "text/csv" in out
        assert demo.stats.requests == before + 1  # the preview is the answer already had
