"""Run the suite on another transport: ``pytest --transport=httpx`` (httpx's blocking pools)
or ``--transport=httpx-async`` (its asynchronous pools on an event loop: every test body runs
in the bridge hyperkm.aio runs its code in, so each request the library sends is awaited).

Every client a test makes without a transport of its own (or a session with adapters of its
own) gets the chosen one. A test about requests/urllib3 themselves can be marked
``requests_only`` (none needs it today: the deadline, TLS and framing tests pass on all three);
``threads`` marks a client used from several threads, which hyperkm.aio does not allow.
"""

from __future__ import annotations

import asyncio
import os

import pytest

CHOICES = ("requests", "httpx", "httpx-async")

#: The transports made for the running test (closed when it ends: an async one on its loop).
_MADE: list = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--transport", choices=CHOICES,
                     default=os.environ.get("HYPERKM_TEST_TRANSPORT", "requests"),
                     help="the transport hyperkm's clients use in the tests (default requests)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requests_only: about requests/urllib3 themselves; "
                                       "runs on the default transport only")
    config.addinivalue_line("markers", "aio: a hyperkm.aio test with its own event loop and "
                                       "transport; run once, with the default run")
    config.addinivalue_line("markers", "own_process: drives hyperkm in a subprocess (the CLI "
                                       "in a pty), which runs on the default transport: run "
                                       "with the default run only")
    config.addinivalue_line("markers", "threads: uses one client from several threads (or "
                                       "an application that does); not run on httpx-async, "
                                       "where a client lives on one event loop")


def chosen(config: pytest.Config) -> str:
    return str(config.getoption("--transport"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"hyperkm transport: {chosen(config)}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chosen(config) == "requests":
        return
    skip = pytest.mark.skip(reason=f"about requests/urllib3 itself (not run on "
                                   f"--transport={chosen(config)})")
    threads = pytest.mark.skip(reason="a client used from several threads: hyperkm.aio's "
                                      "clients live on one event loop (tests/integration/"
                                      "test_aio.py runs the same with tasks)")
    once = pytest.mark.skip(reason="hyperkm.aio's own tests pick their transport: run "
                                   "with --transport=requests (the default)")
    applications = pytest.mark.skip(reason="the explorer's browser tests and the docs' "
                                           "examples run applications with a blocking client "
                                           "(and their own event loops): not bridged")
    subprocess = pytest.mark.skip(reason="hyperkm in a subprocess, on the default transport: "
                                         "run with --transport=requests (the default)")
    for item in items:
        if item.get_closest_marker("requests_only"):
            item.add_marker(skip)
        elif item.get_closest_marker("own_process"):
            item.add_marker(subprocess)
        elif item.get_closest_marker("aio"):
            item.add_marker(once)
        elif chosen(config) == "httpx-async" and _part(item) in ("browser", "docs"):
            item.add_marker(applications)
        elif chosen(config) == "httpx-async" and item.get_closest_marker("threads"):
            item.add_marker(threads)


@pytest.fixture(autouse=True)
def _hyperkm_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    which = chosen(request.config)
    if which == "requests" or request.node.get_closest_marker("requests_only"):
        yield
        return
    from hyperkm import _http_client
    from hyperkm.aio._transport import BridgedTransport
    from hyperkm.transports import AsyncHttpxTransport, HttpxTransport

    original = _http_client.HttpClient.__init__
    made = _MADE
    made.clear()

    def init(self, root_url, *args, transport=None, session=None, verify=True, **options):
        if transport is None and not _has_own_adapters(session):
            if which == "httpx":
                transport = HttpxTransport(verify=verify)
            else:
                transport = BridgedTransport(AsyncHttpxTransport(verify=verify))
            made.append(transport)
            verify = True  # (the transport's, now)
        original(self, root_url, *args, transport=transport, session=session, verify=verify,
                 **options)

    monkeypatch.setattr(_http_client.HttpClient, "__init__", init)
    yield
    for transport in made:
        if isinstance(transport, HttpxTransport):
            transport.close()


def _part(item: pytest.Item) -> str:
    """The suite an item belongs to: ``unit``, ``integration``, ``hostile``, ``browser``..."""
    parts = item.path.relative_to(item.config.rootpath).parts
    return parts[1] if len(parts) > 2 and parts[0] == "tests" else ""


def _has_own_adapters(session) -> bool:
    import requests

    return session is not None and any(
        type(adapter) is not requests.adapters.HTTPAdapter
        for adapter in session.adapters.values())


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    if chosen(pyfuncitem.config) != "httpx-async" or pyfuncitem.get_closest_marker(
            "requests_only") or pyfuncitem.get_closest_marker("threads") or \
            asyncio.iscoroutinefunction(pyfuncitem.obj):
        return None
    from hyperkm import _bridge

    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}

    async def body() -> None:
        try:
            await _bridge.run(pyfuncitem.obj, **kwargs)
        finally:
            for transport in _MADE:  # their connections belong to this loop
                await transport.inner.aclose()

    asyncio.run(body())
    return True
