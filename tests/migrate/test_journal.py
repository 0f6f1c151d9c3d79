"""The journal: crash-safe batches, exact rollback, and a journal treated as untrusted input."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declone.migrate.journal import (
    EntryStatus,
    JournalChange,
    JournalError,
    apply_changes,
    latest_run,
    list_runs,
    load_run,
    new_run_id,
    rollback,
    sha256,
    start_run,
)


def make_repo(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def migrate(root: Path, files: dict[str, tuple[bytes, bytes]], run_id: str = "run-1") -> str:
    make_repo(root, {name: before for name, (before, _) in files.items()})
    run = start_run(root, "FakeConnection", "helpers:FakeConnection", run_id=run_id)
    changes = [
        JournalChange(name, before, after, "replace") for name, (before, after) in files.items()
    ]
    run, outcomes = apply_changes(root, run, changes, batch=1)
    assert [outcome.status for outcome in outcomes] == ["written"] * len(files)
    return run.id


def manifest_path(root: Path, run_id: str) -> Path:
    return root / ".declone" / "runs" / run_id / "manifest.json"


def edit_manifest(root: Path, run_id: str, **changes: object) -> None:
    path = manifest_path(root, run_id)
    document = json.loads(path.read_bytes())
    document["files"][0].update(changes)
    path.write_text(json.dumps(document))


def test_run_ids_sort_by_time() -> None:
    early = new_run_id(datetime(2026, 11, 22, 1, 45, tzinfo=UTC), "3f2a")
    later = new_run_id(datetime(2026, 11, 22, 1, 46, tzinfo=UTC), "0000")
    assert early == "20261122T014500Z-3f2a"
    assert sorted([later, early]) == [early, later]
    assert len(new_run_id().rsplit("-", 1)[1]) == 4


def test_apply_writes_backups_manifest_and_files(tmp_path: Path) -> None:
    run_id = migrate(
        tmp_path,
        {"tests/a.py": (b"old a\r\n", b"new a\r\n"), "tests/b.py": (b"old a\r\n", b"new b\n")},
    )
    assert (tmp_path / "tests/a.py").read_bytes() == b"new a\r\n"
    backups = list((tmp_path / ".declone/runs" / run_id / "backups").iterdir())
    assert [path.name for path in backups] == [sha256(b"old a\r\n")]  # identical files share one
    run = load_run(tmp_path, run_id)
    assert run.family == "FakeConnection"
    assert [(e.path, e.status, e.batch) for e in run.entries] == [
        ("tests/a.py", EntryStatus.DONE, 1),
        ("tests/b.py", EntryStatus.DONE, 1),
    ]
    assert run.entries[1].sha256_after == sha256(b"new b\n")
    document = json.loads(manifest_path(tmp_path, run_id).read_bytes())
    assert document["schema_version"] == 1
    assert document["canonical"] == "helpers:FakeConnection"


def test_rollback_restores_exact_bytes(tmp_path: Path) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"\xef\xbb\xbfold\r\n", b"new\n"), "b.py": (b"x", b"y")})
    result = rollback(tmp_path, run_id)
    assert result.ok
    assert result.restored == ("a.py", "b.py")
    assert (tmp_path / "a.py").read_bytes() == b"\xef\xbb\xbfold\r\n"
    assert (tmp_path / "b.py").read_bytes() == b"x"
    assert load_run(tmp_path, run_id).status == "rolled-back"
    again = rollback(tmp_path, run_id)
    assert again.restored == ()
    assert again.already_original == ("a.py", "b.py")


def test_rollback_of_selected_files(tmp_path: Path) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"a0", b"a1"), "b.py": (b"b0", b"b1")})
    result = rollback(tmp_path, run_id, ["b.py"])
    assert result.restored == ("b.py",)
    assert (tmp_path / "a.py").read_bytes() == b"a1"
    assert load_run(tmp_path, run_id).status == "partial"
    with pytest.raises(JournalError, match="not part of run"):
        rollback(tmp_path, run_id, ["c.py"])


def test_file_changed_since_run_is_refused_unless_forced(tmp_path: Path) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"a0", b"a1"), "b.py": (b"b0", b"b1")})
    (tmp_path / "a.py").write_bytes(b"edited by hand")
    result = rollback(tmp_path, run_id)
    assert not result.ok
    assert result.refused[0][0] == "a.py"
    assert "changed since run" in result.refused[0][1]
    # Nothing is restored when anything is refused.
    assert (tmp_path / "b.py").read_bytes() == b"b1"
    forced = rollback(tmp_path, run_id, force=True)
    assert forced.restored == ("a.py", "b.py")
    assert (tmp_path / "a.py").read_bytes() == b"a0"


def test_deleted_file_is_refused_unless_forced(tmp_path: Path) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"a0", b"a1")})
    (tmp_path / "a.py").unlink()
    assert "deleted since run" in rollback(tmp_path, run_id).refused[0][1]
    assert rollback(tmp_path, run_id, force=True).restored == ("a.py",)
    assert (tmp_path / "a.py").read_bytes() == b"a0"


def test_rollback_keeps_permissions(tmp_path: Path) -> None:
    make_repo(tmp_path, {"run.py": b"a0"})
    (tmp_path / "run.py").chmod(0o750)
    run = start_run(tmp_path, "F", "m:F", run_id="r")
    apply_changes(tmp_path, run, [JournalChange("run.py", b"a0", b"a1", "replace")], 1)
    assert stat.S_IMODE((tmp_path / "run.py").stat().st_mode) == 0o750
    rollback(tmp_path, "r")
    assert stat.S_IMODE((tmp_path / "run.py").stat().st_mode) == 0o750


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write read-only files")
def test_read_only_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    make_repo(tmp_path, {"ro.py": b"a0", "rw.py": b"b0"})
    (tmp_path / "ro.py").chmod(0o444)
    run = start_run(tmp_path, "F", "m:F", run_id="r")
    run, outcomes = apply_changes(
        tmp_path,
        run,
        [
            JournalChange("ro.py", b"a0", b"a1", "replace"),
            JournalChange("rw.py", b"b0", b"b1", "replace"),
        ],
        1,
    )
    assert [(o.path, o.status) for o in outcomes] == [("ro.py", "read-only"), ("rw.py", "written")]
    assert (tmp_path / "ro.py").read_bytes() == b"a0"
    assert stat.S_IMODE((tmp_path / "ro.py").stat().st_mode) == 0o444


def test_read_only_check_uses_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, who can write anything: check the decision itself.
    make_repo(tmp_path, {"ro.py": b"a0"})
    run = start_run(tmp_path, "F", "m:F", run_id="r")
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    _, outcomes = apply_changes(tmp_path, run, [JournalChange("ro.py", b"a0", b"a1", "replace")], 1)
    assert outcomes[0].status == "read-only"
    assert (tmp_path / "ro.py").read_bytes() == b"a0"


def test_apply_skips_files_changed_since_planned(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": b"edited"})
    run = start_run(tmp_path, "F", "m:F", run_id="r")
    run, outcomes = apply_changes(
        tmp_path,
        run,
        [
            JournalChange("a.py", b"a0", b"a1", "replace"),
            JournalChange("gone.py", b"x", b"y", "replace"),
        ],
        1,
    )
    assert [o.status for o in outcomes] == ["changed since planned", "missing"]
    assert run.entries == ()
    assert (tmp_path / "a.py").read_bytes() == b"edited"


def test_several_batches_append(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": b"a0", "b.py": b"b0"})
    run = start_run(tmp_path, "F", "m:F", run_id="r")
    run, _ = apply_changes(tmp_path, run, [JournalChange("a.py", b"a0", b"a1", "replace")], 1)
    run, _ = apply_changes(tmp_path, run, [JournalChange("b.py", b"b0", b"b1", "alias")], 2)
    _, outcomes = apply_changes(tmp_path, run, [JournalChange("b.py", b"b1", b"b2", "alias")], 3)
    assert outcomes[0].status == "already in this run"
    loaded = load_run(tmp_path, "r")
    assert [(e.path, e.batch, e.action) for e in loaded.entries] == [
        ("a.py", 1, "replace"),
        ("b.py", 2, "alias"),
    ]


def test_pending_entries_after_a_crash_roll_back(tmp_path: Path) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"a0", b"a1"), "b.py": (b"b0", b"b1")})
    # As if killed after the manifest said pending and only a.py was replaced.
    document = json.loads(manifest_path(tmp_path, run_id).read_bytes())
    for item in document["files"]:
        item["status"] = "pending"
    manifest_path(tmp_path, run_id).write_text(json.dumps(document))
    (tmp_path / "b.py").write_bytes(b"b0")
    result = rollback(tmp_path, run_id)
    assert result.restored == ("a.py",)
    assert result.already_original == ("b.py",)
    assert (tmp_path / "a.py").read_bytes() == b"a0"


@pytest.mark.parametrize(
    "bad_path",
    ["/etc/passwd", "../outside.py", "tests/../../outside.py", "a\\..\\b.py", ""],
)
def test_manifest_path_outside_the_repo_is_refused(tmp_path: Path, bad_path: str) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"a0", b"a1")})
    edit_manifest(tmp_path, run_id, path=bad_path)
    with pytest.raises(JournalError, match="outside the repository"):
        rollback(tmp_path, run_id)
    assert (tmp_path / "a.py").read_bytes() == b"a1"


def test_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.py").write_bytes(b"a1")
    repo.mkdir()
    run_id = migrate(repo, {"a.py": (b"a0", b"a1")})
    (repo / "link").symlink_to(outside)
    edit_manifest(repo, run_id, path="link/victim.py")
    result = rollback(repo, run_id, force=True)
    assert not result.ok
    assert "outside the repository" in result.refused[0][1]
    assert (outside / "victim.py").read_bytes() == b"a1"


def test_symlinked_file_is_refused(tmp_path: Path) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"a0", b"a1")})
    (tmp_path / "real.py").write_bytes(b"a1")
    (tmp_path / "a.py").unlink()
    (tmp_path / "a.py").symlink_to(tmp_path / "real.py")
    result = rollback(tmp_path, run_id, force=True)
    assert "symlink" in result.refused[0][1]
    assert (tmp_path / "real.py").read_bytes() == b"a1"


def test_journal_directory_symlinked_out_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (repo / ".declone").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(JournalError, match="outside the repository"):
        start_run(repo, "F", "m:F")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_tampered_backup_is_refused(tmp_path: Path) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"a0", b"a1")})
    (tmp_path / ".declone/runs" / run_id / "backups" / sha256(b"a0")).write_bytes(b"evil")
    result = rollback(tmp_path, run_id)
    assert "does not match the manifest" in result.refused[0][1]
    assert (tmp_path / "a.py").read_bytes() == b"a1"


def test_missing_backup_and_bad_hash_are_refused(tmp_path: Path) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"a0", b"a1")})
    edit_manifest(tmp_path, run_id, sha256_before="../../../etc/passwd")
    assert "invalid sha256_before" in rollback(tmp_path, run_id).refused[0][1]
    edit_manifest(tmp_path, run_id, sha256_before="0" * 64)
    assert "backup missing" in rollback(tmp_path, run_id).refused[0][1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "unreadable manifest"),
        (b'{"schema_version": 99}', "unsupported manifest"),
        (b'{"schema_version": 1, "id": "r"}', "malformed manifest"),
        (
            b'{"schema_version": 1, "id": "r", "created": "", "family": "", "canonical": "",'
            b' "files": [{"path": "a.py"}]}',
            "malformed manifest",
        ),
    ],
)
def test_broken_manifest_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    run_id = migrate(tmp_path, {"a.py": (b"a0", b"a1")})
    manifest_path(tmp_path, run_id).write_bytes(content)
    with pytest.raises(JournalError, match=message):
        load_run(tmp_path, run_id)
    runs, problems = list_runs(tmp_path)
    assert runs == ()
    assert message in problems[0]


@pytest.mark.parametrize("run_id", ["../x", "a/b", "..", ".hidden", ""])
def test_bad_run_ids_are_refused(tmp_path: Path, run_id: str) -> None:
    with pytest.raises(JournalError, match="not a run id"):
        load_run(tmp_path, run_id)


def test_unknown_run(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="no such run"):
        load_run(tmp_path, "20990101T000000Z-0000")
    with pytest.raises(JournalError, match="no migration runs"):
        latest_run(tmp_path)


def test_list_runs_oldest_first(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": b"a"})
    start_run(tmp_path, "F", "m:F", run_id="20260101T000000Z-bbbb")
    start_run(tmp_path, "G", "m:G", run_id="20250101T000000Z-aaaa")
    (tmp_path / ".declone/runs/stray-file").write_bytes(b"")
    runs, problems = list_runs(tmp_path)
    assert [run.id for run in runs] == ["20250101T000000Z-aaaa", "20260101T000000Z-bbbb"]
    assert problems == ()
    assert runs[0].status == "empty"
    assert latest_run(tmp_path).family == "F"
    assert list_runs(tmp_path / "nowhere") == ((), ())


def test_entry_pointing_outside_cannot_be_applied(tmp_path: Path) -> None:
    run = start_run(tmp_path, "F", "m:F", run_id="r")
    with pytest.raises(JournalError, match="outside the repository"):
        apply_changes(tmp_path, run, [JournalChange("../x.py", b"", b"y", "replace")], 1)
    assert not (tmp_path.parent / "x.py").exists()


contents = st.binary(max_size=200) | st.sampled_from(
    [b"\xef\xbb\xbfx = 1\r\n", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", b"\r\n\r", b""]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(contents, contents), min_size=1, max_size=5))
def test_rollback_restores_arbitrary_bytes(pairs: list[tuple[bytes, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files = {f"pkg/f{i}.py": pair for i, pair in enumerate(pairs)}
        run_id = migrate(root, files)
        for name, (_, after) in files.items():
            assert (root / name).read_bytes() == after
        result = rollback(root, run_id)
        assert result.ok
        for name, (before, _) in files.items():
            assert (root / name).read_bytes() == before


def test_skipped_files_are_kept_through_batches_and_rollback(tmp_path: Path) -> None:
    from declone.migrate.journal import SkippedFile, record_skipped

    make_repo(tmp_path, {"a.py": b"x = 1\n"})
    first = SkippedFile("tests/b.py", "class created in a function", "Conn", 9)
    run = start_run(tmp_path, "Conn", "pkg.mod:Conn", skipped=[first])
    run, _ = apply_changes(
        tmp_path, run, [JournalChange("a.py", b"x = 1\n", b"x = 2\n", "replace")], 1
    )
    later = SkippedFile("c.py", "changed since planned")
    run = record_skipped(tmp_path, run, [later])
    rollback(tmp_path, run.id, ["a.py"])
    assert load_run(tmp_path, run.id).skipped == (first, later)
    assert (tmp_path / "a.py").read_bytes() == b"x = 1\n"
