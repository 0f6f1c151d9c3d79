"""``declone measure`` end to end: real pytest subprocesses on tiny repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from declone.errors import ExitCode

MakeRepo = Callable[[Mapping[str, str]], Path]

pytestmark = pytest.mark.usefixtures("lean_target")

HELPERS = """\
class TestClientHelper:
    def __init__(self):
        self.calls = []


class TestServerHelper:
    def __init__(self, port=0):
        self.port = port


class TestThing:
    def test_works(self):
        assert TestClientHelper().calls == []


def test_plain():
    assert TestServerHelper().port == 0
"""


def measure_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["measure", "--json", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_each_helper_with_init_is_one_collection_warning(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "tests/test_client.py": HELPERS,
            "tests/test_other.py": """\
                class TestRecorder:
                    def __init__(self):
                        pass

                def test_other():
                    pass
            """,
        }
    )
    code, document, _ = measure_json(capsys, "--root", str(root))
    assert code == ExitCode.OK
    assert document["schema_version"] == 1
    result = document["measurement"]
    sources = sorted(
        (w["path"], w["lineno"])
        for w in result["warnings"]
        if w["category"] == "PytestCollectionWarning"
    )
    assert sources == [
        ("tests/test_client.py", 1),
        ("tests/test_client.py", 6),
        ("tests/test_other.py", 1),
    ]
    assert result["warnings_by_category"] == {"PytestCollectionWarning": 3}
    messages = " ".join(w["message"] for w in result["warnings"])
    for name in ("TestClientHelper", "TestServerHelper", "TestRecorder"):
        assert f"'{name}'" in messages
    assert sorted(result["test_ids"]) == [
        "tests/test_client.py::TestThing::test_works",
        "tests/test_client.py::test_plain",
        "tests/test_other.py::test_other",
    ]
    assert result["errors"] == []
    assert result["exit_code"] == 0
    assert result["cpu_seconds"] > 0
    assert result["peak_rss_bytes"] > 10 * 2**20
    assert {m["path"] for m in result["modules"]} >= {"tests/test_client.py", "tests/test_other.py"}
    assert result["forced_options"] == ["--maxfail=0", "--capture=no"]
    assert (root / ".declone" / "history.sqlite").is_file()


def test_text_summary_names_the_warning_sources(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"tests/test_client.py": HELPERS})
    assert main(["measure", "--root", str(root)]) == ExitCode.OK
    captured = capsys.readouterr()
    assert "TestClientHelper" in captured.out
    assert "TestServerHelper" in captured.out
    assert "2 warnings" in captured.out
    assert "Slowest modules" in captured.out
    assert "saved measurement #1" in captured.err


def test_conftest_import_error_is_the_targets_collection_error(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "conftest.py": "import module_that_is_not_installed\n",
            "tests/test_a.py": "def test_a():\n    pass\n",
        }
    )
    code, document, _ = measure_json(capsys, "--root", str(root))
    assert code == ExitCode.OK
    result = document["measurement"]
    assert result["errors"] == [
        {
            "path": "conftest.py",
            "exception_type": "ModuleNotFoundError",
            "message": "No module named 'module_that_is_not_installed'",
            "nodeid": "",
        }
    ]
    assert result["test_ids"] == []
    assert result["exit_code"] == 4  # pytest's own code for a failed conftest


def test_repo_maxfail_does_not_cut_collection_short(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "pytest.ini": "[pytest]\naddopts = -x\n",
            "tests/test_a.py": "import missing_a\n",
            "tests/test_b.py": "raise ValueError('broken at import')\n",
            "tests/test_c.py": "def test_c():\n    pass\n",
        }
    )
    code, document, _ = measure_json(capsys, "--root", str(root))
    assert code == ExitCode.OK
    result = document["measurement"]
    errors = [(e["path"], e["exception_type"], e["message"]) for e in result["errors"]]
    assert errors == [
        ("tests/test_a.py", "ModuleNotFoundError", "No module named 'missing_a'"),
        ("tests/test_b.py", "ValueError", "broken at import"),
    ]
    assert result["test_ids"] == ["tests/test_c.py::test_c"]
    assert result["overridden_options"] == ["-x"]
    assert main(["measure", "--root", str(root)]) == ExitCode.OK
    assert "overrides the repo's -x" in capsys.readouterr().out


def test_hanging_collection_keeps_partial_results(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "tests/test_a_fast.py": "def test_fast():\n    pass\n",
            "tests/test_b_hangs.py": "import time\ntime.sleep(60)\n",
        }
    )
    code, document, err = measure_json(capsys, "--root", str(root), "--timeout", "2")
    assert code == ExitCode.TARGET
    result = document["measurement"]
    assert result["partial"] is True
    assert result["exit_code"] is None
    assert result["partial_reason"] == "timed out after 2 s while collecting tests/test_b_hangs.py"
    assert result["test_ids"] == ["tests/test_a_fast.py::test_fast"]
    hanging = next(m for m in result["modules"] if m["path"] == "tests/test_b_hangs.py")
    assert hanging["interrupted"] is True
    assert hanging["seconds"] > 0.5
    assert result["cpu_seconds"] is not None  # written by the recorder on SIGTERM
    assert "timed out after 2 s" in err
    assert result["wall_seconds"] < 20


def test_missing_pytest_names_the_install_command(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"tests/test_a.py": "def test_a():\n    pass\n"})
    venv = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    code = main(["measure", "--root", str(root), "--python", str(python)])
    assert code == ExitCode.TARGET
    err = capsys.readouterr().err
    assert "No module named pytest" in err
    assert f"{python} -m pip install pytest" in err.replace("\n", "")
    assert "Traceback" not in err


def test_repo_venv_is_the_default_interpreter(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"tests/test_a.py": "def test_a():\n    pass\n"})
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    assert main(["measure", "--root", str(root)]) == ExitCode.TARGET
    assert str(root / ".venv" / "bin" / "python") in capsys.readouterr().err.replace("\n", "")


def test_files_written_by_collection_are_reported(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "conftest.py": """\
                from pathlib import Path

                def pytest_collection_finish(session):
                    Path(session.config.rootpath, "reports", "collected.txt").parent.mkdir(exist_ok=True)
                    Path(session.config.rootpath, "reports", "collected.txt").write_text("done")
                    Path(session.config.rootpath, "notes.log").write_text("again")
            """,
            "notes.log": "first",
            "tests/test_a.py": "def test_a():\n    pass\n",
        }
    )
    code, document, _ = measure_json(capsys, "--root", str(root))
    assert code == ExitCode.OK
    assert document["measurement"]["changed_files"] == [
        {"path": "notes.log", "kind": "modified"},
        {"path": "reports/collected.txt", "kind": "added"},
    ]


def test_save_then_compare(make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo({"tests/test_client.py": HELPERS})
    code, first, _ = measure_json(capsys, "--root", str(root), "--save", "before")
    assert code == ExitCode.OK
    assert first["baseline"] == "before"
    # The migration: the helpers leave the test module, one test is added.
    make_repo(
        {
            "tests/helpers.py": HELPERS.split("class TestThing")[0].replace("Test", ""),
            "tests/test_client.py": """\
                from helpers import ClientHelper, ServerHelper

                class TestThing:
                    def test_works(self):
                        assert ClientHelper().calls == []

                def test_plain():
                    assert ServerHelper().port == 0

                def test_added():
                    pass
            """,
        }
    )
    code, second, _ = measure_json(capsys, "--root", str(root), "--compare", "before")
    assert code == ExitCode.OK
    comparison = second["comparison"]
    assert comparison["baseline"] == "before"
    assert comparison["warnings"] == [{"key": "PytestCollectionWarning", "before": 2, "after": 0}]
    assert comparison["tests_added"] == ["tests/test_client.py::test_added"]
    assert comparison["tests_removed"] == []
    assert comparison["wall_ratio"] > 0
    assert second["measurement_id"] == first["measurement_id"] + 1
    assert main(["measure", "--root", str(root), "--compare", "before"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "against baseline 'before'" in out
    assert "PytestCollectionWarning: 2 -> 0" in out


def test_compare_with_an_unknown_baseline(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"tests/test_a.py": "def test_a():\n    pass\n"})
    assert main(["measure", "--root", str(root), "--compare", "nope"]) == ExitCode.USAGE
    assert "no baseline named 'nope'" in capsys.readouterr().err


def test_profile_names_the_costly_function(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "tests/base.py": """\
                def expensive_frame_walk():
                    total = 0
                    for number in range(300_000):
                        total += number
                    return total

                EXPENSIVE = expensive_frame_walk()
            """,
            "tests/test_a.py": "import base\n\ndef test_a():\n    pass\n",
        }
    )
    code, document, _ = measure_json(capsys, "--root", str(root), "--profile")
    assert code == ExitCode.OK
    functions = {entry["function"]: entry for entry in document["measurement"]["profile"]}
    assert "expensive_frame_walk" in functions
    assert functions["expensive_frame_walk"]["file"] == "tests/base.py"
    assert functions["expensive_frame_walk"]["line"] == 1


def test_paths_and_pytest_arguments(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "tests/test_a.py": "def test_alpha():\n    pass\n\ndef test_beta():\n    pass\n",
            "other/test_b.py": "def test_gamma():\n    pass\n",
        }
    )
    code = main(["measure", "--root", str(root), "tests", "--json", "--", "-k", "alpha"])
    assert code == ExitCode.OK
    document = json.loads(capsys.readouterr().out)
    assert document["measurement"]["test_ids"] == ["tests/test_a.py::test_alpha"]
    assert document["measurement"]["command"][-4:] == ["-k", "alpha", "--maxfail=0", "--capture=no"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tests", "--bogus"], "unknown option --bogus"),
        (["--timeout", "0"], "must be positive"),
        (["--python", "/no/such/python"], "no such interpreter"),
        (["--", "--no-such-pytest-option"], "pytest exited with code 4 before collecting"),
    ],
)
def test_usage_errors(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    root = make_repo({"tests/test_a.py": "def test_a():\n    pass\n"})
    code = main(["measure", "--root", str(root), *argv])
    assert code in (ExitCode.USAGE, ExitCode.TARGET)
    err = capsys.readouterr().err
    assert message in err.replace("\n", " ")
    assert "Traceback" not in err


def test_root_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measure", "--root", str(tmp_path / "missing")]) == ExitCode.USAGE
    assert "not a directory" in capsys.readouterr().err


def test_text_report_of_profile_changes_and_comparison(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "conftest.py": """\
                from pathlib import Path

                def pytest_collection_finish(session):
                    Path(session.config.rootpath, "collection.log").write_text("written")
            """,
            "tests/test_a.py": "def test_a():\n    pass\n",
            "tests/test_b.py": "import gone_module\n",
        }
    )
    assert main(["measure", "--root", str(root), "--save", "first", "--profile"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "Profile (cumulative)" in out
    assert "Files the collection changed" in out
    assert "collection.log" in out
    assert "gone_module" in out
    make_repo(
        {
            "tests/test_b.py": "def test_b():\n    pass\n",
            "tests/test_c.py": "raise RuntimeError('new breakage')\n",
        }
    )
    (root / "tests" / "test_a.py").unlink()
    assert main(["measure", "--root", str(root), "--compare", "first"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "new error: tests/test_c.py: RuntimeError: new breakage" in out
    assert "fixed error: tests/test_b.py: ModuleNotFoundError" in out
    assert "tests: +1 -1" in out
    assert "+ tests/test_b.py::test_b" in out
    assert "- tests/test_a.py::test_a" in out


def test_text_report_of_a_timeout(make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]) -> None:
    # Long enough for pytest to start on a loaded machine, so that the hang is what stops it.
    root = make_repo({"tests/test_hangs.py": "import time\ntime.sleep(120)\n"})
    assert main(["measure", "--root", str(root), "--timeout", "8"]) == ExitCode.TARGET
    captured = capsys.readouterr()
    assert "PARTIAL: timed out after 8 s while collecting tests/test_hangs.py" in captured.out
    assert "tests/test_hangs.py (interrupted)" in captured.out


def test_hang_in_the_root_conftest_is_stopped_with_its_figures(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "conftest.py": "import time\ntime.sleep(60)\n",
            "tests/test_a.py": "def test_a():\n    pass\n",
        }
    )
    code, document, _ = measure_json(capsys, "--root", str(root), "--timeout", "2")
    assert code == ExitCode.TARGET
    result = document["measurement"]
    assert result["partial_reason"] == "timed out after 2 s"
    assert result["test_ids"] == []
    assert result["cpu_seconds"] is not None  # the recorder's handler was already in place
