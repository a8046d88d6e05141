"""The interop tier: real servers and a real client, written by others and installed from the
registries (pinned in setup.cfg's ``interop`` extra and in ``.ci/run``), on loopback.

A server or client that is not installed skips its tests with the reason — unless
``HYPERKM_REQUIRE_INTEROP`` is set (``.ci/run`` sets it once its installs succeeded), which
turns a missing one into a failure. npm packages are looked for in ``HYPERKM_INTEROP_NODE``
(a ``node_modules`` folder; ``.ci/run`` installs them into a cache beside the clone).
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

HERE = pathlib.Path(__file__).parent
SERVERS = HERE / "servers"
NODE_MODULES = pathlib.Path(os.environ.get(
    "HYPERKM_INTEROP_NODE", pathlib.Path.home() / ".cache" / "hyperkm-interop" / "node_modules"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in pathlib.Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.interop)


def unavailable(reason: str) -> None:
    if os.environ.get("HYPERKM_REQUIRE_INTEROP"):
        pytest.fail(f"{reason} (HYPERKM_REQUIRE_INTEROP is set: .ci/run installed the tier)")
    pytest.skip(reason)


def need_modules(*names: str) -> None:
    missing = [n for n in names if importlib.util.find_spec(n) is None]
    if missing:
        unavailable(f"not installed: {', '.join(missing)} (pip install -e '.[interop]')")


def need_node(package: str) -> pathlib.Path:
    if shutil.which("node") is None:
        unavailable("Node.js is not installed")
    path = NODE_MODULES / package
    if not path.exists():
        unavailable(f"npm package {package} is not installed in {NODE_MODULES} "
                    "(.ci/run installs it; set HYPERKM_INTEROP_NODE)")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A server in a subprocess on a loopback port, stopped at the end."""

    def __init__(self, argv: list[str], port: int, ready_path: str, cwd: pathlib.Path,
                 env: dict[str, str] | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = cwd / f"server-{port}.log"
        with open(self.log, "wb") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, **(env or {})})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                requests.get(self.url + ready_path, timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        text = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{argv} did not start on port {port}:\n{text}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="session")
def drf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    need_modules("django", "rest_framework", "rest_framework_json_api", "drf_hal_json")
    folder = tmp_path_factory.mktemp("drf")
    port = free_port()
    server = Process([sys.executable, str(SERVERS / "drf_site.py"), str(port),
                      str(folder / "db.sqlite3")], port, "/jsonapi/", folder)
    yield server
    server.stop()


@pytest.fixture(scope="session", params=["hal", "siren"])
def hypermodel(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Process]]:
    need_modules("fastapi_hypermodel", "fastapi", "uvicorn")
    folder = tmp_path_factory.mktemp(f"hypermodel-{request.param}")
    port = free_port()
    server = Process([sys.executable, "-m", "uvicorn", f"hypermodel_{request.param}:app",
                      "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                      "--app-dir", str(SERVERS)], port, "/items", folder)
    yield request.param, server
    server.stop()


JSON_SERVER_POSTS = 37


@pytest.fixture
def json_server(tmp_path: pathlib.Path) -> Iterator[Process]:
    package = need_node("json-server")
    import json

    db = {"posts": [{"id": i, "title": f"Post {i}", "authorId": 1 + i % 3}
                    for i in range(1, JSON_SERVER_POSTS + 1)],
          "authors": [{"id": i, "name": f"Author {i}"} for i in range(1, 4)]}
    (tmp_path / "db.json").write_text(json.dumps(db))
    port = free_port()
    server = Process(["node", str(package / "lib" / "cli" / "bin.js"), "--port", str(port),
                      "--host", "127.0.0.1", "--quiet", "db.json"], port, "/posts", tmp_path)
    yield server
    server.stop()


@pytest.fixture
def oauth2_server(tmp_path: pathlib.Path) -> Iterator[Process]:
    """oauth2-mock-server (npm): an OAuth2 / OpenID Connect authorization server nobody here
    wrote; its issuer is http://localhost:PORT, its metadata OpenID Connect Discovery's."""
    package = need_node("oauth2-mock-server")
    port = free_port()
    server = Process(["node", str(package / "dist" / "oauth2-mock-server.js"), "-a",
                      "127.0.0.1", "-p", str(port)], port,
                     "/.well-known/openid-configuration", tmp_path)
    yield server
    server.stop()
