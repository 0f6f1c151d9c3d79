"""Safe and unsafe actions: a residual subclass is safe only when it really inherits; one
that would redefine half of the canonical or more stays as it is, with its diff, unless
``--unsafe``. Production code never imports test code."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from declone.config import load_settings
from declone.plan import Action, PlanRequest, Tier, prepare_plan
from declone.plan.importability import import_context
from declone.plan.planner import plan_migration
from migration_support import USES, helper, run_json

EXTRACT = "tests/support/rec.py"
#: Overrides two of the helper's three members (send, close); inherits __init__.
TWO_CHANGED = (
    helper()
    .replace("append(message)", "append(str(message))")
    .replace("self.closed = True", "self.closed = 'yes'")
)
DIVERGED_DIFF = "".join(
    f"{line}\n"
    for line in (
        "--- tests.support.rec:Recorder",
        "+++ tests/test_two.py:1",
        "@@ -6,7 +6,7 @@",
        "         self.closed = False",
        " ",
        "     def send(self, message):",
        "-        self.sent.append(message)",
        "+        self.sent.append(str(message))",
        " ",
        "     def close(self):",
        "-        self.closed = True",
        "+        self.closed = 'yes'",
    )
)
#: A copy that changes most of a class this small joins its family under a looser threshold.
LOOSE = ("--similarity", "0.3")
DIVERGED_REASON = (
    "a residual subclass would override 2 of Recorder's 3 members (send, close) and inherit "
    "only __init__: the copy diverged"
)


def with_uses(copy: str) -> str:
    return f"{copy}\n\n{USES.format(name='Recorder')}"


def family_with(repo: Any, **copies: str) -> Path:
    """Three copies of the helper as it is (the canonical's variant), and ``copies``."""
    files = {f"tests/test_{n}.py": with_uses(helper()) for n in ("a", "b", "c")}
    files.update({f"tests/test_{name}.py": with_uses(text) for name, text in copies.items()})
    root: Path = repo(files)
    return root


def plan_files(
    capsys: pytest.CaptureFixture[str], root: Path, *options: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    code, document = run_json(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", EXTRACT, *LOOSE, *options
    )
    assert code == 0
    return document, {entry["path"]: entry for entry in document["files"]}


def test_a_residual_that_would_redefine_most_of_the_canonical_stays_with_its_diff(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family_with(repo, two=TWO_CHANGED)
    document, files = plan_files(capsys, root)
    entry = files["tests/test_two.py"]
    assert (entry["action"], entry["tier"], entry["cause"]) == ("skip", "unsafe", "diverged: kept")
    assert entry["reason"] == DIVERGED_REASON + "; --unsafe plans it anyway"
    assert entry["canonical_diff"] == DIVERGED_DIFF
    assert document["unsafe"] is False
    assert {files[f"tests/test_{n}.py"]["tier"] for n in "abc"} == {"safe"}


def test_a_copy_that_overrides_everything_inherits_nothing(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    everything = TWO_CHANGED.replace("self.sent = []", "self.sent = list()")
    root = family_with(repo, all=everything)
    _, files = plan_files(capsys, root)
    entry = files["tests/test_all.py"]
    assert (entry["action"], entry["cause"]) == ("skip", "diverged: kept")
    assert entry["reason"].startswith(
        "a residual subclass would override 3 of Recorder's 3 members (__init__, send, close) "
        "and inherit nothing"
    )


@pytest.mark.parametrize(
    ("copy", "kept"),
    [
        (helper(extra="\n    def last(self):\n        return self.sent[-1]\n"), ["last"]),
        (helper().replace("append(message)", "append(str(message))"), ["send"]),
    ],
    ids=["adds-a-method", "overrides-one-of-three"],
)
def test_a_residual_that_really_inherits_is_safe(
    repo: Any, capsys: pytest.CaptureFixture[str], copy: str, kept: list[str]
) -> None:
    root = family_with(repo, x=copy)
    _, files = plan_files(capsys, root)
    entry = files["tests/test_x.py"]
    assert (entry["action"], entry["tier"], entry["keep_members"]) == ("residual", "safe", kept)
    assert entry["canonical_diff"] is None
    assert "unsafe" not in entry["reason"]


def test_unsafe_plans_the_diverged_copy_as_an_unsafe_residual(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family_with(repo, two=TWO_CHANGED)
    document, files = plan_files(capsys, root, "--unsafe")
    entry = files["tests/test_two.py"]
    assert (entry["action"], entry["tier"], entry["keep_members"]) == (
        "residual",
        "unsafe",
        ["send", "close"],
    )
    assert entry["reason"] == (
        f"adds or overrides send, close; keeps them in a subclass of Recorder "
        f"(unsafe: {DIVERGED_REASON})"
    )
    assert entry["canonical_diff"] == DIVERGED_DIFF
    assert document["unsafe"] is True


def test_migrate_writes_an_unsafe_residual_only_with_unsafe(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family_with(repo, two=TWO_CHANGED)
    before = (root / "tests/test_two.py").read_text()
    argv = ["migrate", "Recorder", "--root", str(root), "--extract-to", EXTRACT, *LOOSE]
    argv.append("--allow-dirty")
    assert main([*argv, "--no-cache"]) == 0
    assert (root / "tests/test_two.py").read_text() == before
    assert (root / "tests/test_a.py").read_text().startswith("from tests.support.rec import")
    capsys.readouterr()
    assert main([*argv, "--no-cache", "--unsafe"]) == 0
    assert (root / "tests/test_two.py").read_text() == before.replace(
        textwrap.dedent(
            """\
            class Recorder:
                \"\"\"Records what it is sent.\"\"\"

                def __init__(self):
                    self.sent = []
                    self.closed = False

            """
        ),
        textwrap.dedent(
            """\
            from tests.support.rec import Recorder as _Recorder


            class Recorder(_Recorder):
                \"\"\"Records what it is sent.\"\"\"

            """
        ),
    )


def test_the_plan_table_shows_each_tier(repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    root = family_with(repo, two=TWO_CHANGED)
    capsys.readouterr()
    argv = ["plan", "Recorder", "--root", str(root), "--extract-to", EXTRACT, *LOOSE]
    assert main([*argv, "--no-cache"]) == 0
    out, err = capsys.readouterr()
    # Each row starts with the copy's path:line (the table has no outer border).
    rows = {
        line.split("│")[0].strip().partition(":")[0]: line
        for line in out.splitlines()
        if line.startswith(" tests/")
    }
    assert "│ skip    │ unsafe │" in rows["tests/test_two.py"]
    assert "│ replace │ safe   │" in rows["tests/test_a.py"]
    assert "1 copy skipped as unsafe: --unsafe plans it anyway" in err


# --- production code and test code ----------------------------------------------------------


def test_production_code_never_imports_a_test_canonical(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = family_with(repo, **{})
    (root / "app").mkdir()
    (root / "app/recorder.py").write_text(helper(), encoding="utf-8")
    _, files = plan_files(capsys, root)
    entry = files["app/recorder.py"]
    assert (entry["action"], entry["reason"], entry["cause"]) == (
        "skip",
        "production code may not import test code (the canonical is in tests/support/rec.py)",
        "production code; the canonical is test code",
    )
    # Test code may import production code: extracted there, every copy moves.
    _, files = plan_files(capsys, root, "--extract-to", "app/support.py")
    assert {e["action"] for e in files.values()} == {"replace"}


def test_is_test_code_is_the_callers_predicate(repo: Any) -> None:
    root = family_with(repo, **{})
    (root / "qa").mkdir()
    (root / "qa/recorder.py").write_text(helper(), encoding="utf-8")
    settings = load_settings(root)
    prepared = prepare_plan(settings, PlanRequest("Recorder", extract_to=EXTRACT))
    assert prepared.plan is not None
    assert prepared.family is not None
    by_default = {e.path: e for e in prepared.plan.entries}["qa/recorder.py"]
    assert (by_default.action, by_default.cause) == (
        Action.SKIP,
        "production code; the canonical is test code",
    )
    texts = {path: (root / path).read_text(encoding="utf-8") for path in prepared.family.files}
    plan = plan_migration(
        prepared.index,
        prepared.family,
        prepared.resolved.canonical,
        settings.pytest,
        import_context(settings.pytest, [record.path for record in prepared.index.files]),
        texts,
        is_test_code=lambda path: path.startswith(("tests/", "qa/")),
    )
    entry = {e.path: e for e in plan.entries}["qa/recorder.py"]
    assert (entry.action, entry.tier) == (Action.REPLACE, Tier.SAFE)
