"""Nothing an API sends may drive the user's terminal (CWE-150).

Every string slot of a document — keys, values, rels, titles, the server's error message,
response headers — carries escape sequences: OSC 52 (writes the clipboard), a title change,
C1 CSI (0x9b), BEL, CR (overwrites the line) and a right-to-left override. The CLI's tables,
errors and traces, and the shell in a real pseudo-terminal, must show them as visible
escapes; JSON output must stay exactly the server's value, with those characters escaped by
JSON itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hyperkm.cli.render import dumps, table
from hyperkm.cli.terminal import terminal_safe

from .conftest import respond

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
SEQUENCES = [OSC52, "\x1b]0;owned\x07", "\x9b31m", "\x1b[2J", "\x07", "\rforged", "\u202eevil",
             "\x1b[?1049h", "\x00", "\x7f"]
EVIL = "".join(SEQUENCES)
RAW = ["\x1b", "\x07", "\x9b", "\r", "\u202e", "\x00", "\x7f"]


def hostile(port: int) -> dict:
    base = f"http://127.0.0.1:{port}"
    return {"links": [{"rel": "next" + EVIL, "href": base + "/core", "name": EVIL},
                      {"rel": "broken", "href": base + "/broken"}],
            "data": {"name" + EVIL: EVIL, "nested": [EVIL, {"k": EVIL}]}}


def handler(request, conn, server):
    if request.target.startswith("/broken"):
        respond(conn, 404, {"message": "gone " + EVIL}, {"X-Evil": "a\x1b]52;c;eA==\x07b"})
    else:
        respond(conn, 200, json.dumps(hostile(server.port)), {"X-Evil": "\x1b]0;t\x07"})


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HYPERKM_TOKEN"}
    return subprocess.run([sys.executable, "-m", "hyperkm", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def assert_clean(text: str) -> None:
    for raw in RAW:
        assert raw not in text, (raw, text[:300])


def test_terminal_safe_escapes_every_control_visibly():
    shown = terminal_safe(EVIL + "\ttab\nline")
    assert_clean(shown)
    assert "\\x1b]52;" in shown and "\\x9b" in shown and "\\u202e" in shown
    assert shown.endswith("\ttab\nline")  # tab and newline are layout, kept


def test_json_output_is_the_same_value_and_terminal_safe():
    value = hostile(1)
    text = dumps(value)
    assert_clean(text)
    assert json.loads(text) == value


def test_tables_are_terminal_safe():
    assert_clean(terminal_safe(table([[EVIL, EVIL]], ["a" + EVIL, "b"])))


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_cli_get_output(raw_server, fmt):
    server = raw_server(handler)
    run = run_cli("get", server.url + "/core", "--format", fmt, "-v")
    assert run.returncode == 0, run.stderr
    assert_clean(run.stdout)
    assert_clean(run.stderr)  # -v prints the exchange, headers included
    if fmt == "json":
        assert json.loads(run.stdout) == hostile(server.port)["data"]
    else:
        assert "\\x1b]52;" in run.stdout  # shown, as text


def test_cli_error_messages(raw_server):
    server = raw_server(handler)
    run = run_cli("get", server.url + "/core", "broken")
    assert run.returncode == 4
    assert_clean(run.stderr)
    assert "gone" in run.stderr


def test_the_shell_in_a_terminal(raw_server, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    server = raw_server(handler)
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "TERM": "xterm", "COLUMNS": "200"}
    env.pop("HYPERKM_TOKEN", None)
    child = pexpect.spawn(sys.executable, ["-m", "hyperkm", "browse", server.url + "/core",
                                           "--no-history"], env=env, encoding="utf-8",
                          timeout=20, dimensions=(60, 200))
    try:
        child.expect("Tab completes rels")
        for command in ("links", "show", "trace on", "broken", "headers"):
            child.sendline(command)
        child.sendline("quit")
        child.expect(pexpect.EOF)
        seen = child.before
    finally:
        child.close()
    # prompt_toolkit draws with its own escape sequences; the API's must not be among them
    for raw in (OSC52, "\x1b]0;owned\x07", "\x9b", "\u202e", "\x1b[2J", "\x1b[?1049h"):
        assert raw not in seen, repr(raw)
    assert "\\x1b]52;" in seen
