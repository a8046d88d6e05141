"""End to end: the real `hyperkm browse --demo` in a pseudo-terminal."""

import os
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.own_process  # the CLI in its own process, on the default transport


def test_browse_demo_tab_completion_follow_back_quit(tmp_path):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "TERM": "xterm", "COLUMNS": "120"}
    env.pop("HYPERKM_TOKEN", None)
    child = pexpect.spawn(sys.executable, ["-m", "hyperkm", "browse", "--demo"], env=env,
                          encoding="utf-8", timeout=20, dimensions=(40, 120))
    try:
        child.expect("Tab completes rels")
        child.expect("rels: accounts")
        child.expect_exact("/ ›")
        child.send("acc")
        child.send("\t")  # completion menu: accounts, account
        child.expect("accounts")
        child.send("\t")  # select the first
        child.send("\r")
        child.expect("a collection: 1 member on this page")
        child.expect_exact("accounts ›")
        child.sendline("items")
        child.expect("My SaaS Account")
        child.sendline("back")
        child.expect_exact("/ ›")
        child.sendline("acounts")
        child.expect('did you mean "accounts"')
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = (tmp_path / "hyperkm" / "history").read_text()
    assert "items" in history and "quit" in history  # persisted for the next session


def test_show_is_highlighted_json_in_a_terminal(tmp_path):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "TERM": "xterm-256color",
           "COLUMNS": "120"}
    env.pop("HYPERKM_TOKEN", None)
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(sys.executable, ["-m", "hyperkm", "browse", "--demo", "--no-history"],
                          env=env, encoding="utf-8", timeout=20, dimensions=(40, 120))
    try:
        child.expect("rels: accounts")
        child.sendline("show")
        child.expect_exact('"KISSmetrics API"')
        shown = child.before
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    # rich's JSON highlighting: keys bold blue (prompt_toolkit's own codes are not colours)
    assert '\x1b[1;34m"name"\x1b[0m' in shown
    assert not (tmp_path / "hyperkm" / "history").exists()  # --no-history
