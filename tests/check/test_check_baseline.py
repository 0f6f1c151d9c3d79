"""The baseline file and its ratchet: accepted duplication can only shrink."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from check_support import rule_ids, run_check, write_repo

from declone.check.baseline import AcceptedFamily, Baseline, load_baseline, ratchet
from declone.cli import main
from declone.errors import DecloneError

AGENT = """\
class MockAgent:
    def __init__(self, name):
        self.name = name
        self.replies = []

    def reply(self, text):
        self.replies.append(text)
"""
PROBE = "class TestProbe:\n    def __init__(self):\n        self.seen = []\n"


def _repo(tmp_path: Path, copies: int) -> Path:
    files = {f"tests/test_{n}.py": AGENT for n in range(copies)}
    files["tests/test_probe.py"] = PROBE
    return write_repo(tmp_path, files)


def _baseline_document(root: Path) -> dict[str, object]:
    return json.loads((root / ".declone-baseline.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_adopting_then_ratcheting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(tmp_path, 3)
    code, document = run_check(capsys, root)
    assert (code, sorted(set(rule_ids(document)))) == (1, ["DCL002", "DCL003"])

    # Adoption: the first --update-baseline accepts today's duplication; the check is clean.
    code, document = run_check(capsys, root, "--update-baseline")
    assert (code, document["violations"]) == (0, [])
    assert _baseline_document(root) == {
        "collection_warnings": ["tests/test_probe.py::TestProbe"],
        "families": {
            "MockAgent": {
                "count": 3,
                "files": ["tests/test_0.py", "tests/test_1.py", "tests/test_2.py"],
            }
        },
        "tool": "declone",
        "version": 1,
    }
    text = (root / ".declone-baseline.json").read_text(encoding="utf-8")
    assert text.endswith("}\n")

    # A fourth copy is new: reported, and --update-baseline refuses to accept it.
    write_repo(root, {"tests/test_3.py": AGENT})
    code, document = run_check(capsys, root, "--update-baseline")
    assert code == 1
    assert [(v["path"], v["rule"]) for v in document["violations"]] == [
        ("tests/test_3.py", "DCL002")
    ]
    assert "the baseline accepts 3" in document["violations"][0]["message"]
    assert _baseline_document(root)["families"] == {
        "MockAgent": {
            "count": 3,
            "files": ["tests/test_0.py", "tests/test_1.py", "tests/test_2.py"],
        }
    }

    # Removing copies shrinks the baseline; an old copy coming back is then new again.
    (root / "tests/test_3.py").unlink()
    (root / "tests/test_2.py").unlink()
    code, _ = run_check(capsys, root, "--update-baseline")
    assert code == 0
    assert _baseline_document(root)["families"] == {
        "MockAgent": {"count": 2, "files": ["tests/test_0.py", "tests/test_1.py"]}
    }
    write_repo(root, {"tests/test_2.py": AGENT})
    code, document = run_check(capsys, root)
    assert [(v["path"], v["rule"]) for v in document["violations"]] == [
        ("tests/test_2.py", "DCL002")
    ]

    # --allow-growth accepts it.
    code, _ = run_check(capsys, root, "--update-baseline", "--allow-growth")
    assert code == 0
    assert _baseline_document(root)["families"]["MockAgent"]["count"] == 3  # type: ignore[index]


def test_a_second_copy_in_an_accepted_file_is_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, 2)
    run_check(capsys, root, "--update-baseline")
    nested = (
        AGENT + "\n\ndef make():\n" + "".join("    " + line + "\n" for line in AGENT.splitlines())
    )
    write_repo(root, {"tests/test_1.py": nested})
    code, document = run_check(capsys, root)
    assert code == 1
    assert [(v["path"], v["line"], v["rule"]) for v in document["violations"]] == [
        ("tests/test_1.py", 11, "DCL002")
    ]


def test_warning_sources_are_ratcheted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(tmp_path, 0)
    run_check(capsys, root, "--update-baseline")
    write_repo(root, {"tests/test_more.py": PROBE.replace("TestProbe", "TestOther")})
    assert main(["check", "--root", str(root), "--update-baseline", "--format", "github"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("::error file=tests/test_more.py,line=1,col=1,title=DCL003::")
    assert len(captured.out.splitlines()) == 1
    assert (
        "not accepted (new since the last baseline): tests/test_more.py::TestOther" in captured.err
    )


def test_custom_baseline_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(tmp_path, 2)
    target = tmp_path / "ci" / "accepted.json"
    target.parent.mkdir()
    assert main(["check", "--root", str(root), "--baseline", str(target), "--update-baseline"]) == 0
    assert load_baseline(target) is not None
    assert not (root / ".declone-baseline.json").exists()
    (root / "pyproject.toml").write_text('[tool.declone]\nbaseline = "ci/accepted.json"\n')
    assert main(["check", "--root", str(root)]) == 0
    capsys.readouterr()


def test_ratchet_is_pure_and_only_shrinks() -> None:
    old = Baseline((AcceptedFamily("A", ("a.py", "b.py", "c.py"), 3),), ("t.py::TestX",))
    current = Baseline(
        (AcceptedFamily("A", ("a.py", "d.py"), 2), AcceptedFamily("B", ("x.py", "y.py"), 2)),
        ("t.py::TestX", "u.py::TestY"),
    )
    result = ratchet(old, current, allow_growth=False)
    assert result.baseline == Baseline((AcceptedFamily("A", ("a.py",), 2),), ("t.py::TestX",))
    assert result.refused == ("A", "B", "u.py::TestY")
    assert ratchet(old, current, allow_growth=True) == type(result)(current, ())
    assert ratchet(None, current, allow_growth=False).baseline == current


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('{"tool": "declone", "version": 99}', "unsupported version 99", id="newer"),
        pytest.param(
            '{"tool": "declone", "version": 1, "families": []}', '"families" must be', id="families"
        ),
        pytest.param(
            '{"tool": "declone", "version": 1, "collection_warnings": [1]}',
            '"collection_warnings"',
            id="warnings",
        ),
    ],
)
def test_malformed_baselines_are_refused(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / ".declone-baseline.json"
    path.write_text(text)
    with pytest.raises(DecloneError, match=message):
        load_baseline(path)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(DecloneError, match="cannot read the baseline"):
        load_baseline(path)


def test_a_family_is_accepted_under_any_of_its_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = AGENT.replace("class MockAgent", "class FakeAgent")
    root = write_repo(
        tmp_path,
        {
            "tests/test_0.py": AGENT,
            "tests/test_1.py": AGENT,
            "tests/test_2.py": renamed,
        },
        baseline=json.dumps(
            {
                "tool": "declone",
                "version": 1,
                "families": {
                    "FakeAgent": {"count": 4, "files": [f"tests/test_{n}.py" for n in range(4)]}
                },
            }
        ),
    )
    code, document = run_check(capsys, root)
    assert (code, document["violations"]) == (0, [])
