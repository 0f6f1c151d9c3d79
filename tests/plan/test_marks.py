"""A ``@pytest.mark.X`` on a helper: no reason to keep it in place, unless a class that pytest
collects inherits it; then the mark takes effect on that class's tests, and the copy stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from migration_support import run_json

EXTRACT = "tests/support/rec.py"

#: A helper pytest cannot collect (its name does not match ``Test*``), with a mark.
MARKED = '''\
{imports}


@{mark}
class Recorder:
    """Records what it is sent."""

    def send(self, message):
        self.sent.append(message)

    def close(self):
        self.closed = True

    def reset(self):
        self.sent = []
'''


def marked(mark: str = "pytest.mark.slow", imports: str = "import pytest", body: str = "") -> str:
    return MARKED.format(mark=mark, imports=imports) + (f"\n\n{body}" if body else "")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def plan_files(capsys: pytest.CaptureFixture[str], root: Path) -> dict[str, dict[str, Any]]:
    code, document = run_json(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", EXTRACT
    )
    assert code == 0
    return {entry["path"]: entry for entry in document["files"]}


SUBCLASS = "class {name}({base}):\n    def test_it(self):\n        assert True\n"


@pytest.mark.parametrize(
    "body",
    [
        "",
        SUBCLASS.format(name="SubRecorder", base="Recorder"),
        "class Recording:\n    pass\n",
    ],
    ids=["no-subclass", "subclass-pytest-does-not-collect", "unrelated-class"],
)
def test_a_mark_on_a_helper_pytest_cannot_collect_is_no_reason_to_skip(
    repo: Any, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    root = repo({"tests/test_a.py": marked(body=body), "tests/test_b.py": marked()})
    files = plan_files(capsys, root)
    assert {(e["action"], e["tier"]) for e in files.values()} == {("replace", "safe")}


def test_a_helper_with_a_constructor_makes_its_subclasses_uncollectable(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    constructed = marked().replace(
        "    def send(", "    def __init__(self):\n        self.sent = []\n\n    def send("
    )
    body = SUBCLASS.format(name="TestSub", base="Recorder")
    root = repo({"tests/test_a.py": f"{constructed}\n\n{body}", "tests/test_b.py": constructed})
    files = plan_files(capsys, root)
    assert {e["action"] for e in files.values()} == {"replace"}


@pytest.mark.parametrize(
    ("mark", "imports"),
    [("pytest.mark.slow", "import pytest"), ("mark.slow", "from pytest import mark")],
    ids=["pytest.mark", "mark"],
)
def test_a_mark_a_collected_subclass_inherits_stays(
    repo: Any, capsys: pytest.CaptureFixture[str], mark: str, imports: str
) -> None:
    text = marked(mark, imports, SUBCLASS.format(name="TestSub", base="Recorder"))
    root = repo({"tests/test_a.py": text, "tests/test_b.py": marked(mark, imports)})
    files = plan_files(capsys, root)
    entry = files["tests/test_a.py"]
    assert (entry["action"], entry["tier"]) == ("skip", "safe")
    assert entry["reason"] == (
        f"@{mark} takes effect on TestSub (tests/test_a.py:{line_of(text, 'class TestSub')}), "
        "which inherits it; the mark stays where it is"
    )
    assert entry["cause"] == "with a mark a collected subclass inherits"
    assert files["tests/test_b.py"]["action"] == "replace"


def test_a_subclass_elsewhere_is_found_through_its_imports(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = (
        "from tests.helpers_a import Recorder\n\n\n"
        + SUBCLASS.format(name="Middle", base="Recorder").replace("test_it", "check")
        + "\n\n"
        + SUBCLASS.format(name="TestDeep", base="Middle")
    )
    root = repo(
        {
            "tests/helpers_a.py": marked(),
            "tests/helpers_b.py": marked(),
            "tests/test_deep.py": deep,
        }
    )
    files = plan_files(capsys, root)
    assert files["tests/helpers_a.py"]["reason"] == (
        f"@pytest.mark.slow takes effect on TestDeep (tests/test_deep.py:"
        f"{line_of(deep, 'class TestDeep')}), which inherits it; the mark stays where it is"
    )
    # Another copy of the same name is no base of TestDeep: it moves.
    assert files["tests/helpers_b.py"]["action"] == "replace"
