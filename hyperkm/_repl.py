"""How a resource presents itself — to people (its breadcrumb, summary and repr) and to the
Python REPL (rels as attributes and keys, tab completion, IPython and rich). A mixin of
[`Resource`][hyperkm.Resource]."""

from __future__ import annotations

import json
from typing import Any

from ._exceptions import HyperkmError, TemplateError
from ._node import Node, R
from ._steps import LABEL_FIELDS
from .formats import Document

__all__ = ["Presentation"]


class Presentation:
    """The breadcrumb, reprs and REPL navigation (see the module's docstring)."""

    __slots__ = ()

    # -- presentation -------------------------------------------------------------------

    @property
    def breadcrumb(self: Node) -> list[str]:
        """The steps from the starting resource to this one (``["products", "[id=e706…]"]``)."""
        steps: list[str] = []
        node: Node | None = self
        while node is not None and node.step is not None:
            steps.append(str(node.step))
            node = node.parent
        return steps[::-1]

    # -- the Python REPL ------------------------------------------------------------------

    def __getitem__(self: R, rel: str) -> R:
        """``resource["accounts"]`` is ``resource.follow("accounts")``."""
        if not isinstance(rel, str):
            raise TypeError("index a Resource by rel (a string); use .items() for members")
        return self.follow(rel)

    def _ipython_key_completions_(self: Node) -> list[str]:
        return self.links.rels

    def __getattr__(self: R, name: str) -> R:
        # Attribute-style navigation for rels that are identifiers: root.accounts. Only
        # called when normal lookup fails; private and dunder names never fetch anything.
        if name.startswith("_"):
            raise AttributeError(name)
        # Anything but AttributeError out of __getattr__ breaks hasattr(), getattr(x, n, None)
        # and so the plain REPL's tab completion (rlcompleter): a templated rel that needs
        # variables, or a fetch that fails, says why as an AttributeError.
        try:
            links = self.links
            if links.get(name) is not None:
                return self.follow(name)
        except HyperkmError as exc:
            hint = (f"; use .follow({name!r}, {', '.join(v + '=...' for v in exc.missing)})"
                    if isinstance(exc, TemplateError) and exc.missing else "")
            raise AttributeError(f"{name}: {exc}{hint}") from exc
        import difflib

        close = difflib.get_close_matches(name, [r for r in links.rels if r.isidentifier()],
                                          n=1)
        raise AttributeError(
            f"Resource has no attribute or rel {name!r}"
            + (f"; did you mean {close[0]!r}?" if close else f"; rels: {', '.join(links.rels)}"))

    def __dir__(self: Node) -> list[str]:
        names = list(super().__dir__())
        held = self._held()
        if held is not None:  # dir() must not send requests
            names += [r for r in held.links.rels if r.isidentifier()]
        return sorted(set(names))

    def _repr_pretty_(self: Node, printer: Any, cycle: bool) -> None:  # IPython
        printer.text(repr(self) if cycle else _described(self))

    def __rich__(self: Node) -> str:
        return _described(self)

    def summary(self: Node) -> str:
        """URL, fetched or not, a short state summary and the links as a table."""
        return _described(self)

    def __repr__(self: Node) -> str:
        doc = self._held()
        job = self.write_response is not None and self.write_response.status_code == 202
        if doc is None:
            return f"<{'Job' if job else 'Resource'} {self.url} (not fetched)>"
        if job:
            # An asynchronous job: its state and progress, as its status last said them.
            state = doc.data if isinstance(doc.data, dict) else {}
            phase = state.get("status") or ("done" if state.get("completed") is True
                                            else "running")
            progress = state.get("progress")
            shown = f" {progress:.0%}" if isinstance(progress, (int, float)) and not \
                isinstance(progress, bool) else ""
            return f"<Job {self.url} {phase}{shown} — .wait() for its result>"
        rels = ", ".join(doc.links.rels[:8]) + (" …" if len(doc.links.rels) > 8 else "")
        return f"<Resource {self.url} {_summary(doc)} rels=[{rels}]>"


def _summary(doc: Document) -> str:
    if doc.items is not None:
        total = doc.page.total
        return f"collection: {len(doc.items)} on this page" + (
            f" of {total}" if total is not None else "")
    data = doc.data
    if isinstance(data, dict):
        for key in (*LABEL_FIELDS, "id"):
            if isinstance(data.get(key), (str, int)):
                return f"{key}={data[key]!r}"
        return f"{{{', '.join(list(data)[:4])}{', …' if len(data) > 4 else ''}}}"
    if data is None:
        return "(no state)"
    text = json.dumps(data)
    return text if len(text) < 40 else text[:37] + "…"


def _described(resource: Node) -> str:
    held = resource._held()
    if held is None:
        return f"{resource.url}  (not fetched yet: use .data or .links)"
    return f"{resource.url}\n{_summary(held)}\n\n{held.links.table()}"
