"""The ``hyperkm`` command line: ``browse``, ``get``, ``map`` and ``demo``.

Imports stay lazy so that ``hyperkm --help`` answers quickly; the CLI's dependencies come with
``pip install "hyperkm[cli]"``.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

INSTALL_HINT = ('the hyperkm command needs its CLI extra: python -m pip install "hyperkm[cli]"'
                "  (click, prompt_toolkit, werkzeug, trustme)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hyperkm`` console script and ``python -m hyperkm``."""
    try:
        import click  # noqa: F401
    except ImportError:
        print(f"error: {INSTALL_HINT}", file=sys.stderr)
        return 2
    from .app import cli

    try:
        cli.main(args=argv, prog_name="hyperkm", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except RecursionError:  # a document nested beyond what any printer can follow
        print("hyperkm: error: the document is nested too deeply to read or print; the server "
              "sent a malformed or hostile body", file=sys.stderr)
        return 7
    return 0
