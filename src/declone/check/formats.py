"""``declone check``'s report in each format: text, GitHub annotations, JSON, SARIF."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from declone import __version__
from declone.check.rules import RULES, Violation
from declone.check.sarif import fingerprint, to_sarif
from declone.model import SCHEMA_VERSION

__all__ = ["FORMATS", "format_violations", "summary_line"]

FORMATS = ("text", "json", "sarif", "github")


def format_violations(
    fmt: str, violations: Sequence[Violation], root: Path, checked_files: int
) -> str:
    """The report's text in ``fmt``; empty for a clean text or GitHub report."""
    if fmt == "json":
        return json.dumps(_json_document(violations, root, checked_files), indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(to_sarif(tuple(violations), root), indent=2) + "\n"
    if fmt == "github":
        return "".join(_github_line(v) + "\n" for v in violations)
    return "".join(_text_line(v) + "\n" for v in violations)


def summary_line(violations: Sequence[Violation], checked_files: int) -> str:
    """One line for stderr: clean, or how many violations of which rules."""
    if not violations:
        return f"clean: {_count(checked_files, 'file')} checked"
    rules = sorted({v.rule for v in violations})
    return (
        f"{_count(len(violations), 'violation')} ({', '.join(rules)}) in "
        f"{_count(checked_files, 'checked file')}"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _text_line(violation: Violation) -> str:
    return f"{violation.location}: {violation.rule} {violation.message} (fix: {violation.fix})"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github_line(violation: Violation) -> str:
    """A GitHub Actions ``::error`` workflow command: an annotation on the line."""
    properties = []
    if violation.path:
        properties += [
            f"file={_escape_property(violation.path)}",
            f"line={violation.line}",
            f"col={violation.col}",
        ]
    properties.append(f"title={violation.rule}")
    message = f"{violation.message} (fix: {violation.fix})"
    return f"::error {','.join(properties)}::{_escape_data(message)}"


def _json_document(violations: Sequence[Violation], root: Path, files: int) -> dict[str, Any]:
    names = {rule.id: rule.name for rule in RULES}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "declone",
        "version": __version__,
        "command": "check",
        "root": str(root),
        "summary": {"checked_files": files, "violations": len(violations)},
        "violations": [
            {
                "path": v.path,
                "line": v.line,
                "col": v.col,
                "rule": v.rule,
                "name": names[v.rule],
                "message": v.message,
                "fix": v.fix,
                "fingerprint": fingerprint(v),
            }
            for v in violations
        ],
    }
