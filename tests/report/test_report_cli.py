"""``declone report`` from the command line: terminal tables, JSON, Markdown, HTML, --open."""

from __future__ import annotations

import json
import stat
import sys
import webbrowser
from dataclasses import replace
from pathlib import Path

import pytest
from report_support import AGENT_RUN, HELPER_RUN

from declone.cli import main
from declone.measure.pytestrun import ItemOutcome, Outcome
from declone.measure.verify import (
    Verification,
    VerifyOutcome,
    compare_outcomes,
    record_verification,
)
from declone.report.data import FamilyStatus, FamilyView, ReportData
from declone.report.markdown import render_markdown


def test_terminal_tables(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--root", str(history_repo), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "1 family, 3 live copies" in out
    assert "copies 6 -> 3, warnings 3 -> 0" in out
    # Each side measured once: no spread, so no change is claimed.
    assert "no measurable change (spread unknown" in " ".join(out.split())
    for title in ("Families", "Migration runs", "Measurement history"):
        assert title in out
    assert "planned" in out
    assert "guarded" in out
    # Files per kind of edit to the copies; the module the run extracted is said with its
    # canonical.
    assert "│ 3 replace " in out
    assert "(extracted" in out
    assert "passed (6 -> 6 tests)" in out
    assert "rolled back (2 -> 0 tests)" in out
    assert f"{HELPER_RUN}: tests/test_x.py:3 skipped: name rebound in the file" in out
    assert f"{AGENT_RUN}: tests/test_a.py rolled back: verification found a regression" in out
    assert f"{AGENT_RUN}: regression tests/test_a.py::test_agent_0 passed -> absent" in out


def test_json(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--root", str(history_repo), "--json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["schema_version"] == 1
    assert document["headline"]["warnings_after"] == 0
    assert len(document["history"]) == 3
    assert [run["verification"]["status"] for run in document["runs"]] == ["passed", "rolled back"]


def test_markdown_to_stdout_and_files(
    history_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--root", str(history_repo), "--markdown", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## declone report")
    assert "| live copies | 6 | 3 |" in out
    assert "| pytest warnings | 3 | 0 |" in out
    assert "| MockAgent | planned | 3 |" in out
    assert (
        "2 migration runs: 4 files migrated (3 changed, 1 created), 1 copy skipped, "
        f"1 file rolled back. Last run `{AGENT_RUN}` (MockAgent): rolled back, 2 regressions."
        in out
    )
    # One round a side: the times are shown, and no change is claimed from them.
    assert "| collection time | " in out
    assert "×" not in out
    assert (
        "Collection time: no measurable change (spread unknown: 1 round before and 1 round "
        "after); 1 round each, not interleaved." in out
    )
    target = tmp_path / "out" / "report.md"
    html = tmp_path / "out" / "report.html"
    code = main(
        ["report", "--root", str(history_repo), "--markdown", str(target), "--html", str(html)]
    )
    assert code == 0
    assert target.read_text(encoding="utf-8").startswith("## declone report")
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    err = capsys.readouterr().err
    assert f"wrote {target}" in err
    assert f"wrote {html}" in err


def test_unknown_baseline_is_a_usage_error(
    history_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--root", str(history_repo), "--baseline", "nope"]) == 2
    assert "no baseline named 'nope'" in capsys.readouterr().err


def test_named_baseline(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--root", str(history_repo), "--baseline", "baseline", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["before_after"]["baseline"] == "baseline"


def test_unwritable_report_path(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = history_repo / "file"
    blocker.write_text("", encoding="utf-8")
    code = main(["report", "--root", str(history_repo), "--html", str(blocker / "r.html")])
    assert code == 2
    assert "cannot write the report" in capsys.readouterr().err


def test_plain_repo_without_history(plain_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--root", str(plain_repo), "--no-progress", "--all"]) == 0
    out = capsys.readouterr().out
    assert "2 families, 4 live copies" in out
    assert "Migration runs" not in out
    assert "Measurement history" not in out


def test_empty_repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--root", str(tmp_path), "--no-progress"]) == 0
    assert "No duplicated class families." in capsys.readouterr().out


def test_open_writes_the_page_and_hands_it_to_the_browser(
    plain_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # $BROWSER is how the standard library's webbrowser module is told which program to run.
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n', encoding="utf-8")
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("BROWSER", str(browser))
    # webbrowser reads $BROWSER once per process; make it read it again for this test.
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    assert main(["report", "--root", str(plain_repo), "--open", "--json"]) == 0
    page = plain_repo / ".declone" / "report.html"
    assert page.is_file()
    # A $BROWSER command is run to completion before webbrowser.open returns.
    assert opened.read_text().strip() == page.resolve().as_uri()


def _family(number: int, name: str = "") -> FamilyView:
    return FamilyView(
        name=name or f"Family{number}",
        names=(name or f"Family{number}",),
        status=FamilyStatus.OPEN,
        copies=2,
        files=2,
        duplicated_lines=number,
        warning_sources=1,
        measured_warnings=None,
        matched_by=("name",),
        variants=(),
        canonical="",
        runs=(),
    )


def test_markdown_caps_the_families_and_keeps_cells_intact(plain_repo: Path) -> None:
    from declone.config import load_settings
    from declone.report.data import build_report
    from declone.report.sources import load_inputs
    from declone.scan.scanner import scan_repository

    settings = load_settings(plain_repo)
    index, _ = scan_repository(settings)
    data = build_report(load_inputs(settings, index))
    families = (*(_family(n) for n in range(20)), _family(99, "A|B`<b>x</b>_*"))
    many = ReportData(
        data.root, data.generated_at, data.headline, families, (), (), data.before_after
    )
    text = render_markdown(many)
    rows = [line for line in text.splitlines() if line.startswith("| Family")]
    assert len(rows) == 15
    assert "…and 6 more families." in text
    assert "No duplicated" not in text
    hostile = render_markdown(many, max_families=30)
    row = next(line for line in hostile.splitlines() if "A\\|B" in line)
    assert row.count(" | ") == 5  # the | in the name did not open a new cell
    assert "<b>" not in hostile
    assert "\\`" in row


def test_a_refused_rollback_and_an_unreadable_run_are_shown(
    history_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What `declone verify --rollback-on-regression` records when the journal refuses the
    # rollback (the file was edited since the run): the regression stays, nothing restored.
    test_id = "tests/test_c.py::test_record_2"
    before = {test_id: ItemOutcome(test_id, Outcome.PASSED, 0.01)}
    after = {test_id: ItemOutcome(test_id, Outcome.FAILED, 0.01, "AssertionError: 2 != 1")}
    verification = Verification(
        run_id=HELPER_RUN,
        files=("tests/test_c.py",),
        targets=("tests/test_c.py",),
        python=sys.executable,
        before=before,
        after=after,
        changes=tuple(
            replace(change, files=("tests/test_c.py",))
            for change in compare_outcomes(before, after)
        ),
    )
    refusal = ("tests/test_c.py", "tests/test_c.py: changed since run")
    record_verification(history_repo, HELPER_RUN, [VerifyOutcome(verification, refused=(refusal,))])
    broken = history_repo / ".declone" / "runs" / "20250103T000000Z-dead"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"schema_version": 99}', encoding="utf-8")

    page = tmp_path / "report.html"
    assert main(["report", "--root", str(history_repo), "--html", str(page), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "regressed (1 -> 1 tests)" in out
    assert f"{HELPER_RUN}: regression {test_id} passed -> failed: AssertionError: 2 != 1" in out
    assert f"{HELPER_RUN}: tests/test_c.py not rolled back: tests/test_c.py: changed" in out
    assert "journal: .declone/runs/20250103T000000Z-dead/manifest.json: unsupported" in out
    text = page.read_text(encoding="utf-8")
    assert '<span class="badge regressed">regressed</span>' in text
    assert "not rolled back, tests/test_c.py: changed since run" in text
    assert "Runs the journal could not read" in text
