"""``declone check`` end to end: output formats, suppression, exit codes, the collection budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from check_support import rule_ids, run_check, write_repo

from declone.check.findings import find_imports
from declone.check.sarif import FINGERPRINT_KEY
from declone.check.suppressions import find_suppressions
from declone.cli import main
from declone.measure.history import name_baseline, open_history, save_measurement
from declone.measure.measurement import CollectionError, Measurement, WarningRecord

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"

HELPER = """\
class TestClient:
    def __init__(self, url):
        self.url = url
        self.calls = []

    def get(self, path):
        self.calls.append(path)
        return {"path": path}
"""


def _two_copies(tmp_path: Path) -> Path:
    return write_repo(tmp_path, {"tests/test_a.py": HELPER, "tests/test_b.py": "\n\n" + HELPER})


def test_text_format_lines_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _two_copies(tmp_path)
    assert main(["check", "--root", str(root)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines == [
        "tests/test_a.py:1:1: DCL002 TestClient is a new duplicated family: 2 copies of TestClient; "
        "also in tests/test_b.py (fix: import the class from one module instead of copying it, "
        "or accept it with `--update-baseline --allow-growth`)",
        "tests/test_a.py:1:1: DCL003 pytest collects helper TestClient (it matches python_classes) "
        "and warns: it has an __init__ (fix: rename it so that `python_classes` does not match, or "
        "set `__test__ = False` in its body)",
        lines[2],
        lines[3],
    ]
    assert lines[2].startswith("tests/test_b.py:3:1: DCL002 ")
    assert lines[3].startswith("tests/test_b.py:3:1: DCL003 ")
    assert "4 violations (DCL002, DCL003) in 2 checked files" in captured.err


def test_clean_repository_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_repo(tmp_path, {"tests/test_a.py": HELPER.replace("TestClient", "FakeClient")})
    assert main(["check", "--root", str(root)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "clean: 1 file checked" in captured.err


@pytest.mark.parametrize("files", [[], ["tests/test_a.py"]], ids=["whole-root", "pre-commit"])
def test_a_cache_that_cannot_be_used_is_said_and_the_check_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: list[str]
) -> None:
    root = write_repo(tmp_path / "repo", {"tests/test_a.py": HELPER.replace("TestClient", "Fake")})
    (tmp_path / "a-file").write_text("not a folder\n")
    cache = tmp_path / "a-file" / "cache"
    checked = [str(root / name) for name in files]
    assert main(["check", "--root", str(root), "--cache-dir", str(cache), *checked]) == 0
    captured = capsys.readouterr()
    assert "the scan cache was not used" in captured.err
    assert "clean: 1 file checked" in captured.err


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _two_copies(tmp_path)
    assert main(["check", "--root", str(root), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["command"] == "check"
    assert document["summary"] == {"checked_files": 2, "violations": 4}
    first = document["violations"][0]
    assert {k: first[k] for k in ("path", "line", "col", "rule", "name")} == {
        "path": "tests/test_a.py",
        "line": 1,
        "col": 1,
        "rule": "DCL002",
        "name": "new-duplicate-family",
    }
    assert len({v["fingerprint"] for v in document["violations"]}) == 4


def _sarif(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> dict[str, Any]:
    assert main(["check", "--root", str(root), "--format", "sarif", *argv]) in (0, 1)
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_sarif_is_valid_against_the_official_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    root = _two_copies(tmp_path)
    document = _sarif(capsys, root)
    validator.validate(document)
    run = document["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [
        "DCL001",
        "DCL002",
        "DCL003",
        "DCL004",
        "DCL005",
    ]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["DCL002", "DCL003", "DCL002", "DCL003"]
    location = results[2]["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "tests/test_b.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 1},
    }
    # A fingerprint does not depend on the line: moving the class keeps its identity.
    before = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results]
    (root / "tests/test_b.py").write_text("\n\n\n\n" + HELPER, encoding="utf-8")
    moved = _sarif(capsys, root)["runs"][0]["results"]
    assert moved[2]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert [r["partialFingerprints"][FINGERPRINT_KEY] for r in moved] == before
    # An empty run is valid too.
    (root / "tests/test_b.py").unlink()
    (root / "tests/test_a.py").write_text("x = 1\n", encoding="utf-8")
    empty = _sarif(capsys, root)
    validator.validate(empty)
    assert empty["runs"][0]["results"] == []


def test_github_format_escapes_workflow_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(tmp_path, {"tests/test_a,b:c.py": HELPER})
    assert main(["check", "--root", str(root), "--format", "github"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "::error file=tests/test_a%2Cb%3Ac.py,line=1,col=1,title=DCL003::pytest collects helper TestClient "
        "(it matches python_classes) and warns: it has an __init__ (fix: rename it so that "
        "`python_classes` does not match, or set `__test__ = False` in its body)"
    ]


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _two_copies(tmp_path)
    target = tmp_path / "out.sarif"
    assert main(["check", "--root", str(root), "--format", "sarif", "-o", str(target)]) == 1
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


@pytest.mark.parametrize(
    ("comment", "reported"),
    [
        pytest.param("  # declone: ignore", [], id="bare"),
        pytest.param("  # declone: ignore[DCL003]", ["DCL002"], id="one-rule"),
        pytest.param("  # declone: ignore[DCL002, DCL003]", [], id="two-rules"),
        pytest.param("  # noqa  # declone: ignore[DCL002]", ["DCL003"], id="after-another-comment"),
        pytest.param("  # declone: ignore[DCL004]", ["DCL002", "DCL003"], id="other-rule"),
        pytest.param("  # declone: ignored", ["DCL002", "DCL003"], id="not-a-directive"),
        pytest.param("  # declone: ignore[DCL002", ["DCL002", "DCL003"], id="unclosed"),
    ],
)
def test_inline_suppression(
    comment: str, reported: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _two_copies(tmp_path)
    suppressed = HELPER.replace("class TestClient:", "class TestClient:" + comment, 1)
    (root / "tests/test_b.py").write_text(suppressed, encoding="utf-8")
    _, document = run_check(capsys, root, str(root / "tests/test_b.py"))
    assert rule_ids(document) == reported


def test_suppression_parser_ignores_strings_and_survives_broken_code() -> None:
    text = 'x = "# declone: ignore"\nclass A:  # declone: ignore[DCL001]\n'
    assert find_suppressions(text) == {2: frozenset({"DCL001"})}
    assert find_suppressions("class A:  # declone: ignore\n    x = (\n") == {1: None}


def test_find_imports_resolves_relative_imports() -> None:
    text = "from ..support.ws import Conn\nfrom . import Conn as C\nfrom x import Other\n"
    found = find_imports("pkg/tests/test_a.py", text, frozenset({"Conn"}))
    assert [(i.line, i.module, i.name) for i in found] == [
        (1, "pkg.support.ws", "Conn"),
        (2, "pkg.tests", "Conn"),
    ]
    assert (
        find_imports("pkg/__init__.py", "from .ws import Conn\n", frozenset({"Conn"}))[0].module
        == "pkg.ws"
    )
    assert find_imports("bad.py", "from x import (\n", frozenset({"Conn"})) == ()


@pytest.mark.parametrize(
    ("argv", "config", "message"),
    [
        pytest.param(
            ["--allow-growth"], "", "--allow-growth only applies", id="allow-growth-alone"
        ),
        pytest.param(["--collection-budget", "0.5"], "", "at least 1.0", id="budget-below-one"),
        pytest.param(
            [], 'families = { A = "no-colon" }', 'is not "pkg.module:Class"', id="bad-family"
        ),
        pytest.param([], "families = { A = 3 }", "expected", id="family-not-a-string"),
        pytest.param(
            [],
            'families = { A = { canonical = "m:A", aliases = "B" } }',
            "aliases must be",
            id="bad-aliases",
        ),
        pytest.param(
            [],
            'families = { A = { canonical = "m:A", alias = ["B"] } }',
            "unknown key",
            id="unknown-family-key",
        ),
        pytest.param([], "canonical-imports-only = 1", "true or false", id="bad-imports-option"),
        pytest.param([], "baseline = 1", "must be a path", id="bad-baseline-option"),
        pytest.param(["/"], "", "outside the repository root", id="path-outside-root"),
        pytest.param(["--format", "xml"], "", "", id="unknown-format"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    argv: list[str], config: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(tmp_path, {"a.py": "x = 1\n"}, config=config)
    assert main(["check", "--root", str(root), *argv]) == 2
    assert message in capsys.readouterr().err


def test_broken_baseline_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(tmp_path, {"a.py": "x = 1\n"}, baseline="{not json")
    assert main(["check", "--root", str(root)]) == 2
    assert ".declone-baseline.json:1:2: invalid JSON" in capsys.readouterr().err
    (root / ".declone-baseline.json").write_text('{"tool": "other"}')
    assert main(["check", "--root", str(root)]) == 2
    (root / ".declone-baseline.json").write_text(
        '{"tool": "declone", "version": 1, "families": {"A": 1}}'
    )
    assert main(["check", "--root", str(root)]) == 2
    assert "family 'A' needs \"count\"" in capsys.readouterr().err


# --- the collection budget ---------------------------------------------------------------------


def _measurement(wall: float, warnings: int = 0, errors: int = 0) -> Measurement:
    return Measurement(
        root="/repo",
        python="python",
        command=("python", "-m", "pytest", "--collect-only"),
        pytest_version="9.0.0",
        python_version="3.11.7",
        wall_seconds=wall,
        cpu_seconds=None,
        peak_rss_bytes=None,
        exit_code=0,
        test_ids=("t.py::test_a",),
        errors=tuple(CollectionError(f"t{n}.py", "ImportError", "no x") for n in range(errors)),
        warnings=tuple(
            WarningRecord("PytestCollectionWarning", f"cannot collect {n}", "t.py", 1)
            for n in range(warnings)
        ),
        modules=(),
        imports=(),
    )


def _history(root: Path, baseline: Measurement, latest: Measurement) -> None:
    connection = open_history(root / ".declone" / "history.sqlite")
    first = save_measurement(connection, baseline, created_at="2024-01-01T00:00:00+00:00", git=None)
    name_baseline(connection, "baseline", first, named_at="2024-01-01T00:00:00+00:00")
    save_measurement(connection, latest, created_at="2024-01-02T00:00:00+00:00", git=None)
    connection.close()


@pytest.mark.parametrize(
    ("latest", "argv", "subjects"),
    [
        pytest.param(_measurement(1.1), [], [], id="within-budget"),
        pytest.param(_measurement(1.3), [], ["time"], id="slower"),
        pytest.param(_measurement(1.3), ["1.5"], [], id="custom-ratio"),
        pytest.param(_measurement(1.0, warnings=2), [], ["warnings"], id="more-warnings"),
        pytest.param(_measurement(1.0, errors=1), [], ["errors"], id="more-errors"),
    ],
)
def test_collection_budget(
    latest: Measurement,
    argv: list[str],
    subjects: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = write_repo(tmp_path, {"a.py": "x = 1\n"})
    _history(root, _measurement(1.0, warnings=1), latest)
    code = main(["check", "--root", str(root), "--format", "github", "--collection-budget", *argv])
    out = capsys.readouterr().out
    assert code == (1 if subjects else 0)
    assert len(out.splitlines()) == len(subjects)
    if "time" in subjects:
        assert out.startswith(
            "::error title=DCL005::collection took 1.30s, 1.30x baseline 'baseline'"
        )


def test_collection_budget_needs_a_saved_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(tmp_path, {"a.py": "x = 1\n"})
    assert main(["check", "--root", str(root), "--collection-budget"]) == 2
    assert "no measurements; run `declone measure --save baseline` first" in capsys.readouterr().err
    _history(root, _measurement(1.0), _measurement(2.0))
    assert (
        main(["check", "--root", str(root), "--collection-budget", "--budget-baseline", "release"])
        == 2
    )
    assert "no baseline named 'release'" in capsys.readouterr().err
    assert main(["check", "--root", str(root), "--json", "--collection-budget"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [(v["path"], v["rule"]) for v in document["violations"]] == [("", "DCL005")]


def test_residual_subclass_of_the_canonical_is_not_a_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canonical = (
        "class Conn:\n    __test__ = False\n\n    def send(self, item):\n        return item\n"
    )
    residual = (
        "from pkg.canon import Conn as _Conn\n\n\n"
        "class Conn(_Conn):\n    async def send(self, item):\n        return item\n"
    )
    copy = "class Conn:\n    def send(self, item):\n        return item\n"
    config = 'families = { Conn = "pkg.canon:Conn" }'
    root = write_repo(
        tmp_path,
        {"pkg/__init__.py": "", "pkg/canon.py": canonical, "tests/test_a.py": residual},
        config=config,
    )
    code, document = run_check(capsys, root)
    assert (code, document.get("violations")) == (0, [])
    (root / "tests" / "test_b.py").write_text(copy)
    code, document = run_check(capsys, root, str(root / "tests" / "test_b.py"))
    assert code == 1
    assert [(v["path"], v["rule"]) for v in document["violations"]] == [
        ("tests/test_b.py", "DCL001")
    ]
