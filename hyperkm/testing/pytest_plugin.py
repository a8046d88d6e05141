"""hyperkm's pytest plugin (registered when hyperkm is installed): the fixtures
``hyperkm_mock`` (a fresh [`MockTransport`][hyperkm.testing.MockTransport]) and
``hyperkm_emulator`` (an in-process [`Emulator`][hyperkm.testing.Emulator]; its options from
``@pytest.mark.hyperkm_emulator(format="hal", events=500)``).

Nothing is imported from hyperkm until a test asks for a fixture: the plugin costs the test
runs of other projects nothing.
"""

from __future__ import annotations

from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "hyperkm_emulator(**options): options of the hyperkm_emulator fixture "
        "(those of hyperkm.demo.DemoConfig: format, events, layout, fail_rate ...)")


@pytest.fixture
def hyperkm_mock() -> Any:
    """A fresh `hyperkm.testing.MockTransport`: declare routes, pass it as
    ``hyperkm.connect(url, transport=hyperkm_mock)``, read ``hyperkm_mock.requests``."""
    from . import MockTransport

    return MockTransport()


@pytest.fixture
def hyperkm_emulator(request: pytest.FixtureRequest) -> Any:
    """The bundled KISSmetrics emulator in process (`hyperkm.testing.Emulator`):
    ``hyperkm_emulator.connect()`` gives its root. Options come from the
    ``hyperkm_emulator`` marker."""
    from . import Emulator

    marker = request.node.get_closest_marker("hyperkm_emulator")
    options = dict(marker.kwargs) if marker is not None else {}
    return Emulator(**options)
