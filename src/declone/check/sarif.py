"""``declone check --format sarif``: a SARIF 2.1.0 log for code-scanning services.

Pure: violations in, a JSON-ready document out. Rule ids are declone's stable ``DCLxxx`` ids;
each result carries a ``partialFingerprints`` entry built from the rule, the path and the
subject (never the line), so that a violation keeps its identity when code above it moves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from declone import __version__
from declone.check.rules import RULES, Rule, Violation

__all__ = ["FINGERPRINT_KEY", "SARIF_SCHEMA", "SARIF_VERSION", "fingerprint", "to_sarif"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "decloneViolation/v1"
_INFORMATION_URI = "https://pypi.org/project/declone/"


def fingerprint(violation: Violation) -> str:
    """A stable hash of what the violation is about, independent of its line."""
    key = "\0".join((violation.rule, violation.path, violation.subject))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary}. Fix: {rule.fix}."},
        "help": {"text": rule.fix},
        "defaultConfiguration": {"level": "error"},
    }


def _result(violation: Violation, rule_index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": violation.rule,
        "ruleIndex": rule_index[violation.rule],
        "level": "error",
        "message": {"text": f"{violation.message} (fix: {violation.fix})"},
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(violation)},
    }
    if violation.path:
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": violation.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": violation.line, "startColumn": violation.col},
                }
            }
        ]
    return result


def to_sarif(violations: Sequence[Violation], root: Path) -> dict[str, Any]:
    """The SARIF log of one ``declone check`` run over the repository at ``root``."""
    rule_index = {rule.id: position for position, rule in enumerate(RULES)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "declone",
                        "version": __version__,
                        "informationUri": _INFORMATION_URI,
                        "rules": [_rule_descriptor(rule) for rule in RULES],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "results": [_result(violation, rule_index) for violation in violations],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
