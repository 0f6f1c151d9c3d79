"""``build_report`` over real inputs: a scan, a git history, stored measurements, a journal."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from report_support import HELPER, commit, git, write

from declone.config import load_settings
from declone.model import VariantDiff
from declone.report import (
    CopiesSource,
    FamilyStatus,
    ReportData,
    build_report,
    describe_diff,
    report_to_json,
)
from declone.reportsources import copies_at_commits, load_inputs, read_runs, run_view
from declone.scan import scan_repository


def _report(root: Path, **options: str) -> ReportData:
    settings = load_settings(root)
    index, _ = scan_repository(settings)
    return build_report(load_inputs(settings, index, **options))


def test_headline_compares_the_baseline_with_the_latest_measurement(history_repo: Path) -> None:
    data = _report(history_repo)
    h = data.headline
    # Baseline at commit 1: three TestHelper copies and three MockAgent copies, each TestHelper
    # copy a PytestCollectionWarning. Latest (uncommitted): only MockAgent's copies are left.
    assert (h.copies_before, h.copies_after) == (6, 3)
    assert (h.warnings_before, h.warnings_after) == (3, 0)
    assert (h.tests_before, h.tests_after) == (6, 6)
    assert h.collection_before is not None
    assert h.collection_after is not None
    assert (h.families, h.live_copies, h.warning_sources) == (1, 3, 0)
    assert h.duplicated_lines > 0


def test_history_counts_copies_per_commit_and_in_the_working_tree(history_repo: Path) -> None:
    data = _report(history_repo)
    assert [p.copies for p in data.history] == [6, 5, 3]
    assert [p.copies_source for p in data.history] == [
        CopiesSource.COMMIT,
        CopiesSource.COMMIT,
        CopiesSource.WORKING_TREE,
    ]
    assert [p.collection_warnings for p in data.history] == [3, 1, 0]
    assert [p.dirty for p in data.history] == [False, False, True]
    assert data.history[-1].label.endswith("*")
    commits = git(history_repo, "log", "--format=%H").splitlines()
    assert data.history[0].commit == commits[-1]
    assert data.history[0].branch == "main"


def test_family_statuses(history_repo: Path) -> None:
    families = {f.name: f for f in _report(history_repo).families}
    assert families["MockAgent"].status is FamilyStatus.PLANNED  # its only run was undone
    assert families["MockAgent"].copies == 3
    assert families["MockAgent"].runs == ("20250102-090000-mockagent",)
    # TestHelper has one copy left (the canonical): no longer a family, but migrated.
    helper = families["TestHelper"]
    assert (helper.status, helper.copies, helper.variants) == (FamilyStatus.MIGRATED, 0, ())
    assert helper.measured_warnings == 0
    widget = families["OldWidget"]
    assert (widget.status, widget.canonical) == (FamilyStatus.GUARDED, "tests.widgets:OldWidget")
    assert list(families) == ["MockAgent", "OldWidget", "TestHelper"]  # open/planned first


def test_a_registered_family_with_copies_is_guarded(history_repo: Path) -> None:
    pyproject = history_repo / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + 'MockAgent = "tests.agents:MockAgent"\n', encoding="utf-8"
    )
    family = next(f for f in _report(history_repo).families if f.name == "MockAgent")
    assert (family.status, family.copies) == (FamilyStatus.GUARDED, 3)


def test_runs_are_read_from_the_journal(history_repo: Path) -> None:
    runs = read_runs(history_repo)
    assert [r.id for r in runs] == ["20250101-120000-testhelper", "20250102-090000-mockagent"]
    first, second = runs
    assert first.actions == {"replace": 2}
    assert [(f.path, f.reason) for f in first.skipped] == [
        ("tests/test_x.py", "name rebound in the file")
    ]
    assert first.verification == "passed"
    assert [f.path for f in second.rolled_back] == ["tests/test_a.py"]
    assert second.applied == ()


def test_a_damaged_manifest_is_left_out(history_repo: Path) -> None:
    broken = history_repo / ".declone" / "runs" / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    (history_repo / ".declone" / "runs" / "list").mkdir()
    (history_repo / ".declone" / "runs" / "list" / "manifest.json").write_text("[]")
    assert len(read_runs(history_repo)) == 2


def test_run_view_tolerates_missing_fields() -> None:
    run = run_view("r1", {"files": [{"path": "a.py"}, "junk"], "verification": 3})
    assert (run.id, run.family, run.verification) == ("r1", "", "not verified")
    assert [(f.path, f.status) for f in run.files] == [("a.py", "migrated")]
    assert run_view("r2", {"files": "nope"}).files == ()


def test_before_after_details(history_repo: Path) -> None:
    ba = _report(history_repo).before_after
    assert ba is not None
    assert ba.baseline == "baseline"
    assert ("PytestCollectionWarning", 3, 0) in ba.warnings_by_category
    assert (ba.tests_added, ba.tests_removed) == ((), ())
    assert ba.time_ratio is not None
    assert ba.time_ratio > 0
    assert ba.modules


def test_without_a_named_baseline_the_oldest_measurement_is_the_before(
    history_repo: Path,
) -> None:
    data = _report(history_repo, baseline_name="no-such-name")
    assert data.before_after is not None
    assert data.before_after.baseline == "oldest measurement"
    assert data.before_after.before.measurement_id == data.history[0].measurement_id


def test_a_repo_without_history_journal_or_git(plain_repo: Path) -> None:
    data = _report(plain_repo)
    assert (data.history, data.runs, data.before_after) == ((), (), None)
    h = data.headline
    assert (h.copies_before, h.warnings_after, h.collection_after) == (None, None, None)
    assert [f.name for f in data.families] == ["TestHelper", "MockAgent"] or [
        f.name for f in data.families
    ] == ["MockAgent", "TestHelper"]
    assert all(f.status is FamilyStatus.OPEN for f in data.families)
    assert all(f.measured_warnings is None for f in data.families)
    assert not (plain_repo / ".declone").exists()  # a report never creates the history


def test_copies_at_commits_ignores_unknown_commits_and_reuses_parsed_files(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root, {f"t{n}.py": HELPER for n in range(3)})
    first = commit(root, "three")
    (root / "t2.py").unlink()
    write(root, {"notes.txt": "class NotPython: pass\n", "old.py.bak": HELPER})
    second = commit(root, "two")
    settings = load_settings(root)
    counts = copies_at_commits(settings, [first, second, first, "0" * 40])
    # Backup copies are never live; a commit that is not in the repo has no count.
    assert counts == {first: 3, second: 2}


def test_describe_diff_lists_every_kind_of_difference() -> None:
    diff = VariantDiff(
        methods_added=("ping",),
        methods_missing=("close",),
        async_changes=(("send", "sync->async"),),
        signature_changes=(("send", "def send(self)", "def send(self, data)"),),
        attributes_added=("log",),
        attributes_missing=("state",),
        bases_changed=True,
    )
    assert describe_diff(diff) == (
        "adds method ping",
        "lacks method close",
        "send: sync->async",
        "def send(self) -> def send(self, data)",
        "adds attribute log",
        "lacks attribute state",
        "different base classes",
    )
    assert describe_diff(VariantDiff()) == ()


def test_json_document_is_versioned_and_plain(history_repo: Path, plain_repo: Path) -> None:
    import json
    from importlib import resources

    import jsonschema

    document = report_to_json(_report(history_repo))
    assert document["schema_version"] == 1
    assert document["command"] == "report"
    assert document["headline"]["copies_before"] == 6
    assert {f["status"] for f in document["families"]} == {"planned", "guarded", "migrated"}
    assert document["runs"][0]["actions"] == {"replace": 2}
    assert document["runs"][1]["rolled_back"] == 1
    assert document["history"][-1]["copies_source"] == "working tree"
    assert document["before_after"]["time_ratio"] > 0
    assert {"category": "PytestCollectionWarning", "before": 3, "after": 0} in document[
        "before_after"
    ]["warnings_by_category"]
    assert json.loads(json.dumps(document)) == document
    schema = json.loads(
        resources.files("declone").joinpath("schemas", "report.schema.json").read_text("utf-8")
    )
    jsonschema.validate(document, schema)
    empty = report_to_json(_report(plain_repo))
    jsonschema.validate(empty, schema)
    assert empty["before_after"] is None


@pytest.mark.parametrize("limit", [1, 2])
def test_nice_ticks_cover_the_maximum(limit: int) -> None:
    from declone.svgchart import nice_ticks

    for maximum in (0.07, 0.9, 1, 3.17, 12, 18, 999, 12345):
        ticks = nice_ticks(maximum, count=4 * limit)
        assert ticks[0] == 0
        assert ticks[-1] >= maximum
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1
    assert nice_ticks(0) == (0.0, 1.0)
