"""What reaches the user's terminal: text from an API, with nothing a terminal acts on."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["JSON_UNSAFE", "echo", "terminal_safe"]

# What a terminal would act on rather than show (CWE-150): C0 controls but tab and newline
# (ESC starts sequences that can write the clipboard, retitle a window, move the cursor; CR
# overwrites a line), DEL, the C1 controls (0x9b is CSI on its own), and the bidirectional
# overrides and isolates that reorder what the eye sees ("Trojan Source").
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
_TERMINAL_UNSAFE = re.compile(f"[{_CONTROLS}]")
# In JSON, C0 controls are escaped by json.dumps already; the rest are escaped here as
# \uXXXX, which leaves the JSON value exactly what the server sent.
JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every character a terminal would act on shown as an escape (``\\x1b``),
    so nothing an API sends can drive the user's terminal."""
    return _TERMINAL_UNSAFE.sub(_visible, text)



def echo(text: Any = "", *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` of terminal-safe text: every CLI output goes through here."""
    import click

    click.echo(terminal_safe(str(text)), err=err, nl=nl)
