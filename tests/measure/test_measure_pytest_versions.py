"""The recorder plugin with pytest 7 and 8, installed from PyPI into throwaway venvs.

pytest 9 is the one in declone's own environment, which every other test uses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from declone.cli import main
from declone.errors import ExitCode
from declone.measure.pytestrun import Outcome, run_tests

VERSIONS = ("7.4.4", "8.3.5")


@pytest.fixture(scope="session", params=VERSIONS, ids=[f"pytest{v}" for v in VERSIONS])
def versioned_python(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    version = request.param
    venv = tmp_path_factory.mktemp(f"venv-pytest-{version}")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            f"pytest=={version}",
        ],
        check=True,
    )
    return str(python)


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.mark.slow
def test_measure_with_older_pytest(
    versioned_python: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\naddopts = -x\n",
            "tests/test_a.py": """\
                class TestHelper:
                    def __init__(self):
                        pass

                def test_one():
                    pass
            """,
            "tests/test_b.py": "import missing_in_every_env\n",
            "tests/test_c.py": "def test_c():\n    pass\n",
        },
    )
    assert (
        main(["measure", "--root", str(root), "--python", versioned_python, "--json"])
        == ExitCode.OK
    )
    result = json.loads(capsys.readouterr().out)["measurement"]
    version = result["pytest_version"]
    assert version.split(".")[0] in ("7", "8")
    assert sorted(result["test_ids"]) == ["tests/test_a.py::test_one", "tests/test_c.py::test_c"]
    assert [(e["path"], e["exception_type"]) for e in result["errors"]] == [
        ("tests/test_b.py", "ModuleNotFoundError")
    ]
    assert [w["category"] for w in result["warnings"]] == ["PytestCollectionWarning"]
    assert "'TestHelper'" in result["warnings"][0]["message"]
    assert result["overridden_options"] == ["-x"]
    assert any(m["path"] == "tests/test_a.py" for m in result["modules"])


@pytest.mark.slow
def test_conftest_error_with_older_pytest(
    versioned_python: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write(
        tmp_path,
        {"conftest.py": "import nowhere_to_be_found\n", "test_a.py": "def test_a():\n    pass\n"},
    )
    assert (
        main(["measure", "--root", str(root), "--python", versioned_python, "--json"])
        == ExitCode.OK
    )
    errors = json.loads(capsys.readouterr().out)["measurement"]["errors"]
    assert [(e["path"], e["exception_type"], e["message"]) for e in errors] == [
        ("conftest.py", "ModuleNotFoundError", "No module named 'nowhere_to_be_found'")
    ]


@pytest.mark.slow
def test_outcomes_with_older_pytest(versioned_python: str, tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "test_run.py": """\
                import pytest

                def test_ok():
                    pass

                def test_bad():
                    assert 0

                @pytest.mark.xfail
                def test_x():
                    assert 0
            """
        },
    )
    run = run_tests(root, python=versioned_python, jobs=2)
    assert not run.used_xdist  # not installed in that environment
    assert {k: v.outcome for k, v in run.outcomes.items()} == {
        "test_run.py::test_ok": Outcome.PASSED,
        "test_run.py::test_bad": Outcome.FAILED,
        "test_run.py::test_x": Outcome.XFAILED,
    }
