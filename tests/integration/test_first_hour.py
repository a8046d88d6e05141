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


def test_demo_help_is_in_the_style_of_the_other_commands():
    out = subprocess.run([sys.executable, "-m", "hyperkm", "demo", "--help"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.startswith("Usage: hyperkm demo [OPTIONS]")
    assert "Options:" in out and "[default: 8765]" in out and "Exit codes:" in out
    bad = subprocess.run([sys.executable, "-m", "hyperkm", "demo", "--format", "xml"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Invalid value for '--format'" in bad.stderr
