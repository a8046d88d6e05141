"""Imports point one way: a lower layer never imports a higher one (not even lazily or under
TYPE_CHECKING), so the request flow reads top-down."""

from __future__ import annotations

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).parents[2] / "hyperkm"

#: Bottom to top. A module may import only modules listed before it.
LAYERS = ["_version", "_exceptions", "_transport", "_transport_pools", "_patterns",
          "_deadline", "_urls", "_problem", "_templates", "_links", "_forms", "formats",
          "_deprecation", "_cache", "_http", "_policy", "_responses", "_exchanges", "_oauth",
          "_sending", "_download", "_client", "_steps", "_node", "_pages", "_collection", "_jobs",
          "_bookmarks", "_actions", "_changes", "_repl", "_resource", "check", "_connect"]


def imports_of(path: pathlib.Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            module = (node.module or "").split(".")[0]
            found += [(module, node.lineno)] if module else [
                (alias.name, node.lineno) for alias in node.names]
    return found


def test_imports_point_down():
    wrong = []
    for name in LAYERS:
        path = PACKAGE / f"{name}.py"
        if not path.exists():
            path = PACKAGE / name / "__init__.py"
        for target, line in imports_of(path):
            if target in LAYERS and LAYERS.index(target) > LAYERS.index(name):
                wrong.append(f"{name}.py:{line} imports {target}")
    assert wrong == []


def test_formats_import_nothing_above_them():
    for path in (PACKAGE / "formats").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                assert LAYERS.index((node.module or "").split(".")[0]) < LAYERS.index(
                    "formats"), f"{path.name}:{node.lineno}"


def test_the_architecture_page_shows_every_layer_in_order():
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    picture = page.split("```text", 1)[1].split("```", 1)[0]
    rows = [line.split()[0] for line in picture.splitlines()
            if line.strip() and line.split()[0] in LAYERS]
    assert rows == list(reversed(LAYERS))  # drawn top to bottom
