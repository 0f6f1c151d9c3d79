"""Running the target's pytest: interpreter, environment, tree snapshots and test outcomes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from declone.errors import DecloneError, ExitCode
from declone.measure.pytestrun import (
    ItemOutcome,
    Outcome,
    PytestProcess,
    build_environment,
    choose_interpreter,
    ensure_started,
    has_xdist,
    outcomes_from_events,
    run_arguments,
    run_tests,
    snapshot_tree,
)

MakeRepo = Callable[[Mapping[str, str]], Path]

OUTCOMES = """\
import pytest


@pytest.fixture
def broken_setup():
    raise RuntimeError("setup exploded")


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown exploded")


def test_passes():
    pass


def test_fails():
    assert 1 == 2, "one is not two"


@pytest.mark.skip(reason="not today")
def test_skipped():
    pass


@pytest.mark.xfail(reason="known")
def test_xfails():
    assert False


@pytest.mark.xfail(reason="known", strict=False)
def test_xpasses():
    pass


def test_setup_error(broken_setup):
    pass


def test_teardown_error(broken_teardown):
    pass


@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n
"""

EXPECTED = {
    "tests/test_outcomes.py::test_passes": Outcome.PASSED,
    "tests/test_outcomes.py::test_fails": Outcome.FAILED,
    "tests/test_outcomes.py::test_skipped": Outcome.SKIPPED,
    "tests/test_outcomes.py::test_xfails": Outcome.XFAILED,
    "tests/test_outcomes.py::test_xpasses": Outcome.XPASSED,
    "tests/test_outcomes.py::test_setup_error": Outcome.ERROR,
    "tests/test_outcomes.py::test_teardown_error": Outcome.ERROR,
    "tests/test_outcomes.py::test_param[1]": Outcome.PASSED,
    "tests/test_outcomes.py::test_param[2]": Outcome.PASSED,
}


def test_choose_interpreter(tmp_path: Path) -> None:
    assert choose_interpreter(tmp_path, None) == sys.executable
    venv_python = tmp_path / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(sys.executable)
    # The venv's path, not the file it links to: a venv is recognised through its own path.
    assert choose_interpreter(tmp_path, None) == str(venv_python)
    assert choose_interpreter(tmp_path, sys.executable) == sys.executable
    with pytest.raises(DecloneError, match="no such interpreter") as raised:
        choose_interpreter(tmp_path, str(tmp_path / "nope"))
    assert raised.value.exit_code == ExitCode.USAGE


def test_build_environment(tmp_path: Path) -> None:
    base = {
        "PATH": "/bin",
        "PYTHONPATH": "/existing",
        "PYTEST_XDIST_WORKER": "gw0",
        "PYTEST_CURRENT_TEST": "x",
        "PYTEST_ADDOPTS": "-v",
        "DECLONE_PROFILE": "5",
    }
    environment = build_environment(
        base, tmp_path / "plugin", tmp_path / "r.jsonl", import_markers=True
    )
    assert environment["PYTHONPATH"] == f"{tmp_path / 'plugin'}{os.pathsep}/existing"
    assert environment["DECLONE_RESULTS"] == str(tmp_path / "r.jsonl")
    assert environment["DECLONE_IMPORT_MARKERS"] == "1"
    assert "DECLONE_PROFILE" not in environment
    assert "PYTEST_XDIST_WORKER" not in environment
    assert "PYTEST_CURRENT_TEST" not in environment
    assert environment["PYTEST_ADDOPTS"] == "-v"  # the user's own choice stays
    bare = build_environment({}, tmp_path, tmp_path / "r", profile=3)
    assert bare["PYTHONPATH"] == str(tmp_path)
    assert bare["DECLONE_PROFILE"] == "3"
    assert "DECLONE_IMPORT_MARKERS" not in bare


def test_snapshot_skips_caches_and_environments(tmp_path: Path) -> None:
    for relative in (
        "a.py",
        "pkg/b.py",
        ".git/HEAD",
        ".venv/bin/python",
        "pkg/__pycache__/b.pyc",
        ".declone/h",
    ):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a.py")
    snapshot = snapshot_tree(tmp_path)
    assert sorted(snapshot) == ["a.py", "pkg/b.py"]
    assert snapshot["a.py"][0] == 1


def test_run_arguments() -> None:
    assert run_arguments(["tests"], ["-k", "x"], jobs=None) == (
        "-m",
        "pytest",
        "-q",
        "-p",
        "declone_collect",
        "tests",
        "-k",
        "x",
        "--maxfail=0",
        "--continue-on-collection-errors",
    )
    assert run_arguments([], [], jobs=3)[5:7] == ("-n", "3")


def test_outcomes_from_synthetic_events() -> None:
    def test(nodeid: str, when: str, outcome: str, **extra: object) -> dict[str, object]:
        return {
            "event": "test",
            "nodeid": nodeid,
            "when": when,
            "outcome": outcome,
            "duration": 1.0,
            **extra,
        }

    events = [
        {"event": "start"},
        test("a", "setup", "passed"),
        test("a", "call", "failed", message="boom"),
        test("a", "teardown", "failed", message="teardown boom"),
        # A rerun starts over at its setup.
        test("b", "setup", "passed"),
        test("b", "call", "failed", message="flaky"),
        test("b", "teardown", "passed"),
        test("b", "setup", "passed"),
        test("b", "call", "passed"),
        test("b", "teardown", "passed"),
        test("c", "setup", "skipped", wasxfail=True),
        test("c", "teardown", "passed"),
    ]
    outcomes = outcomes_from_events(events)
    assert outcomes["a"] == ItemOutcome("a", Outcome.FAILED, 3.0, "boom")
    assert outcomes["b"] == ItemOutcome("b", Outcome.PASSED, 3.0, "")
    assert outcomes["c"].outcome is Outcome.XFAILED


def test_run_tests_reports_every_outcome(make_repo: MakeRepo, lean_target: None) -> None:
    root = make_repo(
        {
            "tests/test_outcomes.py": OUTCOMES,
            "tests/test_broken.py": "import not_installed_anywhere\n",
            "pytest.ini": "[pytest]\naddopts = -x\n",
        }
    )
    run = run_tests(root, ["tests"])
    assert {nodeid: item.outcome for nodeid, item in run.outcomes.items()} == EXPECTED
    assert "one is not two" in run.outcomes["tests/test_outcomes.py::test_fails"].message
    assert "setup exploded" in run.outcomes["tests/test_outcomes.py::test_setup_error"].message
    assert run.process.exit_code == 1
    assert not run.timed_out
    assert not run.used_xdist
    # The broken module loses its own tests only.
    assert [(e.path, e.exception_type) for e in run.collection_errors] == [
        ("tests/test_broken.py", "ModuleNotFoundError")
    ]


def test_run_tests_spreads_over_xdist_workers(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "tests/test_outcomes.py": OUTCOMES,
            "tests/test_broken.py": "import not_installed_anywhere\n",
        }
    )
    run = run_tests(root, jobs=2)
    assert run.used_xdist
    assert "-n" in run.process.command
    assert {nodeid: item.outcome for nodeid, item in run.outcomes.items()} == EXPECTED
    assert [(e.path, e.exception_type) for e in run.collection_errors] == [
        ("tests/test_broken.py", "ModuleNotFoundError")
    ]


def test_without_xdist_jobs_run_in_one_process(make_repo: MakeRepo, lean_target: None) -> None:
    root = make_repo({"tests/test_a.py": "def test_a():\n    pass\n"})
    # With plugin autoloading off, the interpreter still imports xdist: the run uses it.
    assert has_xdist(sys.executable, root)
    run = run_tests(root, jobs=1)
    assert not run.used_xdist
    assert run.outcomes["tests/test_a.py::test_a"].outcome is Outcome.PASSED


def test_run_tests_timeout_names_the_running_test(make_repo: MakeRepo, lean_target: None) -> None:
    root = make_repo(
        {
            "tests/test_a.py": "import time\n\ndef test_first():\n    pass\n\ndef test_hangs():\n    time.sleep(60)\n"
        }
    )
    run = run_tests(root, timeout=2)
    assert run.timed_out
    assert run.outcomes["tests/test_a.py::test_first"].outcome is Outcome.PASSED
    terminated = [e for e in run.process.events if e["event"] == "terminated"]
    assert terminated[0]["running"] == "tests/test_a.py::test_hangs"


def test_ensure_started_explains_an_early_exit() -> None:
    process = PytestProcess(
        ("python", "-m", "pytest"), 4, 0.1, (), "", "ERROR: usage: bad option\n"
    )
    with pytest.raises(DecloneError, match="exited with code 4 before collecting") as raised:
        ensure_started(process)
    assert raised.value.exit_code == ExitCode.TARGET
    silent = PytestProcess(("python",), 3, 0.1, (), "", "")
    with pytest.raises(DecloneError, match="no output"):
        ensure_started(silent)
    ensure_started(PytestProcess(("python",), None, 1.0, (), "", ""))  # a timeout is not this


def test_run_tests_in_an_explicit_environment(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "tests/test_env.py": (
                "import os\n\ndef test_env():\n    assert os.environ['DECLONE_TEST_MARK'] == 'yes'\n"
            )
        }
    )
    environ = {**os.environ, "DECLONE_TEST_MARK": "yes", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    run = run_tests(root, python=sys.executable, environ=environ)
    assert run.outcomes["tests/test_env.py::test_env"].outcome is Outcome.PASSED
    # An environment in which the interpreter cannot find its site-packages has no xdist.
    assert not has_xdist(sys.executable, root, {"PYTHONNOUSERSITE": "1", "PYTHONHOME": "/nowhere"})
