"""``declone migrate --verify``: real pytest subprocesses after every batch of a tiny repo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from migration_support import commit_all, run_json

#: The copy each test file carries: ``messages`` hands out a copy of the record.
COPY = '''\
class Recorder:
    """Records what it is sent."""

    def __init__(self):
        self.sent = []
        self.closed = False

    def send(self, message):
        self.sent.append(message)

    def messages(self):
        return list(self.sent)

    def close(self):
        self.closed = True
'''

#: A hand-written canonical, different enough not to join the family: the plan compares its
#: API with the copies' and trusts its bodies. ``{messages}`` is the body of ``messages``.
CANONICAL = '''\
class MessageLog:
    """A log of what a fake connection was sent, shared by every test."""

    def __init__(self):
        self.sent = []
        self.closed = False
        self.errors = []
        self.headers = {{}}

    def send(self, message):
        self.sent.append(message)

    def messages(self):
        return {messages}

    def close(self):
        self.closed = True

    def fail(self, error):
        self.errors.append(error)

    def header(self, name, value):
        self.headers[name] = value

    def reset(self):
        self.sent.clear()
        self.errors.clear()
        self.headers.clear()
'''

#: Behaves like the copies.
KEEPS_BEHAVIOUR = CANONICAL.format(messages="list(self.sent)")
#: Hands out its own list: a test that changes the result changes the record.
SHARES_ITS_LIST = CANONICAL.format(messages="self.sent")

SENDS = """

def test_send():
    r = Recorder()
    r.send(1)
    assert r.messages() == [1]
"""

#: Passes with the copies and fails once the canonical shares its list.
MUTATES = """

def test_messages_is_a_copy():
    r = Recorder()
    r.send(1)
    r.messages().append(2)
    assert r.sent == [1]
"""

GUARD = "def test_guarded():\n    assert sorted([2, 1]) == [1, 2]\n"

HANGS = "\n\ndef test_hangs():\n    import time\n\n    time.sleep(60)\n"

MIGRATED_IMPORT = "from tests.support.rec import MessageLog as Recorder"

#: One pytest process per run: xdist's workers cost more than these tiny suites.
VERIFY = ("--verify", "--test-jobs", "1")


@pytest.fixture(autouse=True)
def lean_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture repos need none of declone's own pytest plugins; each would slow a run."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)


def build(repo: Any, canonical: str, tests: dict[str, str]) -> Path:
    files = {"tests/support/rec.py": canonical, "tests/test_guard.py": GUARD}
    files.update({path: COPY + body for path, body in tests.items()})
    return commit_all(repo(files))


def migrate_argv(root: Path, *argv: str) -> list[str]:
    return [
        "migrate",
        "Recorder",
        "--root",
        str(root),
        "--canonical",
        "tests.support.rec:MessageLog",
        *argv,
    ]


def verification_record(root: Path, run_id: str) -> dict[str, Any]:
    document = json.loads((root / ".declone/runs" / run_id / "verification.json").read_text())
    assert isinstance(document, dict)
    return document


def manifest_statuses(root: Path, run_id: str) -> dict[str, str]:
    manifest = json.loads((root / ".declone/runs" / run_id / "manifest.json").read_text())
    return {entry["path"]: entry["status"] for entry in manifest["files"]}


def test_a_migration_that_keeps_behaviour_passes_every_batch(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(
        repo,
        KEEPS_BEHAVIOUR,
        {"tests/test_a.py": SENDS, "tests/test_b.py": SENDS + MUTATES, "tests/test_c.py": SENDS},
    )
    capsys.readouterr()
    argv = migrate_argv(root, *VERIFY, "--batch-size", "2", "--guard-tests", "tests/test_guard.py")
    code = main([*argv, "--no-cache"])
    err = capsys.readouterr().err
    assert code == 0
    # The batch's own tests and the guard test, on both sides.
    assert "batch 1/2: 2 files, 4 tests compared: no regression" in err
    assert "batch 2/2: 1 file, 2 tests compared: no regression" in err
    assert "verification: 2 batches, 6 tests compared, no regression; recorded in" in err
    (run_dir,) = (root / ".declone/runs").iterdir()
    record = verification_record(root, run_dir.name)
    assert record["status"] == "passed"
    assert [check["status"] for check in record["checks"]] == ["passed", "passed"]
    assert [check["tests"] for check in record["checks"]] == [
        ["tests/test_a.py", "tests/test_b.py", "tests/test_guard.py"],
        ["tests/test_c.py", "tests/test_guard.py"],
    ]
    assert [check["after"]["outcomes"] for check in record["checks"]] == [
        {"passed": 4},
        {"passed": 2},
    ]
    for name in "abc":
        text = (root / f"tests/test_{name}.py").read_text()
        assert MIGRATED_IMPORT in text
        assert "class Recorder" not in text
    assert set(manifest_statuses(root, run_dir.name).values()) == {"done"}


def test_a_regressing_file_is_rolled_back_and_the_migration_goes_on(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(
        repo,
        SHARES_ITS_LIST,
        {"tests/test_a.py": SENDS, "tests/test_b.py": SENDS + MUTATES, "tests/test_c.py": SENDS},
    )
    original_b = (root / "tests/test_b.py").read_bytes()
    capsys.readouterr()
    code = main([*migrate_argv(root, *VERIFY, "--batch-size", "2"), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 1
    # Only the responsible file of the first batch went back, byte for byte.
    assert (root / "tests/test_b.py").read_bytes() == original_b
    for name in "ac":
        assert MIGRATED_IMPORT in (root / f"tests/test_{name}.py").read_text()
    assert "batch 1/2: 2 files, 3 tests compared: 1 regression" in err
    assert "tests/test_b.py::test_messages_is_a_copy: passed -> failed" in err
    assert "[tests/test_b.py]" in err
    assert "rolled back: tests/test_b.py" in err
    assert "verified again (1 test): no regression" in err
    assert "batch 2/2: 1 file, 1 test compared: no regression" in err
    assert "2 files changed in run" in err
    assert "1 regression in batch 1; rolled back: tests/test_b.py" in err
    (run_dir,) = (root / ".declone/runs").iterdir()
    record = verification_record(root, run_dir.name)
    assert record["status"] == "rolled back"
    first, second = record["checks"]
    assert first["status"] == "rolled back"
    assert first["rolled_back"] == ["tests/test_b.py"]
    assert [c["test"] for c in first["changes"] if c["regression"]] == [
        "tests/test_b.py::test_messages_is_a_copy"
    ]
    assert first["reverification"]["files"] == ["tests/test_a.py"]
    assert second["status"] == "passed"
    # Batch 2's manifest write kept batch 1's rollback.
    assert manifest_statuses(root, run_dir.name) == {
        "tests/test_a.py": "done",
        "tests/test_b.py": "rolled-back",
        "tests/test_c.py": "done",
    }


def test_a_batch_whose_only_file_regresses_goes_back_whole(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(repo, SHARES_ITS_LIST, {"tests/test_a.py": SENDS, "tests/test_b.py": MUTATES})
    original_b = (root / "tests/test_b.py").read_bytes()
    code, document = run_json(capsys, *migrate_argv(root, *VERIFY, "--batch-size", "1"))
    assert code == 1
    assert (root / "tests/test_b.py").read_bytes() == original_b
    assert MIGRATED_IMPORT in (root / "tests/test_a.py").read_text()
    verification = document["verification"]
    assert verification["status"] == "rolled back"
    first, second = verification["batches"]
    assert (first["status"], first["rolled_back"]) == ("passed", [])
    assert second["status"] == "rolled back"
    assert second["rolled_back"] == ["tests/test_b.py"]
    (regression,) = second["regressions"]
    assert regression["test"] == "tests/test_b.py::test_messages_is_a_copy"
    assert (regression["before"], regression["after"]) == ("passed", "failed")
    assert regression["files"] == ["tests/test_b.py"]
    assert "assert [1, 2] == [1]" in regression["message"]
    assert [b["rolled_back"] for b in document["batches"]] == [[], ["tests/test_b.py"]]
    # The restored file's tests were run again, and pass as they did.
    record = verification_record(root, document["run_id"])
    assert record["checks"][1]["reverification"]["regressions"] == 0
    assert record["checks"][1]["reverification"]["after"]["outcomes"] == {"passed": 1}


#: A test in a migrated file that uses another migrated file's class: its regression is first
#: pinned on its own file, and only the second verification shows where it comes from.
USES_A = """

from tests.test_a import Recorder as RecorderOfA


def test_messages_of_a_are_a_copy():
    r = RecorderOfA()
    r.send(1)
    r.messages().append(2)
    assert r.sent == [1]
"""


def test_a_regression_that_stays_after_its_file_goes_back_takes_the_whole_batch(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(repo, SHARES_ITS_LIST, {"tests/test_a.py": SENDS, "tests/test_b.py": USES_A})
    originals = {name: (root / f"tests/test_{name}.py").read_bytes() for name in "ab"}
    code, document = run_json(capsys, *migrate_argv(root, *VERIFY, "--batch-size", "2"))
    assert code == 1
    assert {name: (root / f"tests/test_{name}.py").read_bytes() for name in "ab"} == originals
    (batch,) = document["verification"]["batches"]
    assert batch["status"] == "rolled back"
    assert batch["rolled_back"] == ["tests/test_a.py", "tests/test_b.py"]
    assert [r["files"] for r in batch["regressions"]] == [["tests/test_b.py"]]
    (check,) = verification_record(root, document["run_id"])["checks"]
    assert check["reverification"]["files"] == ["tests/test_a.py", "tests/test_b.py"]
    assert check["reverification"]["regressions"] == 0
    assert set(manifest_statuses(root, document["run_id"]).values()) == {"rolled-back"}


def test_a_verification_that_cannot_finish_rolls_its_batch_back(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(
        repo, KEEPS_BEHAVIOUR, {"tests/test_a.py": SENDS, "tests/test_b.py": SENDS + HANGS}
    )
    original_b = (root / "tests/test_b.py").read_bytes()
    capsys.readouterr()
    code = main(
        [*migrate_argv(root, *VERIFY, "--batch-size", "1", "--timeout", "1.5"), "--no-cache"]
    )
    err = capsys.readouterr().err
    assert code == 4
    assert "still running after 1.5 s" in err
    assert "batch 2/2 was rolled back unverified" in err
    assert "undo them with `declone rollback" in err
    assert (root / "tests/test_b.py").read_bytes() == original_b
    assert MIGRATED_IMPORT in (root / "tests/test_a.py").read_text()
    (run_dir,) = (root / ".declone/runs").iterdir()
    assert verification_record(root, run_dir.name)["status"] == "passed"
    assert manifest_statuses(root, run_dir.name) == {
        "tests/test_a.py": "done",
        "tests/test_b.py": "rolled-back",
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--dry-run", "--verify"), "leave out --dry-run"),
        (("--guard-tests", "tests/test_guard.py"), "--guard-tests only applies with --verify"),
        (("--timeout", "5"), "--timeout only applies with --verify"),
        ((*VERIFY, "--timeout", "0"), "expected a positive number of seconds"),
        ((*VERIFY, "--timeout", "soon"), "expected a positive number of seconds"),
        ((*VERIFY, "--guard-tests", "tests/nowhere.py"), "no such guard test path"),
    ],
    ids=[
        "dry-run",
        "guard-tests-alone",
        "timeout-alone",
        "timeout-zero",
        "timeout-not-a-number",
        "missing-guard-test",
    ],
)
def test_verify_usage_errors_write_nothing(
    repo: Any, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    root = build(repo, KEEPS_BEHAVIOUR, {"tests/test_a.py": SENDS, "tests/test_b.py": SENDS})
    before = (root / "tests/test_a.py").read_bytes()
    capsys.readouterr()
    assert main([*migrate_argv(root, *argv), "--no-cache"]) == 2
    assert message in capsys.readouterr().err
    assert (root / "tests/test_a.py").read_bytes() == before
    assert not (root / ".declone/runs").exists()
