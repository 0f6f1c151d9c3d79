"""Every rule's own VALID and INVALID examples, run through ``declone check``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from check_support import rule_ids, run_check, write_repo

from declone.check.rules import RULES, Example, Rule, rules_table

README = Path(__file__).resolve().parents[2] / "README.md"


def _cases(kind: str) -> list[object]:
    return [
        pytest.param(rule, example, id=f"{rule.id}-{rule.name}-{kind}{position}")
        for rule in RULES
        for position, example in enumerate(getattr(rule, kind))
    ]


def _check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: Example
) -> tuple[int, list[str]]:
    root = write_repo(
        tmp_path, dict(example.files), config=example.config, baseline=example.baseline
    )
    checked = [str(root / name) for name in example.checked]
    code, document = run_check(capsys, root, *checked)
    return code, rule_ids(document)


@pytest.mark.parametrize(("rule", "example"), _cases("invalid"))
def test_invalid_example_is_reported(
    rule: Rule, example: Example, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, rules = _check(tmp_path, capsys, example)
    assert code == 1
    assert rule.id in rules


@pytest.mark.parametrize(("rule", "example"), _cases("valid"))
def test_valid_example_is_not_reported(
    rule: Rule, example: Example, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, rules = _check(tmp_path, capsys, example)
    assert rule.id not in rules


def test_rules_have_stable_unique_ids_and_examples() -> None:
    assert [rule.id for rule in RULES] == ["DCL001", "DCL002", "DCL003", "DCL004", "DCL005"]
    assert len({rule.name for rule in RULES}) == len(RULES)
    for rule in RULES[:4]:
        assert rule.valid, rule.id
        assert rule.invalid, rule.id


def test_readme_rule_table_is_generated_from_the_rules() -> None:
    assert rules_table() in README.read_text(encoding="utf-8")


def test_checked_file_is_resolved_against_the_whole_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    helper = "class Recorder:\n    def __init__(self):\n        self.calls = []\n"
    root = write_repo(
        tmp_path, {"a/test_one.py": helper, "b/test_two.py": helper, "c.py": "x = 1\n"}
    )
    code, document = run_check(capsys, root, str(root / "b" / "test_two.py"))
    assert code == 1
    assert [(v["path"], v["rule"]) for v in document["violations"]] == [("b/test_two.py", "DCL002")]
    assert "also in a/test_one.py" in document["violations"][0]["message"]
    code, document = run_check(capsys, root, str(root / "c.py"))
    assert (code, document["violations"]) == (0, [])
    old = Path.cwd()
    os.chdir(root)
    try:
        code, document = run_check(capsys, root, "a")
    finally:
        os.chdir(old)
    assert [v["path"] for v in document["violations"]] == ["a/test_one.py"]
