from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from migration_support import USES, commit_all, helper, module_with_copy, run_json

HELPER = helper()
IMPORT = "from tests.support.rec import Recorder\n"


def git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def migrate(root: Path, *argv: str) -> int:
    return main(
        [
            "migrate",
            "Recorder",
            "--root",
            str(root),
            "--canonical",
            "tests.support.rec:Recorder",
            "--no-cache",
            *argv,
        ]
    )


GOLDEN = [
    (
        "use-before-definition-annotations-isinstance",
        '''\
        """Tests."""
        from __future__ import annotations

        import os


        def make() -> Recorder:
            return Recorder()


        {helper}

        def test_x(r: "Recorder" = None):
            assert isinstance(make(), Recorder)
        ''',
        f'''\
        """Tests."""
        from __future__ import annotations

        import os

        {IMPORT}

        def make() -> Recorder:
            return Recorder()


        def test_x(r: "Recorder" = None):
            assert isinstance(make(), Recorder)
        ''',
    ),
    (
        "dunder-all-and-subclass-in-the-same-file",
        """\
        __all__ = ["Recorder", "Loud"]


        {helper}

        class Loud(Recorder):
            def send(self, message):
                super().send(message.upper())
        """,
        f"""\
        {IMPORT}
        __all__ = ["Recorder", "Loud"]


        class Loud(Recorder):
            def send(self, message):
                super().send(message.upper())
        """,
    ),
    (
        "comments-and-unused-import",
        """\
        import json  # only the copy used it
        import os

        # The copy of the recorder.
        {helper_json}


        def test_path():
            assert os.sep
            assert Recorder().sent == []
        """,
        f"""\
        import os

        {IMPORT}

        def test_path():
            assert os.sep
            assert Recorder().sent == []
        """,
    ),
]


def _indent_helper(text: str) -> str:
    return textwrap.indent(text, "        ").strip()


@pytest.mark.parametrize(
    ("before", "after"), [(b, a) for _, b, a in GOLDEN], ids=[c[0] for c in GOLDEN]
)
def test_golden_reference_kinds(repo: Any, before: str, after: str) -> None:
    json_helper = HELPER.replace(
        "self.sent.append(message)", "self.sent.append(json.loads(json.dumps(message)))"
    )
    source = textwrap.dedent(
        before.replace("{helper}", _indent_helper(HELPER)).replace(
            "{helper_json}", _indent_helper(json_helper)
        )
    )
    canonical = json_helper if "{helper_json}" in before else HELPER
    root = repo(
        {
            "tests/support/rec.py": ("import json\n\n\n" if "{helper_json}" in before else "")
            + canonical,
            "tests/test_target.py": source,
            "tests/test_other.py": module_with_copy(USES.format(name="Recorder"))
            if "{helper_json}" not in before
            else "import json\n\n\n" + json_helper,
        }
    )
    commit_all(root)
    # A comment the canonical lacks ("# The copy of the recorder.") goes only on request.
    assert migrate(root, "--drop-comments") == 0
    assert (root / "tests/test_target.py").read_text() == textwrap.dedent(after)
    # A second run changes nothing.
    commit_all(root)
    again = (root / "tests/test_target.py").read_bytes()
    assert migrate(root, "--drop-comments") == 0
    assert (root / "tests/test_target.py").read_bytes() == again


COUNTER = """\
class Counter:
    def __init__(self):
        self.count = 0

    def add(self):
        self.count += 1

    def reset(self):
        self.count = 0
"""


def test_several_families_in_one_file(repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    shared = f"import os\n\n\n{HELPER}\n\n{COUNTER}\n\ndef test_both():\n    assert Recorder().sent == [] and Counter().count == 0\n"
    root = repo({"tests/test_a.py": shared, "tests/test_b.py": shared})
    commit_all(root)
    assert (
        main(
            [
                "migrate",
                "Recorder",
                "--root",
                str(root),
                "--extract-to",
                "tests/support/rec.py",
                "--no-cache",
            ]
        )
        == 0
    )
    commit_all(root)
    assert (
        main(
            [
                "migrate",
                "Counter",
                "--root",
                str(root),
                "--extract-to",
                "tests/support/counter.py",
                "--no-cache",
            ]
        )
        == 0
    )
    expected = (
        "import os\n"
        "\n"
        "from tests.support.counter import Counter\n"
        "from tests.support.rec import Recorder\n"
        "\n\n"
        "def test_both():\n"
        "    assert Recorder().sent == [] and Counter().count == 0\n"
    )
    assert (root / "tests/test_a.py").read_text() == expected
    assert (root / "tests/test_b.py").read_text() == expected


def test_crlf_bom_and_latin1_files_keep_their_bytes(repo: Any) -> None:
    crlf = (
        ("\ufeff" + HELPER + "\n\n" + USES.format(name="Recorder"))
        .replace("\n", "\r\n")
        .encode("utf-8")
    )
    latin = (
        "# -*- coding: latin-1 -*-\n# café\n" + HELPER + "\n\n" + USES.format(name="Recorder")
    ).encode("latin-1")
    root = repo(
        {"tests/support/rec.py": HELPER, "tests/test_crlf.py": crlf, "tests/test_latin.py": latin}
    )
    commit_all(root)
    assert migrate(root) == 0
    after_crlf = (root / "tests/test_crlf.py").read_bytes()
    assert after_crlf.startswith(b"\xef\xbb\xbffrom tests.support.rec import Recorder\r\n")
    assert b"\n" not in after_crlf.replace(b"\r\n", b"")
    after_latin = (root / "tests/test_latin.py").read_bytes()
    assert "# café\n".encode("latin-1") in after_latin
    assert b"class Recorder" not in after_latin


def test_batches_order_max_files_and_paths(repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        f"tests/{folder}/test_{n}.py": module_with_copy(USES.format(name="Recorder"))
        for folder in ("a", "b")
        for n in range(3)
    }
    root = repo({"tests/support/rec.py": HELPER, **files})
    commit_all(root)
    code, document = run_json(
        capsys,
        "migrate",
        "Recorder",
        "--root",
        str(root),
        "--canonical",
        "tests.support.rec:Recorder",
        "--order",
        "tests/b/**",
        "--batch-size",
        "2",
        "--max-files",
        "3",
    )
    assert code == 0
    assert [c["path"] for c in document["changed"]] == [
        "tests/b/test_0.py",
        "tests/b/test_1.py",
        "tests/b/test_2.py",
    ]
    assert [len(b["files"]) for b in document["batches"]] == [2, 1]
    assert len(document["deferred"]) == 3
    code, document = run_json(
        capsys,
        "migrate",
        "Recorder",
        "--root",
        str(root),
        "--canonical",
        "tests.support.rec:Recorder",
        "--paths",
        str(root / "tests/a"),
        "--allow-dirty",
    )
    assert [c["path"] for c in document["changed"]] == [
        "tests/a/test_0.py",
        "tests/a/test_1.py",
        "tests/a/test_2.py",
    ]
    runs = sorted((root / ".declone/runs").iterdir())
    assert len(runs) == 2
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert {entry["status"] for entry in manifest["files"]} == {"done"}


def test_register_records_the_family(repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(
                USES.format(name="FakeRecorder"), name="FakeRecorder"
            ),
        }
    )
    commit_all(root)
    code, document = run_json(
        capsys,
        "migrate",
        "Recorder",
        "--root",
        str(root),
        "--extract-to",
        "tests/support/rec.py",
        "--register",
    )
    assert code == 0
    assert "pyproject.toml" in [c["path"] for c in document["changed"]]
    text = (root / "pyproject.toml").read_text()
    assert (
        'Recorder = {canonical = "tests.support.rec:Recorder", aliases = ["FakeRecorder"]}' in text
    )
    assert main(["rollback", document["run_id"], "--root", str(root)]) == 0
    assert "declone" not in (root / "pyproject.toml").read_text()
    assert not (root / "tests/support/rec.py").exists()


def test_usage_and_refusals(repo: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = repo(
        {
            "tests/support/rec.py": HELPER,
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    assert migrate(root, "--batch-size", "0") == 2
    assert migrate(root, "--max-files", "0") == 2
    # Not a git work tree: --commit is a usage error, and nothing is checked for dirtiness.
    assert migrate(root, "--commit") == 2
    assert "not a git work tree" in capsys.readouterr().err
    assert migrate(root, "--dry-run") == 0
    assert "class Recorder" in (root / "tests/test_a.py").read_text()
    assert migrate(root) == 0
    assert "class Recorder" not in (root / "tests/test_a.py").read_text()
    # Nothing left: the family is gone, the canonical still resolves.
    capsys.readouterr()
    assert migrate(root) == 0
    assert "nothing to do: Recorder is defined once, in tests/support/rec.py" in (
        capsys.readouterr().err
    )


def test_skipped_copies_are_said_and_not_a_failure(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            "tests/support/rec.py": HELPER,
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy("Recorder = dict\n"),
        }
    )
    commit_all(root)
    capsys.readouterr()
    assert migrate(root) == 0
    err = capsys.readouterr().err
    assert "skipped Recorder: name rebound" in err
    assert "class Recorder" in (root / "tests/test_b.py").read_text()


def test_finalize_refuses_a_clash_and_keeps_the_alias_it_needs(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    module = HELPER + "\n\nFakeRecorder = Recorder\n"
    root = repo(
        {
            "tests/support/rec.py": module,
            "tests/test_a.py": "from tests.support.rec import Recorder as FakeRecorder\n\n\ndef test_a():\n    assert FakeRecorder().sent == []\n",
            "tests/test_b.py": "from tests.support.rec import FakeRecorder\n\nRecorder = 1\n\n\ndef test_b():\n    assert FakeRecorder().sent == []\n",
        }
    )
    commit_all(root)
    code, document = run_json(
        capsys,
        "finalize",
        "FakeRecorder",
        "--root",
        str(root),
        "--canonical",
        "tests.support.rec:Recorder",
    )
    assert code == 1
    assert [c["path"] for c in document["changed"]] == ["tests/test_a.py"]
    assert document["refused"][0]["path"] == "tests/test_b.py"
    assert "clash" in document["refused"][0]["reason"]
    assert document["aliases_kept"] == ["FakeRecorder"]
    assert (
        (root / "tests/test_a.py")
        .read_text()
        .startswith("from tests.support.rec import Recorder\n")
    )
    assert (root / "tests/support/rec.py").read_text() == module
    # A dirty file to rewrite is refused.
    (root / "tests/test_b.py").write_text(
        "from tests.support.rec import FakeRecorder\n\nFakeRecorder()\n"
    )
    capsys.readouterr()
    assert (
        main(
            [
                "finalize",
                "FakeRecorder",
                "--root",
                str(root),
                "--canonical",
                "tests.support.rec:Recorder",
                "--no-cache",
            ]
        )
        == 3
    )
    assert "uncommitted changes" in capsys.readouterr().err
    assert (
        main(
            [
                "finalize",
                "FakeRecorder",
                "--root",
                str(root),
                "--canonical",
                "tests.support.rec:Recorder",
                "--no-cache",
                "--allow-dirty",
            ]
        )
        == 0
    )
    assert "FakeRecorder" not in (root / "tests/support/rec.py").read_text()


def test_batch_callback_rolls_back_the_files_it_names(repo: Any) -> None:
    from declone.migrate import Batch, apply_batches, open_writer
    from declone.plan.changes import FileChange
    from declone.rewrite.transform import RewriteStatus

    root = repo(
        {"tests/test_a.py": "a = 1\n", "tests/test_b.py": "b = 1\n", "tests/test_c.py": "c = 1\n"}
    )
    changes = tuple(
        FileChange(
            f"tests/test_{name}.py",
            RewriteStatus.CHANGED,
            f"{name} = 1\n".encode(),
            f"{name} = 2\n".encode(),
            ("edit",),
        )
        for name in "abc"
    )
    # test_c.py changed after planning: the journal leaves it alone and says why.
    (root / "tests/test_c.py").write_text("c = 3\n")
    writer = open_writer(root, "Demo", "m:Demo")
    seen: list[tuple[str, ...]] = []

    def verify(batch: Batch) -> list[str]:
        seen.append(batch.paths)
        return ["tests/test_b.py"]

    advanced: list[int] = []
    (outcome,) = apply_batches(
        root, writer, [Batch(1, changes)], on_progress=advanced.append, after_batch=verify
    )
    assert seen == [("tests/test_a.py", "tests/test_b.py", "tests/test_c.py")]
    assert outcome.written == ("tests/test_a.py",)
    assert outcome.rolled_back == ("tests/test_b.py",)
    assert outcome.refused == (("tests/test_c.py", "changed since planned"),)
    assert advanced == [3]
    assert (root / "tests/test_a.py").read_text() == "a = 2\n"
    assert (root / "tests/test_b.py").read_text() == "b = 1\n"
    assert (root / "tests/test_c.py").read_text() == "c = 3\n"


def test_coloured_diff_on_a_terminal(
    repo: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    root = repo(
        {
            "tests/support/rec.py": HELPER,
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    capsys.readouterr()
    assert migrate(root, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "\x1b[" in out
    assert "class Recorder" in out
