import logging

import pytest

from hyperkm.demo import running


@pytest.fixture(autouse=True)
def _quiet_werkzeug():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


@pytest.fixture
def demo():
    with running() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_env_token(monkeypatch):
    monkeypatch.delenv("HYPERKM_TOKEN", raising=False)
