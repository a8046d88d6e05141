"""What a check found, and the four ways to write it: text, JSON, JUnit XML and SARIF."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import attrs

from ._rules import LEVELS, RULES

__all__ = ["Finding", "Report"]

#: Characters XML 1.0 cannot hold at all (a server's header or href may carry them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@attrs.frozen
class Finding:
    """One rule broken at one URL.

    Attributes:
        rule: The rule's id (see `hyperkm.check.RULES`).
        level: ``"error"``, ``"warning"`` or ``"note"``.
        url: Where (the document, link or form concerned).
        message: What is wrong there.
        evidence: What was seen (a status, a header, the field) — never a credential.
        fix: What to change.
    """

    rule: str
    level: str
    url: str
    message: str
    evidence: str = ""
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return attrs.asdict(self)


@attrs.define
class Report:
    """The outcome of `hyperkm.check.check`.

    Attributes:
        root: Where the crawl started.
        findings: What was found, most serious first.
        requests: Requests made.
        formats: Documents read, by format.
        checked: Rule ids that were applied at least once (the others had nothing to look at).
        exhausted: The request budget ran out before everything was checked.
    """

    root: str
    findings: list[Finding]
    requests: int
    formats: Mapping[str, int]
    checked: set[str]
    exhausted: bool = False

    @property
    def highest(self) -> str | None:
        """The most serious level found, or ``None``."""
        levels = {f.level for f in self.findings}
        return next((lv for lv in reversed(LEVELS) if lv in levels), None)

    def failed(self) -> list[str]:
        return sorted({f.rule for f in self.findings})

    def passed(self) -> list[str]:
        return [r for r in RULES if r in self.checked and r not in {f.rule for f in self.findings}]

    def at_least(self, level: str) -> list[Finding]:
        return [f for f in self.findings if LEVELS.index(f.level) >= LEVELS.index(level)]

    # -- writing -------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        return {"root": self.root, "requests": self.requests, "formats": dict(self.formats),
                "findings": {lv: sum(1 for f in self.findings if f.level == lv)
                             for lv in reversed(LEVELS)},
                "rules_passed": self.passed(), "rules_failed": self.failed(),
                "rules_not_applied": [r for r in RULES if r not in self.checked],
                "budget_exhausted": self.exhausted}

    def text(self) -> str:
        lines = []
        for f in self.findings:
            lines.append(f"{f.level:<7} {f.rule:<28} {f.url}")
            lines.append(f"        {f.message}")
            if f.evidence:
                lines.append(f"        evidence: {f.evidence}")
            lines.append(f"        fix: {f.fix}")
        s = self.summary()
        counts = ", ".join(f"{n} {lv}{'s' if n != 1 else ''}" for lv, n in s["findings"].items())
        formats = ", ".join(f"{k} ({v})" for k, v in sorted(self.formats.items())) or "none"
        lines += ["", f"checked {self.root}: {self.requests} requests, formats: {formats}",
                  f"{counts}; rules passed {len(s['rules_passed'])}, failed "
                  f"{len(s['rules_failed'])}, not applied {len(s['rules_not_applied'])}"]
        if self.exhausted:
            lines.append("the request budget ran out: raise --max-requests to check more")
        return "\n".join(lines)

    def json(self) -> str:
        return json.dumps({"summary": self.summary(),
                           "findings": [f.as_dict() for f in self.findings]}, indent=2)

    def junit(self) -> str:
        """One test case per rule: failures for findings at warning or error, a skipped case
        for a rule with nothing to apply to."""
        cases = []
        for rule in RULES.values():
            found = [f for f in self.findings if f.rule == rule.id]
            body = ""
            if rule.id not in self.checked and not found:
                body = "<skipped message=\"nothing to apply it to\"/>"
            for f in found:
                kind = "failure" if f.level != "note" else "system-out"
                text = escape(_xml(f"{f.url}\n{f.message}\nevidence: {f.evidence}\n"
                                   f"fix: {f.fix}"))
                if kind == "failure":
                    body += (f"<failure type={quoteattr(f.level)} "
                             f"message={quoteattr(_xml(f.message))}>{text}</failure>")
                else:
                    body += f"<system-out>{text}</system-out>"
            cases.append(f"<testcase classname=\"hyperkm.check.{rule.group}\" "
                         f"name={quoteattr(rule.id)}>{body}</testcase>")
        failures = sum(1 for f in self.findings if f.level != "note")
        skipped = sum(1 for r in RULES if r not in self.checked
                      and not any(f.rule == r for f in self.findings))
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                f"<testsuites><testsuite name={quoteattr(_xml('hyperkm check ' + self.root))} "
                f"tests=\"{len(RULES)}\" failures=\"{failures}\" skipped=\"{skipped}\">"
                + "".join(cases) + "</testsuite></testsuites>\n")

    def sarif(self) -> str:
        """SARIF 2.1.0, as code-scanning tools read it."""
        from .._version import __version__

        rules = [{"id": r.id, "name": r.id, "shortDescription": {"text": r.title},
                  "help": {"text": r.fix}, "properties": {"group": r.group},
                  "defaultConfiguration": {"level": r.level}} for r in RULES.values()]
        index = {r.id: i for i, r in enumerate(RULES.values())}
        results = [{"ruleId": f.rule, "ruleIndex": index[f.rule], "level": f.level,
                    "message": {"text": f"{f.message}" + (f" ({f.evidence})" if f.evidence
                                                          else "") + f" Fix: {f.fix}"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.url}}}]}
                   for f in self.findings]
        return json.dumps({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "hyperkm check", "version": __version__,
                                          "informationUri":
                                              "https://github.com/hyperkm/hyperkm",
                                          "rules": rules}},
                      "results": results,
                      "properties": {"summary": self.summary()}}]}, indent=2)
