"""A real third-party client — Ketting, from npm — walks hyperkm's emulator."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest

from hyperkm.demo import running

from .conftest import need_node

SCRIPT = pathlib.Path(__file__).parent / "clients" / "ketting_walk.js"
FORMATS = ["km", "hal", "array", "siren", "jsonapi", "collection+json", "html", "hydra", "odata",
           "activitystreams"]


def ketting(*args: str) -> dict:
    path = need_node("ketting")
    run = subprocess.run(["node", str(SCRIPT), *args], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "KETTING_PATH": str(path)})
    out = json.loads(run.stdout or "{}")
    assert run.returncode == 0 and "error" not in out, out.get("error") or run.stderr
    return out


def test_ketting_walks_the_hal_emulator_templates_included():
    with running(format="hal") as demo:
        out = ketting("walk", demo.root_url, demo.token, "km:")
    assert out["accounts"] == 1 and out["eventsOnPage"] == 20
    assert out["templated"]["id"] == out["templated"]["expected"]  # {id} expanded by Ketting
    assert "/events/" in out["templated"]["uri"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_link_ketting_can_follow_leads_somewhere(fmt):
    # The Link header used to carry templates as targets (invalid RFC 8288): Ketting followed
    # them literally and got 404 in every format. Every non-template it sees must answer.
    with running(format=fmt) as demo:
        out = ketting("links", demo.root_url, demo.token)
    followed = out["followed"]
    assert followed and all(status == 200 for status in followed.values()), followed
