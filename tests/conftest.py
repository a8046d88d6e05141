import json
import os
import pathlib

import pytest

pytest_plugins = ["tests._transports"]

FIXTURES = pathlib.Path(__file__).parent / "fixtures"

# The shell's pty tests talk to prompt_toolkit through pexpect, which is no terminal that
# answers a cursor-position request: prompt_toolkit waited a second for the answer at every
# prompt (a real terminal answers at once). Set for every process the tests start.
os.environ.setdefault("PROMPT_TOOLKIT_NO_CPR", "1")


@pytest.fixture
def fixture_json():
    def load(name):
        return json.loads((FIXTURES / f"{name}.json").read_text())

    return load
