"""Every Python example in the docs and the README runs, against the demo server.

```python blocks are executed; ```pycon blocks are doctests (their output is checked, with
ELLIPSIS). Blocks of one page share a namespace, in order. ```py blocks are sketches that are
shown but not run (a Redis URL, a production root). Each page gets its own emulator; the
README's fixed address http://127.0.0.1:8765/core is pointed at it.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import pathlib
import re

import pytest

import hyperkm
from hyperkm.demo import DemoServer

ROOT = pathlib.Path(__file__).parents[2]
PAGES = [*sorted(p for p in (ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
BLOCK = re.compile(r"^```(python|pycon)\n(.*?)^```", re.S | re.M)


def blocks(page: pathlib.Path) -> list[tuple[str, str, int]]:
    text = page.read_text()
    return [(m.group(1), m.group(2), text[:m.start()].count("\n") + 2)
            for m in BLOCK.finditer(text)]


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_examples_run(page, monkeypatch, tmp_path):
    demo = DemoServer(job_polls=1).start()
    monkeypatch.setenv("HYPERKM_TOKEN", demo.token)
    monkeypatch.setenv("API_ROOT", demo.root_url)
    monkeypatch.setenv("HOME", str(tmp_path))  # "~/.cache/..." examples stay in the sandbox
    # Nothing is handed to the examples: like the tutorial, every page defines what it uses,
    # so a reader can paste it (with `hyperkm demo` running on its default port).
    namespace = {"__name__": f"docs:{page.name}"}
    started = []
    original_start = DemoServer.start

    def tracked_start(self):
        started.append(self)
        return original_start(self)

    monkeypatch.setattr(DemoServer, "start", tracked_start)
    registered = list(hyperkm.formats._FORMATS)  # a page may register a format of its own
    try:
        for lang, code, line in blocks(page):
            code = code.replace("http://127.0.0.1:8765/core", demo.root_url)
            name = f"{page.relative_to(ROOT)}:{line}"
            if lang == "python":
                exec(compile(code, name, "exec"), namespace)
                continue
            test = doctest.DocTestParser().get_doctest(code, namespace, name, str(page), line)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS
                                           | doctest.NORMALIZE_WHITESPACE)
            out = io.StringIO()
            runner.run(test, out=out.write, clear_globs=False)
            namespace.update(test.globs)  # DocTest works on a copy: carry names forward
            assert runner.failures == 0, f"{name}\n{out.getvalue()}"
    finally:
        hyperkm.formats._FORMATS[:] = registered
        for server in started:
            with contextlib.suppress(OSError):
                server.stop()
        demo.stop()
