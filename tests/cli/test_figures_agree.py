"""Every copy, file and family count that ``declone demo`` prints agrees with the JSON.

The demo runs end to end on the bundled example (``--keep``), printing what each stage says;
then ``declone report --json`` and ``declone scan --json`` read the kept repository, whose
records (history, journal, commits) are that run's. Each figure is parsed from the text with
a regular expression and compared with the JSON field that holds it: the scans', the plan's,
each migration run's and batch's, ``check``'s, the report's and the demo's own headline. Text
is read with its whitespace collapsed, so that wrapping at the terminal's width does not
matter.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "websocket-suite"

#: ``N family``/``N families``, ``N copy``/``N copies``, ``N file``/``N files``.
FAMILIES = r"(\d+) famil(?:y|ies)"
COPIES = r"(\d+) cop(?:y|ies)"
FILES = r"(\d+) files?"


def flat(text: str) -> str:
    return " ".join(text.split())


def numbers(pattern: str, text: str) -> list[tuple[int, ...]]:
    """Every match of ``pattern`` in ``text``, its groups as integers."""
    return [tuple(int(group) for group in found.groups()) for found in re.finditer(pattern, text)]


def one(pattern: str, text: str) -> tuple[int, ...]:
    found = numbers(pattern, text)
    assert len(found) == 1, f"{pattern!r} matched {len(found)} times"
    return found[0]


def runs_in_order(err: str) -> Iterator[tuple[str, str]]:
    """``(migrate's output, run id)`` for each migration, in the order they ran: from the
    demo's title of the stage to migrate's last line, ``undo with: declone rollback RUN``."""
    pattern = r"migrate \S+ \(extracted to .*? undo with: declone rollback (\S+)"
    for found in re.finditer(pattern, err):
        yield found.group(0), found.group(1)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One demo run's text (stdout and stderr, flattened) and its records' JSON."""
    here = tmp_path_factory.mktemp("here")
    capture = pytest.MonkeyPatch()
    try:
        capture.chdir(here)
        capture.setenv("COLUMNS", "100")
        out_path, err_path = here / "out.txt", here / "err.txt"
        with out_path.open("w") as out, err_path.open("w") as err:
            capture.setattr("sys.stdout", out)
            capture.setattr("sys.stderr", err)
            code = main(["demo", str(EXAMPLE), "--workdir", str(here / "work"), "--keep"])
    finally:
        capture.undo()
    assert code == 0, err_path.read_text()
    root = here / "work" / EXAMPLE.name
    documents = {}
    for name, argv in (
        ("report", ["report", "--root", str(root), "--json", "--no-progress"]),
        ("scan", ["scan", str(root), "--json", "--no-progress"]),
    ):
        json_path = here / f"{name}.json"
        with json_path.open("w") as stream:
            capture = pytest.MonkeyPatch()
            capture.setattr("sys.stdout", stream)
            try:
                assert main(argv) == 0
            finally:
                capture.undo()
        documents[name] = json.loads(json_path.read_text())
    return {
        "out": flat(out_path.read_text()),
        "err": flat(err_path.read_text()),
        **documents,
    }


def test_scans_and_the_report_count_the_same_families_and_copies(
    demo_run: dict[str, Any],
) -> None:
    out, report, scan = demo_run["out"], demo_run["report"], demo_run["scan"]
    headline = report["headline"]
    summaries = numbers(rf"{FAMILIES}, (\d+) live cop(?:y|ies), (\d+) duplicated lines?", out)
    # The scan before the migration, the scan after it, and the report's own scan.
    assert len(summaries) == 3
    before, after, reported = summaries
    assert before[:2] == (headline["families_before"], headline["copies_before"])
    for counted in (after, reported):
        assert counted == (
            scan["summary"]["families"],
            scan["summary"]["live_copies"],
            scan["summary"]["duplicated_lines"],
        )
        assert counted == (
            headline["families"],
            headline["live_copies"],
            headline["duplicated_lines"],
        )
    assert (headline["families_after"], headline["copies_after"]) == after[:2]
    assert one(r"copies (\d+) -> (\d+), warnings (\d+) -> (\d+)", out) == (
        headline["copies_before"],
        headline["copies_after"],
        headline["warnings_before"],
        headline["warnings_after"],
    )


def test_plan_and_migrate_count_what_the_journal_recorded(demo_run: dict[str, Any]) -> None:
    err, report = demo_run["err"], demo_run["report"]
    runs = {run["id"]: run for run in report["runs"]}
    migrations = list(runs_in_order(err))
    assert [run_id for _, run_id in migrations] == list(runs)
    # The plan shown before the first migration: its copies and files are the first run's.
    planned_copies, planned_files = one(rf"{COPIES}: [^;]*; {FILES} would change", err)
    first = report["runs"][0]["counts"]
    assert planned_copies == first["copies_rewritten"] + first["skipped"]
    assert planned_files == first["copy_files"]
    for text, run_id in migrations:
        run = runs[run_id]
        changed = one(rf"{FILES} changed(?:, created [^ ]+?)? in run {re.escape(run_id)}", text)
        assert changed == (run["counts"]["changed"],)
        created = re.search(rf"created (\S+?) in run {re.escape(run_id)}", text)
        assert (len(created.group(1).split(",")) if created else 0) == run["counts"]["created"]
        batches = numbers(rf"batch (\d+)/(\d+): {FILES},", text)
        per_batch = Counter(entry["batch"] for entry in run["files"])
        assert {number: files for number, _, files in batches} == dict(per_batch)
        assert {total for _, total, _ in batches} == {max(per_batch)}
        skipped = re.findall(r"warning: \S+: skipped ", text)
        assert len(skipped) == run["counts"]["skipped"]


def test_check_and_the_report_runs(demo_run: dict[str, Any]) -> None:
    out, err = demo_run["out"], demo_run["err"]
    report, scan = demo_run["report"], demo_run["scan"]
    assert one(rf"clean: {FILES} checked", err) == (scan["summary"]["files"],)
    for run in report["runs"]:
        shown = re.findall(rf"{re.escape(run['id'])}: \S+ skipped: ", out)
        assert len(shown) == run["counts"]["skipped"]


def test_the_demo_headline_is_the_reports(demo_run: dict[str, Any]) -> None:
    out, headline = demo_run["out"], demo_run["report"]["headline"]
    migration = headline["migration"]
    shown = out[out.index("declone demo: headline figures") :]
    assert one(r"duplicate families: (\d+) before, (\d+) after", shown) == (
        headline["families_before"],
        headline["families_after"],
    )
    assert one(r"live copies, canonical classes included: (\d+) before, (\d+) after", shown) == (
        headline["copies_before"],
        headline["copies_after"],
    )
    assert one(
        rf"migration: (\d+) runs?, {FILES} migrated \((\d+) changed, (\d+) created\), "
        rf"{COPIES} skipped, {FILES} rolled back",
        shown,
    ) == (
        migration["runs"],
        migration["files_migrated"],
        migration["files_changed"],
        migration["files_created"],
        migration["copies_skipped"],
        migration["files_rolled_back"],
    )
    assert one(r"PytestCollectionWarnings: (\d+) before, (\d+) after", shown) == (
        headline["collection_warnings_before"],
        headline["collection_warnings_after"],
    )
    change = headline["collection_change"]
    # The figures the bundled example is known for, once, so that agreement is not vacuous.
    assert (headline["copies_before"], headline["copies_after"]) == (18, 2)
    assert (migration["copies_skipped"], headline["families_after"]) == (1, 1)
    # The time: both medians, each side's spread, and the verdict, as the report has them.
    time = re.search(r"collection time: (\d+\.\d\d) s ±(\d+)% -> (\d+\.\d\d) s ±(\d+)%, ", shown)
    assert time is not None
    assert float(time.group(1)) == round(change["before"]["median"], 2)
    assert float(time.group(3)) == round(change["after"]["median"], 2)
    assert change["description"] in shown
    assert change["interleaved"] is True
    assert len(change["before"]["rounds"]) == len(change["after"]["rounds"]) == 3
    # A ratio is never printed without its spread.
    for ratio in re.finditer(r"\d+\.\d\dx", out):
        assert re.match(r"\d+\.\d\dx (?:slower|faster) \(±\d+%\)", out[ratio.start() :])
