"""The documentation site builds with warnings as errors, and the CLI page matches the CLI."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[2]


def test_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                             "--config-file", "docs/mkdocs.yml",
                             "--site-dir", str(tmp_path / "site")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    import hyperkm

    reference = (tmp_path / "site" / "reference" / "index.html").read_text()
    missing = [name for name in hyperkm.__all__
               if name != "__version__" and f'id="hyperkm.{name}"' not in reference
               and f'id="hyperkm._exceptions.{name}"' not in reference]
    assert missing == []  # every public name has its generated entry
    # Client's own methods live in its base classes: they must be rendered all the same
    # (they were not, until the reference asked for inherited members).
    for member in ("fetch", "request", "use", "use_token", "allowed_methods", "check"):
        assert f'id="hyperkm.Client.{member}"' in reference, member
    for member in ("post", "put", "patch", "delete", "wait", "download", "follow", "items"):
        assert f'id="hyperkm.Resource.{member}"' in reference, member


def test_cli_page_documents_every_command_and_exit_code():
    from hyperkm.cli import app

    page = (ROOT / "docs" / "cli.md").read_text()
    for name in app.cli.commands:
        assert f"`hyperkm {name}" in page, name
    codes = {v for k, v in vars(app).items() if k.startswith("EXIT_")}
    documented = {int(c) for c in re.findall(r"^\| (\d) \|", page, re.M)}
    assert documented == codes
    for code in codes:
        assert f"{code} " in app.EPILOG
