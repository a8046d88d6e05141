"""Every interactive shell session in the docs, replayed exactly as written in the real
`hyperkm browse --demo`, in a pseudo-terminal.

A ```hyperkm-shell block holds prompts with the command typed after them (`/ › products`),
and between them lines the shell must print; `…` stands for anything (on the same line).
"""

from __future__ import annotations

import os
import pathlib
import re
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

ROOT = pathlib.Path(__file__).parents[2]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
BLOCK = re.compile(r"^```hyperkm-shell\n(.*?)^```", re.S | re.M)
PROMPT = re.compile(r"^(/ ›(?: .*›)?) ([^›\s][^›]*)$")


def sessions() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in BLOCK.finditer(text):
            line = text[:match.start()].count("\n") + 1
            found.append((f"{page.relative_to(ROOT)}:{line}", match.group(1)))
    return found


@pytest.mark.parametrize("where,session", sessions(), ids=[w for w, _ in sessions()])
def test_shell_session_as_written(where, session, tmp_path):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "TERM": "dumb", "COLUMNS": "200"}
    env.pop("HYPERKM_TOKEN", None)
    child = pexpect.spawn(sys.executable, ["-m", "hyperkm", "browse", "--demo", "--no-history"],
                          env=env, encoding="utf-8", timeout=30, dimensions=(60, 200))
    try:
        child.expect("Tab completes")
        for line in session.splitlines():
            if not line.strip():
                continue
            prompt = PROMPT.match(line)
            if prompt:
                child.expect_exact(prompt.group(1) + " ")  # the breadcrumb as written
                child.sendline(prompt.group(2))
                continue
            for part in (p.strip() for p in line.split("…")):
                if part:
                    child.expect_exact(part)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, where
