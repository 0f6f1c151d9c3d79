"""Usage errors are said by the command they belong to, with a clear reason and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from declone.cli import main
from declone.wording import plural


def test_an_unknown_option_shows_the_commands_own_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "declone scan [-h]" in err
    assert "unrecognized arguments: --bogus" in err
    assert "COMMAND ..." not in err


def test_check_output_to_an_unwritable_place_is_a_usage_error(
    example_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-folder" / "report.json"
    code = main(["check", "--root", str(example_repo), "--output", str(target), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{target}: cannot write the report: No such file or directory" in err
    assert "Traceback" not in err
    assert not target.exists()


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [(1, "file", "1 file"), (2, "batch", "2 batches"), (0, "family", "0 families")],
)
def test_counts_are_said_in_english(count: int, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected
