"""A server's word that a resource is going away — ``Deprecation`` (RFC 9745), ``Sunset``
(RFC 8594), ``rel="deprecation"``/``"sunset"`` links — told once per resource, in the library,
the CLI, the shell and the explorer, over real HTTP."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import requests

import hyperkm
from hyperkm.cli import main
from hyperkm.cli.shell import ShellState, execute
from tests.support import ScriptedServer

ROOT = {"links": [{"rel": "self", "href": "/core"}, {"rel": "old", "href": "/core/old"},
                  {"rel": "fine", "href": "/core/fine"}], "data": {"name": "root"}}
DEPRECATED = {"Content-Type": "application/json", "Deprecation": "@1688169599",
              "Sunset": "Wed, 31 Dec 2025 23:59:59 GMT",
              "Link": '<https://developer.example/deprecation>; rel="deprecation", '
                      '<https://developer.example/sunset>; rel="sunset"'}


def server():
    return ScriptedServer({
        "/core": (200, {"Content-Type": "application/json"}, ROOT),
        "/core/old": (200, DEPRECATED, {"name": "old"}),
        "/core/fine": (200, {"Content-Type": "application/json",
                             "Sunset": "Thu, 01 Jan 2099 00:00:00 GMT"}, {"name": "fine"}),
        "/core/draft": (200, {"Content-Type": "application/json", "Deprecation": "true"},
                        {"name": "draft"}),
    })


def test_the_resource_says_when_and_where(caplog):
    with server() as api:
        root = hyperkm.connect(api.url + "/core", cache=False)
        seen = []
        root.client.on_exchange.append(seen.append)
        with caplog.at_level(logging.WARNING, logger="hyperkm"):
            old = root.follow("old")
            _ = old.data
            old.refresh()
            _ = root.client.resource("/core/old").data
        found = old.deprecation
        assert found.since == dt.datetime(2023, 6, 30, 23, 59, 59, tzinfo=dt.UTC)
        assert found.sunset == dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
        assert found.link == "https://developer.example/deprecation"
        assert found.sunset_link == "https://developer.example/sunset"
        assert found.deprecated
        said = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
        assert len(said) == 1  # once per resource, however often it is fetched
        assert "since 2023-06-30" in said[0] and "2025-12-31" in said[0]
        assert "https://developer.example/deprecation" in said[0]
        warned = [e for e in seen if e.warning]
        assert len(warned) == 1 and warned[0].url.endswith("/core/old")
        assert root.deprecation is None


def test_sunset_alone_and_an_old_drafts_true():
    with server() as api:
        client = hyperkm.connect(api.url + "/core", cache=False).client
        fine = client.resource("/core/fine")
        _ = fine.data
        assert not fine.deprecation.announced
        assert fine.deprecation.message().endswith("will stop answering after 2099-01-01 (Sunset)")
        draft = client.resource("/core/draft")
        _ = draft.data
        assert draft.deprecation.since is None and draft.deprecation.deprecated
        assert draft.deprecation.message() == f"{api.url}/core/draft is deprecated"


def test_the_cli_and_the_shell_show_it(capsys):
    with server() as api:
        assert main(["get", api.url + "/core", "old"]) == 0
        err = capsys.readouterr().err
        assert "warning:" in err and "is deprecated since 2023-06-30" in err
        state = ShellState(hyperkm.connect(api.url + "/core"))
        assert not state.trace
        out = execute(state, "old")
        assert "⚠ warning:" in out and "https://developer.example/deprecation" in out
        assert "⚠" not in execute(state, "refresh")  # told once


@pytest.mark.threads  # the client is used from several threads
def test_the_explorer_page_shows_it():
    from hyperkm.explore import ExplorerServer

    with server() as api:
        root = hyperkm.connect(api.url + "/core")
        with ExplorerServer(root) as explorer:
            home = requests.get(explorer.url, timeout=5).text
            assert 'id="deprecation"' not in home
            hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="(/\?[^"]*&amp;t=[^"]*)"',
                                                                  home)]
            origin = explorer.url.split("/?")[0]
            pages = [requests.get(origin + h, timeout=5).text for h in hrefs]
            warned = [p for p in pages if 'id="deprecation"' in p]
            assert len(warned) == 2  # "old" (deprecated) and "fine" (a sunset ahead)
            old = next(p for p in warned if "/core/old —" in p)
            assert "2025-12-31" in old and "https://developer.example/deprecation" in old
            assert any("2099-01-01" in p for p in warned)
