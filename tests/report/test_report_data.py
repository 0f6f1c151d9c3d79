"""``build_report`` over real inputs: a scan, a git history, stored measurements, a journal."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from report_support import (
    AGENT_RUN,
    HELPER,
    HELPER_RUN,
    SKIP_REASON,
    commit,
    git,
    record_skips,
    write,
)

from declone.config import load_settings
from declone.migrate.journal import EntryStatus, JournalEntry, Run, rollback
from declone.model import VariantDiff
from declone.report.data import (
    CopiesSource,
    FamilyStatus,
    ReportData,
    build_report,
    describe_diff,
    report_to_json,
)
from declone.report.sources import copies_at_commits, load_inputs, read_runs, run_view
from declone.scan.scanner import scan_repository


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
    # Its only run was rolled back by verification: a canonical was chosen, nothing applied.
    assert families["MockAgent"].status is FamilyStatus.PLANNED
    assert families["MockAgent"].copies == 3
    assert families["MockAgent"].runs == (AGENT_RUN,)
    # TestHelper has one copy left (the canonical): no longer a family, but migrated.
    helper = families["TestHelper"]
    assert (helper.status, helper.copies, helper.variants) == (FamilyStatus.MIGRATED, 0, ())
    assert helper.runs == (HELPER_RUN,)
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


def test_runs_are_read_from_the_journal_with_their_verification(history_repo: Path) -> None:
    runs, problems = read_runs(history_repo)
    assert problems == ()
    assert [r.id for r in runs] == [HELPER_RUN, AGENT_RUN]
    helper, agent = runs
    assert (helper.family, helper.canonical) == ("TestHelper", "tests.support:TestHelper")
    assert helper.created_at.endswith("+00:00")
    assert [(f.path, f.action, f.batch, f.status) for f in helper.files] == [
        ("tests/support.py", "extract TestHelper", 1, "migrated"),
        ("tests/test_b.py", "replace TestHelper", 1, "migrated"),
        ("tests/test_c.py", "replace TestHelper", 1, "migrated"),
        ("tests/test_a.py", "replace TestHelper", 2, "migrated"),
    ]
    assert helper.actions == {"extract": 1, "replace": 3}
    assert [(f.path, f.action, f.reason) for f in helper.skipped] == [
        ("tests/test_x.py:3", "skip TestHelper", SKIP_REASON)
    ]
    passed = helper.verification
    assert (passed.status, passed.checks, passed.regressions) == ("passed", 1, ())
    assert (passed.tests_before, passed.tests_after) == (6, 6)
    assert passed.verified_at.endswith("Z")

    # MockAgent: the import of a missing module lost both tests of the file; verification
    # rolled the file back and the re-verification passed.
    verification = agent.verification
    assert verification.status == "rolled back"
    assert verification.rolled_back == ("tests/test_a.py",)
    assert verification.new_collection_errors == 1
    assert [(r.test, r.before, r.after, r.files) for r in verification.regressions] == [
        ("tests/test_a.py::test_agent_0", "passed", "", ("tests/test_a.py",)),
        ("tests/test_a.py::test_record_0", "passed", "", ("tests/test_a.py",)),
    ]
    assert agent.applied == ()
    [rolled_back] = agent.rolled_back
    assert rolled_back.path == "tests/test_a.py"
    assert rolled_back.reason == (
        "verification found a regression: "
        "tests/test_a.py::test_agent_0, tests/test_a.py::test_record_0"
    )
    assert agent.notable == (rolled_back,)


def test_a_rollback_by_hand_shows_without_a_verification_reason(history_repo: Path) -> None:
    result = rollback(history_repo, HELPER_RUN, ["tests/test_c.py"])
    assert result.restored == ("tests/test_c.py",)
    helper = read_runs(history_repo)[0][0]
    assert [(f.path, f.status, f.reason) for f in helper.rolled_back] == [
        ("tests/test_c.py", "rolled back", "")
    ]
    assert len(helper.applied) == 3
    family = next(f for f in _report(history_repo).families if f.name == "TestHelper")
    assert family.status is FamilyStatus.MIGRATED  # three files still hold migrated bytes


def test_unreadable_runs_and_records_are_reported_not_fatal(history_repo: Path) -> None:
    runs_dir = history_repo / ".declone" / "runs"
    (runs_dir / "broken").mkdir()
    (runs_dir / "broken" / "manifest.json").write_text("{not json", encoding="utf-8")
    (runs_dir / HELPER_RUN / "verification.json").write_text("[]", encoding="utf-8")
    record = runs_dir / AGENT_RUN / "verification.json"
    document = json.loads(record.read_text(encoding="utf-8"))
    del document["checks"][0]["rolled_back"]
    record.write_text(json.dumps(document), encoding="utf-8")
    data = _report(history_repo)
    assert [(r.id, r.verification.status) for r in data.runs] == [
        (HELPER_RUN, "unreadable"),
        (AGENT_RUN, "unreadable"),
    ]
    problems = data.journal_problems
    assert len(problems) == 3
    assert "broken/manifest.json: unreadable manifest" in problems[0]
    assert f"{HELPER_RUN}/verification.json: unsupported verification record" in problems[1]
    assert f"{AGENT_RUN}/verification.json: malformed verification record" in problems[2]
    (record).write_bytes(b"\xff")
    assert "unreadable verification record" in read_runs(history_repo)[1][-1]


def test_a_malformed_skipped_list_is_reported(history_repo: Path) -> None:
    # The journal reads the manifest strictly: a malformed entry makes the run unreadable,
    # which the report says instead of guessing.
    record_skips(history_repo, HELPER_RUN, [{"reason": "no path"}])
    runs, problems = read_runs(history_repo)
    assert [run.id for run in runs] == [AGENT_RUN]
    assert problems == (
        f".declone/runs/{HELPER_RUN}/manifest.json: malformed manifest entry: KeyError('path')",
    )


def test_a_runs_folder_leading_outside_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".declone").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (root / ".declone" / "runs").symlink_to(tmp_path / "elsewhere")
    runs, problems = read_runs(root)
    assert runs == ()
    assert "outside the repository" in problems[0]


def test_an_interrupted_batch_is_pending_and_not_applied() -> None:
    # What the journal holds after a kill between writing a batch's entries and finishing it.
    entry = JournalEntry("a.py", "0" * 64, "1" * 64, "replace A; alias B", 1, EntryStatus.PENDING)
    view = run_view(Run("r1", "2025-01-01T00:00:00+00:00", "A", "m:A", (entry,)))
    assert view.applied == ()
    assert [(f.status, f.verbs) for f in view.interrupted] == [("pending", ("replace", "alias"))]
    assert "stopped before its batch finished" in view.interrupted[0].reason
    assert view.actions == {"alias": 1, "replace": 1}
    assert view.verification.status == "not verified"


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
    from importlib import resources

    import jsonschema

    document = report_to_json(_report(history_repo))
    assert document["schema_version"] == 1
    assert document["command"] == "report"
    assert document["headline"]["copies_before"] == 6
    assert {f["status"] for f in document["families"]} == {"planned", "guarded", "migrated"}
    assert [run["id"] for run in document["runs"]] == [HELPER_RUN, AGENT_RUN]
    assert document["runs"][0]["actions"] == {"extract": 1, "replace": 3}
    assert document["runs"][0]["skipped"][0]["reason"] == SKIP_REASON
    assert document["runs"][1]["rolled_back"] == ["tests/test_a.py"]
    verification = document["runs"][1]["verification"]
    assert (verification["status"], verification["refused"]) == ("rolled back", [])
    assert verification["regressions"][0]["test"] == "tests/test_a.py::test_agent_0"
    assert document["journal_problems"] == []
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
    from declone.report.svgchart import nice_ticks

    for maximum in (0.07, 0.9, 1, 3.17, 12, 18, 999, 12345):
        ticks = nice_ticks(maximum, count=4 * limit)
        assert ticks[0] == 0
        assert ticks[-1] >= maximum
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1
    assert nice_ticks(0) == (0.0, 1.0)
