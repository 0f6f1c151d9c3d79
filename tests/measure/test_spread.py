"""Timings with their spread: the rule that says when a difference is noise, and the rounds
of ``declone measure --compare`` interleaved with the baseline's commit, on real trees."""

from __future__ import annotations

import itertools
import json
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from declone.cli import main
from declone.errors import ExitCode
from declone.measure import (
    Rounds,
    TimeChange,
    Verdict,
    compare_times,
    describe_change,
    time_change_from_json,
    time_change_to_json,
)
from declone.measure.history import list_measurements, open_history
from declone.measure.spread import percent

MakeRepo = Callable[[Mapping[str, str]], Path]


# --- one side's rounds --------------------------------------------------------------------


def test_rounds_median_and_spread() -> None:
    rounds = Rounds((3.3, 3.2, 3.26))
    assert rounds.median == 3.26
    assert (rounds.fastest, rounds.slowest) == (3.2, 3.3)
    assert rounds.spread == pytest.approx(0.1 / 3.26)
    assert rounds.describe() == "3.26 s ±4% (3 rounds)"
    assert rounds.short() == "3.26s ±4%"
    # One round has no spread to show.
    assert Rounds((2.5,)).spread is None
    assert Rounds((2.5,)).describe() == "2.50 s"
    assert Rounds((2.5,)).short() == "2.50s"
    with pytest.raises(ValueError, match="at least one round"):
        Rounds(())


@pytest.mark.parametrize(
    ("fraction", "shown"), [(0.0, "0%"), (0.001, "1%"), (0.06, "6%"), (0.0601, "7%"), (0.32, "32%")]
)
def test_a_spread_is_shown_rounded_up(fraction: float, shown: str) -> None:
    assert percent(fraction) == shown


# --- the verdict ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "said"),
    [
        pytest.param((0.98, 1.0, 1.04), (1.29, 1.31, 1.35), "1.31x slower (±6%)", id="slower"),
        pytest.param((1.29, 1.31, 1.35), (0.98, 1.0, 1.04), "1.31x faster (±6%)", id="faster"),
        pytest.param(
            (1.0, 1.1, 1.5), (1.2, 1.3, 1.4), "no measurable change (±46%)", id="ranges-overlap"
        ),
        pytest.param(
            (1.0, 1.05, 1.1),
            (1.11, 1.12, 1.30),
            "no measurable change (±17%)",
            id="apart-but-inside-the-spread",
        ),
        pytest.param((2.0, 2.0), (2.0, 2.0), "no measurable change (±0%)", id="identical"),
        pytest.param(
            (1.0,),
            (10.0,),
            "no measurable change (spread unknown: 1 round before and 1 round after)",
            id="one-round-each-is-never-a-change",
        ),
        pytest.param(
            (1.0, 1.01, 1.02),
            (10.0,),
            "no measurable change (spread unknown: 1 round after)",
            id="one-round-after",
        ),
    ],
)
def test_verdicts(before: tuple[float, ...], after: tuple[float, ...], said: str) -> None:
    assert describe_change(before, after) == said


def test_a_claimed_change_names_its_factor_and_both_medians() -> None:
    change = compare_times((0.98, 1.0, 1.04), (1.29, 1.31, 1.35), interleaved=True)
    assert change.verdict is Verdict.SLOWER
    assert change.factor == pytest.approx(1.31)
    assert change.headline() == "1.00 s ±6% -> 1.31 s ±5%, 1.31x slower (±6%)"
    assert change.summary() == change.headline() + "; 3 rounds each, interleaved"
    quiet = compare_times((1.0,), (1.0, 1.1, 1.2))
    assert quiet.factor is None
    assert quiet.rounds_text() == "1 round before, 3 after, not interleaved"


def test_under_noise_alone_at_most_one_split_in_ten_claims_a_change() -> None:
    # Six rounds of one tree, every way of calling three of them "before": only the two splits
    # whose ranges do not overlap can claim a change, as the README says (2 / C(6, 3)).
    timings = (3.1, 3.15, 3.3, 3.42, 3.5, 3.9)
    claims = 0
    for before in itertools.combinations(range(6), 3):
        after = [timings[i] for i in range(6) if i not in before]
        change = compare_times([timings[i] for i in before], after)
        claims += change.verdict is not Verdict.NO_CHANGE
    assert claims <= 2


timings = st.lists(
    st.floats(min_value=0.01, max_value=100, allow_nan=False), min_size=1, max_size=7
)


@given(timings, timings)
def test_a_claim_always_stands_out_of_its_spread(before: list[float], after: list[float]) -> None:
    change = compare_times(before, after)
    swapped = compare_times(after, before)
    if change.verdict is Verdict.NO_CHANGE:
        assert swapped.verdict is Verdict.NO_CHANGE
        assert "no measurable change" in change.describe()
        return
    assert change.spread is not None
    assert change.factor is not None
    assert min(len(before), len(after)) >= 2
    # Every round of one side is slower than every round of the other...
    assert min(after) > max(before) or min(before) > max(after)
    # ...and the factor, as shown, is beyond the spread as shown.
    assert change.factor - 1 > int(percent(change.spread).rstrip("%")) / 100
    assert {change.verdict, swapped.verdict} == {Verdict.SLOWER, Verdict.FASTER}
    assert swapped.factor == pytest.approx(change.factor)


def test_json_round_trip() -> None:
    change = compare_times((1.0, 1.1, 1.2), (2.0, 2.1, 2.2), interleaved=True)
    document = time_change_to_json(change)
    assert document["verdict"] == "slower"
    assert document["description"] == change.describe()
    assert document["before"] == {
        "median": 1.1,
        "spread": pytest.approx(0.2 / 1.1),
        "rounds": [1.0, 1.1, 1.2],
    }
    assert time_change_from_json(json.loads(json.dumps(document))) == change
    assert isinstance(change, TimeChange)


# --- measure --compare: rounds interleaved with the baseline's commit ------------------------


def git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *arguments],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def marker_test(word: str) -> str:
    """A test module that says, when pytest imports it, which tree it was collected in."""
    return (
        "import os\n\n"
        "with open(os.environ['DECLONE_TEST_MARKS'], 'a') as marks:\n"
        f"    marks.write('{word}\\n')\n\n\n"
        "def test_it():\n"
        "    pass\n"
    )


@pytest.mark.usefixtures("lean_target")
def test_compare_collects_the_baseline_commit_between_its_own_rounds(
    make_repo: MakeRepo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    marks = tmp_path / "marks.txt"
    monkeypatch.setenv("DECLONE_TEST_MARKS", str(marks))
    root = make_repo(
        {
            ".gitignore": "__pycache__/\n.declone/\n",
            "tests/test_a.py": marker_test("baseline"),
            "tests/test_old.py": marker_test("old"),
        }
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "baseline")
    assert main(["measure", "--root", str(root), "--save", "base"]) == ExitCode.OK
    # Since the baseline: a committed deletion, a change left uncommitted, an untracked file.
    git(root, "rm", "-q", "tests/test_old.py")
    git(root, "commit", "-q", "-m", "old test gone")
    (root / "tests" / "test_a.py").write_text(marker_test("after"))
    (root / "tests" / "test_new.py").write_text(marker_test("new"))
    status = git(root, "status", "--porcelain")
    marks.write_text("")
    capsys.readouterr()

    argv = ["measure", "--root", str(root), "--compare", "base", "--rounds", "2", "--json"]
    assert main(argv) == ExitCode.OK
    document = json.loads(capsys.readouterr().out)

    # Baseline's commit first, then the tree, alternating; each collected its own files.
    rounds = marks.read_text().split()
    assert rounds == ["baseline", "old", "after", "new", "baseline", "old", "after", "new"]
    assert git(root, "status", "--porcelain") == status  # the user's tree is as it was
    time = document["comparison"]["time"]
    assert time["interleaved"] is True
    assert (len(time["before"]["rounds"]), len(time["after"]["rounds"])) == (2, 2)
    assert time["description"] == time_change_from_json(time).describe()
    assert [r["wall_seconds"] for r in document["measurement"]["rounds"]] == time["after"]["rounds"]
    assert sorted(document["measurement"]["test_ids"]) == [
        "tests/test_a.py::test_it",
        "tests/test_new.py::test_it",
    ]

    # Every round is in the history, in the order it ran, the baseline's marked as such.
    connection = open_history(root / ".declone" / "history.sqlite")
    rows = connection.execute(
        "SELECT measurement_id, position, tree, wall_seconds FROM rounds ORDER BY 1, 2"
    ).fetchall()
    latest, base = list_measurements(connection)
    connection.close()
    assert [(m, p, t) for m, p, t, _ in rows] == [
        (base.id, 1, "measured"),
        (latest.id, 1, "baseline"),
        (latest.id, 2, "measured"),
        (latest.id, 3, "baseline"),
        (latest.id, 4, "measured"),
    ]
    assert latest.interleaved is not None
    assert latest.interleaved.baseline_id == base.id
    assert list(latest.interleaved.wall_seconds) == time["before"]["rounds"]


@pytest.mark.usefixtures("lean_target")
def test_without_git_the_baselines_own_round_is_compared_and_no_change_is_claimed(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"tests/test_a.py": "def test_a():\n    pass\n"})
    assert main(["measure", "--root", str(root), "--save", "base"]) == ExitCode.OK
    (root / "tests" / "test_b.py").write_text("import time\ntime.sleep(0.3)\n")
    capsys.readouterr()
    assert main(["measure", "--root", str(root), "--compare", "base", "--rounds", "2"]) == 0
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())
    assert "baseline 'base': the baseline or the tree is not in a git repository" in err
    out = " ".join(captured.out.split())
    # One stored round before: whatever the times, no change is claimed.
    assert (
        "no measurable change (spread unknown: 1 round before); 1 round before, 2 after, not interleaved"
        in out
    )
    assert "x slower" not in out
    assert "x faster" not in out


def test_rounds_must_be_positive(make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo({"tests/test_a.py": "def test_a():\n    pass\n"})
    assert main(["measure", "--root", str(root), "--rounds", "0"]) == ExitCode.USAGE
    assert "--rounds 0: must be at least 1" in capsys.readouterr().err
