"""The browse shell's commands as plain functions, and its completer, against the demo."""

import json

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

import hyperkm
from hyperkm.cli.repl import ShellCompleter
from hyperkm.cli.shell import Quit, ShellState, execute
from hyperkm.demo.dataset import PRODUCT_SAAS


@pytest.fixture
def state(demo):
    return ShellState(hyperkm.connect(demo.root_url, token=demo.token))


def complete(state, text):
    return [c.text for c in ShellCompleter(state).get_completions(
        Document(text, len(text)), CompleteEvent(completion_requested=True))]


def test_links_show_and_breadcrumb(state):
    assert state.crumb() == "/ ›"
    links = execute(state, "links")
    assert "accounts" in links and "{?limit,offset}" in links and "template: id" in links
    assert json.loads(execute(state, "show"))["name"] == "KISSmetrics API"


def test_follow_items_open_back_home_history(state):
    out = execute(state, "products")  # a rel typed alone
    assert "a collection: 2 members on this page, 2 in all" in out
    assert state.crumb() == "/ › products ›"
    listing = execute(state, "items")
    assert "My SaaS Product" in listing and "2 of 2 shown" in listing
    assert execute(state, "items") == "(no more members)"
    out = execute(state, "open 0")
    assert PRODUCT_SAAS in out and state.crumb() == "/ › products › My SaaS Product ›"
    execute(state, "follow events")
    assert state.crumb().endswith("events ›")
    first = execute(state, "items 5")
    assert first.count("\n") == 7 and "5 of 45 shown" in first
    assert "10 of 45 shown" in execute(state, "items 5")
    assert "open N" in execute(state, "open x")
    assert "no member 99" in execute(state, "open 99")
    execute(state, "back")
    assert state.crumb() == "/ › products › My SaaS Product ›"
    execute(state, "home")
    assert state.crumb() == "/ ›"
    history = execute(state, "history")
    assert "products ›" in history and history.count("\n") >= 3


def test_follow_with_template_variables(state):
    out = execute(state, f"follow product id={PRODUCT_SAAS}")
    assert "name='My SaaS Product'" in out
    assert state.current.breadcrumb == [f"product(id={PRODUCT_SAAS})"]


def test_errors_are_one_line_with_suggestions(state):
    assert execute(state, "acounts") == 'error: no rel "acounts" here — did you mean "accounts"?'
    assert execute(state, "lnks") == 'error: no command or rel "lnks" — did you mean "links"?'
    assert execute(state, "zzz").startswith('error: "zzz" is neither a command nor a rel')
    assert execute(state, "follow acounts") == (
        'error: no rel "acounts" here — did you mean "accounts"? (\'links\' shows them all)')
    out = execute(state, "follow event")
    assert out.startswith("error: cannot expand URI template") and "\n" not in out
    assert execute(state, "follow event id") .startswith("error: expected name=value")
    assert state.crumb() == "/ ›"  # nothing moved


def test_trace_shows_each_exchange_with_its_cache_outcome(state):
    assert execute(state, "trace on") == "trace is on"
    out = execute(state, "accounts")
    assert "↳ GET" in out and "200  network" in out
    execute(state, "back")
    out = execute(state, "refresh")
    assert "304  revalidated" in out
    execute(state, "trace off")
    assert "↳" not in execute(state, "products")


def test_headers(state):
    out = execute(state, "headers")
    assert out.startswith("200 OK") and "ETag:" in out and "Link:" in out


def test_patch_and_post_and_run(state, demo):
    execute(state, f"follow product id={PRODUCT_SAAS}")
    out = execute(state, 'patch {"description": "from the shell"}')
    assert json.loads(out)["description"] == "from the shell"
    assert "usage" in execute(state, "patch [1]")
    assert "expected a JSON body" in execute(state, "patch {nope")
    execute(state, "home")
    execute(state, "reports")
    execute(state, "items")
    people = next(i for i, m in enumerate(state.listed)
                  if m.data["report_type"] == "people_search_v2")
    execute(state, f"open {people}")
    execute(state, "follow run")  # "run" alone is the shell command; follow reaches the rel
    seen = []
    state.progress = seen.append
    out = execute(state, 'run {"start_date": "2015-06-02", "end_date": "2015-06-09"}')
    assert out.startswith("done in") and "137 in all" in out
    assert seen and seen[-1] == 1.0


def test_help_and_quit(state):
    assert "follow REL" in execute(state, "help") and "Tab completes" in execute(state, "help")
    with pytest.raises(Quit):
        execute(state, "quit")


def test_completion_of_commands_rels_and_variables(state):
    assert complete(state, "acc") == ["accounts", "account"]
    assert "links" in complete(state, "li") and "history" in complete(state, "h")
    assert complete(state, "follow ev") == ["events", "event"]
    assert complete(state, "event ") == ["id="]
    assert complete(state, "follow events l") == ["limit="]
    assert complete(state, "events limit=5 ") == ["offset="]


def test_bookmarks_in_the_shell_survive_a_layout_switch(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    state = ShellState(hyperkm.connect(demo.root_url, token=demo.token))
    assert "no bookmarks yet" in execute(state, "bookmark list")
    execute(state, "products")
    execute(state, "items")
    execute(state, "open 0")
    execute(state, "events")
    assert execute(state, "bookmark save ev") == "saved ev: / › products › [id=e706…] › events"
    stored = (tmp_path / "hyperkm" / "bookmarks.json").read_text()
    assert "ev" in json.loads(stored) and demo.token not in stored
    assert "ev" in execute(state, "bookmark list")
    demo.switch_layout("alt", mode="301")
    execute(state, "home")
    out = execute(state, "bookmark go ev")
    assert "bookmark updated" in out and "/api/v9/apps/" in out
    assert "/api/v9/apps/" in json.loads(
        (tmp_path / "hyperkm" / "bookmarks.json").read_text())["ev"]["url"]
    assert "no bookmark 'nope'" in execute(state, "bookmark go nope")
    assert execute(state, "bookmark delete ev") == "deleted ev"
    assert "usage" in execute(state, "bookmark")


def test_a_401_in_the_shell_speaks_in_shell_terms(demo):
    shell = ShellState(hyperkm.connect(demo.root_url))  # no token
    out = execute(shell, "show")
    assert out.startswith("error:") and "HYPERKM_TOKEN" in out
    assert "hyperkm.connect()" not in out and "token=" not in out


@pytest.mark.parametrize("fmt", ["hal", "siren", "collection+json"])
def test_report_results_show_their_own_columns(fmt):
    from hyperkm.demo import running

    with running(format=fmt, job_polls=1) as demo:
        shell = ShellState(hyperkm.connect(demo.root_url, token=demo.token))
        execute(shell, "report id=64361c30-4a48-0131-0cbb-22000a9f1c0f")
        execute(shell, "do run start_date=2015-06-02 end_date=2015-06-09")
        out = execute(shell, "items 3")
        header = out.splitlines()[0].split()
        assert header[:4] == ["#", "KMID", "Person", "Visited"], out
        assert "person0@example.com" in out


def test_token_command_asks_unseen_and_applies_to_the_session(demo):
    shell = ShellState(hyperkm.connect(demo.root_url))  # no token: 401
    assert execute(shell, "show").startswith("error:")
    assert execute(shell, f"token {demo.token}").startswith("error:")  # never on the line
    asked = []
    shell.ask_secret = lambda message: asked.append(message) or demo.token
    out = execute(shell, "token")
    assert asked and "not shown" in asked[0] and "origin only" in out
    assert "KISSmetrics" in execute(shell, "show")  # the same session, now with the token


def test_token_in_a_real_terminal_is_not_echoed_nor_kept(tmp_path):
    import os
    import sys

    pexpect = pytest.importorskip("pexpect")
    from hyperkm.demo import running

    with running() as demo:
        env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "TERM": "xterm"}
        env.pop("HYPERKM_TOKEN", None)
        child = pexpect.spawn(sys.executable, ["-m", "hyperkm", "browse", demo.root_url],
                              env=env, encoding="utf-8", timeout=20, dimensions=(40, 120))
        try:
            child.expect("Tab completes rels")
            child.sendline("token typed-on-the-line")  # refused, and never in the file
            child.expect("type just 'token'")
            child.sendline("token")
            child.expect("not shown")
            child.sendline(demo.token)
            child.expect("token set")
            seen = child.before
            child.sendline("quit")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert demo.token not in seen
        history = tmp_path / "hyperkm" / "history"
        assert history.exists() and "quit" in history.read_text()
        assert demo.token not in history.read_text()
        assert "typed-on-the-line" not in history.read_text()
