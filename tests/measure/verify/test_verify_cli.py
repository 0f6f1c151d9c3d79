"""``declone verify`` end to end: real journal runs, real pytest subprocesses on tiny repos."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from declone.cli import main
from declone.errors import DecloneError, ExitCode
from declone.measure.pytestrun import Outcome
from declone.measure.verify import VERIFICATION_FILE, verify_files
from declone.migrate.journal import EntryStatus, Run, load_run, sha256

WriteRepo = Callable[[Mapping[str, str]], Path]
Migrate = Callable[[Path, Mapping[str, str | None]], Run]


#: A helper module with a test double, the way a suite copies it from file to file.
HELPER = """\
class FakeSocket:
    def __init__(self, messages=()):
        self.messages = list(messages)

    def get_messages(self):
        return list(self.messages)
"""

#: The helper after migration: the class now comes from the canonical module.
HELPER_MIGRATED = "from helpers.canonical import FakeSocket\n\n__all__ = ['FakeSocket']\n"

#: The canonical copy, compatible with the helper's callers.
CANONICAL = HELPER

#: An incompatible canonical forced through: ``get_messages`` became a coroutine.
CANONICAL_ASYNC = HELPER.replace("def get_messages", "async def get_messages")

CHAT_TEST = """\
from helpers.ws import FakeSocket


def test_messages():
    assert FakeSocket(["a", "b"]).get_messages() == ["a", "b"]


def test_empty():
    assert FakeSocket().messages == []
"""

UNRELATED_TEST = """\
def test_arithmetic():
    assert 1 + 1 == 2
"""

BASE_FILES = {
    "helpers/__init__.py": "",
    "helpers/ws.py": HELPER,
    "tests/test_chat.py": CHAT_TEST,
    "tests/test_unrelated.py": UNRELATED_TEST,
}

LOCAL_TEST = """\
class FakeSocket:
    def __init__(self, messages=()):
        self.messages = list(messages)


def test_local_one():
    assert FakeSocket([1]).messages == [1]


def test_local_two():
    assert FakeSocket().messages == []
"""

LOCAL_TEST_MIGRATED = """\
from helpers.canonical import FakeSocket


def test_local_one():
    assert FakeSocket([1]).messages == [1]


def test_local_two():
    assert FakeSocket().messages == []
"""


def record(root: Path, run_id: str) -> dict[str, object]:
    document = json.loads((root / ".declone/runs" / run_id / VERIFICATION_FILE).read_text())
    assert isinstance(document, dict)
    return document


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file and folder of the tree outside ``.declone``, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes() if path.is_file() else b"<dir>"
        for path in sorted(root.rglob("*"))
        if ".declone" not in path.relative_to(root).parts
    }


def test_a_migration_that_keeps_behaviour_has_no_regression(
    write_repo: WriteRepo, migrate: Migrate, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo({**BASE_FILES, "tests/test_local.py": LOCAL_TEST})
    run = migrate(
        root,
        {
            "helpers/canonical.py": CANONICAL,
            "helpers/ws.py": HELPER_MIGRATED,
            "tests/test_local.py": LOCAL_TEST_MIGRATED,
        },
    )

    code = main(["verify", "--root", str(root), "--jobs", "1", "--json"])

    assert code == ExitCode.OK
    document = json.loads(capsys.readouterr().out)
    assert document == record(root, run.id) | {"verified_at": document["verified_at"]}
    assert document["status"] == "passed"
    check = document["checks"][0]
    assert check["tests"] == ["tests/test_chat.py", "tests/test_local.py"]
    assert check["identical_ids"] is True
    assert check["before"] == check["after"] | {"seconds": check["before"]["seconds"]}
    assert check["after"]["tests"] == 4
    assert check["after"]["outcomes"] == {"passed": 4}
    assert check["changes"] == []


def test_xdist_spreads_both_sides_when_the_target_has_it(
    write_repo: WriteRepo, migrate: Migrate
) -> None:
    root = write_repo(BASE_FILES)
    run = migrate(root, {"helpers/canonical.py": CANONICAL, "helpers/ws.py": HELPER_MIGRATED})

    verification = verify_files(root, run.id, ["helpers/ws.py"], python=sys.executable, jobs=2)

    assert verification.used_xdist
    assert verification.ok
    assert verification.identical_ids
    assert set(verification.after) == {
        "tests/test_chat.py::test_messages",
        "tests/test_chat.py::test_empty",
    }


def test_an_incompatible_copy_is_caught_and_rolled_back_exactly(
    write_repo: WriteRepo, migrate: Migrate, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo({**BASE_FILES, "tests/test_local.py": LOCAL_TEST})
    run = migrate(
        root,
        {
            "helpers/canonical.py": CANONICAL_ASYNC,
            "helpers/ws.py": HELPER_MIGRATED,
            "tests/test_local.py": LOCAL_TEST_MIGRATED,
        },
    )

    assert main(["verify", run.id, "--root", str(root), "--jobs", "1"]) == ExitCode.FINDINGS
    out = capsys.readouterr().out
    assert "REGRESSION tests/test_chat.py::test_messages: passed -> failed" in out
    assert "[files: helpers/ws.py]" in out
    assert (root / "helpers/ws.py").read_text() == HELPER_MIGRATED  # found, not touched

    code = main(["verify", run.id, "--root", str(root), "--jobs", "1", "--rollback-on-regression"])

    assert code == ExitCode.FINDINGS
    captured = capsys.readouterr()
    assert "rolled back: helpers/ws.py; re-verified: no regression left" in captured.err
    assert (root / "helpers/ws.py").read_bytes() == HELPER.encode()
    # Only the responsible file: the compatible migration of the test file stays.
    assert (root / "tests/test_local.py").read_text() == LOCAL_TEST_MIGRATED
    statuses = {entry.path: entry.status for entry in load_run(root, run.id).entries}
    assert statuses == {
        "helpers/canonical.py": EntryStatus.DONE,
        "helpers/ws.py": EntryStatus.ROLLED_BACK,
        "tests/test_local.py": EntryStatus.DONE,
    }
    document = record(root, run.id)
    assert document["status"] == "rolled back"
    check = document["checks"][0]
    assert check["rolled_back"] == ["helpers/ws.py"]
    assert check["reverification"]["regressions"] == 0
    assert check["reverification"]["files"] == ["helpers/canonical.py", "tests/test_local.py"]

    # The next verification checks what is left of the run, and passes.
    assert main(["verify", "--root", str(root), "--jobs", "1"]) == ExitCode.OK


def test_a_disappeared_test_is_a_regression(write_repo: WriteRepo, migrate: Migrate) -> None:
    root = write_repo({**BASE_FILES, "tests/test_local.py": LOCAL_TEST})
    broken = LOCAL_TEST_MIGRATED.replace("import FakeSocket", "import FakeSocket, Missing")
    run = migrate(root, {"helpers/canonical.py": CANONICAL, "tests/test_local.py": broken})

    verification = verify_files(
        root, run.id, ["helpers/canonical.py", "tests/test_local.py"], python=sys.executable
    )

    assert [(c.nodeid, c.before, c.after, c.files) for c in verification.regressions] == [
        ("tests/test_local.py::test_local_one", Outcome.PASSED, None, ("tests/test_local.py",)),
        ("tests/test_local.py::test_local_two", Outcome.PASSED, None, ("tests/test_local.py",)),
    ]
    assert not verification.identical_ids
    assert [error.path for error in verification.new_collection_errors] == ["tests/test_local.py"]
    assert verification.files_to_roll_back == ("tests/test_local.py",)


def test_guard_tests_always_run_and_an_unpinned_regression_blames_every_file(
    write_repo: WriteRepo, migrate: Migrate, capsys: pytest.CaptureFixture[str]
) -> None:
    guard = """\
    from helpers.base import make_socket


    def test_guarded():
        assert make_socket().get_messages() == ["hello"]
    """
    root = write_repo(
        {
            **BASE_FILES,
            # Reaches the helper through an untouched module: not selected without --guard-tests.
            "helpers/base.py": "from helpers.ws import FakeSocket\n\n\n"
            "def make_socket():\n    return FakeSocket(['hello'])\n",
            "tests/critical/test_guard.py": guard,
            "tests/test_chat.py": "def test_unrelated():\n    pass\n",
        }
    )
    run = migrate(root, {"helpers/canonical.py": CANONICAL_ASYNC, "helpers/ws.py": HELPER_MIGRATED})

    assert main(["verify", "--root", str(root), "--jobs", "1", "--json"]) == ExitCode.OK
    check = json.loads(capsys.readouterr().out)["checks"][0]
    assert check["tests"] == []
    assert check["notes"] == ["no tests selected: no touched test file, importer or guard test"]

    code = main(
        ["verify", "--root", str(root), "--jobs", "1", "--json", "--guard-tests", "tests/critical"]
    )

    assert code == ExitCode.FINDINGS
    check = json.loads(capsys.readouterr().out)["checks"][0]
    assert check["tests"] == ["tests/critical"]
    assert check["before"]["outcomes"] == {"passed": 1}
    [change] = check["changes"]
    assert change["test"] == "tests/critical/test_guard.py::test_guarded"
    assert change["files"] == []
    verification = verify_files(
        root,
        run.id,
        ["helpers/ws.py"],
        python=sys.executable,
        guard_tests=[str(root / "tests/critical/test_guard.py")],
    )
    assert verification.files_to_roll_back == ("helpers/ws.py",)


def test_user_tree_is_byte_identical_after_verify(write_repo: WriteRepo, migrate: Migrate) -> None:
    root = write_repo({**BASE_FILES, "tests/test_local.py": LOCAL_TEST})
    migrate(root, {"helpers/canonical.py": CANONICAL, "tests/test_local.py": LOCAL_TEST_MIGRATED})
    before = tree_bytes(root)
    declone_before = sorted(p.name for p in (root / ".declone").rglob("*"))

    assert main(["verify", "--root", str(root), "--jobs", "1"]) == ExitCode.OK

    assert tree_bytes(root) == before  # no __pycache__, no .pytest_cache, no file changed
    added = {p.name for p in (root / ".declone").rglob("*")} - set(declone_before)
    assert added == {VERIFICATION_FILE}


def test_missing_pytest_in_the_target_interpreter_gives_exit_4_and_the_fix(
    write_repo: WriteRepo,
    migrate: Migrate,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = write_repo(BASE_FILES)
    migrate(root, {"helpers/canonical.py": CANONICAL, "helpers/ws.py": HELPER_MIGRATED})
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"

    code = main(["verify", "--root", str(root), "--python", str(python)])

    assert code == ExitCode.TARGET
    err = capsys.readouterr().err
    assert "No module named pytest" in err
    assert f"{python} -m pip install pytest" in " ".join(err.split())


def test_a_hanging_test_times_out_with_exit_4(
    write_repo: WriteRepo, migrate: Migrate, capsys: pytest.CaptureFixture[str]
) -> None:
    hanging = "import time\n\n\ndef test_hangs():\n    time.sleep(120)\n"
    root = write_repo({"tests/test_hang.py": hanging})
    migrate(root, {"tests/test_hang.py": hanging + "\n# migrated\n"})

    code = main(["verify", "--root", str(root), "--jobs", "1", "--timeout", "5"])

    assert code == ExitCode.TARGET
    message = " ".join(capsys.readouterr().err.split())
    assert "tests/test_hang.py::test_hangs: still running after 5 s on the original tree" in message
    assert "raise --timeout" in message
    assert list((root / ".declone/runs").glob(f"*/{VERIFICATION_FILE}")) == []


def test_refusals_and_bad_input(
    write_repo: WriteRepo, migrate: Migrate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(BASE_FILES)
    assert main(["verify", "--root", str(root)]) == ExitCode.REFUSED
    assert "no migration runs recorded" in capsys.readouterr().err
    assert main(["verify", "--root", str(tmp_path / "nowhere")]) == ExitCode.USAGE
    run = migrate(root, {"helpers/ws.py": HELPER_MIGRATED, "helpers/canonical.py": CANONICAL})
    with pytest.raises(DecloneError, match="not part of run"):
        verify_files(root, run.id, ["tests/test_chat.py"])
    with pytest.raises(DecloneError, match="no such guard test path"):
        verify_files(root, run.id, ["helpers/ws.py"], guard_tests=["tests/nope"])
    with pytest.raises(DecloneError, match="outside the repository"):
        verify_files(root, run.id, ["helpers/ws.py"], guard_tests=[str(tmp_path)])
    backup = root / ".declone/runs" / run.id / "backups" / sha256(HELPER.encode())
    backup.write_text("tampered\n")
    with pytest.raises(DecloneError, match="does not match") as caught:
        verify_files(root, run.id, ["helpers/ws.py"], python=sys.executable)
    assert caught.value.exit_code == ExitCode.REFUSED


def test_a_rollback_refused_restores_nothing_and_exits_3(
    write_repo: WriteRepo, migrate: Migrate, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(BASE_FILES)
    migrate(root, {"helpers/canonical.py": CANONICAL_ASYNC, "helpers/ws.py": HELPER_MIGRATED})
    edited = HELPER_MIGRATED + "# edited by hand\n"
    (root / "helpers/ws.py").write_text(edited)

    code = main(["verify", "--root", str(root), "--jobs", "1", "--rollback-on-regression"])

    assert code == ExitCode.REFUSED
    err = " ".join(capsys.readouterr().err.split())
    assert "helpers/ws.py: changed since the run; its current bytes are verified" in err
    assert "helpers/ws.py: rollback refused" in err
    assert (root / "helpers/ws.py").read_text() == edited


def test_the_original_side_imports_package_modules_from_the_copy(
    write_repo: WriteRepo, migrate: Migrate
) -> None:
    """A ``src`` folder on the interpreter's path (an editable install, ``PYTHONPATH``) is
    found in the copy on the original side, else both sides would test the migrated code."""
    root = write_repo(
        {
            "src/pkg/__init__.py": "",
            "src/pkg/ws.py": HELPER,
            "tests/test_ws.py": CHAT_TEST.replace("helpers.ws", "pkg.ws"),
        }
    )
    run = migrate(
        root,
        {
            "src/pkg/canonical.py": CANONICAL_ASYNC,
            "src/pkg/ws.py": HELPER_MIGRATED.replace("helpers.", "pkg."),
        },
    )
    environ = {**os.environ, "PYTHONPATH": str(root / "src")}

    verification = verify_files(
        root, run.id, ["src/pkg/ws.py", "src/pkg/canonical.py"], environ=environ
    )

    assert verification.before["tests/test_ws.py::test_messages"].outcome is Outcome.PASSED
    assert [change.nodeid for change in verification.regressions] == [
        "tests/test_ws.py::test_messages"
    ]
    assert verification.responsible_files == ("src/pkg/ws.py",)
