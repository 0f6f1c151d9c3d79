"""``# declone: ignore[DCL001]`` comments: the violations a line's author has accepted."""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterable, Mapping

from declone.check.rules import Violation

__all__ = ["apply_suppressions", "find_suppressions"]


def find_suppressions(text: str) -> dict[int, frozenset[str] | None]:
    """Lines carrying ``# declone: ignore`` (None: every rule) or ``# declone: ignore[DCL001,...]``."""
    found: dict[int, frozenset[str] | None] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                is_directive, rules = _parse_suppression(token.string)
                if is_directive:
                    found[token.start[0]] = rules
    except (tokenize.TokenError, SyntaxError):
        pass  # unterminated code: the comments read so far still count
    return found


def _parse_suppression(comment: str) -> tuple[bool, frozenset[str] | None]:
    """Whether ``comment`` is a declone ignore, and its rule ids (None: every rule)."""
    for part in comment.split("#")[1:]:
        words = part.strip()
        if not words.startswith("declone:"):
            continue
        rest = words.removeprefix("declone:").strip()
        if not rest.startswith("ignore"):
            continue
        rest = rest.removeprefix("ignore")
        if not rest or rest[0].isspace():
            return True, None
        if rest.startswith("["):
            inside, closed, _ = rest[1:].partition("]")
            if closed:
                return True, frozenset(r.strip() for r in inside.split(",") if r.strip())
    return False, None


def apply_suppressions(
    violations: Iterable[Violation], suppressions: Mapping[str, Mapping[int, frozenset[str] | None]]
) -> tuple[Violation, ...]:
    """The violations that no ``# declone: ignore`` comment on their line silences."""
    kept = []
    for violation in violations:
        lines = suppressions.get(violation.path, {})
        if violation.line in lines:
            rules = lines[violation.line]
            if rules is None or violation.rule in rules:
                continue
        kept.append(violation)
    return tuple(kept)
