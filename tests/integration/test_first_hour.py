"""The first hour, at the level a person meets it: the shell in a pseudo-terminal, the CLI as
a subprocess. (The explorer's side is in tests/browser/test_explore_teaching.py.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

import hyperkm
from hyperkm.cli.render import links_table
from hyperkm.cli.shell import ShellState, execute
from hyperkm.demo import running
from hyperkm.demo.dataset import REPORT_PEOPLE

pexpect = pytest.importorskip("pexpect")


def spawn(tmp_path, *args: str):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
           "TERM": "xterm", "COLUMNS": "160", "NO_COLOR": "1"}
    env.pop("HYPERKM_TOKEN", None)
    return pexpect.spawn(sys.executable, ["-m", "hyperkm", "browse", "--no-history", *args],
                         env=env, encoding="utf-8", timeout=30, dimensions=(50, 160))


@pytest.mark.own_process
def test_do_run_asks_with_an_example_and_the_bar_never_shares_a_line_with_the_trace(tmp_path):
    child = spawn(tmp_path, "--demo", "--demo-format", "hal")
    try:
        child.expect("rels: ")
        child.sendline("trace on")
        child.expect("trace is on")
        child.sendline(f"km:report id={REPORT_PEOPLE}")
        child.expect("My People Search")
        child.sendline("do run")
        # the raw regex comes with an example value a person can type
        child.expect(r"/\\d\{4\}-.*e\.g\. (\d{4}-\d{2}-\d{2})")
        example = child.match.group(1)
        child.expect_exact("start_date* =")
        child.sendline(example)
        child.expect_exact("end_date* =")
        child.sendline(example)
        child.expect_exact("(result) ›")
        transcript = child.before
        child.sendline("items")
        child.expect("KMID")  # the results' own columns
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    lines = transcript.replace("\r\n", "\n").split("\n")
    polls = [line for line in lines if "(job poll" in line]
    assert len(polls) >= 2, transcript  # each poll is in the trace, labelled
    bars = [line for line in lines if re.search(r"\[[#.]{30}\]", line)]
    assert bars, transcript  # the progress bar was drawn
    for line in lines:
        # what the terminal shows of a line is what follows its last carriage return
        shown = line.rsplit("\r", 1)[-1]
        assert not ("↳" in shown and re.search(r"\[[#.]{30}\]", shown)), line
        assert not ("↳" in line and "] " in line.split("↳")[0]), line  # no trace after a bar


@pytest.mark.own_process
def test_options_probes_are_labelled_in_the_trace_and_do_run_asks_for_described_fields(
        tmp_path):
    child = spawn(tmp_path, "--demo")  # KISSmetrics envelopes: no forms at all
    try:
        child.expect("rels: ")
        child.sendline("trace on")
        child.sendline(f"report id={REPORT_PEOPLE}")
        child.expect_exact("run (POST only: 'do run …')")  # learnt from an OPTIONS request
        asked = child.before
        child.sendline("do run")
        # the fields come from what the OPTIONS answer describes
        child.expect_exact("start_date* =")
        child.sendline("2015-06-02")
        child.expect_exact("end_date* =")
        child.sendline("2015-06-09")
        child.expect("202 Accepted")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    # the OPTIONS request that asked whether 'run' takes GET says so in the trace
    assert re.search(r"OPTIONS \S+/run .*\(OPTIONS: which methods does this link accept\?\)",
                     asked), asked


def test_the_links_table_shows_each_rels_own_documentation():
    with running(format="hal") as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        out = execute(ShellState(root), "links")
        row = next(line for line in out.splitlines() if line.startswith("km:accounts "))
        assert row.rstrip().endswith("/core/rels#accounts")
        assert "docs" in out.splitlines()[0]


def test_an_extension_rel_is_its_own_documentation():
    from hyperkm.formats import parse_link_header

    links = hyperkm.Links(parse_link_header(
        '<http://x/a>; rel="https://api.example/rels/orders", </b>; rel="next"', "http://x/"))
    assert links.docs("https://api.example/rels/orders") == "https://api.example/rels/orders"
    assert links.docs("next") is None  # a registered rel: IANA documents it
    assert links_table(links).splitlines()[2].rstrip().endswith("https://api.example/rels/orders")


@pytest.mark.own_process
def test_demo_help_is_in_the_style_of_the_other_commands():
    out = subprocess.run([sys.executable, "-m", "hyperkm", "demo", "--help"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.startswith("Usage: hyperkm demo [OPTIONS]")
    assert "Options:" in out and "[default: 8765]" in out and "Exit codes:" in out
    bad = subprocess.run([sys.executable, "-m", "hyperkm", "demo", "--format", "xml"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Invalid value for '--format'" in bad.stderr


@pytest.mark.own_process
@pytest.mark.parametrize("fmt", ["hal", "siren", "collection+json"])
def test_a_member_opened_from_a_listing_has_its_forms_and_results_their_columns(tmp_path, fmt):
    child = spawn(tmp_path, "--demo", "--demo-format", fmt)
    rel = "km:reports" if fmt == "hal" else "reports"
    try:
        child.expect("rels: ")
        child.sendline(rel)
        child.expect("a collection")
        child.sendline("items")
        child.expect(r"\n(\d+) +\S+ +My People Search")
        position = child.match.group(1)
        child.sendline(f"open {position}")
        child.expect("My People Search")
        child.sendline("actions")  # listed without forms: its own representation has them
        if fmt == "collection+json":  # its template writes the collection: 'run' is a link
            child.expect_exact("'run' takes POST but not GET")
        else:
            child.expect(r"run: POST \S+/run")
            child.expect(r"start_date\*")
        child.sendline("do run start_date=2015-06-02 end_date=2015-06-09")
        child.expect_exact("(result) ›")
        child.sendline("items")
        child.expect(r"KMID\s+Person\s+Visited Site")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


@pytest.mark.own_process
def test_refresh_after_the_demo_moved_its_urls_walks_the_trail_again(tmp_path):
    child = spawn(tmp_path, "--demo")
    try:
        child.expect("rels: ")
        child.sendline("products")
        child.expect("a collection")
        child.sendline("relayout")
        child.expect("every URL moved.*re-walks their trail.")
        child.sendline("refresh")
        child.expect(r"/api/v9/\S*")  # the same resource at its new URL, not a 404
        assert "error" not in child.before and "404" not in child.before
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()


@pytest.mark.own_process
def test_a_401_speaks_in_shell_terms_and_token_is_asked_unseen(tmp_path):
    with running() as demo:
        child = pexpect.spawn(sys.executable, ["-m", "hyperkm", "browse", "--no-history",
                                               demo.root_url],
                              env={**{k: v for k, v in os.environ.items()
                                      if k != "HYPERKM_TOKEN"},
                                   "XDG_STATE_HOME": str(tmp_path), "TERM": "xterm"},
                              encoding="utf-8", timeout=30, dimensions=(50, 160))
        try:
            child.expect("401")
            child.expect("HYPERKM_TOKEN")
            assert "connect()" not in child.before + child.after
            assert "type 'token'" in child.before
            child.expect_exact("/ ›")
            child.sendline("token")
            child.expect_exact("token (not shown):")
            child.sendline(demo.token)
            child.expect("token set for this session")
            assert demo.token not in child.before  # never echoed
            child.sendline("refresh")
            child.expect("rels: ")
            child.sendline("quit")
            child.expect(pexpect.EOF)
        finally:
            child.close()


@pytest.mark.own_process
def test_the_cli_as_a_subprocess(tmp_path):
    def hyperkm_cli(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "HYPERKM_TOKEN"}
        return subprocess.run([sys.executable, "-m", "hyperkm", *args], capture_output=True,
                              text=True, timeout=60, env=env)

    schemeless = hyperkm_cli("get", "127.0.0.1:9/core", "accounts")
    assert schemeless.returncode == 2 and "add http:// or https://" in schemeless.stderr
    out = tmp_path / "events.jsonl"
    every = hyperkm_cli("get", "--demo", "events", "--all", "-o", str(out))
    assert every.returncode == 0, every.stderr
    with running() as demo:
        total = len(hyperkm.connect(demo.root_url, token=demo.token).follow("events").items())
    assert total > 20  # more than one page
    assert len(out.read_text().splitlines()) == total  # every page, not the first
    started = hyperkm_cli("do", "--demo", "report", "--var", f"id={REPORT_PEOPLE}", "run",
                          "-f", "start_date=2015-06-02", "-f", "end_date=2015-06-09")
    assert started.returncode == 0, started.stderr
    assert "--wait" in started.stderr  # how to wait for the job it started


def test_demo_options_are_the_same_in_click_and_argparse():
    """``hyperkm demo`` (click) and ``python -m hyperkm.demo`` (argparse) hand the same
    namespace to one runner: an option added to one and not the other would break it."""
    from hyperkm.cli.app import DEMO_FORMATS, demo
    from hyperkm.demo.__main__ import build_parser
    from hyperkm.demo.render import FORMATS

    assert tuple(DEMO_FORMATS) == tuple(FORMATS)
    parsed = {a.dest for a in build_parser()._actions if a.dest != "help"}
    clicked = {p.name if p.name != "format_" else "format" for p in demo.params
               if p.name != "help"}
    assert parsed == clicked
