"""Where the CLI keeps its files (XDG Base Directory spec; never the token)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["config_dir", "state_dir"]


def state_dir() -> Path:
    """``$XDG_STATE_HOME/hyperkm`` (default ``~/.local/state/hyperkm``): history."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "hyperkm"


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/hyperkm`` (default ``~/.config/hyperkm``): bookmarks."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(base) / "hyperkm"
