from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from migration_support import USES, actions, helper, module_with_copy, run_json


def plan(
    capsys: pytest.CaptureFixture[str], root: Path, *options: str
) -> tuple[int, dict[str, Any]]:
    return run_json(capsys, "plan", "Recorder", "--root", str(root), *options)


def test_extracted_canonical_gives_each_copy_its_action(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_renamed.py": module_with_copy(
                USES.format(name="FakeRecorder"), name="FakeRecorder"
            ),
            "tests/test_extra.py": module_with_copy(
                USES.format(name="Recorder"),
                extra="\n    def last(self):\n        return self.sent[-1]\n",
            ),
            "tests/test_async.py": module_with_copy(
                USES.format(name="Recorder"),
                extra="\n    async def drain(self):\n        return list(self.sent)\n",
            ),
        }
    )
    code, document = plan(capsys, root, "--extract-to", "tests/support/recorder.py")
    assert code == 0
    found = actions(document)
    assert found["tests/test_a.py"][0] == "replace"
    assert found["tests/test_b.py"][0] == "replace"
    assert found["tests/test_renamed.py"][0] == "alias"
    assert found["tests/test_extra.py"] == ("residual", found["tests/test_extra.py"][1])
    assert "last" in found["tests/test_extra.py"][1]
    extra = next(e for e in document["files"] if e["path"] == "tests/test_extra.py")
    assert extra["keep_members"] == ["last"]
    assert document["canonical"]["module"] == "tests.support.recorder"
    assert document["canonical"]["aliases"] == ["FakeRecorder"]
    assert document["canonical"]["written_by_migration"] is True
    assert document["summary"]["replace"] == 2
    # The files themselves are untouched by a plan.
    assert not (root / "tests/support/recorder.py").exists()


def test_plan_diff_shows_the_new_module_and_every_changed_file(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    before = (root / "tests/test_a.py").read_bytes()
    capsys.readouterr()
    assert (
        main(
            [
                "plan",
                "Recorder",
                "--root",
                str(root),
                "--extract-to",
                "tests/support/rec.py",
                "--diff",
                "--no-cache",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "+++ b/tests/support/rec.py" in out
    assert "--- a/tests/test_a.py" in out
    assert "+from tests.support.rec import Recorder" in out
    assert "-class Recorder:" in out
    assert (root / "tests/test_a.py").read_bytes() == before


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Recorder = dict\n", "name rebound at line"),
        ("def make():\n    return globals()['Recorder']\n", "looked up by a string"),
        ("eval('1')\n", "eval/exec"),
        ("def where():\n    return Recorder.__module__\n", "__module__"),
        ("class Recorder:\n    pass\n", "defined more than once"),
    ],
    ids=["rebound", "globals-lookup", "eval", "module-attribute", "defined-twice"],
)
def test_unsafe_namespaces_are_skipped(
    repo: Any, capsys: pytest.CaptureFixture[str], body: str, reason: str
) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_odd.py": module_with_copy(body),
        }
    )
    _, document = plan(capsys, root, "--extract-to", "tests/support/rec.py")
    action, why = actions(document)["tests/test_odd.py"]
    assert action == "skip"
    assert reason in why
    assert actions(document)["tests/test_a.py"][0] == "replace"


def test_nested_and_in_function_copies_are_skipped(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    indented = "\n".join("    " + line if line else "" for line in helper().splitlines())
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_inline.py": f"def test_inline():\n{indented}\n    assert Recorder().sent == []\n",
            "tests/test_nested.py": f"class Holder:\n{indented}\n",
        }
    )
    _, document = plan(capsys, root, "--extract-to", "tests/support/rec.py")
    found = actions(document)
    assert found["tests/test_inline.py"] == (
        "skip",
        "class created in a function; it cannot be imported",
    )
    # A class nested in a class is in no family: an import cannot replace it.
    assert "tests/test_nested.py" not in found


def test_a_file_that_cannot_import_the_canonical_is_skipped(
    repo: Any, capsys: pytest.CaptureFixture[str], write_tree: Any
) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    # No pythonpath and a folder without __init__.py: its tests import with basedir other/.
    write_tree(
        {
            "pyproject.toml": "[tool.pytest.ini_options]\n",
            "other/test_c.py": module_with_copy(USES.format(name="Recorder")),
        },
        root,
    )
    _, document = plan(capsys, root, "--extract-to", "tests/support/rec.py")
    found = actions(document)
    assert found["other/test_c.py"][0] == "skip"
    assert "cannot import the canonical" in found["other/test_c.py"][1]
    entry = next(e for e in document["files"] if e["path"] == "other/test_c.py")
    assert entry["import"]["importable"] is False
    assert found["tests/test_a.py"][0] == "replace"


HAND_WRITTEN = '''\
class RecordingDouble:
    """A hand-written recorder with a bigger API."""

    def __init__(self, *, limit=None, **context):
        self.sent = []
        self.closed = False
        self.limit = limit

    def send(self, message, flush=False):
        self.sent.append(message)

    def close(self):
        self.closed = True
'''


@pytest.mark.parametrize(
    ("extra", "body", "action", "reason"),
    [
        ("", "", "alias", "whole API"),
        ("\n    def last(self):\n        return self.sent[-1]\n", "", "residual", "last"),
        ("\n    def peek(self):\n        return self.buffer\n", "", "skip", "self.buffer"),
        (
            "\n    async def close(self):\n        self.closed = True\n",
            "",
            "skip",
            "async method here",
        ),
        (
            "\n    def send(self, message, *more):\n        self.sent.append(message)\n",
            "",
            "skip",
            "send: the copy takes *args",
        ),
        ("", "def test_flag():\n    assert Recorder().opened\n", "alias", ""),
    ],
    ids=[
        "same-api",
        "added-method",
        "added-method-missing-attr",
        "sync-vs-async",
        "signature",
        "unrelated-attr",
    ],
)
def test_existing_canonical_is_compared_by_api(
    repo: Any,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    body: str,
    action: str,
    reason: str,
) -> None:
    root = repo(
        {
            "tests/support/recorder.py": HAND_WRITTEN,
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder") + body, extra=extra),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    _, document = plan(capsys, root, "--canonical", "tests.support.recorder:RecordingDouble")
    found = actions(document)
    assert found["tests/test_a.py"][0] == action
    assert reason in found["tests/test_a.py"][1]
    assert document["canonical"]["origin"] == "existing"


def test_an_existing_copy_as_canonical_keeps_what_differs(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = helper().replace("self.sent.append(message)", "self.sent.append(str(message))")
    root = repo(
        {
            "tests/support/recorder.py": helper(),
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": changed + "\n\n" + USES.format(name="Recorder"),
        }
    )
    _, document = plan(capsys, root, "--canonical", "tests.support.recorder:Recorder")
    found = actions(document)
    assert found["tests/support/recorder.py"][0] == "canonical"
    assert found["tests/test_a.py"][0] == "replace"
    entry = next(e for e in document["files"] if e["path"] == "tests/test_b.py")
    assert (entry["action"], entry["keep_members"]) == ("residual", ["send"])


def test_a_used_attribute_the_canonical_lacks_is_a_skip(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ""
    copy = helper().replace("self.closed = False", "self.closed = False\n        self.flushed = 0")
    root = repo(
        {
            "tests/support/recorder.py": HAND_WRITTEN,
            "tests/test_a.py": copy
            + extra
            + "\n\ndef test_x():\n    assert Recorder().flushed == 0\n",
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    _, document = plan(capsys, root, "--canonical", "tests.support.recorder:RecordingDouble")
    action, reason = actions(document)["tests/test_a.py"]
    assert action == "skip"
    assert ".flushed" in reason


def test_the_builtin_double_accepts_both_call_styles(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sync_copy = """\
class TestWebSocketConnection:
    def __init__(self):
        self.messages_sent = []
        self.is_connected = True
        self._closed = False

    async def send_json(self, message):
        self.messages_sent.append(message)

    async def close(self, code=1000, reason="Normal closure"):
        self._closed = True

    def get_messages(self):
        return self.messages_sent.copy()
"""
    async_copy = sync_copy.replace("    def get_messages", "    async def get_messages")
    root = repo({"tests/test_a.py": sync_copy, "tests/test_b.py": async_copy})
    code, document = run_json(
        capsys,
        "plan",
        "TestWebSocketConnection",
        "--root",
        str(root),
        "--canonical",
        "declone.testing.websocket:FakeWebSocketConnection",
    )
    assert code == 0
    found = actions(document)
    assert found["tests/test_a.py"][0] == "alias"
    assert found["tests/test_b.py"][0] == "alias"
    assert document["canonical"]["origin"] == "installed"
    assert document["canonical"]["sets_test_false"] is True
    assert any("installed" in condition for condition in document["conditions"])


def test_a_collected_canonical_without_test_false_is_refused(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    canonical = HAND_WRITTEN
    no_init = "class TestRecorder:\n    def send(self, m):\n        pass\n\n    def close(self):\n        pass\n\n    def more(self):\n        pass\n"
    root = repo(
        {
            "tests/support/recorder.py": canonical,
            "tests/test_a.py": no_init,
            "tests/test_b.py": no_init,
        }
    )
    _, document = run_json(
        capsys,
        "plan",
        "TestRecorder",
        "--root",
        str(root),
        "--canonical",
        "tests.support.recorder:RecordingDouble",
    )
    for path in ("tests/test_a.py", "tests/test_b.py"):
        action, reason = actions(document)[path]
        assert action == "skip"
        assert "__test__ = False" in reason


def test_plan_table_and_usage_errors(repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    capsys.readouterr()
    assert (
        main(
            [
                "plan",
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
    captured = capsys.readouterr()
    assert "replace" in captured.out
    assert "tests/test_a.py" in captured.out
    assert "2 copies: 2 replace" in captured.err
    assert main(["plan", "Nope", "--root", str(root), "--extract-to", "tests/support/rec.py"]) == 2
    assert "no family named 'Nope'" in capsys.readouterr().err
    # Without a canonical, plan proposes one (migrate needs it said).
    assert main(["plan", "Recorder", "--root", str(root)]) == 0
    assert "no canonical given: proposing --extract-to 'tests/declone_support.py'" in (
        capsys.readouterr().err
    )
    assert main(["migrate", "Recorder", "--root", str(root), "--dry-run"]) == 2
    assert "`declone plan Recorder` proposes one" in capsys.readouterr().err
    assert (
        main(["plan", "Recorder", "--root", str(root), "--canonical", "nowhere.to.be:Found"]) == 2
    )
    assert "neither in the repository" in capsys.readouterr().err
    assert main(["plan", "Recorder", "--root", str(root), "--canonical", "bad"]) == 2
    assert main(["plan", "Recorder", "--root", str(root), "--extract-to", "../outside.py"]) == 2
    assert (
        main(
            [
                "plan",
                "Recorder",
                "--root",
                str(root),
                "--extract-to",
                "tests/x.py",
                "--variant",
                "zzz",
            ]
        )
        == 2
    )
    assert "no single variant" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("copy", "reason"),
    [
        (helper().replace("class Recorder:", "class Recorder(dict):"), "other bases (dict)"),
        ("import functools\n\n\n@functools.total_ordering\n" + helper(), "other class decorators"),
        (
            helper().replace("    def __init__", "    if True:\n        x = 1\n\n    def __init__"),
            "class-level statement",
        ),
    ],
    ids=["bases", "decorators", "statement"],
)
def test_same_origin_divergence_that_cannot_be_kept_apart(
    repo: Any, capsys: pytest.CaptureFixture[str], copy: str, reason: str
) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_c.py": copy,
        }
    )
    _, document = plan(capsys, root, "--extract-to", "tests/support/rec.py")
    action, why = actions(document)["tests/test_c.py"]
    assert action == "skip"
    assert reason in why


def test_canonical_with_test_methods_would_be_collected_twice(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    canonical = "class TestRecorder:\n    def send(self, m):\n        pass\n\n    def test_itself(self):\n        pass\n"
    copy = "class TestRecorder:\n    def send(self, m):\n        pass\n"
    root = repo(
        {"tests/support/recorder.py": canonical, "tests/test_a.py": copy, "tests/test_b.py": copy}
    )
    _, document = run_json(
        capsys,
        "plan",
        "TestRecorder",
        "--root",
        str(root),
        "--canonical",
        "tests.support.recorder:TestRecorder",
    )
    action, reason = actions(document)["tests/test_a.py"]
    assert action == "skip"
    assert "would collect TestRecorder's test_itself" in reason


def test_the_builtin_double_needs_declone_in_the_target_interpreter(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil
    import subprocess

    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("no system python3")
    probe = subprocess.run([python, "-c", "import declone"], capture_output=True, check=False)
    if probe.returncode == 0:
        pytest.skip("the system python has declone installed")
    copy = "class TestWebSocketConnection:\n    def __init__(self):\n        self.messages_sent = []\n\n    async def send_json(self, message):\n        self.messages_sent.append(message)\n"
    root = repo({"tests/test_a.py": copy, "tests/test_b.py": copy})
    _, document = run_json(
        capsys,
        "plan",
        "TestWebSocketConnection",
        "--root",
        str(root),
        "--python",
        python,
        "--canonical",
        "declone.testing.websocket:FakeWebSocketConnection",
    )
    action, reason = actions(document)["tests/test_a.py"]
    assert action == "skip"
    assert "not installed" in reason
    assert "(it is not)" in document["conditions"][0]


def test_registered_family_and_variant_choice(
    repo: Any, capsys: pytest.CaptureFixture[str], write_tree: Any
) -> None:
    extra = "\n    def last(self):\n        return self.sent[-1]\n"
    root = repo(
        {
            "tests/support/rec.py": helper(),
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder"), extra=extra),
        }
    )
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + '\n[tool.declone.families]\nRecorder = "tests.support.rec:Recorder"\n'
    )
    _, document = plan(capsys, root)
    assert document["canonical"]["reference"] == "tests.support.rec:Recorder"
    # --variant picks the extra-method variant by its id prefix; the other copy lacks
    # `last`, so the extracted canonical has all it has: replace.
    capsys.readouterr()
    main(["scan", str(root), "--json", "--no-cache"])
    import json

    scan = json.loads(capsys.readouterr().out)
    variant = next(v["id"] for v in scan["families"][0]["variants"] if v["count"] == 1)
    _, document = plan(
        capsys, root, "--extract-to", "tests/support/other.py", "--variant", variant[:6]
    )
    assert document["canonical"]["extracted_from"].startswith("tests/test_b.py")
    assert actions(document)["tests/test_a.py"][0] == "replace"
    assert (
        main(
            [
                "plan",
                "Recorder",
                "--root",
                str(root),
                "--extract-to",
                "tests/support/rec.py",
                "--name",
                "Nope",
            ]
        )
        == 2
    )
    assert "no module-level class Nope" in capsys.readouterr().err


def test_an_installed_module_is_read_from_the_target_interpreter(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
        }
    )
    _, document = plan(capsys, root, "--canonical", "json.decoder:JSONDecoder")
    assert document["canonical"]["origin"] == "installed"
    # JSONDecoder has none of the recorder's methods: each copy keeps them all, and they
    # use attributes the decoder lacks.
    assert {entry["action"] for entry in document["files"]} == {"skip"}
    assert (
        main(["plan", "Recorder", "--root", str(root), "--canonical", "json.decoder:Missing"]) == 2
    )
    assert "no class Missing" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("copy", "reason"),
    [
        (
            "import registry\n\n\n@registry.register\n" + helper(),
            # The canonical, written from the undecorated copies, lacks the decorator: no
            # import can stand for this copy, --unsafe or not.
            "incompatible divergence: other class decorators (registry.register)",
        ),
        (
            helper().replace(
                "    def __init__(self):\n        self.sent = []\n        self.closed = False\n\n",
                "",
            ),
            "the canonical defines __init__, which the copy does not",
        ),
    ],
    ids=["registering-decorator", "missing-constructor"],
)
def test_copies_that_would_change_behaviour_are_skipped(
    repo: Any, capsys: pytest.CaptureFixture[str], copy: str, reason: str
) -> None:
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_b.py": module_with_copy(USES.format(name="Recorder")),
            "tests/test_c.py": copy,
        }
    )
    _, document = plan(capsys, root, "--extract-to", "tests/support/rec.py")
    action, why = actions(document)["tests/test_c.py"]
    assert action == "skip"
    assert reason in why
