"""``hyperkm check``: a linter for hypermedia APIs. It crawls from the root the way a client
meets the API and reports what breaks clients (see docs/check.md for every rule)."""

from __future__ import annotations

from ._crawl import check
from ._report import Finding, Report
from ._rules import LEVELS, RULES, Rule

__all__ = ["LEVELS", "RULES", "Finding", "Report", "Rule", "check"]
