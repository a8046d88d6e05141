"""Chromium, driven by Playwright, over the explorer over the emulator — all on loopback.

Debian's Chromium is used (``executable_path``): nothing is downloaded at test time. Without
Playwright or Chromium the tests are skipped (CI installs both).
"""

from __future__ import annotations

import os
import shutil

import pytest

import hyperkm
from hyperkm.demo import running

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# Package scope, not session: Playwright's blocking API runs an asyncio loop in this thread
# while it lives, and asyncio.run() (the hyperkm.aio tests, the docs' asyncio examples) cannot
# start beside it. It stops when the browser tests are done.
@pytest.fixture(scope="package")
def browser():
    required = bool(os.environ.get("HYPERKM_REQUIRE_BROWSER"))  # CI installed Chromium
    try:
        from playwright import sync_api
    except ImportError:
        if required:
            pytest.fail("Playwright is required (HYPERKM_REQUIRE_BROWSER) but not installed")
        pytest.skip("Playwright is not installed (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        if required:
            pytest.fail(f"Chromium is required (HYPERKM_REQUIRE_BROWSER) but {CHROMIUM} is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    dialogs = []
    tab = context.new_page()
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.dialogs = dialogs
    yield tab
    context.close()


@pytest.fixture
def explorer():
    from hyperkm.explore import ExplorerServer

    with running(format="hal", job_polls=2) as demo:
        root = hyperkm.connect(demo.root_url, token=demo.token)
        with ExplorerServer(root, demo=demo) as server:
            server.demo = demo
            yield server
