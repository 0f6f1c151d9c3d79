"""Stage 5, check: the CI and pre-commit guard that keeps families consolidated.

``rules`` holds every rule (DCL001...) with its examples; ``findings`` finds their violations
in a scan's index; ``baseline`` is the duplication a repository accepts today;
``suppressions`` reads ``# declone: ignore`` comments; ``runner`` is one ``declone check``;
``formats`` writes its report as text, GitHub annotations or JSON, and ``sarif`` as SARIF.
"""

from declone.check.formats import FORMATS, format_violations, summary_line
from declone.check.rules import RULES, Rule, Violation
from declone.check.runner import BaselineUpdate, CheckRequest, CheckResult, run_check

__all__ = [
    "FORMATS",
    "RULES",
    "BaselineUpdate",
    "CheckRequest",
    "CheckResult",
    "Rule",
    "Violation",
    "format_violations",
    "run_check",
    "summary_line",
]
